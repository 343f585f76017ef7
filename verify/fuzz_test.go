package verify

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func FuzzVerify(f *testing.F) {
	a, _ := keys(f)
	f.Add(mk(f, 1, t0, nil, statements(), a))
	dir := os.Getenv("CANARY_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<16 {
				f.Add(b)
			}
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := Verify(data, Options{Keys: a.public, At: t0.Add(time.Hour)})
		if r.Status != OK {
			return
		}
		// Never a false all-clear: OK needs a parsed canary and a good
		// signature by the given key.
		if r.Canary == nil {
			t.Fatal("OK without a parsed canary")
		}
		good := false
		for _, s := range r.Signatures {
			good = good || (s.Status == SigGood && s.Fingerprint == a.fp)
		}
		if !good {
			t.Fatal("OK without a good signature by the given key")
		}
	})
}
