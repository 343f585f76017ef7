package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// validDefinition is the document most cases edit; the line numbers in the
// expectations below refer to it:
//
//	1 issuer:                4 cadence   6 statements   11 signers
//	2   name (value col 9)   5 grace     7-8 first      12-13 keys
//	3   url (value col 8)                9-10 second    14 threshold (value col 12)
const validDefinition = `issuer:
  name: Example Corp
  url: https://example.com/canary
cadence: 90d
grace: 7d
statements:
  - id: no-warrants
    text: We have not received any National Security Letters.
  - id: no-gag-orders
    text: "We have not been subject to any gag order."
signers:
  - key: keys/alice.asc
  - key: keys/bob.asc
threshold: 2
`

// edit returns validDefinition with each old string replaced by the next new one.
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	doc := validDefinition
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(doc, pairs[i]) {
			t.Fatalf("test bug: %q not in validDefinition", pairs[i])
		}
		doc = strings.Replace(doc, pairs[i], pairs[i+1], 1)
	}
	return doc
}

// checkLines asserts that err has exactly one line per want, in order, each
// starting with prefix+want. A want therefore pins the position, the path
// and the start of the message.
func checkLines(t *testing.T, err error, prefix string, want []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("want no error, got:\n%v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want errors %q, got nil", want)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("want %d lines, got %d:\n%v\nwant:\n%s", len(want), len(lines), err, strings.Join(want, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], prefix+w) {
			t.Errorf("line %d:\n got: %s\nwant: %s…", i+1, lines[i], prefix+w)
		}
	}
}

