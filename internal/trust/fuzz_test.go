package trust

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/canarykit/canarykit/internal/corpustest"
)

// storeJSON writes entries as Save does.
func storeJSON(t testing.TB, entries ...Entry) []byte {
	t.Helper()
	if entries == nil {
		entries = []Entry{}
	}
	b, err := json.MarshalIndent(file{Version: version, Sources: entries}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// entriesJSON is a store's pins as text, to compare them whole: times
// included, with their offsets.
func entriesJSON(t *testing.T, s *Store) string {
	t.Helper()
	b, err := json.Marshal(s.Entries())
	if err != nil {
		t.Fatalf("the store's entries do not marshal: %v", err)
	}
	return string(b)
}

// FuzzStoreFile opens a damaged, hostile or hand-edited trust store.
func FuzzStoreFile(f *testing.F) {
	a := Entry{Source: src, Fingerprints: []string{fpA}, Pinned: t0, FirstSeen: t0, LastSeen: t1}
	b := Entry{Source: "/home/u/canary.txt", Fingerprints: []string{fpB, fpC}, Pinned: t1, FirstSeen: t0, LastSeen: t1}
	fp64 := strings.Repeat("AB", 32)
	for _, s := range [][]byte{
		storeJSON(f),
		storeJSON(f, a),
		storeJSON(f, a, b),
		storeJSON(f, Entry{Source: "https://example.org/c", Fingerprints: []string{fp64}}),
		[]byte(`{"version":1,"sources":[{"source":"https://example.org/c","fingerprints":["` + fpA + `"],"pinned":"2026-11-22T13:00:00+01:00","first_seen":"2026-11-22T12:00:00.5Z","last_seen":"0001-01-01T00:00:00Z"}]}`),
		[]byte(`{"version":1,"sources":[{"source":"https://example.org/c","fingerprints":["` + strings.ToLower(fpA) + `"]}]}`),
		[]byte(`{"version":1,"sources":null}`),
		[]byte(`{"Version":1,"SOURCES":[]}`),
		[]byte(`{"version":1,"sources":[null]}`),
		[]byte(`{"version":1,"sources":[{"source":"x","fingerprints":[null]}]}`),
		[]byte(`{"version":1,"sources":[],"version":2}`),
		[]byte(`{"version":2,"sources":[]}`),
		[]byte(`{"version":-1}`),
		[]byte(`{"version":1.0}`),
		[]byte(`{"sources":[]}`),
		[]byte(`{"version":1,"sources":[{"source":"x","fingerprints":["ABC"]}]}`),
		[]byte(`{"version":1,"sources":[{"source":"x","fingerprints":[]}]}`),
		[]byte(`{"version":1,"sources":[{"source":"a\nb","fingerprints":["` + fpA + `"]},{"source":"a\nb","fingerprints":["` + fpB + `"]}]}`),
		[]byte(`{"version":1,"sources":[{"source":"x","fingerprints":["` + strings.Repeat("Z", 5000) + `"]}]}`),
		[]byte(`{"version":1,"sources":[],"` + strings.Repeat("k", 5000) + `":1}`),
		[]byte(`{"version":1,"sources":[{"source":"x","fingerprints":["` + fpA + `"],"pinned":"yesterday"}]}`),
		[]byte(`{"version":1,"sources":[]} trailing`),
		[]byte(`{"version":1,"sources":[{"source":"x","fingerp`),
		[]byte(""), []byte("null"), []byte("[]"), []byte("hello"),
	} {
		f.Add(s)
	}
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "trust.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path)
		if err != nil {
			// A clear error: one line of printable text, of bounded
			// length, that names the file; and the file is left alone.
			msg := err.Error()
			why, _ := strings.CutPrefix(msg, "trust store "+path)
			switch {
			case !strings.Contains(msg, path):
				t.Fatalf("error does not name the store: %q", msg)
			case len(why) > 600:
				t.Fatalf("error message of %d bytes: %.300q...", len(msg), msg)
			case !utf8.ValidString(msg) || strings.ContainsFunc(msg, func(r rune) bool { return !unicode.IsPrint(r) }):
				t.Fatalf("error message has unprintable characters (line breaks, controls): %q", msg)
			}
			if got, _ := os.ReadFile(path); string(got) != string(data) {
				t.Fatalf("a store that did not open was rewritten")
			}
			return
		}
		// What was accepted is a store canarykit can use: every pin names
		// a source and holds fingerprints in the form Check compares.
		before := s.Entries()
		for i, e := range before {
			if e.Source == "" || len(e.Fingerprints) == 0 {
				t.Fatalf("accepted an empty pin %+v", e)
			}
			if i > 0 && before[i-1].Source >= e.Source {
				t.Fatalf("Entries not sorted and unique: %q, %q", before[i-1].Source, e.Source)
			}
			for _, fp := range e.Fingerprints {
				if n, ok := normFingerprint(fp); !ok || n != fp {
					t.Fatalf("accepted fingerprint %q, which Check never matches (it compares %q)", fp, n)
				}
			}
			if v := s.Check(e.Source, e.Fingerprints); v.Decision != Pinned && Normalize(e.Source) == e.Source {
				t.Fatalf("the pin for %q does not accept its own fingerprints: %+v", e.Source, v)
			}
		}
		want := entriesJSON(t, s)

		// Save and reload: a change to another source leaves every pin
		// as it was, and undoing it gives the same store again.
		dummy := "https://fuzz.invalid/canary.txt"
		for i := 0; ; i++ {
			if _, taken := s.Lookup(dummy); !taken {
				break
			}
			dummy = "https://fuzz.invalid/" + strings.Repeat("x", i+1)
		}
		now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		if _, err := s.Accept(dummy, []string{fpA}, now); err != nil {
			t.Fatal(err)
		}
		if err := s.Save(); err != nil {
			t.Fatalf("an accepted store does not save: %v", err)
		}
		s2, err := Open(path)
		if err != nil {
			t.Fatalf("a saved store does not reopen: %v", err)
		}
		d, ok := s2.Lookup(dummy)
		if !ok || !slices.Equal(d.Fingerprints, []string{fpA}) || !d.Pinned.Equal(now) {
			t.Fatalf("the new pin was not saved: %+v", d)
		}
		if _, ok := s2.Remove(dummy); !ok {
			t.Fatal("Remove lost the new pin")
		}
		if got := entriesJSON(t, s2); got != want {
			t.Fatalf("save and reload changed the pins:\n%s\n%s", want, got)
		}
		if err := s2.Save(); err != nil {
			t.Fatalf("an accepted store does not save: %v", err)
		}
		s3, err := Open(path)
		if err != nil {
			t.Fatalf("a saved store does not reopen: %v", err)
		}
		if got := entriesJSON(t, s3); got != want {
			t.Fatalf("save and reload changed the pins:\n%s\n%s", want, got)
		}
		for i, e := range s3.Entries() {
			if o := before[i]; !e.Pinned.Equal(o.Pinned) || !e.FirstSeen.Equal(o.FirstSeen) || !e.LastSeen.Equal(o.LastSeen) {
				t.Fatalf("times changed: %+v, %+v", o, e)
			}
		}
	})
}
