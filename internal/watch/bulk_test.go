package watch

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestParseBulk(t *testing.T) {
	for _, tc := range []struct{ name, data string }{
		{"t.csv", "name,url,file,keys\na,https://a.example/c.txt,,\nb,,b.txt,k1.asc; wkd:x@b.example\n"},
		{"t.csv", "\uFEFFkeys,name,file,url\r\n,a,,https://a.example/c.txt\r\n\"k1.asc;wkd:x@b.example\",b,b.txt,\r\n"},
		{"t.jsonl", "{\"name\": \"a\", \"url\": \"https://a.example/c.txt\"}\n\n{\"name\": \"b\", \"file\": \"b.txt\", \"keys\": [\"k1.asc\", \"wkd:x@b.example\"]}"},
	} {
		got, err := parseBulk(tc.name, []byte(tc.data))
		if err != nil {
			t.Fatalf("%q: %v", tc.data, err)
		}
		if len(got) != 2 || got[0].Name != "a" || got[0].URL != "https://a.example/c.txt" || got[0].Keys != nil ||
			got[1].Name != "b" || got[1].File != "b.txt" || strings.Join(got[1].Keys, "|") != "k1.asc|wkd:x@b.example" {
			t.Errorf("%q: %+v", tc.data, got)
		}
	}
}

func TestParseBulkErrors(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"t.txt", "", `t.txt: a targets_file is JSON Lines (.jsonl, .ndjson) or CSV (.csv)`},
		{"t.csv", "name,url,fiel\n", `t.csv:1:10: unknown column "fiel" (allowed: name, url, file, keys)`},
		{"t.csv", "url,keys\n", `t.csv:1:1: no "name" column`},
		{"t.csv", "name,name\n", `t.csv:1:6: column "name" given twice`},
		{"t.csv", "name,url\na,https://x.example/\n\"b,https://x\n", `t.csv:3:`},
		{"t.csv", "name,url\na,https://x.example/,3\n", `t.csv:2:`},
		{"t.csv", "name,url,file\na b,https://x.example/,\n", `t.csv:2:1: name "a b": use 1 to 64 letters`},
		{"t.csv", "name,url,file\na,ftp://x.example/,\n", `t.csv:2:3: url "ftp://x.example/"`},
		{"t.csv", "name,url,file\na,https://x.example/,f\n", `t.csv:2:1: a: give either url or file, not both`},
		{"t.csv", "name,url,file\na,,\n", `t.csv:2:1: a: give either url or file`},
		{"t.csv", "name,url,keys\na,https://x.example/,k;;j\n", `t.csv:2:22: keys: an empty key`},
		{"t.csv", "name,url\n", `t.csv: no targets`},
		{"t.jsonl", "{\"name\": \"a\", \"url\": \"https://x.example/\"}\n{\"name\": \"b\",, }\n", `t.jsonl:2:14: invalid character ','`},
		{"t.jsonl", "{\"name\": \"a\", \"urll\": \"https://x.example/\"}\n", `t.jsonl:1:15: unknown field "urll" (allowed: name, url, file, keys)`},
		{"t.jsonl", "[1]\n", `t.jsonl:1:1: want one JSON object per line`},
		{"t.jsonl", "{\"name\": 3}\n", `t.jsonl:1:10: name: want a string`},
		{"t.jsonl", "{\"name\": \"a\", \"url\": \"https://x.example/\"} {}\n", `t.jsonl:1:44: more after the object`},
		{"t.jsonl", "{\"name\": \"a\", \"name\": \"b\", \"url\": \"https://x.example/\"}\n", `t.jsonl:1:15: field "name" given twice`},
	} {
		_, err := parseBulk(tc.name, []byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: error %v, want %q", tc.name, tc.data, err, tc.want)
		}
	}
}