func TestValidateYAMLDefinition(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name string
		doc  string
		want []string // each line without the leading "f.yaml:"
	}{
		{"valid", validDefinition, nil},
		{"valid minimal flow style", `{issuer: {name: A, url: "http://a.example"}, cadence: 1w3d, statements: [{id: a, text: b}], signers: [{key: k}]}`, nil},
		{"valid with header, comments, end marker and folded text", "---\n# canary\n" + edit(t,
			"    text: We have not received any National Security Letters.",
			"    text: >-\n      We have not received\n      any letters.   # trailing comment",
			"cadence: 90d", "cadence: 2160h",
			"grace: 7d", "grace: 1.5h30m500ms10µs",
		) + "...\n", nil},
		{"valid with a YAML directive", "%YAML 1.2\n---\n" + validDefinition, nil},
		{"TAG directive and a tag", "%TAG !e! tag:example.com,2000:\n---\n" + edit(t, "grace: 7d", "grace: !e!d 7d"), []string{
			`7:8: YAML tags (!e!d) are not allowed in a definition`,
		}},
		{"valid with BOM and CRLF", "\uFEFF" + strings.ReplaceAll(validDefinition, "\n", "\r\n"), nil},
		{"valid with 1000 statements", "issuer: {name: A, url: https://a.example}\ncadence: 12w\nsigners: [{key: k}]\nstatements:\n" +
			func() string {
				var b strings.Builder
				for i := range 1000 {
					fmt.Fprintf(&b, "  - id: s%d\n    text: Statement number %d.\n", i, i)
				}
				return b.String()
			}(), nil},

		// Keys.
		{"misspelled top-level key", edit(t, "statements:", "statments:"), []string{
			`1:1: missing required key "statements"`,
			`6:1: unknown key "statments" (allowed: cadence, freshness, grace, issuer, signers, statements, threshold); did you mean "statements"?`,
		}},
		{"unknown key in a statement", edit(t, "    text: We have not", "    txt: We have not"), []string{
			`7:5: statements[0]: missing required key "text"`,
			`8:5: statements[0]: unknown key "txt" (allowed: id, text); did you mean "text"?`,
		}},
		{"missing signers", edit(t, "signers:\n  - key: keys/alice.asc\n  - key: keys/bob.asc\n", ""), []string{
			`1:1: missing required key "signers"`,
		}},
		{"missing issuer url", edit(t, "  url: https://example.com/canary\n", ""), []string{
			`2:3: issuer: missing required key "url"`,
		}},
		{"duplicate key", validDefinition + "cadence: 12w\n", []string{
			`15:1: duplicate key "cadence" (first set on line 4); remove one of them`,
		}},
		{"duplicate nested key", edit(t, "  url: https://example.com/canary", "  url: https://example.com/canary\n  name: Other"), []string{
			`4:3: issuer: duplicate key "name" (first set on line 2); remove one of them`,
		}},
		{"integer key", validDefinition + "1: one\n", []string{`15:1: key "1" is not a string; quote it or remove it`}},
		{"boolean and null keys", validDefinition + "true: x\n~: y\n", []string{
			`15:1: key "true" is not a string`,
			`16:1: key "~" is not a string`,
		}},

		// Hostile or needless YAML features.
		{"anchor and alias", edit(t, "grace: 7d", "grace: &g 7d") + "other: *g\n", []string{
			`5:8: YAML anchors (&g) are not allowed in a definition; write the value out in full`,
			`15:8: YAML aliases (*g) are not allowed in a definition; write the value out in full`,
		}},
		{"merge key", edit(t, "issuer:\n", "issuer:\n  <<: {name: X}\n"), []string{
			`2:3: YAML merge keys (<<) are not allowed in a definition`,
		}},
		{"tag", edit(t, "threshold: 2", `threshold: !!int "2"`), []string{
			`14:12: YAML tags (!!int) are not allowed in a definition; remove the tag`,
		}},
		{"second document", validDefinition + "---\ncadence: 1d\n", []string{
			`15:1: a second YAML document; a definition must be a single document`,
		}},
		{"content after end marker", validDefinition + "...\ncadence: 1d\n", []string{
			`16:1: content after the end of the document ("..."); a definition must be a single document`,
		}},

		// cadence and grace.
		{"cadence with a space", edit(t, "cadence: 90d", `cadence: "90 days"`), []string{
			`4:10: cadence: "90 days" is not a duration; use e.g. 90d, 12w or 2160h`,
		}},
		{"cadence in words", edit(t, "cadence: 90d", "cadence: three months"), []string{
			`4:10: cadence: "three months" is not a duration; use e.g. 90d, 12w or 2160h`,
		}},
		{"cadence without unit", edit(t, "cadence: 90d", "cadence: 90"), []string{
			`4:10: cadence: 90 has no unit; use e.g. 90d, 12w or 2160h`,
		}},
		{"cadence with unknown unit", edit(t, "cadence: 90d", "cadence: 3y"), []string{`4:10: cadence: "3y" is not a duration`}},
		{"cadence negative", edit(t, "cadence: 90d", "cadence: -90d"), []string{`4:10: cadence: "-90d" is not a duration`}},
		{"bad grace", edit(t, "grace: 7d", "grace: soon"), []string{`5:8: grace: "soon" is not a duration; use e.g. 90d, 12w or 2160h`}},
		{"cadence empty", edit(t, "cadence: 90d", "cadence:"), []string{`4:1: cadence: must be a string, but it is empty`}},

		// Statements.
		{"id with capitals", edit(t, "id: no-warrants", "id: No_Warrants"), []string{
			`7:9: statements[0].id: "No_Warrants" is not a valid id; use 1 to 64 lowercase letters, digits and dashes`,
		}},
		{"id starting with dash", edit(t, "id: no-warrants", "id: -x"), []string{`7:9: statements[0].id: "-x" is not a valid id`}},
		{"id too long", edit(t, "id: no-warrants", "id: "+long(65)), []string{`7:9: statements[0].id: "aaaa`}},
		{"id of 64 characters", edit(t, "id: no-warrants", "id: "+long(64)), nil},
		{"id is a number", edit(t, "id: no-warrants", "id: 42"), []string{
			`7:9: statements[0].id: must be a string, not a number; put the value in quotes`,
		}},
		{"duplicate id", edit(t, "id: no-gag-orders", "id: no-warrants"), []string{
			`9:9: statements[1].id: duplicate id "no-warrants" (also used by statements[0]); give each statement its own id`,
		}},
		{"multi-line text in a | block", edit(t,
			"    text: We have not received any National Security Letters.",
			"    text: |\n      We have not received\n      any letters."), []string{
			`8:11: statements[0].text: spans several lines but must be one line; write it quoted, or after >- to fold the lines into one`,
		}},
		{"text in a > block keeps its final newline", edit(t,
			"    text: We have not received any National Security Letters.",
			"    text: >\n      We have not received\n      any letters."), []string{
			`8:11: statements[0].text: ends with a line break; write it on one line, quoted or after >-`,
		}},
		{"text with a tab", edit(t, `text: "We have not been`, `text: "We\thave not been`), []string{
			`10:11: statements[1].text: contains the control character U+0009 at character 3; remove it`,
		}},
		{"text with an escaped newline", edit(t, `text: "We have not been`, `text: "We\nhave not been`), []string{
			`10:11: statements[1].text: spans several lines but must be one line`,
		}},
		{"text with a carriage return", edit(t, `text: "We have not been`, `text: "We\rhave not been`), []string{
			`10:11: statements[1].text: spans several lines but must be one line`,
		}},
		{"text with BEL", edit(t, `text: "We have not been`, `text: "\aWe have not been`), []string{
			`10:11: statements[1].text: contains the control character U+0007 at character 1; remove it`,
		}},
		{"text with DEL", edit(t, `text: "We have not been`, `text: "We\x7f have not been`), []string{
			`10:11: statements[1].text: contains the control character U+007F at character 3`,
		}},
		{"text with a C1 control", edit(t, `text: "We have not been`, `text: "We\u0085have not been`), []string{
			`10:11: statements[1].text: contains the control character U+0085 at character 3`,
		}},
		{"text with a bidi override", edit(t, `text: "We have not been`, `text: "We \u202ehave not been`), []string{
			`10:11: statements[1].text: contains the invisible bidirectional control U+202E at character 4`,
		}},
		{"text with leading space", edit(t, `text: "We have not been`, `text: " We have not been`), []string{
			`10:11: statements[1].text: has leading or trailing whitespace; remove it`,
		}},
		{"text with trailing no-break space", edit(t, `gag order."`, `gag order.\u00a0"`), []string{
			`10:11: statements[1].text: has leading or trailing whitespace; remove it`,
		}},
		{"text empty", edit(t, `text: "We have not been subject to any gag order."`, `text: ""`), []string{
			`10:11: statements[1].text: must not be empty`,
		}},
		{"text of 2000 characters", edit(t, `text: "We have not been subject to any gag order."`, "text: "+long(2000)), nil},
		{"text of 2001 characters", edit(t, `text: "We have not been subject to any gag order."`, "text: "+long(2001)), []string{
			`10:11: statements[1].text: is 2001 characters long; the limit is 2000, so shorten it`,
		}},
		{"text is a number", edit(t, `text: "We have not been subject to any gag order."`, "text: 1e3"), []string{
			`10:11: statements[1].text: must be a string, not a number; put the value in quotes`,
		}},
		{"statements empty", edit(t, "statements:\n", "statements: []\n", "  - id: no-warrants\n    text: We have not received any National Security Letters.\n  - id: no-gag-orders\n    text: \"We have not been subject to any gag order.\"\n", ""), []string{
			`6:13: statements: must have at least one entry`,
		}},
		{"statements is a string", edit(t, "statements:\n", "statements: none\n", "  - id: no-warrants\n    text: We have not received any National Security Letters.\n  - id: no-gag-orders\n    text: \"We have not been subject to any gag order.\"\n", ""), []string{
			`6:13: statements: must be a list, not a string; write each entry on its own line, starting with "- "`,
		}},
		{"statements is a mapping", edit(t, "  - id: no-warrants", "  id: no-warrants", "    text: We have not received any National Security Letters.\n  - id: no-gag-orders\n    text: \"We have not been subject to any gag order.\"\n", "  text: x\n"), []string{
			`7:3: statements: must be a list, not a mapping`,
		}},
		{"1001 statements", strings.Replace(validDefinition, "statements:\n", "statements:\n"+func() string {
			var b strings.Builder
			for i := range 999 {
				fmt.Fprintf(&b, "  - id: s%d\n    text: Statement %d.\n", i, i)
			}
			return b.String()
		}(), 1), []string{
			`7:3: statements: has 1001 entries; the limit is 1000`,
		}},
		{"many duplicate ids are capped", strings.Replace(validDefinition, "statements:\n", "statements:\n"+strings.Repeat("  - id: x\n    text: y\n", 200), 1), append(func() []string {
			var want []string
			for i := 1; i <= maxProblems; i++ {
				want = append(want, fmt.Sprintf(`%d:9: statements[%d].id: duplicate id "x" (also used by statements[0])`, 7+2*i, i))
			}
			return want
		}(), ` 99 more problems not shown; fix the ones above and run again`)},

		// Issuer.
		{"issuer is a string", edit(t, "issuer:\n  name: Example Corp\n  url: https://example.com/canary\n", "issuer: Example Corp\n"), []string{
			`1:9: issuer: must be a mapping, not a string; give it the keys name, url`,
		}},
		{"name empty", edit(t, "name: Example Corp", `name: ""`), []string{`2:9: issuer.name: must not be empty`}},
		{"name of 201 characters", edit(t, "name: Example Corp", "name: "+long(201)), []string{
			`2:9: issuer.name: is 201 characters long; the limit is 200, so shorten it`,
		}},
		{"name on two lines", edit(t, "name: Example Corp", `name: "Example\nCorp"`), []string{`2:9: issuer.name: spans several lines`}},
		{"url not http", edit(t, "url: https://example.com/canary", "url: ftp://example.com/canary"), []string{
			`3:8: issuer.url: "ftp://example.com/canary" is not a web address; it must start with https:// (or http://) and contain no spaces`,
		}},
		{"url with a space", edit(t, "url: https://example.com/canary", "url: https://example.com/my canary"), []string{
			`3:8: issuer.url: "https://example.com/my canary" is not a web address`,
		}},
		{"url too long", edit(t, "url: https://example.com/canary", "url: https://"+long(1993)), []string{
			`3:8: issuer.url: is 2001 characters long; the limit is 2000`,
		}},

		// Signers and threshold.
		{"signers empty", edit(t, "signers:\n  - key: keys/alice.asc\n  - key: keys/bob.asc\n", "signers: []\n"), []string{
			`11:10: signers: must have at least one entry`,
		}},
		{"signers null", edit(t, "signers:\n  - key: keys/alice.asc\n  - key: keys/bob.asc\n", "signers:\n"), []string{
			`11:1: signers: must be a list, but it is empty`,
		}},
		{"21 signers", edit(t, "  - key: keys/bob.asc\n", strings.Repeat("  - key: keys/bob.asc\n", 20)), []string{
			`12:3: signers: has 21 entries; the limit is 20`,
		}},
		{"signer key empty", edit(t, "key: keys/alice.asc", `key: ""`), []string{`12:10: signers[0].key: must not be empty`}},
		{"signer with unknown key", edit(t, "key: keys/alice.asc", "keyfile: keys/alice.asc"), []string{
			`12:5: signers[0]: missing required key "key"`,
			`12:5: signers[0]: unknown key "keyfile" (allowed: key, public)`,
		}},
		{"signer as a plain string", edit(t, "  - key: keys/alice.asc", "  - keys/alice.asc"), []string{
			`12:5: signers[0]: must be a mapping, not a string; give it the keys key`,
		}},
		{"threshold 0", edit(t, "threshold: 2", "threshold: 0"), []string{`14:12: threshold: must be at least 1, not 0`}},
		{"threshold 21", edit(t, "threshold: 2", "threshold: 21"), []string{`14:12: threshold: must be at most 20, not 21`}},
		{"threshold quoted", edit(t, "threshold: 2", `threshold: "2"`), []string{
			`14:12: threshold: must be a number, not a string; write 2 without quotes`,
		}},
		{"threshold in words", edit(t, "threshold: 2", "threshold: two"), []string{`14:12: threshold: must be a number, not a string`}},
		{"threshold fractional", edit(t, "threshold: 2", "threshold: 2.5"), []string{`14:12: threshold: must be a whole number, not 2.5`}},
		{"threshold 2.0 is whole", edit(t, "threshold: 2", "threshold: 2.0"), nil},
		{"threshold hex is a number", edit(t, "threshold: 2", "threshold: 0x2"), nil},
		{"threshold beyond int64", edit(t, "threshold: 2", "threshold: 99999999999999999999"), []string{
			`14:12: threshold: must be at most 20, not 99999999999999999999`,
		}},
		{"threshold infinite", edit(t, "threshold: 2", "threshold: .inf"), []string{`14:12: threshold: ".inf" is not a usable number`}},
		{"threshold boolean", edit(t, "threshold: 2", "threshold: true"), []string{`14:12: threshold: must be a number, not true or false`}},

		// Whole-file problems.
		{"empty file", "", []string{` empty definition; run ` + "`canary init`" + ` to write a starter file`}},
		{"blank file", "\n  \n\t\n", []string{` empty definition; run`}},
		{"only comments", "# TODO\n# later\n", []string{` empty definition; run`}},
		{"only a document marker", "---\n", []string{` empty definition; run`}},
		{"a list", "- issuer\n- cadence\n", []string{
			"1:1: a definition must be a mapping with the keys cadence, freshness, grace, issuer, signers, statements, threshold, not a list; run `canary init`",
		}},
		{"a scalar", "hello\n", []string{"1:1: a definition must be a mapping with the keys cadence, freshness, grace, issuer, signers, statements, threshold, not a string"}},
		{"invalid UTF-8", edit(t, "name: Example Corp", "name: Ex\xffample"), []string{`2:11: the file is not valid UTF-8; save it as UTF-8`}},

		// Syntax errors name their line and column.
		{"colon in an unquoted value", edit(t, "    text: We have not received", "    text: Note: we have not received"), []string{
			`8:11: YAML syntax error: mapping value is not allowed in this context; if the value contains ": ", put it in quotes`,
		}},
		{"tab indentation", edit(t, "  name: Example Corp", "\tname: Example Corp"), []string{
			`2:1: YAML syntax error: found character '\t' that cannot start any token; indent with spaces`,
		}},
		{"unterminated quote", edit(t, "threshold: 2", `threshold: "2`), []string{
			`14:12: YAML syntax error: could not find end character of double-quoted text; close the quote`,
		}},
		{"unclosed bracket", edit(t, "signers:\n  - key: keys/alice.asc\n  - key: keys/bob.asc\n", "signers: [{key: a}\n"), []string{
			`12:1: YAML syntax error: ',' or ']' must be specified; check the indentation and quoting here`,
		}},

		// Problems are sorted by position, whatever order the validator found them in.
		{"several problems in order", edit(t,
			"threshold: 2", "threshold: 0",
			"cadence: 90d", "cadence: soon",
			"url: https://example.com/canary", "url: example.com",
			"id: no-gag-orders", "id: Gag"), []string{
			`3:8: issuer.url: "example.com" is not a web address`,
			`4:10: cadence: "soon" is not a duration`,
			`9:9: statements[1].id: "Gag" is not a valid id`,
			`14:12: threshold: must be at least 1, not 0`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateYAML(Definition, "f.yaml", []byte(tc.doc))
			checkLines(t, err, "f.yaml:", tc.want)
		})
	}
}

