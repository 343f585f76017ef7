package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/canarykit/canarykit/internal/redact"
)

// Webhook POSTs each alert as JSON. With a Secret, the request carries
// X-Canarykit-Timestamp (Unix seconds) and X-Canarykit-Signature:
// sha256=HEX, the HMAC-SHA256 of timestamp + "." + body under the
// secret, so that the receiver can refuse forged and replayed alerts.
//
// This is a POST to the reader's own service, not a fetch of a canary, so
// it does not go through package fetch: none of fetch's manners toward
// publishers apply, and a webhook must not be retried behind a 304.
type Webhook struct {
	ChannelName string
	URL         string
	Secret      []byte
	Timeout     time.Duration
	UserAgent   string
	Client      *http.Client // nil: a client that follows no redirects
}

func (w *Webhook) Name() string { return w.ChannelName }

// Send's errors name the URL with its token or password redacted (package
// redact): they are printed, and stored in the history.
func (w *Webhook) Send(ctx context.Context, m *Message, payload []byte) error {
	_, err := w.Probe(ctx, m, payload)
	return err
}

// Probe sends as Send does; the receipt has the status the receiver
// answered, and the message id it echoed (a JSON id or message_id, an
// X-Message-Id or X-Request-Id header), if any.
func (w *Webhook) Probe(ctx context.Context, m *Message, payload []byte) (*Receipt, error) {
	r := &Receipt{}
	if err := w.send(ctx, payload, r); err != nil {
		// The URL itself first: one too malformed to be found in a
		// message as a URL.
		msg := strings.ReplaceAll(err.Error(), w.URL, redact.URL(w.URL))
		return r, errors.New(redact.Text(msg))
	}
	return r, nil
}

func (w *Webhook) send(ctx context.Context, payload []byte, r *Receipt) error {
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("webhook %s: %v", w.URL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if w.UserAgent != "" {
		req.Header.Set("User-Agent", w.UserAgent)
	}
	if len(w.Secret) > 0 {
		stamp := strconv.FormatInt(time.Now().Unix(), 10)
		req.Header.Set("X-Canarykit-Timestamp", stamp)
		req.Header.Set("X-Canarykit-Signature", "sha256="+Sign(w.Secret, stamp, payload))
	}
	c := w.Client
	if c == nil {
		// A redirect would turn the POST into a GET and drop the alert.
		c = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %v", w.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	r.Reply = clip(resp.Status, 100)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook %s answered %s: %s", w.URL, resp.Status, clip(string(body), 200))
	}
	r.ID = redact.Text(webhookID(resp.Header, body))
	return nil
}

// Sign is the webhook signature: hex HMAC-SHA256 of timestamp "." body.
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
