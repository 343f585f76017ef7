package alert

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canarykit/canarykit/verify"
)

func message() (*Message, []byte) {
	prev := verify.OK
	m := &Message{Kind: "problem", Target: "example-org", TargetID: "0123", Location: "https://example.org/canary.txt",
		Status: verify.Critical, Previous: &prev, Summary: "statement \"no-warrants\" was REMOVED", At: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC),
		Events: []Event{{Type: "statement-removed", Status: verify.Critical, Message: "statement \"no-warrants\" was REMOVED"}}}
	b, _ := json.Marshal(m)
	return m, b
}

func TestWebhook(t *testing.T) {
	var got []byte
	var sig, stamp string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		sig, stamp = r.Header.Get("X-Canarykit-Signature"), r.Header.Get("X-Canarykit-Timestamp")
		if r.URL.Path == "/fail" {
			http.Error(w, "receiver down", 503)
		}
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}
	}))
	defer srv.Close()
	m, payload := message()
	h := &Webhook{ChannelName: "hook", URL: srv.URL + "/hook", Secret: []byte("s3cret"), Timeout: 5 * time.Second}
	if err := h.Send(context.Background(), m, payload); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(payload) {
		t.Fatalf("body %s", got)
	}
	if sig != "sha256="+Sign([]byte("s3cret"), stamp, payload) || stamp == "" {
		t.Fatalf("signature %q over timestamp %q", sig, stamp)
	}
	if Sign([]byte("other"), stamp, payload) == Sign([]byte("s3cret"), stamp, payload) {
		t.Fatal("the signature does not depend on the secret")
	}
	for _, p := range []string{"/fail", "/moved"} {
		h.URL = srv.URL + p
		if err := h.Send(context.Background(), m, payload); err == nil {
			t.Errorf("%s: delivered", p)
		}
	}
	h.URL = "http://127.0.0.1:1/nothing"
	if err := h.Send(context.Background(), m, payload); err == nil {
		t.Error("delivered to a closed port")
	}
}

func TestCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	m, payload := message()
	c := &Command{ChannelName: "cmd", Run: []string{"sh", "-c", `cat > "$0"; echo "$CANARY_TARGET $CANARY_STATUS $CANARY_ALERT_KIND" >> "$0"`, out}, Timeout: 5 * time.Second}
	if err := c.Send(context.Background(), m, payload); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if !strings.HasPrefix(string(b), string(payload)) || !strings.HasSuffix(string(b), "example-org CRITICAL problem\n") {
		t.Fatalf("the command got %q", b)
	}
	c.Run = []string{"sh", "-c", "echo pager is broken >&2; exit 4"}
	if err := c.Send(context.Background(), m, payload); err == nil || !strings.Contains(err.Error(), "pager is broken") {
		t.Fatalf("failing command: %v", err)
	}
	c.Run, c.Timeout = []string{"sleep", "5"}, 200*time.Millisecond
	if err := c.Send(context.Background(), m, payload); err == nil || !strings.Contains(err.Error(), "ran longer than") {
		t.Fatalf("slow command: %v", err)
	}
}

func TestEmail(t *testing.T) {
	s := startSMTP(t)
	m, payload := message()
	e := &Email{ChannelName: "mail", Server: s.addr, TLS: "starttls", RootCAs: s.roots, Username: "canary", Password: "pw",
		From: "canary@example.org", To: []string{"alerts@example.org", "ops@example.org"}, Timeout: 5 * time.Second}
	if err := e.Send(context.Background(), m, payload); err != nil {
		t.Fatal(err)
	}
	got := s.last()
	if !got.tls || got.auth != "\x00canary\x00pw" || got.from != "canary@example.org" || len(got.to) != 2 {
		t.Fatalf("session %+v", got)
	}
	if !strings.Contains(got.data, "Subject: [canary] CRITICAL example-org: statement-removed") ||
		!strings.Contains(got.data, "X-Canarykit-Status: CRITICAL") || !strings.Contains(got.data, "History: canary history example-org") {
		t.Fatalf("message:\n%s", got.data)
	}
	// A wrong password, a server without STARTTLS, an untrusted
	// certificate: each is an error, never a silent drop.
	e.Password = "wrong"
	if err := e.Send(context.Background(), m, payload); err == nil || !strings.Contains(err.Error(), "login as canary") {
		t.Errorf("wrong password: %v", err)
	}
	e.Password = "pw"
	s.noTLS = true
	if err := e.Send(context.Background(), m, payload); err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Errorf("no STARTTLS: %v", err)
	}
	s.noTLS = false
	e.RootCAs = x509.NewCertPool()
	if err := e.Send(context.Background(), m, payload); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("untrusted certificate: %v", err)
	}
}