func TestUnknownKeySuggestion(t *testing.T) {
	err := ValidateYAML(Definition, "f.yaml", []byte(validDefinition+"colour: red\nThreshold: 3\n"))
	want := "f.yaml:15:1: unknown key \"colour\" (allowed: cadence, freshness, grace, issuer, signers, statements, threshold)\n" +
		"f.yaml:16:1: unknown key \"Threshold\" (allowed: cadence, freshness, grace, issuer, signers, statements, threshold); did you mean \"threshold\"?"
	if err == nil || err.Error() != want {
		t.Fatalf("got:\n%v\nwant:\n%s", err, want)
	}
}

func TestValidateYAMLLimits(t *testing.T) {
	nest := func(open, close string, n int) string {
		return "a: " + strings.Repeat(open, n) + strings.Repeat(close, n) + "\n"
	}
	block := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%sa:\n", strings.Repeat(" ", i))
		}
		return b.String()
	}
	keys := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "k%d: v\n", i)
		}
		return b.String()
	}
	// padded is validDefinition grown to size bytes by a trailing comment.
	padded := func(size int) []byte {
		doc := []byte(validDefinition + "#")
		doc = append(doc, bytes.Repeat([]byte("x"), size-len(doc)-1)...)
		return append(doc, '\n')
	}
	tests := []struct {
		name string
		doc  []byte
		want string // the only line, or the first line with "deep" or "complex" in it when wantAny
		any  bool
	}{
		{"exactly 1 MiB", padded(1 << 20), "", false},
		{"1 MiB and a byte", padded(1<<20 + 1), "f.yaml: 1048577 bytes is more than the 1 MiB limit", false},
		// The root mapping is the first level, so 63 brackets make 64 levels.
		{"64 levels of brackets", []byte(nest("[", "]", 63)), "", true},
		{"65 levels of brackets", []byte(nest("[", "]", 64)), "f.yaml:1:67: nested more than 64 levels deep", false},
		{"65 levels of braces", []byte(nest("{a: ", "}", 64)), "f.yaml:1:256: nested more than 64 levels deep", false},
		{"65 levels of indentation", []byte(block(66)), "f.yaml:65:65: nested more than 64 levels deep", false},
		{"64 levels of indentation", []byte(block(64)), "", true},
		{"65 levels of compact lists", []byte(strings.Repeat("- ", 65) + "x\n"), "f.yaml:1:129: nested more than 64 levels deep", false},
		{"1 MiB of brackets", bytes.Repeat([]byte("["), 1<<20), "f.yaml:1:65: nested more than 64 levels deep", false},
		{"1 MiB of dashes", bytes.Repeat([]byte("- "), 1<<19), "f.yaml:1:129: nested more than 64 levels deep", false},
		{"100 keys in a mapping", []byte(keys(100)), "", true},
		{"101 keys in a mapping", []byte(keys(101)), "f.yaml:101:1: more than 100 keys in one mapping", false},
		{"too many tokens", []byte("statements:\n" + strings.Repeat("  - id: a\n    text: b\n", 2300)), "f.yaml: too complex: more than 16000 YAML tokens", false},
		{"1 MiB of aliases", []byte("a: [" + strings.Repeat("*x, ", (1<<20-10)/4) + "]"), "f.yaml:1:5: YAML aliases (*x) are not allowed", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateYAML(Definition, "f.yaml", tc.doc)
			if tc.want == "" {
				if tc.any {
					// Some schema problem is fine; the limit must not trigger.
					if err != nil && (strings.Contains(err.Error(), "deep") || strings.Contains(err.Error(), "keys in one")) {
						t.Fatalf("limit triggered below the limit:\n%v", err)
					}
					if err == nil {
						t.Fatalf("want schema errors, got nil")
					}
					return
				}
				if err != nil {
					t.Fatalf("want nil, got:\n%v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want %q, got nil", tc.want)
			}
			lines := strings.Split(err.Error(), "\n")
			if !strings.HasPrefix(lines[0], tc.want) {
				t.Fatalf("first line:\n got: %s\nwant: %s…", lines[0], tc.want)
			}
			if !tc.any && len(lines) != 1 {
				t.Fatalf("want 1 line, got:\n%v", err)
			}
			if len(lines) > maxProblems+1 {
				t.Fatalf("%d lines; the cap is %d plus a summary", len(lines), maxProblems)
			}
		})
	}
}

func TestValidateYAMLCapsProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString(validDefinition)
	b.WriteString("other:\n")
	for i := range 500 {
		fmt.Fprintf(&b, "  - &a%d x\n", i)
	}
	err := ValidateYAML(Definition, "f.yaml", []byte(b.String()))
	if err == nil {
		t.Fatal("want errors, got nil")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != maxProblems+1 {
		t.Fatalf("want %d lines, got %d", maxProblems+1, len(lines))
	}
	if want := "f.yaml: 400 more problems not shown; fix the ones above and run again"; lines[maxProblems] != want {
		t.Fatalf("last line:\n got: %s\nwant: %s", lines[maxProblems], want)
	}
}

func TestValidateYAMLCanary(t *testing.T) {
	doc := `format: canarykit/1
issuer: {name: Example Corp, url: "https://example.com/canary"}
serial: 3
issued: 2025-01-31T00:00:00Z
expires: 2025-05-01T00:00:00Z
threshold: 1
signers: [0123456789ABCDEF0123456789ABCDEF01234567]
statements: [{id: no-warrants, text: We have not received any warrants.}]
`
	checkLines(t, ValidateYAML(Canary, "c.yaml", []byte(doc)), "c.yaml:", nil)
	checkLines(t, ValidateYAML(Canary, "c.yaml", []byte(strings.Replace(doc, "serial: 3", "serial: 0", 1))), "c.yaml:", []string{
		`3:9: serial: must be at least 1, not 0`,
	})
	checkLines(t, ValidateYAML(Canary, "c.yaml", nil), "c.yaml:", []string{` empty canary`})
	checkLines(t, ValidateYAML(Definition, "", nil), "", []string{`<input>: empty definition`})
}

