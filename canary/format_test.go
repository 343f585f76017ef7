package canary

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/schema"
)

func sample() *Canary {
	issued := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	return &Canary{
		Format:    FormatV1,
		Issuer:    Issuer{Name: "Example Org", URL: "https://example.org"},
		Serial:    7,
		Issued:    issued,
		Expires:   issued.Add(97 * 24 * time.Hour),
		Previous:  "sha256:" + strings.Repeat("ab", 32),
		Threshold: 1,
		Signers:   []string{"F70D56C58248D1DD19D39559C9A3B83994E18046"},
		Statements: []Statement{
			{ID: "no-warrants", Text: "Example Org has not received any warrant."},
			{ID: "no-gag", Text: "Ünïcode and \"quotes\" are fine: [brackets] too."},
		},
	}
}

const sampleText = `Format: canarykit/1
Issuer: Example Org
Issuer-URL: https://example.org
Serial: 7
Issued: 2026-11-22T12:00:00Z
Expires: 2027-02-27T12:00:00Z
Previous: sha256:abababababababababababababababababababababababababababababababab
Threshold: 1
Signer: F70D56C58248D1DD19D39559C9A3B83994E18046

Statements:
[no-warrants] Example Org has not received any warrant.
[no-gag] Ünïcode and "quotes" are fine: [brackets] too.

If no newer canary has replaced this one by 2027-02-27T12:00:00Z, do not rely on the statements above: assume that they may no longer be true.
`

func TestRenderIsTheDocumentedText(t *testing.T) {
	got := sample().Render()
	if string(got) != sampleText {
		t.Fatalf("Render:\n%s\nwant:\n%s", got, sampleText)
	}
}

func TestRoundTrip(t *testing.T) {
	c := sample()
	first := *c
	first.Previous = ""
	first.Serial = 1
	first.Signers = nil
	for _, c := range []*Canary{c, &first} {
		text := c.Render()
		back, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(Render()): %v\n%s", err, text)
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("Parse(Render(c)) = %+v, want %+v", back, c)
		}
		if again := back.Render(); !bytes.Equal(again, text) {
			t.Fatalf("Render(Parse(t)) differs:\n%s\nwant:\n%s", again, text)
		}
	}
}

func TestParseRejectsNonCanonicalText(t *testing.T) {
	cases := []struct {
		name, old, new string
		line           int
		msg            string
	}{
		{"wrong tag", "Format: canarykit/1", "Format: canarykit/2", 1, "not a canarykit/1"},
		{"extra blank in key", "Issuer: Example", "Issuer:  Example", 2, "starts or ends with blanks"},
		{"missing issuer url", "Issuer-URL: https://example.org\n", "", 3, `expected "Issuer-URL: ..."`},
		{"serial leading zero", "Serial: 7", "Serial: 07", 4, "leading zeros"},
		{"serial zero", "Serial: 7", "Serial: 0", 4, "leading zeros"},
		{"local time", "Issued: 2026-11-22T12:00:00Z", "Issued: 2026-11-22T12:00:00+01:00", 5, "RFC 3339 UTC"},
		{"fractional time", "Issued: 2026-11-22T12:00:00Z", "Issued: 2026-11-22T12:00:00.5Z", 5, "RFC 3339 UTC"},
		{"bad digest", "Previous: sha256:abab", "Previous: sha1:abab", 7, "sha256:"},
		{"lowercase signer", "Signer: F70D", "Signer: f70d", 9, "uppercase hex"},
		{"duplicate id", "[no-gag] Ünïcode", "[no-warrants] Ünïcode", 13, "used twice"},
		{"bad statement line", "[no-gag] Ünïcode", "no-gag: Ünïcode", 13, `"[id] text"`},
		{"uppercase id", "[no-gag]", "[No-Gag]", 13, "lowercase"},
		{"changed conclusion", "do not rely", "you may rely", 15, "expected \"If no newer canary"},
		{"trailing text", "may no longer be true.\n", "may no longer be true.\nPS: unsigned\n", 16, "unexpected text"},
		{"no final newline", "be true.\n", "be true.", 1, "must end with a line break"},
		{"CRLF", "\n", "\r\n", 1, ""},
		{"expires before issued", "Expires: 2027-02-27T12:00:00Z", "Expires: 2026-02-27T12:00:00Z", 6, "not after issued"},
		{"tab in statement", "has not received", "has\tnot received", 12, "control character"},
		{"threshold above signers", "Threshold: 1", "Threshold: 2", 8, "more than the 1 signers"},
		{"NUL", "Example Org has", "Example Org\x00has", 12, "control character"},
		{"invalid UTF-8", "Ünïcode", "\xff\xfe", 1, "not valid UTF-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(sampleText, tc.old, tc.new, 1)
			if text == sampleText {
				t.Fatalf("replacement %q did not apply", tc.old)
			}
			_, err := Parse([]byte(text))
			if err == nil {
				t.Fatal("Parse accepted a non-canonical text")
			}
			pe, ok := err.(*ParseError)
			if !ok {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			if tc.msg != "" && (pe.Line != tc.line || !strings.Contains(pe.Msg, tc.msg)) {
				t.Fatalf("error %q, want line %d containing %q", err, tc.line, tc.msg)
			}
		})
	}
}

func TestDigestIsSHA256OfText(t *testing.T) {
	// sha256 of "abc\n", as printed by sha256sum.
	if got := Digest([]byte("abc\n")); got != "sha256:edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb" {
		t.Fatal(got)
	}
}

func TestJSONMatchesSchema(t *testing.T) {
	c := sample()
	c.Signers = nil
	c.Threshold = 1
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	json.Unmarshal(b, &v)
	if err := schema.ValidateJSON(schema.Canary, v); err != nil {
		t.Fatalf("%s\n%v", b, err)
	}
	if !strings.Contains(string(b), `"signers":[]`) || !strings.Contains(string(b), `"issued":"2026-11-22T12:00:00Z"`) {
		t.Fatal(string(b))
	}
}
