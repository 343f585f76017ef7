package trust

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	fpA = "F70D56C58248D1DD19D39559C9A3B83994E18046"
	fpB = "0123456789ABCDEF0123456789ABCDEF01234567"
	fpC = "89ABCDEF0123456789ABCDEF0123456789ABCDEF"
	src = "https://example.org/canary.txt"
)

var (
	t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	t1 = t0.Add(30 * 24 * time.Hour)
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFirstUseThenSame(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "canarykit", "trust.json")
	s := open(t, path)
	if v := s.Check(src, []string{fpA}); v.Decision != FirstUse {
		t.Fatalf("empty store: %+v", v)
	}
	if err := s.Record(src, []string{strings.ToLower(fpA)}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}

	// A new process sees the pin, under any spelling of the source.
	s = open(t, path)
	for _, spelling := range []string{src, "HTTPS://Example.ORG/canary.txt#latest"} {
		v := s.Check(spelling, []string{fpA})
		if v.Decision != Pinned || len(v.Unpinned) != 0 || len(v.Absent) != 0 {
			t.Errorf("%s: %+v, want Pinned", spelling, v)
		}
	}
	if err := s.Record(src, []string{fpA}, t1); err != nil {
		t.Fatal(err)
	}
	e, _ := s.Lookup(src)
	if !e.Pinned.Equal(t0) || !e.FirstSeen.Equal(t0) || !e.LastSeen.Equal(t1) {
		t.Errorf("times after a second verification: %+v", e)
	}
	// The query is part of the source; only the fragment is dropped.
	if v := s.Check(src+"?v=2", []string{fpA}); v.Decision != FirstUse {
		t.Errorf("another URL shares the pin: %+v", v)
	}
}

func TestKeyChange(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "trust.json"))
	if err := s.Record(src, []string{fpA, fpB}, t0); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		signers  []string
		want     Decision
		unpinned []string
		absent   []string
	}{
		{[]string{fpA, fpB}, Pinned, nil, nil},
		{[]string{fpB}, Pinned, nil, []string{fpA}},                 // a co-signer skipped this one
		{[]string{fpC}, Changed, []string{fpC}, []string{fpA, fpB}}, // re-keyed
		{[]string{fpA, fpC}, Changed, []string{fpC}, []string{fpB}}, // a new key beside a pinned one
		{nil, Changed, nil, []string{fpA, fpB}},                     // nobody to compare
	}
	for _, c := range cases {
		v := s.Check(src, c.signers)
		if v.Decision != c.want || !slices.Equal(v.Unpinned, c.unpinned) || !slices.Equal(v.Absent, c.absent) {
			t.Errorf("signers %v: %+v, want %v unpinned %v absent %v", c.signers, v, c.want, c.unpinned, c.absent)
		}
	}
	// Record never changes a pin.
	if err := s.Record(src, []string{fpC}, t1); err == nil || !strings.Contains(err.Error(), "canary trust") {
		t.Errorf("Record with a new signer: err = %v", err)
	}
	if e, _ := s.Lookup(src); !slices.Equal(e.Fingerprints, []string{fpA, fpB}) {
		t.Errorf("pin changed by Record: %v", e.Fingerprints)
	}
}