const validCanary = `{
  "format": "canarykit/1",
  "issuer": {"name": "Example Corp", "url": "https://example.com/canary"},
  "serial": 7,
  "issued": "2025-01-31T00:00:00Z",
  "expires": "2025-05-01T00:00:00Z",
  "threshold": 2,
  "signers": ["0123456789ABCDEF0123456789ABCDEF01234567", "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"],
  "statements": [{"id": "no-warrants", "text": "We have not received any warrants."}],
  "previous": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
}`

func decodeJSON(t *testing.T, s string, useNumber bool) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	if useNumber {
		d.UseNumber()
	}
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("test bug: %v", err)
	}
	return v
}

func TestValidateJSONCanary(t *testing.T) {
	canary := func(edits ...string) string {
		s := validCanary
		for i := 0; i+1 < len(edits); i += 2 {
			if !strings.Contains(s, edits[i]) {
				t.Fatalf("test bug: %q not in validCanary", edits[i])
			}
			s = strings.Replace(s, edits[i], edits[i+1], 1)
		}
		return s
	}
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"valid", validCanary, nil},
		{"valid without previous", canary(`,
  "previous": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"`, ""), nil},
		{"wrong format", canary(`"canarykit/1"`, `"canarykit/2"`), []string{`format: must be "canarykit/1", not "canarykit/2"`}},
		{"serial 0", canary(`"serial": 7`, `"serial": 0`), []string{`serial: must be at least 1, not 0`}},
		{"serial fractional", canary(`"serial": 7`, `"serial": 7.5`), []string{`serial: must be a whole number, not 7.5`}},
		{"serial as string", canary(`"serial": 7`, `"serial": "7"`), []string{`serial: must be a number, not a string; write 7 without quotes`}},
		{"issued not UTC", canary(`"2025-01-31T00:00:00Z"`, `"2025-01-31T00:00:00+01:00"`), []string{
			`issued: "2025-01-31T00:00:00+01:00" is not a UTC time; use the form 2025-01-31T00:00:00Z`,
		}},
		{"expires impossible date", canary(`"2025-05-01T00:00:00Z"`, `"2025-13-45T00:00:00Z"`), []string{
			`expires: "2025-13-45T00:00:00Z" is not a UTC time`,
		}},
		{"lowercase fingerprint", canary(`"0123456789ABCDEF0123456789ABCDEF01234567"`, `"0123456789abcdef0123456789abcdef01234567"`), []string{
			`signers[0]: "0123456789abcdef0123456789abcdef01234567" is not an OpenPGP fingerprint; use 40 or 64 uppercase hex digits`,
		}},
		{"short fingerprint", canary(`"0123456789ABCDEF0123456789ABCDEF01234567"`, `"ABCD"`), []string{`signers[0]: "ABCD" is not an OpenPGP fingerprint`}},
		{"duplicate signer", canary(`"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"`, `"0123456789ABCDEF0123456789ABCDEF01234567"`), []string{
			`signers: entries [0] and [1] are the same; remove one`,
		}},
		// The canarykit/1 format allows a canary that lists no signers.
		{"no signers", canary(`["0123456789ABCDEF0123456789ABCDEF01234567", "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"]`, `[]`), nil},
		{"21 signers", canary(`"0123456789ABCDEF0123456789ABCDEF01234567", `, func() string {
			var b strings.Builder
			for i := range 20 {
				fmt.Fprintf(&b, `"%040X", `, i)
			}
			return b.String()
		}()), []string{`signers: has 21 entries; the limit is 20`}},
		{"signers null", canary(`["0123456789ABCDEF0123456789ABCDEF01234567", "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"]`, `null`), []string{
			`signers: must be a list, but it is empty`,
		}},
		{"threshold 21", canary(`"threshold": 2`, `"threshold": 21`), []string{`threshold: must be at most 20, not 21`}},
		{"serial 2^53", canary(`"serial": 7`, `"serial": 9007199254740992`), []string{`serial: must be at most 9007199254740991, not 9007199254740992`}},
		{"serial 10^18", canary(`"serial": 7`, `"serial": 1000000000000000000`), []string{`serial: must be at most 9007199254740991, not 1000000000000000000`}},
		{"serial 2^53-1", canary(`"serial": 7`, `"serial": 9007199254740991`), nil},
		{"bad previous", canary(`"sha256:0123`, `"sha1:0123`), []string{`previous: "sha1:0123`}},
		{"no statements", canary(`[{"id": "no-warrants", "text": "We have not received any warrants."}]`, `[]`), []string{
			`statements: must have at least one entry`,
		}},
		{"statement text with newline", canary(`any warrants."`, `any\nwarrants."`), []string{
			`statements[0].text: spans several lines but must be one line`,
		}},
		{"unknown and missing keys", canary(`"threshold": 2`, `"quorum": 2`), []string{
			`missing required key "threshold"`,
			`unknown key "quorum" (allowed: expires, format, freshness, issued, issuer, previous, serial, signers, statements, threshold)`,
		}},
		{"not an object", `[1, 2]`, []string{`a canary must be a mapping with the keys expires, format, freshness, issued, issuer, previous, serial, signers, statements, threshold, not a list`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, useNumber := range []bool{false, true} {
				checkLines(t, ValidateJSON(Canary, decodeJSON(t, tc.doc, useNumber)), "", tc.want)
			}
		})
	}
}

