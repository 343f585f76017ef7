package schema

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/goccy/go-yaml"

	"github.com/canarykit/canarykit/internal/corpustest"
)

func FuzzValidateYAML(f *testing.F) {
	for _, seed := range []string{
		validDefinition,
		`{issuer: {name: A, url: "http://a.example"}, cadence: 1w3d, statements: [{id: a, text: b}], signers: [{key: k}]}`,
		"---\n" + validDefinition + "...\n",
		strings.Replace(validDefinition, "statements:", "statments:", 1),
		strings.Replace(validDefinition, "cadence: 90d", `cadence: "90 days"`, 1),
		strings.Replace(validDefinition, "threshold: 2", `threshold: "2"`, 1),
		strings.Replace(validDefinition, "    text: We have not received any National Security Letters.", "    text: |\n      two\n      lines", 1),
		strings.Replace(validDefinition, "grace: 7d", "grace: &g 7d\nother: *g", 1),
		validDefinition + "cadence: 1d\n",
		validDefinition + "---\na: 1\n",
		"a: &a [*a]\n",
		"<<: {a: 1}\n",
		"? [a, b]\n: c\n",
		"a: !!binary aGVsbG8=\n",
		"1: a\n~: b\ntrue: c\n",
		"a: b: c\n",
		"a:\n\t- b\n",
		"a: \"unterminated\n",
		"- - - - - - - - x\n",
		strings.Repeat("[", 70),
		"a: .inf\nb: .nan\nc: 0x1F\nd: 0o17\ne: 1e400\nf: -0\n",
		"\ufeffissuer: {name: \"\\u202e\", url: \"https://x\"}\n",
		"",
		"# only a comment\n",
		"\xff\xfe",
		"%YAML 1.2\n---\na: 1\n",
		"a:\n - b:\n    - c: [d, {e: f}]\n   g: h\n",
		"? a\n: b\n? - c\n  - d\n: e\n",
		"a: [b, c\n  , d]\nb: {x: 1,\n y: 2}\n",
	} {
		f.Add([]byte(seed))
	}
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		err := ValidateYAML(Definition, "f.yaml", data)
		if err != nil {
			msg := err.Error()
			for _, line := range strings.Split(msg, "\n") {
				if !strings.HasPrefix(line, "f.yaml:") {
					t.Fatalf("line without the file prefix: %q", line)
				}
			}
			// Messages quote the input; they must never pass raw control or
			// bidi characters through to the user's terminal.
			if i := strings.IndexFunc(msg, func(r rune) bool { return r != '\n' && !unicode.IsPrint(r) }); i >= 0 {
				t.Fatalf("unprintable character in message: %q", msg)
			}
			// The parser must only ever see input the prescan has bounded:
			// these messages mean a limit was enforced too late, or the
			// parser panicked.
			for _, late := range []string{"levels deep; check the indentation", "the YAML parser failed"} {
				if strings.Contains(msg, late) {
					t.Fatalf("%s: %q", late, msg)
				}
			}
			return
		}

		// Accepted: it must be a single YAML mapping with the required keys,
		// as an independent decoder sees it.
		var m map[string]any
		if err := yaml.UnmarshalWithOptions(data, &m, yaml.Strict()); err != nil {
			t.Fatalf("accepted, but the YAML decoder rejects it: %v", err)
		}
		for _, k := range []string{"issuer", "cadence", "statements", "signers"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("accepted without required key %q: %q", k, data)
			}
		}
		// And the JSON path must agree with the YAML path.
		j, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("accepted, but not representable as JSON: %v", err)
		}
		var v any
		if err := json.Unmarshal(j, &v); err != nil {
			t.Fatal(err)
		}
		if err := ValidateJSON(Definition, v); err != nil {
			t.Fatalf("YAML accepted but the same value as JSON is rejected:\n%v\ninput: %q", err, data)
		}
	})
}
