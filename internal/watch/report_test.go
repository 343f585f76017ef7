package watch

import (
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// WriteTable shows a target's name, summary and events by the one escaping
// rule (verdict.Display): an escape sequence, a C1 control and a direction
// override are written as visible escapes, whatever writer it is given.
func TestWriteTableEscapes(t *testing.T) {
	hostile := "\x1b[2J\x1b]8;;http://evil/\x1b\\\u202Eoff\u0085\u2066"
	r := &Report{At: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC), Status: verdict.Critical, Targets: []*Verdict{{
		Name: "evil" + hostile, Status: verdict.Critical, Summary: "signed by Mallory " + hostile,
		Events: []store.Event{{Type: "statement", Status: verdict.Critical, Message: "reworded to " + hostile}},
	}}}
	var b strings.Builder
	if err := WriteTable(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\u0085\u202E\u2066\uFFFD") {
		t.Errorf("WriteTable wrote hostile text raw or replaced:\n%q", out)
	}
	want := verdict.Display(hostile)
	if n := strings.Count(out, want); n != 5 {
		t.Errorf("WriteTable shows %q %d times, want 5 (the name thrice, the summary, the event):\n%s", want, n, out)
	}
}