func TestValidateJSONOddValues(t *testing.T) {
	v := decodeJSON(t, validCanary, true).(map[string]any)
	v["serial"] = json.Number("1e9999999")
	checkLines(t, ValidateJSON(Canary, v), "", []string{`serial: "1e9999999" is not a number in the usable range`})
	v["serial"] = math.NaN()
	checkLines(t, ValidateJSON(Canary, v), "", []string{`serial: NaN is not a JSON number`})
	v["serial"] = 3 // a Go int is still a number
	checkLines(t, ValidateJSON(Canary, v), "", nil)
	v["signers"] = []string{"0123456789ABCDEF0123456789ABCDEF01234567"}
	checkLines(t, ValidateJSON(Canary, v), "", []string{`signers: holds a Go []string, which is not a JSON value`})

	checkLines(t, ValidateJSON(Canary, nil), "", []string{`a canary must be a mapping`})
	if err := ValidateJSON(Kind(9), map[string]any{}); err == nil || !strings.Contains(err.Error(), "unknown kind 9") {
		t.Fatalf("unknown kind: got %v", err)
	}
	if err := ValidateYAML(Kind(-1), "f", []byte(validDefinition)); err == nil || !strings.Contains(err.Error(), "unknown kind -1") {
		t.Fatalf("unknown kind: got %v", err)
	}
}

