package alert

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
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
	_, err := e.deliver(ctx, m, false)
	return err
}

// Probe sends m as Send does, but on to every recipient after one is
// refused, and to those accepted: the receipt names the server's answer
// to MAIL FROM, to each RCPT TO and to DATA, with the queue id it gave.
// A refused recipient is an error even when the others were accepted.
func (e *Email) Probe(ctx context.Context, m *Message, _ []byte) (*Receipt, error) {
	return e.deliver(ctx, m, true)
}

func (e *Email) deliver(ctx context.Context, m *Message, probe bool) (*Receipt, error) {
	r := &Receipt{}
	if err := e.send(ctx, m, r, probe); err != nil {
		return r, fmt.Errorf("email via %s: %v", e.Server, err)
	}
	return r, nil
}

// send runs one SMTP session. Every recipient is tried, so that the
// error names each one refused; a refused recipient then ends the
// session before DATA, so that no one gets an alert some did not (it is
// retried whole). With probe, those accepted get the message.
func (e *Email) send(ctx context.Context, m *Message, r *Receipt, probe bool) error {
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
		r.Steps = append(r.Steps, Step{Command: "MAIL FROM", Arg: e.From, Reply: reply(err)})
		return fmt.Errorf("MAIL FROM %s: %v", e.From, err)
	}
	r.Steps = append(r.Steps, Step{Command: "MAIL FROM", Arg: e.From, Accepted: true, Reply: "250"})
	var refused []string
	accepted := 0
	for _, to := range e.To {
		if strings.ContainsAny(to, "\r\n") {
			return fmt.Errorf("the recipient %q holds a line break", to)
		}
		code, msg, err := cmd(c, 25, "RCPT TO:<%s>", to)
		if err != nil {
			r.Steps = append(r.Steps, Step{Command: "RCPT TO", Arg: to, Reply: reply(err)})
			refused = append(refused, fmt.Sprintf("%s (%s)", to, reply(err)))
			continue
		}
		r.Steps = append(r.Steps, Step{Command: "RCPT TO", Arg: to, Accepted: true, Reply: clip(fmt.Sprintf("%d %s", code, msg), 300)})
		accepted++
	}
	var refusal error
	if len(refused) > 0 {
		refusal = fmt.Errorf("RCPT TO refused: %s", strings.Join(refused, ", "))
		if !probe || accepted == 0 {
			return refusal
		}
	}
	if _, _, err := cmd(c, 354, "DATA"); err != nil {
		r.Steps = append(r.Steps, Step{Command: "DATA", Reply: reply(err)})
		return errors.Join(refusal, fmt.Errorf("DATA: %v", err))
	}
	w := c.Text.DotWriter()
	if _, err := w.Write(e.message(m)); err != nil {
		return errors.Join(refusal, err)
	}
	if err := w.Close(); err != nil {
		return errors.Join(refusal, err)
	}
	code, msg, err := c.Text.ReadResponse(250)
	if err != nil {
		r.Steps = append(r.Steps, Step{Command: "DATA", Reply: reply(err)})
		return errors.Join(refusal, fmt.Errorf("the server did not accept the message: %v", err))
	}
	r.Reply = clip(fmt.Sprintf("%d %s", code, msg), 300)
	r.ID = queueID(msg)
	r.Steps = append(r.Steps, Step{Command: "DATA", Accepted: true, Reply: r.Reply})
	if refusal != nil {
		c.Quit()
		return refusal
	}
	return c.Quit()
}

// cmd sends one SMTP command and reads the reply, which must have the
// code expect (or start with it, when expect has fewer digits).
func cmd(c *smtp.Client, expect int, format string, args ...any) (int, string, error) {
	id, err := c.Text.Cmd(format, args...)
	if err != nil {
		return 0, "", err
	}
	c.Text.StartResponse(id)
	defer c.Text.EndResponse(id)
	return c.Text.ReadResponse(expect)
}

// reply is an SMTP error as the server's reply ("550 5.1.1 no such
// user"), or the error itself when the server gave none.
func reply(err error) string {
	var te *textproto.Error
	if errors.As(err, &te) {
		return clip(fmt.Sprintf("%d %s", te.Code, te.Msg), 300)
	}
	return clip(err.Error(), 300)
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
