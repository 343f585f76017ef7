package verify

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/canarykit/canarykit/canary"
)

// WriteText prints r for a person: the verdict on the first line, then one
// line per check, then what the canary states.
func WriteText(w io.Writer, r *Result) error {
	// Everything that comes from the canary or a key is written through
	// display, so that no control, invisible or direction-changing
	// character reaches the terminal as it is (docs/SECURITY.md).
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", r.Status, display(r.Summary))
	width := 0
	for _, c := range r.Checks {
		width = max(width, len(c.Name))
	}
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "  %-8s  %-*s  %s\n", c.Status, width, display(c.Name), display(c.Message))
	}
	if f := r.FreeText; f != nil {
		fmt.Fprintf(&b, "\nThe signed text, exactly as signed:\n")
		for _, line := range strings.Split(strings.TrimRight(f.Text, "\n"), "\n") {
			fmt.Fprintf(&b, "  | %s\n", display(line))
		}
		if len(f.Diff) > 0 {
			fmt.Fprintf(&b, "\nChanges since the previous canary:\n")
			for _, line := range f.Diff {
				fmt.Fprintf(&b, "  %s\n", display(line))
			}
		}
	}
	if r.Canary != nil {
		fmt.Fprintf(&b, "\n%s states (serial %d):\n", display(r.Canary.Issuer.Name), r.Canary.Serial)
		for _, s := range r.Canary.Statements {
			fmt.Fprintf(&b, "  [%s] %s\n", s.ID, display(s.Text))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints r as one JSON object on one line, so that a script can
// read many verdicts as JSON lines. It writes what json.Marshal(r) writes,
// except that invisible and direction-changing characters are written as
// \u escapes (the same string to a JSON reader, but not reordered or
// hidden when the JSON itself is shown in a terminal).
func WriteJSON(w io.Writer, r *Result) error {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(r.forJSON()); err != nil {
		return err
	}
	_, err := w.Write(escapeInvisibleJSON(b.Bytes()))
	return err
}

// escapeInvisibleJSON rewrites the invisible characters of JSON text as
// \u escapes. Outside strings JSON is ASCII, so every such character is
// inside a string, where the escape means the same character.
func escapeInvisibleJSON(js []byte) []byte {
	if isASCIIBytes(js) {
		return js
	}
	out := make([]byte, 0, len(js)+64)
	for i := 0; i < len(js); {
		r, size := utf8.DecodeRune(js[i:])
		if r >= 0x80 && needsEscape(r) && !(r == utf8.RuneError && size == 1) {
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else {
			out = append(out, js[i:i+size]...)
		}
		i += size
	}
	return out
}

// resultJSON is Result with the canary as a plain struct: encoding/json
// re-scans and compacts whatever a MarshalJSON method returns, which for a
// canary of a few KB cost more than checking its ed25519 signature.
// TestResultJSONMirrorsResult keeps the two types alike.
type resultJSON struct {
	Status     string           `json:"status"`
	Summary    string           `json:"summary"`
	Checks     []checkJSON      `json:"checks"`
	Canary     *canaryJSON      `json:"canary"`
	Signatures []Signature      `json:"signatures"`
	Changes    []Change         `json:"changes"`
	Digest     string           `json:"digest,omitempty"`
	Source     *Source          `json:"source,omitempty"`
	FreeText   *FreeText        `json:"free_text,omitempty"`
	Freshness  []FreshnessProof `json:"freshness,omitempty"`
	Window     *Window          `json:"window,omitempty"`
}

// canaryJSON is canary.Canary without its MarshalJSON method, which only
// writes an empty list of signers as [] (forJSON does that here).
type canaryJSON canary.Canary

// checkJSON is Check with its status as the string Status.MarshalJSON
// writes: a method's output is re-scanned, and a verdict has a dozen checks.
type checkJSON struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

func (r *Result) forJSON() *resultJSON {
	out := &resultJSON{
		Status: r.Status.String(), Summary: r.Summary, Signatures: r.Signatures, Changes: r.Changes,
		Digest: r.Digest, Source: r.Source, FreeText: r.FreeText, Freshness: r.Freshness, Window: r.Window,
	}
	if r.Checks != nil {
		out.Checks = make([]checkJSON, len(r.Checks))
		for i, c := range r.Checks {
			out.Checks[i] = checkJSON{c.Name, c.Status.String(), c.Message}
		}
	}
	if r.Canary != nil {
		c := canaryJSON(*r.Canary)
		if c.Signers == nil {
			c.Signers = []string{}
		}
		out.Canary = &c
	}
	return out
}

// isASCIIBytes reports whether b is all ASCII, eight bytes at a time: it
// runs over every verdict written.
func isASCIIBytes(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