func TestValidateJSONDefinition(t *testing.T) {
	v := map[string]any{
		"issuer":     map[string]any{"name": "A", "url": "https://a.example"},
		"cadence":    "90d",
		"statements": []any{map[string]any{"id": "a", "text": "b"}, map[string]any{"id": "a", "text": "c"}},
		"signers":    []any{map[string]any{"key": "k"}},
		"threshold":  float64(1),
	}
	checkLines(t, ValidateJSON(Definition, v), "", []string{`statements[1].id: duplicate id "a" (also used by statements[0])`})
}

func TestJSON(t *testing.T) {
	for k, id := range map[Kind]string{
		Definition: "https://canarykit.github.io/schema/definition.schema.json",
		Canary:     "https://canarykit.github.io/schema/canary.schema.json",
		Watch:      "https://canarykit.github.io/schema/watch.schema.json",
	} {
		raw := JSON(k)
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%v: not JSON: %v", k, err)
		}
		if doc["$id"] != id || doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("%v: $id %v, $schema %v", k, doc["$id"], doc["$schema"])
		}
		raw[0] = 'X' // callers get a copy
		if JSON(k)[0] != '{' {
			t.Errorf("%v: JSON returned the embedded slice itself", k)
		}
		checkSchemaNode(t, fmt.Sprintf("%d:#", k), doc)
	}
	if JSON(Kind(99)) != nil {
		t.Error("JSON of an unknown kind is not nil")
	}
}

