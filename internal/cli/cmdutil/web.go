package cmdutil

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/canarykit/canarykit/internal/cli/build"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/fetch"
)

// WebFlags are a command's network settings, and the one place where its
// fetch.Fetcher is made (cli/cli's Factory has the same choke point): every
// outgoing read of a command, whatever reads it (a SOURCE that is a URL,
// wkd: and vks: keys, --online, the freshness sources and time-stamp
// authorities of canary issue), goes through the Fetcher that Get returns
// or its Client, so --proxy and --timeout cover them all. verify and trust
// take the flags with AddWebFlags, issue with AddNetFlags; watch builds a
// Fetcher per target from the target's settings instead (watch/check.go).
// Nothing else in the program makes an HTTP client, except the alert
// senders of watch/alert, which send for the operator (docs/FETCH.md).
type WebFlags struct {
	MaxBytes string
	Timeout  string
	Proxy    string

	// Limit is --timeout, parsed by Get: what one fetch may take.
	Limit time.Duration

	fetcher *fetch.Fetcher // made on first use, shared by every fetch of one run
}

func AddWebFlags(fl *pflag.FlagSet, w *WebFlags) {
	fl.StringVar(&w.MaxBytes, "max-bytes", "1MiB", "for a URL: the largest answer accepted, e.g. 512KiB, 2MiB")
	fl.StringVar(&w.Timeout, "timeout", "30s", "for a URL: the longest one fetch may take, redirects and retries included")
	fl.StringVar(&w.Proxy, "proxy", "", "for a URL: fetch through this proxy; socks5://127.0.0.1:9050 is Tor, and resolves names itself (default: HTTPS_PROXY)")
}

// AddNetFlags gives a command that reaches the network only for requests
// other than a canary (canary issue: freshness sources and TSAs) --proxy
// and --timeout; reads says what they cover, for the help text.
func AddNetFlags(fl *pflag.FlagSet, w *WebFlags, reads string) {
	fl.StringVar(&w.Timeout, "timeout", "30s", "the longest one request to "+reads+" may take")
	fl.StringVar(&w.Proxy, "proxy", "", "ask "+reads+" through this proxy; socks5://127.0.0.1:9050 is Tor, and resolves names itself (default: HTTPS_PROXY)")
}

const userAgentURL = "https://github.com/canarykit/canarykit"

// UserAgent is how canary names itself to the servers it asks.
func UserAgent() string { return "canarykit/" + build.Version + " (+" + userAgentURL + ")" }

// Get returns the run's Fetcher, made from the flags on first use.
func (w *WebFlags) Get() (*fetch.Fetcher, error) {
	if w.fetcher != nil {
		return w.fetcher, nil
	}
	// Empty values keep fetch's defaults.
	var max int64
	var timeout time.Duration
	var err error
	if w.MaxBytes != "" {
		if max, err = fetch.ParseSize(w.MaxBytes); err != nil {
			return nil, fmt.Errorf("--max-bytes: %v", err)
		}
	}
	if w.Timeout != "" {
		if timeout, err = duration.Parse(w.Timeout); err != nil || timeout <= 0 {
			return nil, fmt.Errorf("--timeout %q: give a duration like 30s or 2m", w.Timeout)
		}
	}
	w.Limit = cmp.Or(timeout, 30*time.Second)
	w.fetcher, err = fetch.New(fetch.Options{
		MaxBytes:  max,
		Timeout:   timeout,
		Proxy:     w.Proxy,
		UserAgent: UserAgent(),
	})
	if err != nil {
		return nil, fmt.Errorf("--proxy: %v", err)
	}
	return w.fetcher, nil
}

// Explain turns a fetch error into the one line a reader acts on: what
// went wrong, which limit, and the flag that moves it.
func Explain(err error) error {
	var fe *fetch.Error
	if !errors.As(err, &fe) {
		return fmt.Errorf("cannot fetch the canary: %v", err)
	}
	hint := ""
	switch {
	case fe.Limit == fetch.LimitMaxBytes:
		hint = "; if the canary really is this large, raise --max-bytes"
	case fe.Limit == fetch.LimitTimeout && fe.Kind == fetch.KindLimit:
		hint = "; for a slow server or Tor, raise --timeout"
	case fe.Kind == fetch.KindUsage && strings.Contains(fe.Error(), "onion"):
		hint = "; pass --proxy socks5://127.0.0.1:9050 with Tor running"
	}
	return fmt.Errorf("cannot fetch the canary: %s%s", fe.Error(), hint)
}
