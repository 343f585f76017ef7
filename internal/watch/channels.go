package watch

import (
	"crypto/x509"
	"fmt"
	"os"

	"github.com/canarykit/canarykit/internal/watch/alert"
)

// Channels makes the alert channels of a watch list. Secrets come from
// the environment, never from the file, so that a watch list can be
// shared or committed.
func Channels(a Alerts, getenv func(string) string, userAgent string) ([]alert.Channel, error) {
	var out []alert.Channel
	for _, h := range a.Webhooks {
		c := &alert.Webhook{ChannelName: h.Name, URL: h.URL, Timeout: h.Timeout, UserAgent: userAgent}
		if h.SecretEnv != "" {
			s := getenv(h.SecretEnv)
			if s == "" {
				return nil, fmt.Errorf("alert channel %s: the HMAC secret variable %s is not set; set it, or remove secret_env", h.Name, h.SecretEnv)
			}
			c.Secret = []byte(s)
		}
		out = append(out, c)
	}
	for _, e := range a.Email {
		c := &alert.Email{ChannelName: e.Name, Server: e.Server, TLS: e.TLS, Username: e.Username, From: e.From, To: e.To, Timeout: e.Timeout}
		if e.PasswordEnv != "" {
			if c.Password = getenv(e.PasswordEnv); c.Password == "" {
				return nil, fmt.Errorf("alert channel %s: the password variable %s is not set", e.Name, e.PasswordEnv)
			}
		}
		if e.CAFile != "" {
			pem, err := os.ReadFile(e.CAFile)
			if err != nil {
				return nil, fmt.Errorf("alert channel %s: ca_file: %v", e.Name, err)
			}
			c.RootCAs = x509.NewCertPool()
			if !c.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("alert channel %s: ca_file %s holds no PEM certificate", e.Name, e.CAFile)
			}
		}
		out = append(out, c)
	}
	for _, c := range a.Commands {
		out = append(out, &alert.Command{ChannelName: c.Name, Run: c.Run, Timeout: c.Timeout})
	}
	return out, nil
}

// ChannelNames lists the names of a watch list's alert channels.
func ChannelNames(a Alerts) []string {
	var out []string
	for _, h := range a.Webhooks {
		out = append(out, h.Name)
	}
	for _, e := range a.Email {
		out = append(out, e.Name)
	}
	for _, c := range a.Commands {
		out = append(out, c.Name)
	}
	return out
}