// FuzzParseBulk: any input is targets or an error, never a panic, and
// every target it accepts is well formed.
func FuzzParseBulk(f *testing.F) {
	f.Add(true, []byte("name,url,file,keys\na,https://a.example/c.txt,,\nb,,b.txt,k1.asc;wkd:x@b.example\n"))
	f.Add(true, []byte("name,url\n\"a\",\"https://x\"\"y\"\n"))
	f.Add(false, []byte("{\"name\": \"a\", \"url\": \"https://a.example/c.txt\"}\n{\"name\": \"b\", \"file\": \"b.txt\", \"keys\": [\"k\"]}\n"))
	f.Add(false, []byte("{\"name\": \"a\", \"url\": \"https://a.example/c.txt\", \"keys\": \"k;j\"}\r\n"))
	f.Fuzz(func(t *testing.T, csv bool, data []byte) {
		name := "t.jsonl"
		if csv {
			name = "t.csv"
		}
		got, err := parseBulk(name, data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), name) {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatal("no targets and no error")
		}
		for _, b := range got {
			if !validName(b.Name) || (b.URL == "") == (b.File == "") || (b.URL != "" && !validURL(b.URL)) || len(b.Keys) > 20 {
				t.Fatalf("accepted %+v", b)
			}
			for _, k := range b.Keys {
				if k == "" || strings.TrimSpace(k) != k {
					t.Fatalf("accepted key %q", k)
				}
			}
		}
	})
}

// BenchmarkLoad100k loads a watch list of 100,000 targets: from a JSON
// Lines and a CSV targets_file, and from 100 included YAML files of 1,000
// targets. It reports the bytes allocated per load and the heap still in
// use with the config loaded (bench/RESULTS.md).
func BenchmarkLoad100k(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	var jl, cs strings.Builder
	cs.WriteString("name,url,file,keys\n")
	files := map[string]string{
		"jsonl.yaml": "defaults: {keys: [keys/default.asc], cadence: 30d}\ntargets_file: lists/all.jsonl\n",
		"csv.yaml":   "defaults: {keys: [keys/default.asc], cadence: 30d}\ntargets_file: lists/all.csv\n",
		"yaml.yaml":  "defaults: {keys: [keys/default.asc], cadence: 30d}\ninclude: [lists/*.yaml]\n",
	}
	var y strings.Builder
	for i := range n {
		if i%10 == 0 {
			fmt.Fprintf(&jl, "{\"name\": \"target-%06d\", \"url\": \"https://host-%d.example.org/canary.txt\", \"keys\": [\"keys/t%d.asc\", \"wkd:canary@host-%d.example.org\"]}\n", i, i, i, i)
			fmt.Fprintf(&cs, "target-%06d,https://host-%d.example.org/canary.txt,,keys/t%d.asc;wkd:canary@host-%d.example.org\n", i, i, i, i)
			fmt.Fprintf(&y, "  - {name: target-%06d, url: \"https://host-%d.example.org/canary.txt\", keys: [keys/t%d.asc]}\n", i, i, i)
		} else {
			fmt.Fprintf(&jl, "{\"name\": \"target-%06d\", \"url\": \"https://host-%d.example.org/canary.txt\"}\n", i, i)
			fmt.Fprintf(&cs, "target-%06d,https://host-%d.example.org/canary.txt,,\n", i, i)
			fmt.Fprintf(&y, "  - {name: target-%06d, url: \"https://host-%d.example.org/canary.txt\"}\n", i, i)
		}
		if i%1000 == 999 {
			files[fmt.Sprintf("lists/%03d.yaml", i/1000)] = "targets:\n" + y.String()
			y.Reset()
		}
	}
	files["lists/all.jsonl"], files["lists/all.csv"] = jl.String(), cs.String()
	writeFiles(b, dir, files)
	for _, kind := range []string{"jsonl", "csv", "yaml"} {
		b.Run(kind, func(b *testing.B) {
			var c *Config
			var err error
			for b.Loop() {
				c, err = LoadConfig(filepath.Join(dir, kind+".yaml"))
				if err != nil {
					b.Fatal(err)
				}
			}
			if len(c.Targets) != n {
				b.Fatalf("%d targets", len(c.Targets))
			}
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap-loaded")
			runtime.KeepAlive(c)
		})
	}
}
