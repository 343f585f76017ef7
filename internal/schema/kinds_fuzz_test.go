package schema

import (
	"strings"
	"testing"
	"unicode"

	"github.com/canarykit/canarykit/internal/corpustest"
)

// FuzzValidateYAMLKinds runs every kind of document through the YAML
// reader and validator: watch lists are read from a watchdog's disk, and
// canaries as YAML from anyone. Any input gives nil or messages that name
// the file, are printable, and are bounded.
func FuzzValidateYAMLKinds(f *testing.F) {
	f.Add(byte(Watch), []byte("targets:\n  - {name: example, url: \"https://example.org/canary.txt\", keys: [keys/example.asc]}\n"))
	f.Add(byte(Watch), []byte("defaults: {keys: [wkd:canary@example.org], timeout: 30s}\ntargets: [{name: a, file: c.txt}]\nalerts: {}\n"))
	f.Add(byte(Canary), []byte("format: canarykit/1\nissuer: {name: A, url: \"https://a\"}\nserial: 1\nissued: 2025-01-31T00:00:00Z\nexpires: 2025-05-01T00:00:00Z\nthreshold: 1\nsigners: []\nstatements: [{id: a, text: b}]\n"))
	f.Add(byte(Definition), []byte(validDefinition))
	for _, file := range corpustest.Files(f, 64<<10) {
		f.Add(byte(Watch), file.Data)
	}
	f.Fuzz(func(t *testing.T, kb byte, data []byte) {
		k := kinds[int(kb)%len(kinds)]
		err := ValidateYAML(k, "f.yaml", data)
		if err == nil {
			return
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) > maxProblems+1 {
			t.Fatalf("%d lines of problems", len(lines))
		}
		for _, line := range lines {
			if !strings.HasPrefix(line, "f.yaml:") {
				t.Fatalf("line without the file prefix: %q", line)
			}
			if i := strings.IndexFunc(line, func(r rune) bool { return !unicode.IsPrint(r) }); i >= 0 {
				t.Fatalf("unprintable character in message: %q", line)
			}
		}
	})
}