// A recipient the server refuses is named, and fails the delivery even
// when the other was accepted: Send mails no one, Probe mails those
// accepted and says what the server answered to each command, with the
// queue id.
func TestEmailRefusedRecipient(t *testing.T) {
	s := startSMTP(t)
	s.refuse = map[string]bool{"nobody@example.org": true}
	s.queueID = "4QxYz1AbC"
	m, payload := message()
	e := &Email{ChannelName: "mail", Server: s.addr, TLS: "starttls", RootCAs: s.roots, Username: "canary", Password: "pw",
		From: "canary@example.org", To: []string{"ops@example.org", "nobody@example.org"}, Timeout: 5 * time.Second}
	err := e.Send(context.Background(), m, payload)
	if err == nil || !strings.Contains(err.Error(), "nobody@example.org (550 5.1.1 ") {
		t.Fatalf("Send with a refused recipient: %v", err)
	}
	s.mu.Lock()
	n := len(s.mails)
	s.mu.Unlock()
	if n != 0 {
		t.Fatalf("Send mailed %v though a recipient was refused", s.last().to)
	}
	r, err := e.Probe(context.Background(), m, payload)
	if err == nil || !strings.Contains(err.Error(), "nobody@example.org") || strings.Contains(err.Error(), "ops@") {
		t.Fatalf("Probe with a refused recipient: %v", err)
	}
	want := []Step{{Command: "MAIL FROM", Arg: "canary@example.org", Accepted: true},
		{Command: "RCPT TO", Arg: "ops@example.org", Accepted: true},
		{Command: "RCPT TO", Arg: "nobody@example.org", Accepted: false},
		{Command: "DATA", Accepted: true}}
	if len(r.Steps) != len(want) {
		t.Fatalf("steps %+v", r.Steps)
	}
	for i, w := range want {
		g := r.Steps[i]
		if g.Command != w.Command || g.Arg != w.Arg || g.Accepted != w.Accepted {
			t.Errorf("step %d: %+v, want %+v", i, g, w)
		}
	}
	if !strings.HasPrefix(r.Steps[2].Reply, "550 5.1.1 <nobody@example.org>") {
		t.Errorf("refusal %q", r.Steps[2].Reply)
	}
	if r.ID != "4QxYz1AbC" || r.Reply != "250 2.0.0 Ok: queued as 4QxYz1AbC" {
		t.Errorf("receipt %+v", r)
	}
	if got := s.last().to; len(got) != 1 || got[0] != "ops@example.org" {
		t.Errorf("mailed %v", got)
	}
	// Every recipient accepted: delivered, with the queue id.
	e.To = []string{"ops@example.org"}
	if r, err := e.Probe(context.Background(), m, payload); err != nil || r.ID != "4QxYz1AbC" || len(r.Steps) != 3 {
		t.Errorf("all accepted: %+v %v", r, err)
	}
}

