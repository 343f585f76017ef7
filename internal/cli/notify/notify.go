// Package notify is canary notify test: whether a watch list's alert
// channels deliver.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/redact"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch"
	"github.com/canarykit/canarykit/internal/watch/alert"
)

// TestOptions are canary notify test's command line.
type TestOptions struct {
	IO     *cmdutil.Factory
	Config string
	Format string
}

// NewCmd is canary notify; runF, when not nil, runs instead of notify
// test, for tests of the flags.
func NewCmd(ios *cmdutil.Factory, runF func(*TestOptions) error) *cobra.Command {
	opts := &TestOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Test the alert channels of a watch list",
	}
	test := &cobra.Command{
		Use:   "test --config watch.yaml",
		Short: "Send a test alert through every configured channel",
		Long: `Send a test alert through every channel of the watch list (webhooks, email,
commands) and report, per channel and per recipient, whether the far end
accepted it:

  email    the server's answer to MAIL FROM, to RCPT TO for every
           recipient (one refused is a failure, even when the others
           were accepted; they still get the test) and to DATA, with the
           queue id the server gave
  webhook  a 2xx status, and the message id the receiver echoed (a JSON
           id or message_id, an X-Message-Id or X-Request-Id header)
  command  its exit status

An alert path that silently drops messages is how outages go unnoticed:
run this after setting up or changing alerts, and check that the test
arrived (a mail service in a sandbox mode accepts every message and
delivers none). For a lasting check, give the watch list a heartbeat
(docs/WATCH.md). Exits 0 when every channel delivered to every
recipient, 3 otherwise.`,
		Example: "  canary notify test --config watch.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runTest(opts)
		},
	}
	test.Flags().StringVarP(&opts.Config, "config", "c", "", "the watch list whose alerts to test")
	test.Flags().StringVarP(&opts.Format, "format", "f", "text", "output format: text or json")
	test.MarkFlagRequired("config")
	cmd.AddCommand(test)
	return cmd
}

func runTest(opts *TestOptions) error {
	if err := cmdutil.CheckFormat(opts.Format); err != nil {
		return err
	}
	cfg, err := watch.LoadConfig(opts.Config)
	if err != nil {
		return err
	}
	channels, err := watch.Channels(cfg.Alerts, opts.IO.Getenv, cmdutil.UserAgent())
	if err != nil {
		return err
	}
	if len(channels) == 0 {
		return fmt.Errorf("%s has no alert channels: add webhooks, email or commands under alerts (docs/WATCH.md)", opts.Config)
	}
	m := &alert.Message{Kind: "test", Target: "canary-notify-test", Status: verdict.OK, At: opts.IO.Now().UTC(),
		Summary: "a test alert from canary notify test", Events: []alert.Event{}}
	payload, _ := json.Marshal(m)
	var results []notifyResult
	failed := 0
	for _, c := range channels {
		r := probeChannel(c, m, payload)
		if !r.Delivered {
			failed++
		}
		results = append(results, r)
	}
	if opts.Format == "json" {
		json.NewEncoder(verdict.JSONWriter(opts.IO.Out)).Encode(map[string]any{"ok": failed == 0, "channels": results})
	} else {
		writeNotifyResults(opts.IO.Out, results)
		fmt.Fprintf(opts.IO.Out, "%d of %d channel(s) delivered the test alert\n", len(results)-failed, len(results))
	}
	if failed > 0 {
		return cmdutil.ExitError{Code: 3}
	}
	return nil
}

// A notifyResult is what canary notify test found of one channel: what
// the far end answered, per recipient for an email.
type notifyResult struct {
	Channel   string `json:"channel"`
	Delivered bool   `json:"delivered"`
	Error     string `json:"error,omitempty"`
	Took      string `json:"took"`
	Type      string `json:"type"`            // webhook, email, command
	Reply     string `json:"reply,omitempty"` // the far end's answer to the message
	ID        string `json:"id,omitempty"`    // the message id it gave
	// Steps are an email's MAIL FROM, RCPT TO (one per recipient) and
	// DATA, each accepted or not.
	Steps []alert.Step `json:"steps,omitempty"`
}

// probeChannel sends m on c and says what the far end answered. The
// channels redact their errors; what is redacted here is for a channel
// named after its URL, and for any that did not (package redact is
// idempotent).
func probeChannel(c alert.Channel, m *alert.Message, payload []byte) notifyResult {
	start := time.Now()
	r := notifyResult{Channel: redact.Text(c.Name())}
	var rc *alert.Receipt
	var err error
	switch c.(type) {
	case *alert.Webhook:
		r.Type = "webhook"
	case *alert.Email:
		r.Type = "email"
	case *alert.Command:
		r.Type = "command"
	}
	if p, ok := c.(alert.Prober); ok {
		rc, err = p.Probe(context.Background(), m, payload)
	} else {
		err = c.Send(context.Background(), m, payload)
	}
	r.Took = time.Since(start).Round(time.Millisecond).String()
	r.Delivered = err == nil
	if err != nil {
		r.Error = redact.Text(err.Error())
	}
	if rc != nil {
		r.Reply, r.ID = redact.Text(rc.Reply), redact.Text(rc.ID)
		for _, st := range rc.Steps {
			st.Arg, st.Reply = redact.Text(st.Arg), redact.Text(st.Reply)
			r.Steps = append(r.Steps, st)
		}
	}
	return r
}

// writeNotifyResults prints each channel's outcome, then an email's
// answers step by step; what the far end said is escaped (package
// verdict).
func writeNotifyResults(w io.Writer, results []notifyResult) {
	for _, r := range results {
		answer := ""
		if r.Reply != "" {
			answer = ": " + verdict.Display(r.Reply)
		}
		if r.ID != "" {
			answer += ", message id " + verdict.Display(r.ID)
		}
		if r.Delivered {
			verdict.Fprintf(w, "delivered   %s (%s)%s\n", verdict.Display(r.Channel), r.Took, answer)
		} else {
			verdict.Fprintf(w, "FAILED      %s: %s\n", verdict.Display(r.Channel), verdict.Display(r.Error))
		}
		for _, st := range r.Steps {
			what := "accepted"
			if !st.Accepted {
				what = "REFUSED "
			}
			line := st.Command
			if st.Arg != "" {
				line += " " + st.Arg
			}
			verdict.Fprintf(w, "            %s  %s: %s\n", what, verdict.Display(line), verdict.Display(st.Reply))
		}
	}
}
