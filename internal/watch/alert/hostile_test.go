package alert

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/canarykit/canarykit/internal/verdict"
)

// An alert quotes a canary's text, a key's user ID, a server's answer. The
// subject and the text for a person show them by the one escaping rule
// (verdict.Display), cut at a character, never inside one; the JSON
// payload writes them as \u escapes, the same strings to its reader.
func TestAlertEscapesHostileText(t *testing.T) {
	hostile := "\x1b[2J\x1b]8;;http://evil/\x1b\\\u202Eoff\u0085\u2066\n"
	m := &Message{Kind: "problem", Target: "evil" + hostile, Location: "https://example.org/canary.txt", Status: verdict.Critical,
		Summary: "signed by Mallory " + hostile + strings.Repeat("é", 300), At: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC),
		Events: []Event{{Type: "statement", Status: verdict.Critical, Message: "reworded to " + hostile}}}
	payload, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for what, s := range map[string]string{"subject": m.Subject(), "text": m.Text(), "payload": string(payload), "summary": clip(m.Summary, 1000)} {
		if strings.ContainsAny(s, "\x1b\u0085\u202E\u2066") || !utf8.ValidString(s) {
			t.Errorf("%s holds hostile text raw: %q", what, s)
		}
	}
	if !strings.Contains(m.Text(), verdict.Display(hostile)) || !strings.Contains(m.Subject(), verdict.Display("evil"+hostile)) {
		t.Errorf("not shown by verdict.Display:\n%s\n%s", m.Subject(), m.Text())
	}
	var back Message
	if err := json.Unmarshal(payload, &back); err != nil || back.Summary != m.Summary || back.Events[0].Message != m.Events[0].Message {
		t.Errorf("the payload does not read back as the alert: %v", err)
	}
}