func TestQueueID(t *testing.T) {
	for reply, want := range map[string]string{
		"2.0.0 Ok: queued as 4QxYz1AbC":                     "4QxYz1AbC",
		"OK id=1rAbCd-000Xyz-2Q":                            "1rAbCd-000Xyz-2Q",
		"2.0.0 4B7M1a2b3c Message accepted for delivery":    "4B7M1a2b3c",
		"Ok: queued as <20261122120000.ABC@mx.example.org>": "20261122120000.ABC@mx.example.org",
		"2.0.0 OK  1764000000 a1-20020a170902gsmtp":         "",
		"queued": "",
	} {
		if got := queueID(reply); got != want {
			t.Errorf("queueID(%q) = %q, want %q", reply, got, want)
		}
	}
}

// A webhook's receipt has the status and the id the receiver echoed.
func TestWebhookReceipt(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/json":
			w.WriteHeader(202)
			io.WriteString(w, `{"id":"msg-42","status":"queued"}`)
		case "/header":
			w.Header().Set("X-Request-Id", "req-7")
		case "/none":
			io.WriteString(w, "ok")
		}
	}))
	defer srv.Close()
	m, payload := message()
	for path, want := range map[string][2]string{"/json": {"202 Accepted", "msg-42"}, "/header": {"200 OK", "req-7"}, "/none": {"200 OK", ""}} {
		h := &Webhook{ChannelName: "hook", URL: srv.URL + path, Timeout: 5 * time.Second}
		r, err := h.Probe(context.Background(), m, payload)
		if err != nil || r.Reply != want[0] || r.ID != want[1] {
			t.Errorf("%s: %+v %v, want %v", path, r, err, want)
		}
	}
}

// smtpServer is a small SMTP server for tests: EHLO, STARTTLS, AUTH PLAIN,
// MAIL, RCPT, DATA, QUIT.
type smtpServer struct {
	addr  string
	roots *x509.CertPool
	cert  tls.Certificate
	noTLS bool
	// refuse holds recipients RCPT TO refuses (550); queueID, if set,
	// is given in the reply to DATA, as Postfix does.
	refuse  map[string]bool
	queueID string
	mu      sync.Mutex
	mails   []session
}

type session struct {
	tls              bool
	auth, from, data string
	to               []string
}

func (s *smtpServer) last() session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mails[len(s.mails)-1]
}

func startSMTP(t *testing.T) *smtpServer {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	s := &smtpServer{roots: x509.NewCertPool(), cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}}
	s.roots.AddCert(cert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s.addr = ln.Addr().String()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var sess session
	r, w := bufio.NewReader(c), c
	say := func(l string) { io.WriteString(w, l+"\r\n") }
	say("220 test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd := strings.ToUpper(strings.Fields(line + " x")[0])
		switch {
		case cmd == "EHLO":
			say("250-test")
			if !sess.tls && !s.noTLS {
				say("250-STARTTLS")
			}
			say("250 AUTH PLAIN")
		case cmd == "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{s.cert}})
			if tc.Handshake() != nil {
				return
			}
			c, r, w, sess.tls = tc, bufio.NewReader(tc), tc, true
		case cmd == "AUTH":
			f := strings.Fields(line)
			b, _ := base64.StdEncoding.DecodeString(f[len(f)-1])
			if string(b) != "\x00canary\x00pw" {
				say("535 authentication failed")
				continue
			}
			sess.auth = string(b)
			say("235 ok")
		case cmd == "MAIL":
			sess.from = strings.Trim(strings.TrimPrefix(line, "MAIL FROM:"), "<>")
			say("250 ok")
		case cmd == "RCPT":
			to := strings.Trim(strings.TrimPrefix(line, "RCPT TO:"), "<>")
			if s.refuse[to] {
				say("550 5.1.1 <" + to + ">: Recipient address rejected: User unknown")
				continue
			}
			sess.to = append(sess.to, to)
			say("250 2.1.5 Ok")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			sess.data = b.String()
			s.mu.Lock()
			s.mails = append(s.mails, sess)
			s.mu.Unlock()
			if s.queueID != "" {
				say("250 2.0.0 Ok: queued as " + s.queueID)
			} else {
				say("250 queued")
			}
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}
