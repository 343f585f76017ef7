package main

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/canarykit/canarykit/fetch"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/source"
	"github.com/canarykit/canarykit/verify"
)

// webFlags are a command's network settings, and the one place where its
// fetch.Fetcher is made (cli/cli's Factory has the same choke point): every
// outgoing read of a command, whatever reads it (a SOURCE that is a URL,
// wkd: and vks: keys, --online, the freshness sources and time-stamp
// authorities of canary issue), goes through the Fetcher that get returns
// or its Client, so --proxy and --timeout cover them all. verify and trust
// take the flags with addWebFlags, issue with addNetFlags; watch builds a
// Fetcher per target from the target's settings instead (watch/check.go).
// Nothing else in the program makes an HTTP client, except the alert
// senders of watch/alert, which send for the operator (docs/FETCH.md).
type webFlags struct {
	maxBytes string
	timeout  string
	proxy    string

	fetcher *fetch.Fetcher // made on first use, shared by every fetch of one run
	limit   time.Duration  // --timeout, parsed
}

func addWebFlags(fl *pflag.FlagSet, w *webFlags) {
	fl.StringVar(&w.maxBytes, "max-bytes", "1MiB", "for a URL: the largest answer accepted, e.g. 512KiB, 2MiB")
	fl.StringVar(&w.timeout, "timeout", "30s", "for a URL: the longest one fetch may take, redirects and retries included")
	fl.StringVar(&w.proxy, "proxy", "", "for a URL: fetch through this proxy; socks5://127.0.0.1:9050 is Tor, and resolves names itself (default: HTTPS_PROXY)")
}

// addNetFlags gives a command that reaches the network only for requests
// other than a canary (canary issue: freshness sources and TSAs) --proxy
// and --timeout; reads says what they cover, for the help text.
func addNetFlags(fl *pflag.FlagSet, w *webFlags, reads string) {
	fl.StringVar(&w.timeout, "timeout", "30s", "the longest one request to "+reads+" may take")
	fl.StringVar(&w.proxy, "proxy", "", "ask "+reads+" through this proxy; socks5://127.0.0.1:9050 is Tor, and resolves names itself (default: HTTPS_PROXY)")
}

const userAgentURL = "https://github.com/canarykit/canarykit"

func isURL(s string) bool { return source.IsURL(s) }

func (w *webFlags) get() (*fetch.Fetcher, error) {
	if w.fetcher != nil {
		return w.fetcher, nil
	}
	// Empty values keep fetch's defaults.
	var max int64
	var timeout time.Duration
	var err error
	if w.maxBytes != "" {
		if max, err = fetch.ParseSize(w.maxBytes); err != nil {
			return nil, fmt.Errorf("--max-bytes: %v", err)
		}
	}
	if w.timeout != "" {
		if timeout, err = duration.Parse(w.timeout); err != nil || timeout <= 0 {
			return nil, fmt.Errorf("--timeout %q: give a duration like 30s or 2m", w.timeout)
		}
	}
	w.limit = cmp.Or(timeout, 30*time.Second)
	w.fetcher, err = fetch.New(fetch.Options{
		MaxBytes:  max,
		Timeout:   timeout,
		Proxy:     w.proxy,
		UserAgent: "canarykit/" + version + " (+" + userAgentURL + ")",
	})
	if err != nil {
		return nil, fmt.Errorf("--proxy: %v", err)
	}
	return w.fetcher, nil
}

// explain turns a fetch error into the one line a reader acts on: what
// went wrong, which limit, and the flag that moves it.
func explain(err error) error {
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

// verifyInput judges what readInput found. A web page may hold several
// signed blocks (the current canary, an archive of older ones, a forgery
// slipped in): each is judged on its own, and the verdict is the best
// one, ties going to the highest serial. The others are listed, and one
// that is worse without being older turns the verdict to WARNING, so a
// bad block is never hidden behind a good one.
func verifyInput(in *input, opts verify.Options) *verify.Result {
	var r *verify.Result
	switch {
	case !in.Page:
		r = verify.Verify(in.Data, opts)
	default:
		var best int
		r, best = verify.JudgePage(in.Blocks, func(b []byte) *verify.Result { return verify.Verify(b, opts) })
		in.Source.Block = best + 1
	}
	for _, n := range in.Notes {
		r.AddCheck(n) // a note (INFO) stays one
	}
	return r
}
