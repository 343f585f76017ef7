package alert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/canarykit/canarykit/internal/redact"
)

// Command runs a program for each alert, without a shell: the alert as
// JSON on its standard input, and CANARY_ALERT_KIND, CANARY_TARGET,
// CANARY_STATUS and CANARY_SUMMARY in its environment. Exit 0 is
// delivered; anything else, or running past Timeout, is a failure.
type Command struct {
	ChannelName string
	Run         []string
	Timeout     time.Duration
}

func (c *Command) Name() string { return c.ChannelName }

// Send's errors quote what the command printed, with any URL in it
// redacted (package redact): a script that posts to a webhook may echo it.
func (c *Command) Send(ctx context.Context, m *Message, payload []byte) error {
	_, err := c.Probe(ctx, m, payload)
	return err
}

// Probe runs the command as Send does; the receipt's reply is its exit
// status.
func (c *Command) Probe(ctx context.Context, m *Message, payload []byte) (*Receipt, error) {
	if err := c.send(ctx, m, payload); err != nil {
		r := &Receipt{Reply: "did not succeed"}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			r.Reply = ee.ProcessState.String()
		}
		return r, errors.New(redact.Text(err.Error()))
	}
	return &Receipt{Reply: "exit status 0"}, nil
}

func (c *Command) send(ctx context.Context, m *Message, payload []byte) error {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Run[0], c.Run[1:]...)
	cmd.Stdin = bytes.NewReader(payload)
	cmd.Env = append(os.Environ(), "CANARY_ALERT_KIND="+m.Kind, "CANARY_TARGET="+m.Target, "CANARY_STATUS="+m.Status.String(),
		"CANARY_SUMMARY="+clip(m.Summary, 1000))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	out := strings.TrimSpace(stderr.String())
	if len(out) > 300 {
		out = "…" + out[len(out)-300:]
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("command %s ran longer than %s and was stopped", c.Run[0], c.Timeout)
	}
	if out != "" {
		return fmt.Errorf("command %s: %w: %s", c.Run[0], err, out)
	}
	return fmt.Errorf("command %s: %w", c.Run[0], err)
}
