// Package corpustest finds the shared corpus of real canaries
// (../shared/corpus beside the checkout, or $CANARY_CORPUS) for tests and
// fuzz seeds. It is imported only by tests.
package corpustest

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
)

// Dir returns the corpus directory, or "" when it is absent. Under CI
// (CI set in the environment) an absent corpus fails the test: CI must
// not pass by skipping.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("CANARY_CORPUS")
	if dir == "" {
		// The module root is two levels above this file's directory.
		_, file, _, ok := runtime.Caller(0)
		if ok {
			dir = filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "corpus")
		}
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if os.Getenv("CI") != "" {
			tb.Fatalf("the shared corpus is missing (%s); set CANARY_CORPUS", dir)
		}
		return ""
	}
	return dir
}

// A File is one file of the corpus.
type File struct {
	Path string // relative to the corpus directory
	Data []byte
}

// Files returns every corpus file of at most max bytes, in a fixed order;
// none when the corpus is absent (outside CI).
func Files(tb testing.TB, max int) []File {
	tb.Helper()
	dir := Dir(tb)
	if dir == "" {
		return nil
	}
	var out []File
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil || info.Size() > int64(max) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, File{Path: filepath.ToSlash(rel), Data: b})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Seeds adds every corpus file of at most 64 KiB to f's seed corpus.
func Seeds(f *testing.F) {
	f.Helper()
	for _, file := range Files(f, 64<<10) {
		f.Add(file.Data)
	}
}
