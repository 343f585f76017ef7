package alert

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A webhook's token never shows in the errors it returns: they are
// printed, and stored in the history.
func TestWebhookErrorsHideTheToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "receiver down", 503)
	}))
	defer srv.Close()
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	m, payload := message()
	for _, u := range []string{
		srv.URL + "/api/webhooks/123/SECRETTOKEN",
		srv.URL + "/services/x?token=SECRETTOKEN",
		strings.Replace(srv.URL, "http://", "http://user:SECRETTOKEN@", 1) + "/hook",
		closed + "/hooks/SECRETTOKEN",
		closed + "/x?access_token=SECRETTOKEN",
		"http://bad host/hooks/SECRETTOKEN",
	} {
		h := &Webhook{ChannelName: "hook", URL: u, Timeout: 5 * time.Second}
		err := h.Send(context.Background(), m, payload)
		if err == nil {
			t.Fatalf("%s: delivered", u)
		}
		if strings.Contains(err.Error(), "SECRETTOKEN") {
			t.Errorf("the error shows the token: %v", err)
		}
		if !strings.Contains(err.Error(), "REDACTED") {
			t.Errorf("the error does not say which URL: %v", err)
		}
	}
}

// A target's basic-auth password stays out of the alert: the payload sent
// (and stored) and the text for a person.
func TestMessageHidesTheLocationPassword(t *testing.T) {
	m, _ := message()
	m.Location = "https://alice:SECRETPW@example.org/canary.txt?key=SECRETKEY"
	m.Summary = "cannot read https://alice:SECRETPW@example.org/canary.txt?key=SECRETKEY: 401"
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{string(b), m.Text(), m.Subject()} {
		if strings.Contains(s, "SECRET") {
			t.Errorf("shows a secret: %s", s)
		}
	}
	if !strings.Contains(string(b), `"location":"https://alice:REDACTED@example.org/canary.txt?key=REDACTED"`) {
		t.Errorf("payload %s", b)
	}
	var back Message
	if err := json.Unmarshal(b, &back); err != nil || back.Target != m.Target || back.Status != m.Status {
		t.Errorf("payload does not read back: %v %+v", err, back)
	}
	if m.Location != "https://alice:SECRETPW@example.org/canary.txt?key=SECRETKEY" {
		t.Error("marshalling changed the message")
	}
}

// A command's failure may echo a URL it was given.
func TestCommandErrorsHideTokens(t *testing.T) {
	c := &Command{ChannelName: "cmd", Run: []string{"sh", "-c", "echo posting to https://hooks.slack.com/services/T1/B2/SECRETTOKEN failed >&2; exit 1"}, Timeout: 5 * time.Second}
	m, payload := message()
	err := c.Send(context.Background(), m, payload)
	if err == nil || strings.Contains(err.Error(), "SECRETTOKEN") || !strings.Contains(err.Error(), "hooks.slack.com/services/T1/B2/REDACTED") {
		t.Errorf("error %v", err)
	}
}
