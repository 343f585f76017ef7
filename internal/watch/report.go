package watch

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/verdict"
)

// WriteTable prints a report for a person: one line per target, then what
// happened and what needs a look. Names, summaries and event messages are
// shown by the one escaping rule (verdict.Display).
func WriteTable(w io.Writer, r *Report) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tSTATUS\tISSUED\tEXPIRES\tLAST CHANGE")
	for _, v := range r.Targets {
		status := v.Status.String()
		if v.Soft {
			status += "?"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", verdict.Display(v.Name), status, day(v.Issued), day(v.Expires), day(v.LastChange))
	}
	tw.Flush()
	var events, problems []string
	for _, v := range r.Targets {
		for _, e := range v.Events {
			events = append(events, fmt.Sprintf("  %s  %s  %s: %s", verdict.Display(v.Name), e.Status, e.Type, verdict.Display(e.Message)))
		}
		if v.Status != verdict.OK {
			problems = append(problems, fmt.Sprintf("  %s  %s: %s", verdict.Display(v.Name), v.Status, verdict.Display(v.Summary)))
		}
	}
	if len(events) > 0 {
		fmt.Fprintf(&b, "\nEvents:\n%s\n", strings.Join(events, "\n"))
	}
	if len(problems) > 0 {
		fmt.Fprintf(&b, "\nNeeds a look:\n%s\n", strings.Join(problems, "\n"))
	}
	soft := 0
	for _, v := range r.Targets {
		if v.Soft {
			soft++
		}
	}
	if soft > 0 {
		fmt.Fprintf(&b, "\n? %d target(s) could not be checked this time; they are reported as unreachable only after several failures in a row (unreachable_after, unreachable_for).\n", soft)
	}
	fmt.Fprintf(&b, "\n%s: %d target(s) checked at %s\n", r.Status, len(r.Targets), r.At.UTC().Format(canary.ShownTime))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints a report as one JSON object: status, at, and every
// target's verdict, events and full verify result.
func WriteJSON(w io.Writer, r *Report) error {
	return json.NewEncoder(w).Encode(r)
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
