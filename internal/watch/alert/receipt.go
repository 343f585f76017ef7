package alert

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
)

// A Receipt is what the far end of a channel answered to one message:
// canary notify test shows it, because a connection that opens (or a
// mail service in a sandbox mode that accepts and drops everything) is
// not delivery. Its text comes from the far end: print it through
// package verdict.
type Receipt struct {
	// Reply is the far end's answer to the message itself: "202
	// Accepted", the SMTP reply to the end of DATA, "exit status 0".
	Reply string `json:"reply,omitempty"`
	// ID is the message id the far end gave, when it gave one: an SMTP
	// queue id, the id a webhook receiver echoed.
	ID string `json:"id,omitempty"`
	// Steps are an email's SMTP commands that carry the message, in
	// order: MAIL FROM, one RCPT TO per recipient, DATA.
	Steps []Step `json:"steps,omitempty"`
}

// A Step is one SMTP command and the server's answer.
type Step struct {
	Command  string `json:"command"`       // MAIL FROM, RCPT TO, DATA
	Arg      string `json:"arg,omitempty"` // the address
	Accepted bool   `json:"accepted"`
	Reply    string `json:"reply,omitempty"` // e.g. "250 2.1.5 Ok", "550 5.1.1 no such user"
}

// A Prober is a channel that says what the far end answered.
type Prober interface {
	Channel
	// Probe sends m as Send does, except that an email goes on to every
	// recipient after one is refused, so that the receipt names each;
	// the error is what Send would return. The receipt is never nil.
	Probe(ctx context.Context, m *Message, payload []byte) (*Receipt, error)
}

// maxIDLen bounds an id quoted from the far end.
const maxIDLen = 200

// idHeaders are the response headers webhook receivers put a message's
// id in, most specific first.
var idHeaders = []string{"X-Message-Id", "Message-Id", "X-Request-Id"}

// idKeys are the keys of a JSON answer that hold the message's id.
var idKeys = []string{"id", "message_id", "messageId", "request_id", "requestId"}

// webhookID is the id a webhook receiver echoed: a top-level id of a
// JSON answer, else one of idHeaders; "" when there is none.
func webhookID(h http.Header, body []byte) string {
	var v map[string]any
	if json.Unmarshal(body, &v) == nil {
		for _, k := range idKeys {
			switch x := v[k].(type) {
			case string:
				if x != "" {
					return clip(x, maxIDLen)
				}
			case float64:
				b, _ := json.Marshal(x)
				return string(b)
			}
		}
	}
	for _, k := range idHeaders {
		if s := strings.TrimSpace(h.Get(k)); s != "" {
			return clip(s, maxIDLen)
		}
	}
	return ""
}

// Queue ids as the usual mail servers give them after DATA: Postfix
// ("250 2.0.0 Ok: queued as 4ABC"), Exim ("250 OK id=1abc-0002"),
// Sendmail ("250 2.0.0 4ABCxyz Message accepted for delivery").
var queueIDs = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\bqueued as\s+<?([^\s<>]+?)>?(?:\s|$)`),
	regexp.MustCompile(`(?i)\bid=<?([^\s<>]+?)>?(?:\s|$)`),
	regexp.MustCompile(`^\d\.\d\.\d+\s+(\S+)\s+Message accepted`),
}

// queueID is the queue id in the text of an SMTP reply to DATA, or "".
func queueID(reply string) string {
	for _, re := range queueIDs {
		if m := re.FindStringSubmatch(reply); m != nil {
			return clip(m[1], maxIDLen)
		}
	}
	return ""
}
