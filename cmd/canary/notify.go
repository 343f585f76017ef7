package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/redact"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/watch"
	"github.com/canarykit/canarykit/watch/alert"
)

func newNotifyCmd(ios *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Test the alert channels of a watch list",
	}
	var config, format string
	test := &cobra.Command{
		Use:   "test --config watch.yaml",
		Short: "Send a test alert through every configured channel",
		Long: `Send a test alert through every channel of the watch list (webhooks, email,
commands) and report, per channel, whether it was delivered. An alert path
that silently drops messages is how outages go unnoticed: run this after
setting up or changing alerts. Exits 0 when every channel delivered, 3
otherwise.`,
		Example: "  canary notify test --config watch.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			cfg, err := watch.LoadConfig(config)
			if err != nil {
				return err
			}
			channels, err := watch.Channels(cfg.Alerts, ios.Getenv, userAgent())
			if err != nil {
				return err
			}
			if len(channels) == 0 {
				return fmt.Errorf("%s has no alert channels: add webhooks, email or commands under alerts (docs/WATCH.md)", config)
			}
			m := &alert.Message{Kind: "test", Target: "canary-notify-test", Status: verdict.OK, At: ios.Now().UTC(),
				Summary: "a test alert from canary notify test", Events: []alert.Event{}}
			payload, _ := json.Marshal(m)
			type result struct {
				Channel   string `json:"channel"`
				Delivered bool   `json:"delivered"`
				Error     string `json:"error,omitempty"`
				Took      string `json:"took"`
			}
			var results []result
			failed := 0
			for _, c := range channels {
				start := time.Now()
				err := c.Send(context.Background(), m, payload)
				// The channels redact their errors; this is for
				// a channel named after its URL, and for any that
				// did not (package redact is idempotent).
				r := result{Channel: redact.Text(c.Name()), Delivered: err == nil, Took: time.Since(start).Round(time.Millisecond).String()}
				if err != nil {
					r.Error = redact.Text(err.Error())
					failed++
				}
				results = append(results, r)
			}
			if format == "json" {
				json.NewEncoder(verdict.JSONWriter(ios.Out)).Encode(map[string]any{"ok": failed == 0, "channels": results})
			} else {
				for _, r := range results {
					if r.Delivered {
						verdict.Fprintf(ios.Out, "delivered   %s (%s)\n", r.Channel, r.Took)
					} else {
						verdict.Fprintf(ios.Out, "FAILED      %s: %s\n", verdict.Display(r.Channel), verdict.Display(r.Error))
					}
				}
				fmt.Fprintf(ios.Out, "%d of %d channel(s) delivered the test alert\n", len(results)-failed, len(results))
			}
			if failed > 0 {
				return exitError{3}
			}
			return nil
		},
	}
	test.Flags().StringVarP(&config, "config", "c", "", "the watch list whose alerts to test")
	test.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	test.MarkFlagRequired("config")
	cmd.AddCommand(test)
	return cmd
}
