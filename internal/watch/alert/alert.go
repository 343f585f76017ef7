// Package alert delivers a watchdog's alerts: a JSON POST to a webhook
// (signed with HMAC when a secret is set), an email over SMTP, or a
// command run with the alert on its standard input. Each channel reports
// failure as an error, so that an alert that did not go out is retried and
// never silently dropped.
package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/canarykit/canarykit/internal/redact"
	"github.com/canarykit/canarykit/internal/verdict"
)

// A Message is one alert about one target.
type Message struct {
	// Kind is problem (the status got worse or changed), resolved (OK
	// again), news (something new at the same status), reminder (a
	// problem that lasts), test (canary notify test), or heartbeat
	// (alerts.heartbeat: the watchdog runs and the channel delivers;
	// Status is OK, and Summary says how the last round went).
	Kind     string          `json:"kind"`
	Target   string          `json:"target"`
	TargetID string          `json:"target_id"`
	Location string          `json:"location"`
	Status   verdict.Status  `json:"status"`
	Previous *verdict.Status `json:"previous_status,omitempty"`
	Summary  string          `json:"summary"`
	At       time.Time       `json:"at"`
	Events   []Event         `json:"events"`
}

// MarshalJSON is the payload of the alert, as sent and as stored in the
// history: the location's password or token, and any URL quoted in the
// summary or events, redacted (package redact). An alert goes to other
// people's services; the watch list's credentials stay on this machine.
func (m Message) MarshalJSON() ([]byte, error) {
	type plain Message
	p := plain(m.redacted())
	js, err := json.Marshal(p)
	// A bidirectional or invisible character is written as a \u escape,
	// as encoding/json writes the controls: the same string to the
	// receiver, never raw in a log or terminal that shows the payload.
	return verdict.EscapeJSON(js), err
}

// redacted is a copy of m with the credentials of URLs redacted.
func (m Message) redacted() Message {
	m.Location = redact.URL(m.Location)
	m.Summary = redact.Text(m.Summary)
	events := make([]Event, len(m.Events))
	for i, e := range m.Events {
		e.Message = redact.Text(e.Message)
		events[i] = e
	}
	if m.Events != nil {
		m.Events = events
	}
	return m
}

// An Event is what happened, as in canary history.
type Event struct {
	Type    string         `json:"type"`
	Status  verdict.Status `json:"status"`
	Message string         `json:"message"`
}

// Subject is a one-line title for the alert.
func (m *Message) Subject() string {
	r := m.redacted()
	m = &r
	what := m.Summary
	if len(m.Events) > 0 {
		what = m.Events[0].Type
		if len(m.Events) > 1 {
			what += fmt.Sprintf(" and %d more", len(m.Events)-1)
		}
	}
	prefix := ""
	switch m.Kind {
	case "reminder":
		prefix = "still "
	case "resolved":
		prefix = "resolved: "
	case "test":
		return "[canary] test alert from canarykit"
	case "heartbeat":
		return "[canary] heartbeat: canary watch is running, and alerts reach you here"
	}
	return clip(fmt.Sprintf("[canary] %s%s %s: %s", prefix, m.Status, m.Target, what), 200)
}

// Text is the alert for a person. What it quotes (the target, the
// summary, the events, the location) is shown by the one escaping rule,
// verdict.Display, one line each: a line break in a canary's text cannot
// forge a line of the alert.
func (m *Message) Text() string {
	r := m.redacted()
	m = &r
	var b strings.Builder
	if m.Kind == "test" {
		fmt.Fprintf(&b, "This is a test alert from canary notify test, sent %s.\nIf you read this, alerts reach you on this channel.\n", m.At.UTC().Format(time.RFC3339))
		return b.String()
	}
	d := verdict.Display
	if m.Kind == "heartbeat" {
		fmt.Fprintf(&b, "This is a heartbeat from canary watch, sent %s: the watchdog is running, and alerts reach you on this channel.\n\n%s\n\n"+
			"If the next heartbeat does not come, the watchdog or this channel is broken.\n", m.At.UTC().Format(time.RFC3339), d(m.Summary))
		return b.String()
	}
	fmt.Fprintf(&b, "%s: %s\n", d(m.Target), m.Status)
	if m.Previous != nil && *m.Previous != m.Status {
		fmt.Fprintf(&b, "(was %s)\n", *m.Previous)
	}
	fmt.Fprintf(&b, "\n%s\n\nCanary: %s\nChecked: %s\nTarget ID: %s\n", d(m.Summary), d(m.Location), m.At.UTC().Format(time.RFC3339), d(m.TargetID))
	if len(m.Events) > 0 {
		b.WriteString("\nWhat happened:\n")
		for _, e := range m.Events {
			fmt.Fprintf(&b, "  %-8s %s: %s\n", e.Status, d(e.Type), d(e.Message))
		}
	}
	if m.Kind == "reminder" {
		b.WriteString("\nThis is a reminder: the problem has not been resolved.\n")
	}
	fmt.Fprintf(&b, "\nHistory: canary history %s\n", d(m.Target))
	return b.String()
}

// clip shows s by the one escaping rule (verdict.Display: a line break
// too is an escape, so that it stays one line) and cuts it to n bytes at
// a character, for a subject, a header or an environment variable.
func clip(s string, n int) string {
	s = verdict.Display(s)
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// A Channel delivers alerts.
type Channel interface {
	Name() string
	// Send delivers m; payload is m as JSON. An error means it was not
	// delivered, and says why.
	Send(ctx context.Context, m *Message, payload []byte) error
}
