package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The YAML and JSON rows of the bad-input matrix in docs/SECURITY.md:
// definitions and watch lists are files a publisher or a watchdog is given,
// and may be hostile. Each row ends in an error naming the problem, never
// a panic, within a bounded amount of memory (time: BenchmarkBadYAML; a
// row that hangs fails after the deadline).

type badYAML struct {
	name string
	kind Kind
	doc  func() []byte
	want string // in the error
}

func badYAMLRows() []badYAML {
	statements := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString("issuer: {name: A, url: https://a.example}\ncadence: 90d\nsigners: [{key: k}]\nstatements:\n")
		for i := range n {
			fmt.Fprintf(&b, "  - {id: s%d, text: t}\n", i)
		}
		return b.Bytes()
	}
	return []badYAML{
		{"10^4 levels of flow nesting", Definition, func() []byte {
			return []byte("issuer: " + strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000) + "\n")
		}, "nested more than 64 levels deep"},
		{"10^3 levels of block nesting", Watch, func() []byte {
			var b strings.Builder
			for i := range 1000 {
				b.WriteString(strings.Repeat(" ", i) + "a:\n")
			}
			return []byte(b.String())
		}, "nested more than 64 levels deep"},
		{"YAML anchor bomb (billion laughs)", Definition, func() []byte {
			doc := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			for i := 'b'; i <= 'j'; i++ {
				doc += fmt.Sprintf("%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
			}
			return []byte(doc)
		}, "YAML anchors (&a) are not allowed"},
		{"merge-key bomb in a watch list", Watch, func() []byte {
			return []byte("x: &x {a: 1}\ntargets:\n" + strings.Repeat("  - <<: *x\n", 1000))
		}, "are not allowed"},
		{"1 MiB and a byte", Definition, func() []byte { return bytes.Repeat([]byte("#"), 1<<20+1) }, "more than the 1 MiB limit"},
		{"10^5 statements", Definition, func() []byte { return statements(100_000)[:1<<20] }, "too complex"},
		{"a 1 MiB statement", Definition, func() []byte {
			return []byte("issuer: {name: A, url: https://a.example}\ncadence: 90d\nsigners: [{key: k}]\nstatements: [{id: a, text: " + strings.Repeat("x", 1<<20-200) + "}]\n")
		}, "the limit is 2000"},
		{"a 1 MiB key", Watch, func() []byte { return []byte(strings.Repeat("k", 1<<20-10) + ": 1\n") }, "unknown key"},
		{"NUL bytes", Definition, func() []byte { return []byte("issuer:\x00 {name: A}\n") }, `unknown key "issuer:\x00 {name"`},
		{"invalid UTF-8", Definition, func() []byte { return []byte("issuer: {name: \xff\xfe}\n") }, "not valid UTF-8"},
		{"a bidirectional override in a statement", Definition, func() []byte {
			return []byte("issuer: {name: A, url: https://a.example}\ncadence: 90d\nsigners: [{key: k}]\nstatements: [{id: a, text: \"no \u202ewarrants\"}]\n")
		}, "invisible bidirectional control U+202E"},
		{"10^5 keys in one mapping", Watch, func() []byte {
			var b bytes.Buffer
			for i := range 100_000 {
				fmt.Fprintf(&b, "k%d: v\n", i)
			}
			return b.Bytes()[:1<<20]
		}, "more than 100 keys in one mapping"},
		{"a number with a huge exponent", Definition, func() []byte {
			return []byte("issuer: {name: A, url: https://a.example}\ncadence: 90d\nsigners: [{key: k}]\nstatements: [{id: a, text: b}]\nthreshold: 1e99999999\n")
		}, "threshold"},
	}
}

func TestBadYAMLMatrix(t *testing.T) {
	for _, row := range badYAMLRows() {
		t.Run(row.name, func(t *testing.T) {
			doc := row.doc()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			done := make(chan error, 1)
			go func() { done <- ValidateYAML(row.kind, "f.yaml", doc) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(60 * time.Second):
				t.Fatal("no answer after 60 s")
			}
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
				t.Errorf("allocated %d MiB; the bound is 256 MiB", alloc>>20)
			}
			if err == nil || !strings.Contains(err.Error(), row.want) {
				t.Fatalf("got %.500v, want an error containing %q", err, row.want)
			}
			if n := strings.Count(err.Error(), "\n"); n > maxProblems {
				t.Errorf("%d lines of problems; the cap is %d", n+1, maxProblems+1)
			}
		})
	}
}

// A JSON number whose exponent would make exact arithmetic take gigabytes
// (1e-99999999 is a float, zero, to encoding/json) is refused.
func TestBadJSONNumbers(t *testing.T) {
	for _, n := range []string{"1e-99999999", "1e99999999", "-1E+401", "0.5e-401"} {
		v := decodeJSON(t, validCanary, true).(map[string]any)
		v["serial"] = json.Number(n)
		done := make(chan error, 1)
		go func() { done <- ValidateJSON(Canary, v) }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a number in the usable range") {
				t.Errorf("%s: got %v", n, err)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: no answer after 60 s", n)
		}
	}
}

func BenchmarkBadYAML(b *testing.B) {
	for _, row := range badYAMLRows() {
		b.Run(strings.ReplaceAll(row.name, " ", "_"), func(b *testing.B) {
			doc := row.doc()
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				ValidateYAML(row.kind, "f.yaml", doc)
			}
		})
	}
}
