package alert

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"strings"
	"time"
)

// Email sends each alert over SMTP. TLS is "starttls" (upgrade, and
// refuse a server that cannot: a watchdog's alerts say what it watches),
// "tls" (TLS from the first byte, usually port 465) or "none" (a relay on
// this machine).
type Email struct {
	ChannelName string
	Server      string // host:port
	TLS         string
	RootCAs     *x509.CertPool // nil: the system's
	Username    string
	Password    string
	From        string
	To          []string
	Timeout     time.Duration
}

func (e *Email) Name() string { return e.ChannelName }

func (e *Email) Send(ctx context.Context, m *Message, _ []byte) error {
	if err := e.send(ctx, m); err != nil {
		return fmt.Errorf("email via %s: %v", e.Server, err)
	}
	return nil
}

func (e *Email) send(ctx context.Context, m *Message) error {
	host, _, err := net.SplitHostPort(e.Server)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(e.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	d := &net.Dialer{Deadline: deadline}
	tconf := &tls.Config{ServerName: host, RootCAs: e.RootCAs, MinVersion: tls.VersionTLS12}
	var conn net.Conn
	if e.TLS == "tls" {
		conn, err = tls.DialWithDialer(d, "tcp", e.Server, tconf)
	} else {
		conn, err = d.DialContext(ctx, "tcp", e.Server)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if e.TLS == "starttls" {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("the server does not offer STARTTLS; use tls: tls for port 465, or tls: none only for a relay on this machine")
		}
		if err := c.StartTLS(tconf); err != nil {
			return fmt.Errorf("STARTTLS: %v", err)
		}
	}
	if e.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", e.Username, e.Password, host)); err != nil {
			return fmt.Errorf("login as %s: %v", e.Username, err)
		}
	}
	if err := c.Mail(e.From); err != nil {
		return fmt.Errorf("MAIL FROM %s: %v", e.From, err)
	}
	for _, to := range e.To {
		if err := c.Rcpt(to); err != nil {
			return fmt.Errorf("RCPT TO %s: %v", to, err)
		}
	}
	wc, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := wc.Write(e.message(m)); err != nil {
		return err
	}
	if err := wc.Close(); err != nil {
		return fmt.Errorf("the server did not accept the message: %v", err)
	}
	return c.Quit()
}

func (e *Email) message(m *Message) []byte {
	var b bytes.Buffer
	id := make([]byte, 12)
	rand.Read(id)
	domain := e.From[strings.LastIndexByte(e.From, '@')+1:]
	fmt.Fprintf(&b, "From: %s\r\n", e.From)
	fmt.Fprintf(&b, "To: %s\r\n", strings.Join(e.To, ", "))
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", m.Subject()))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", hex.EncodeToString(id), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n")
	fmt.Fprintf(&b, "X-Canarykit-Status: %s\r\nX-Canarykit-Target: %s\r\n\r\n", m.Status, clip(m.Target, 100))
	q := quotedprintable.NewWriter(&b)
	q.Write([]byte(strings.ReplaceAll(m.Text(), "\n", "\r\n")))
	q.Close()
	return b.Bytes()
}