// checkSchemaNode enforces the house rules for editors: every object is
// closed, and every property and every $defs entry carries a title and a
// description.
func checkSchemaNode(t *testing.T, where string, node map[string]any) {
	t.Helper()
	if node["type"] == "object" && node["additionalProperties"] != false {
		t.Errorf("%s: object without additionalProperties: false", where)
	}
	if props, ok := node["properties"].(map[string]any); ok {
		for name, p := range props {
			pm := p.(map[string]any)
			if s, _ := pm["title"].(string); s == "" {
				t.Errorf("%s/properties/%s: no title", where, name)
			}
			if s, _ := pm["description"].(string); s == "" {
				t.Errorf("%s/properties/%s: no description", where, name)
			}
			checkSchemaNode(t, where+"/properties/"+name, pm)
		}
	}
	if items, ok := node["items"].(map[string]any); ok {
		checkSchemaNode(t, where+"/items", items)
	}
	if defs, ok := node["$defs"].(map[string]any); ok {
		for name, d := range defs {
			dm := d.(map[string]any)
			for _, key := range []string{"title", "description"} {
				if s, _ := dm[key].(string); s == "" {
					t.Errorf("%s/$defs/%s: no %s", where, name, key)
				}
			}
			checkSchemaNode(t, where+"/$defs/"+name, dm)
		}
	}
}

// The issuer and statement rules are written out in both schemas so each
// file stands alone in an editor; they must not drift apart.
func TestSharedDefinitionsAgree(t *testing.T) {
	var def, can map[string]map[string]any
	for _, x := range []struct {
		k   Kind
		out *map[string]map[string]any
	}{{Definition, &def}, {Canary, &can}} {
		var doc struct {
			Defs map[string]map[string]any `json:"$defs"`
		}
		if err := json.Unmarshal(JSON(x.k), &doc); err != nil {
			t.Fatal(err)
		}
		*x.out = doc.Defs
	}
	for _, name := range []string{"issuer", "statement"} {
		if def[name] == nil || !reflect.DeepEqual(def[name], can[name]) {
			t.Errorf("$defs/%s differs between the two schemas", name)
		}
	}
}

// The patterns and lineTrouble must agree: whenever the schema rejects a
// name or text, the message must say why rather than fall back to a generic one.
func TestLineTroubleExplainsEveryRejection(t *testing.T) {
	for _, s := range []string{"", " a", "a ", "a\tb", "a\nb", "\u2028", "a\u2029b", "\u00a0a", "a\u3000", "\ufeffa", "a\u202ab", "a\u2069", "\x00", "a\x1fb", "\x7f", "\u009f"} {
		if lineTrouble(s, true) == "" {
			t.Errorf("lineTrouble(%q) is empty, but the schema rejects it", s)
		}
		doc := edit(t, `text: "We have not been subject to any gag order."`, "text: "+strconvQuote(s))
		err := ValidateYAML(Definition, "f", []byte(doc))
		if err == nil || strings.Contains(err.Error(), "expected form") {
			t.Errorf("text %q: got %v", s, err)
		}
	}
	for _, s := range []string{"a", "a b", "é", "日本語", "a\u200eb", "x\u00a0y"} {
		if lineTrouble(s, true) != "" {
			t.Errorf("lineTrouble(%q) = %q, want empty", s, lineTrouble(s, true))
		}
		doc := edit(t, `text: "We have not been subject to any gag order."`, "text: "+strconvQuote(s))
		if err := ValidateYAML(Definition, "f", []byte(doc)); err != nil {
			t.Errorf("text %q: %v", s, err)
		}
	}
}

// strconvQuote writes s as a YAML double-quoted scalar, which shares Go's
// \uXXXX escapes for everything non-printable.
func strconvQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r >= 0x7f && r <= 0x9f || r >= 0x2000:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