func TestAcceptAndRemove(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trust.json")
	s := open(t, path)
	if err := s.Record(src, []string{fpA}, t0); err != nil {
		t.Fatal(err)
	}
	prev, err := s.Accept(src, []string{fpC}, t1)
	if err != nil || !slices.Equal(prev, []string{fpA}) {
		t.Fatalf("Accept = %v, %v", prev, err)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	if v := s.Check(src, []string{fpC}); v.Decision != Pinned {
		t.Errorf("after Accept: %+v", v)
	}
	if v := s.Check(src, []string{fpA}); v.Decision != Changed {
		t.Errorf("the replaced key still passes: %+v", v)
	}
	e, _ := s.Lookup(src)
	if !e.FirstSeen.Equal(t0) || !e.Pinned.Equal(t1) {
		t.Errorf("times after Accept: %+v", e)
	}
	if _, err := s.Accept(src, nil, t1); err == nil {
		t.Errorf("Accept with no signer pinned nothing")
	}

	if _, ok := s.Remove(src); !ok {
		t.Fatal("Remove found nothing")
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	if v := open(t, path).Check(src, []string{fpC}); v.Decision != FirstUse {
		t.Errorf("after Remove: %+v", v)
	}
}

func TestFilePaths(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s := open(t, filepath.Join(dir, "trust.json"))
	if err := s.Record("canary.txt", []string{fpA}, t0); err != nil {
		t.Fatal(err)
	}
	e, ok := s.Lookup(filepath.Join(dir, "canary.txt"))
	if !ok || e.Source != filepath.Join(dir, "canary.txt") {
		t.Errorf("a relative path is not stored as absolute: %+v", s.Entries())
	}
	if v := s.Check("./sub/../canary.txt", []string{fpA}); v.Decision != Pinned {
		t.Errorf("another spelling of the path: %+v", v)
	}
}

func TestSaveMergesConcurrentChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trust.json")
	a, b := open(t, path), open(t, path)
	if err := a.Record(src, []string{fpA}, t0); err != nil {
		t.Fatal(err)
	}
	if err := b.Record("https://example.net/canary.txt", []string{fpB}, t0); err != nil {
		t.Fatal(err)
	}
	if err := a.Save(); err != nil {
		t.Fatal(err)
	}
	if err := b.Save(); err != nil {
		t.Fatal(err)
	}
	if n := len(open(t, path).Entries()); n != 2 {
		t.Errorf("%d entries after two processes each pinned one, want 2", n)
	}
}

func TestCorruptStore(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"truncated":   `{"version":1,"sources":[{"source":"x","fingerp`,
		"not json":    "hello",
		"empty":       "",
		"no version":  `{"sources":[]}`,
		"bad fpr":     `{"version":1,"sources":[{"source":"x","fingerprints":["ABC"]}]}`,
		"no fpr":      `{"version":1,"sources":[{"source":"x","fingerprints":[]}]}`,
		"duplicate":   `{"version":1,"sources":[{"source":"x","fingerprints":["` + fpA + `"]},{"source":"x","fingerprints":["` + fpB + `"]}]}`,
		"unknown key": `{"version":1,"sources":[],"pins":{}}`,
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		os.WriteFile(path, []byte(content), 0o600)
		_, err := Open(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("%s: err = %v, want it damaged, naming the file", name, err)
		}
		if data, _ := os.ReadFile(path); string(data) != content {
			t.Errorf("%s: the damaged store was rewritten", name)
		}
	}
	path := filepath.Join(dir, "future.json")
	os.WriteFile(path, []byte(`{"version":2,"sources":[]}`), 0o600)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "upgrade canarykit") {
		t.Errorf("newer version: err = %v", err)
	}

	// A store damaged after Open is not overwritten by Save either.
	path = filepath.Join(dir, "later.json")
	s := open(t, path)
	s.Record(src, []string{fpA}, t0)
	os.WriteFile(path, []byte("garbage"), 0o600)
	if err := s.Save(); err == nil {
		t.Errorf("Save replaced a store damaged in the meantime")
	}
}

func TestSaveIsAtomicAndPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "canarykit", "trust.json")
	s := open(t, path)
	for i := range 3 {
		s.Record(src, []string{fpA}, t0.Add(time.Duration(i)*time.Hour))
		if err := s.Save(); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"trust.json", "trust.json.lock"}) {
		t.Errorf("directory holds %v, want only trust.json and its lock file (no temporary files left)", names)
	}
	if runtime.GOOS == "windows" {
		return
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("store mode %v, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(path + ".lock"); fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", fi.Mode().Perm())
	}

	// A failed write leaves the old store intact and no temporary file.
	if err := os.Chmod(filepath.Dir(path), 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(filepath.Dir(path), 0o700)
	if os.Getuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	before, _ := os.ReadFile(path)
	s.Record(src, []string{fpA}, t1)
	if err := s.Save(); err == nil {
		t.Fatal("Save into a read-only directory succeeded")
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("a failed Save changed the store")
	}
}

func TestDefaultPath(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, c := range []struct {
		env  func(string) string
		want string
	}{
		{env("CANARY_TRUST_STORE", "/tmp/t.json", "XDG_STATE_HOME", "/x", "HOME", "/h"), "/tmp/t.json"},
		{env("XDG_STATE_HOME", "/x", "HOME", "/h"), "/x/canarykit/trust.json"},
		{env("XDG_STATE_HOME", "relative", "HOME", "/h"), "/h/.local/state/canarykit/trust.json"},
		{env("HOME", "/h"), "/h/.local/state/canarykit/trust.json"},
	} {
		got, err := DefaultPath(c.env)
		if err != nil || got != filepath.FromSlash(c.want) {
			t.Errorf("DefaultPath = %q, %v; want %q", got, err, c.want)
		}
	}
	if _, err := DefaultPath(env()); err == nil {
		t.Errorf("no HOME: no error")
	}
}
