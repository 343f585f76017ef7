package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/watch/store"
)

// writeFiles writes name -> content under dir, making directories.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestInclude(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"watch.yaml": "defaults: {keys: [keys/main.asc], warn_before: 3d}\ninclude: [lists/*.yaml]\n" +
			"retention: {checks: 90d}\ntargets:\n  - {name: main, url: https://example.org/c.txt}\n",
		"lists/a.yaml": "defaults: {threshold: 2}\ntargets:\n  - {name: a1, url: https://a.example/c.txt}\n" +
			"  - {name: a2, file: ../canaries/a2.txt, keys: [own.asc]}\n",
		"lists/b.yaml":      "targets_file: bulk/b.csv\ninclude: [more/c.yaml]\n",
		"lists/more/c.yaml": "targets:\n  - {name: c1, url: https://c.example/c.txt}\n",
		"lists/bulk/b.csv":  "name,url,file,keys\nb1,https://b.example/1.txt,,\nb2,,b2.txt,k1.asc;wkd:x@b.example\n",
	})
	c, err := LoadConfig(filepath.Join(dir, "watch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Target{}
	var names []string
	for _, tg := range c.Targets {
		got[tg.Name] = tg
		names = append(names, tg.Name)
	}
	if strings.Join(names, ",") != "main,a1,a2,b1,b2,c1" {
		t.Fatalf("targets %v", names)
	}
	if c.Retention.Checks != 90*24*time.Hour {
		t.Errorf("retention %v", c.Retention)
	}
	mainKey := filepath.Join(dir, "keys/main.asc")
	if m := got["main"]; m.Threshold != 1 || m.Keys[0] != mainKey || m.WarnBefore != 3*24*time.Hour {
		t.Errorf("main %+v", m)
	}
	// lists/a.yaml's defaults apply to its targets only, over the main file's.
	if a := got["a1"]; a.Threshold != 2 || a.Keys[0] != mainKey || a.WarnBefore != 3*24*time.Hour {
		t.Errorf("a1 %+v", a)
	}
	if a := got["a2"]; a.File != filepath.Join(dir, "canaries/a2.txt") || a.Keys[0] != filepath.Join(dir, "lists/own.asc") {
		t.Errorf("a2 %+v", a)
	}
	if b := got["b1"]; b.Threshold != 1 || b.Keys[0] != mainKey || b.URL != "https://b.example/1.txt" {
		t.Errorf("b1 %+v", b)
	}
	if b := got["b2"]; b.File != filepath.Join(dir, "lists/bulk/b2.txt") || len(b.Keys) != 2 ||
		b.Keys[0] != filepath.Join(dir, "lists/bulk/k1.asc") || b.Keys[1] != "wkd:x@b.example" {
		t.Errorf("b2 %+v", b)
	}
	if c1 := got["c1"]; c1.Threshold != 1 || c1.Keys[0] != mainKey {
		t.Errorf("c1 %+v", c1)
	}
}

func TestIncludeErrors(t *testing.T) {
	main := "defaults: {keys: [k.asc]}\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"cycle", map[string]string{"watch.yaml": main + "include: [a.yaml]\n", "a.yaml": "include: [b.yaml]\n", "b.yaml": "include: [a.yaml]\n"},
			[]string{"b.yaml", "include cycle", "a.yaml"}},
		{"self", map[string]string{"watch.yaml": main + "include: [watch.yaml]\n"}, []string{"include cycle"}},
		{"duplicate across files", map[string]string{
			"watch.yaml": main + "include: [l/x.yaml]\ntargets:\n  - {name: a, url: https://x.example/}\n",
			"l/x.yaml":   "targets:\n  - {name: b, url: https://y.example/}\n  - {name: a, url: https://z.example/}\n"},
			[]string{`l/x.yaml:3:5: targets[1] (a): the name "a" is also used at watch.yaml:4:5 (targets[0])`}},
		{"duplicate in bulk", map[string]string{
			"watch.yaml": main + "targets_file: t.jsonl\ntargets:\n  - {name: a, url: https://x.example/}\n",
			"t.jsonl":    "{\"name\": \"b\", \"url\": \"https://y.example/\"}\n{\"name\": \"a\", \"url\": \"https://y.example/\"}\n"},
			[]string{`t.jsonl:2:1: the name "a" is also used at watch.yaml:4:5 (targets[0])`}},
		{"alerts in an included file", map[string]string{"watch.yaml": main + "include: [a.yaml]\n",
			"a.yaml": "alerts: {reminder: 1h}\ntargets:\n  - {name: a, url: https://x.example/}\n"}, []string{"a.yaml:1:1", `unknown key "alerts"`}},
		{"no match", map[string]string{"watch.yaml": main + "include: [lists/*.yaml]\n"}, []string{"watch.yaml: include", "lists/*.yaml", "no file"}},
		{"missing file", map[string]string{"watch.yaml": main + "targets_file: nope.csv\n"}, []string{"nope.csv"}},
		{"no targets", map[string]string{"watch.yaml": main + "include: [a.yaml]\n", "a.yaml": "defaults: {threshold: 2}\n"}, []string{"no targets"}},
		{"bad included yaml", map[string]string{"watch.yaml": main + "include: [a.yaml]\n", "a.yaml": "targets:\n  - {name: 'a b', url: https://x.example/}\n"},
			[]string{"a.yaml:2:", "targets[0].name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			wd, _ := os.Getwd()
			if err := os.Chdir(dir); err != nil {
				t.Fatal(err)
			}
			defer os.Chdir(wd)
			_, err := LoadConfig("watch.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestIncludeTooManyFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"watch.yaml": "defaults: {keys: [k.asc]}\ninclude: [l/*.yaml]\n"}
	for i := range maxIncludeFiles + 1 {
		files[fmt.Sprintf("l/%04d.yaml", i)] = fmt.Sprintf("targets: [{name: t%d, url: https://x.example/%d}]\n", i, i)
	}
	writeFiles(t, dir, files)
	_, err := LoadConfig(filepath.Join(dir, "watch.yaml"))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d files", maxIncludeFiles)) {
		t.Fatalf("error %v", err)
	}
}

// Moving a target from the main file into an included file (or a bulk
// list) keeps its identity in the store: it is its name and location.
func TestIdentityAcrossIncludes(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"one/watch.yaml": "defaults: {keys: [k.asc]}\ntargets:\n  - {name: a, url: https://x.example/c.txt}\n  - {name: f, file: canary.txt}\n",
		"two/watch.yaml": "defaults: {keys: [k.asc]}\ninclude: [lists/a.yaml]\n",
		"two/lists/a.yaml": "targets:\n  - {name: other, url: https://y.example/}\n" +
			"  - {name: a, url: https://x.example/c.txt}\n  - {name: f, file: ../../one/canary.txt}\n",
		"three/watch.yaml":    "defaults: {keys: [k.asc]}\ntargets_file: lists/t.jsonl\n",
		"three/lists/t.jsonl": `{"name": "a", "url": "https://x.example/c.txt"}` + "\n" + `{"name": "f", "file": "../../one/canary.txt"}` + "\n",
	})
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids := map[string][]string{}
	for _, d := range []string{"one", "two", "three"} {
		c, err := LoadConfig(filepath.Join(dir, d, "watch.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var specs []store.TargetSpec
		for _, tg := range c.Targets {
			if tg.Name == "a" || tg.Name == "f" {
				specs = append(specs, store.TargetSpec{Name: tg.Name, Location: tg.Location()})
			}
		}
		got, err := db.SyncTargets(ctx, specs, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range got {
			ids[g.Name] = append(ids[g.Name], g.ID)
		}
	}
	for _, n := range []string{"a", "f"} {
		if x := ids[n]; len(x) != 3 || x[0] != x[1] || x[1] != x[2] {
			t.Errorf("target %s changed identity: %v", n, x)
		}
	}
}
