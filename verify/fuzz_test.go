package verify

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/corpustest"
)

// FuzzVerify: any input gets a verdict, never a panic, never a false
// all-clear, and a report that is valid JSON and shows nothing raw that
// could drive the reader's terminal.
func FuzzVerify(f *testing.F) {
	a, _ := twoKeys(f)
	f.Add(mk(f, 1, t0, nil, statements(), a))
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := Verify(data, Options{Keys: a.public, At: t0.Add(time.Hour)})
		checkReport(t, r)
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

// FuzzVerifyDetached: a file and a detached signature over it, as served
// beside each other (FILE and FILE.sig). Seeds include every file of the
// corpus with the signatures published beside it, by keys the test does
// not have, so any OK is a false all-clear.
func FuzzVerifyDetached(f *testing.F) {
	a, _ := twoKeys(f)
	signed := mk(f, 1, t0, nil, statements(), a)
	f.Add([]byte("text\n"), signed)
	if dir := corpustest.Dir(f); dir != "" {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			for _, pat := range []string{p + ".asc", p + ".sig", p + ".sig.*", p + ".asc.*", p + "-*.sig"} {
				sigs, _ := filepath.Glob(pat)
				for _, s := range sigs {
					data, err1 := os.ReadFile(p)
					sig, err2 := os.ReadFile(s)
					if err1 == nil && err2 == nil && len(data) < 1<<16 {
						f.Add(data, sig)
					}
				}
			}
			return nil
		})
	}
	f.Fuzz(func(t *testing.T, data, sig []byte) {
		r := Verify(data, Options{Keys: a.public, At: t0.Add(time.Hour), Signatures: [][]byte{sig}})
		checkReport(t, r)
		if r.Status == OK {
			t.Fatalf("OK for a detached signature the key did not make: %s", r.Summary)
		}
	})
}

// checkReport holds any verdict to what its reports promise.
func checkReport(t *testing.T, r *Result) {
	t.Helper()
	if r.Summary == "" || len(r.Checks) == 0 {
		t.Fatal("a verdict without a summary or checks")
	}
	var text, js bytes.Buffer
	if err := WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	for _, c := range text.String() {
		if c != '\n' && c != '\t' && (c < 0x20 || c == 0x7f || needsEscape(c)) {
			t.Fatalf("the text report holds %U raw", c)
		}
	}
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(js.Bytes()) || strings.Count(js.String(), "\n") != 1 {
		t.Fatalf("the JSON report is not one line of valid JSON: %.300s", js.String())
	}
}
