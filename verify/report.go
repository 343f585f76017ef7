package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText prints r for a person: the verdict on the first line, then one
// line per check, then what the canary states.
func WriteText(w io.Writer, r *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", r.Status, r.Summary)
	width := 0
	for _, c := range r.Checks {
		width = max(width, len(c.Name))
	}
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "  %-8s  %-*s  %s\n", c.Status, width, c.Name, c.Message)
	}
	if f := r.FreeText; f != nil {
		fmt.Fprintf(&b, "\nThe signed text, exactly as signed:\n")
		for _, line := range strings.Split(strings.TrimRight(f.Text, "\n"), "\n") {
			fmt.Fprintf(&b, "  | %s\n", printable(line))
		}
		if len(f.Diff) > 0 {
			fmt.Fprintf(&b, "\nChanges since the previous canary:\n")
			for _, line := range f.Diff {
				fmt.Fprintf(&b, "  %s\n", printable(line))
			}
		}
	}
	if r.Canary != nil {
		fmt.Fprintf(&b, "\n%s states (serial %d):\n", r.Canary.Issuer.Name, r.Canary.Serial)
		for _, s := range r.Canary.Statements {
			fmt.Fprintf(&b, "  [%s] %s\n", s.ID, s.Text)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints r as one JSON object on one line, so that a script can
// read many verdicts as JSON lines.
func WriteJSON(w io.Writer, r *Result) error {
	return json.NewEncoder(w).Encode(r)
}

// printable keeps a hostile canary from driving the reader's terminal:
// control characters are shown escaped, never sent as they are.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || (r >= 0x20 && r != 0x7f && !(r >= 0x80 && r < 0xa0)) {
			return r
		}
		return '\uFFFD'
	}, s)
}
