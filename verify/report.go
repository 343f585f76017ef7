package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/canarykit/canarykit/internal/verdict"
)

// Note is a check that only informs: labelled INFO, it never changes a
// verdict (its Status is OK). Use it for what is worth knowing but is no
// finding: where the canary came from, a file that could not be fetched
// and so was not used, the absence of a proof.
func Note(name, msg string) Check { return verdict.Note(name, msg) }

// TextOptions say how WriteTextWith writes a verdict.
type TextOptions struct {
	// Color writes the status words in colour (ANSI escapes): only for a
	// terminal, and never when NO_COLOR is set; the caller decides.
	Color bool
	// Perfdata appends Nagios-style performance data to the first line:
	// " | days_left=N serial=N signers=N" (days_left and serial only when
	// known). A "|" in the summary is then written "¦", since a monitor
	// splits the line at the first "|".
	Perfdata bool
	// At is the moment days_left counts from; zero means now.
	At time.Time
}

// StatementChangeMeaning is the sentence printed under a CRITICAL verdict
// on a statement removed or changed: what a warrant canary signals.
const StatementChangeMeaning = "A warrant canary that drops a statement may mean the organisation received what the statement denied and cannot say so."

// WriteText prints r for a person: the verdict on the first line, then one
// line per check, then what the canary states.
func WriteText(w io.Writer, r *Result) error { return WriteTextWith(w, r, TextOptions{}) }

// WriteTextWith is WriteText with options (colour, performance data).
func WriteTextWith(w io.Writer, r *Result, o TextOptions) error {
	// Everything that comes from the canary or a key is written through
	// display, so that no control, invisible or direction-changing
	// character reaches the terminal as it is (docs/SECURITY.md).
	var b strings.Builder
	summary := display(r.Summary)
	if o.Perfdata {
		summary = strings.ReplaceAll(summary, "|", "¦")
	}
	fmt.Fprintf(&b, "%s: %s", paint(o.Color, r.Status.String(), r.Status, false), summary)
	if o.Perfdata {
		b.WriteString(" | " + Perfdata(r, o.At))
	}
	b.WriteString("\n")
	if r.Status == Critical && statementChanged(r) {
		fmt.Fprintf(&b, "%s\n", StatementChangeMeaning)
	}
	width := 0
	for _, c := range r.Checks {
		width = max(width, len(c.Name))
	}
	for _, c := range r.Checks {
		label := c.Label()
		pad := strings.Repeat(" ", max(8-len(label), 0))
		fmt.Fprintf(&b, "  %s%s  %-*s  %s\n", paint(o.Color, label, c.Status, c.Info), pad, width, display(c.Name), display(c.Message))
	}
	authentic := Authentic(r)
	if f := r.FreeText; f != nil {
		if authentic {
			fmt.Fprintf(&b, "\nThe signed text, exactly as signed:\n")
		} else {
			fmt.Fprintf(&b, "\nThe file claims (NOT verified), in this text:\n")
		}
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
		if authentic {
			fmt.Fprintf(&b, "\n%s states (serial %d):\n", display(r.Canary.Issuer.Name), r.Canary.Serial)
		} else {
			// Not shown under the issuer's name: nothing shows that the
			// issuer said it.
			fmt.Fprintf(&b, "\nThe file claims (NOT verified) to be from %s, serial %d, and to state:\n", display(r.Canary.Issuer.Name), r.Canary.Serial)
		}
		for _, s := range r.Canary.Statements {
			fmt.Fprintf(&b, "  [%s] %s\n", s.ID, display(s.Text))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// signatureChecks are the checks that decide whether a canary is the
// publisher's: when one of them is CRITICAL or UNKNOWN, it is not shown to
// be.
var signatureChecks = map[string]bool{
	"signed-block": true, "signature": true, "signer": true, "key": true, "hash": true,
	"threshold": true, "signers": true, "pin": true,
}

// Authentic reports whether r shows the canary to be the publisher's: a
// good signature by a key the reader gave, and no signature check (the
// signatures, signers, keys, threshold, pinned signers) CRITICAL or
// UNKNOWN. Only then is what it states shown under the issuer's name. It
// says nothing of freshness: an expired canary can be authentic.
func Authentic(r *Result) bool {
	if !r.Genuine() {
		return false
	}
	for _, c := range r.Checks {
		if signatureChecks[c.Name] && (c.Status == Critical || c.Status == Unknown) {
			return false
		}
	}
	return true
}

// statementChanged reports whether a statement was removed or changed,
// CRITICAL (a canarykit statement, or a sentence of a free-text canary
// about warrants or gag orders).
func statementChanged(r *Result) bool {
	for _, c := range r.Checks {
		if c.Name == "statements" && c.Status == Critical {
			return true
		}
	}
	return false
}

// Perfdata is Nagios-style performance data for r: "days_left=N serial=N
// signers=N", days_left (whole days until Expires, counted from at, or now
// when at is zero; negative once expired) and serial only when known,
// signers the distinct keys with a good signature.
func Perfdata(r *Result, at time.Time) string {
	if at.IsZero() {
		at = time.Now()
	}
	var f []string
	if e := r.Expires(); !e.IsZero() {
		f = append(f, fmt.Sprintf("days_left=%d", int(math.Floor(e.Sub(at).Hours()/24))))
	}
	if r.Canary != nil {
		f = append(f, fmt.Sprintf("serial=%d", r.Canary.Serial))
	}
	seen := map[string]bool{}
	for _, s := range r.Signatures {
		if s.Status == SigGood {
			seen[s.Fingerprint] = true
		}
	}
	f = append(f, fmt.Sprintf("signers=%d", len(seen)))
	return strings.Join(f, " ")
}

// paint colours a status word for a terminal: green OK, yellow WARNING,
// red CRITICAL, magenta UNKNOWN; a note (INFO) stays plain.
func paint(on bool, word string, s Status, info bool) string {
	if !on || info {
		return word
	}
	code := map[Status]string{OK: "32", Warning: "33", Critical: "1;31", Unknown: "35"}[s]
	if code == "" {
		return word
	}
	return "\x1b[" + code + "m" + word + "\x1b[0m"
}

// WriteJSON prints r as one JSON object on one line, so that a script can
// read many verdicts as JSON lines. It writes what json.Marshal(r) writes,
// except that invisible and direction-changing characters are written as
// \u escapes (the same string to a JSON reader, but not reordered or
// hidden when the JSON itself is shown in a terminal).
func WriteJSON(w io.Writer, r *Result) error {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(r); err != nil {
		return err
	}
	_, err := w.Write(escapeInvisibleJSON(b.Bytes()))
	return err
}

// escapeInvisibleJSON rewrites the invisible characters of JSON text as
// \u escapes (verdict.EscapeJSON, which every JSON output uses).
func escapeInvisibleJSON(js []byte) []byte { return verdict.EscapeJSON(js) }
