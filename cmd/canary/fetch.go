package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/fetch"
	"github.com/canarykit/canarykit/verify"
)

// webFlags are verify's options for a SOURCE that is a URL.
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

const userAgentURL = "https://github.com/canarykit/canarykit"

func isURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

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
		if timeout, err = canary.ParseDuration(w.timeout); err != nil || timeout <= 0 {
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

// readURL fetches SOURCE, tells a canary text from a web page, and finds
// the detached signatures and timestamp tokens published beside it.
func readURL(ios *streams, src string, f *verifyFlags) (*input, error) {
	fetcher, err := f.web.get()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	res, err := fetcher.Get(ctx, src, nil)
	if err != nil {
		return nil, explain(err)
	}
	in := &input{
		data: res.Body,
		source: &verify.Source{
			Location:  src,
			FinalURL:  res.FinalURL,
			Redirects: res.Redirects,
			Status:    res.Status,
			FetchedAt: ios.Now().UTC().Truncate(time.Second),
			Digest:    canary.Digest(res.Body),
		},
	}
	in.notes = append(in.notes, sourceNote(in.source, len(res.Body)))
	if plainHTTP(res) {
		in.notes = append(in.notes, verify.Note("source",
			"fetched over plain HTTP: the signatures are checked just the same, but anyone on the network path sees which canary you read and could serve you an older one; use https:// if the site has it"))
	}

	for _, s := range f.sigs {
		sig, err := readSig(f, s)
		if err != nil {
			return nil, err
		}
		in.sigs = append(in.sigs, sig)
	}
	// The files beside the canary share one --timeout between them, so
	// that a hostile server cannot stretch a run to four timeouts.
	ctx, cancel := context.WithTimeout(ctx, f.web.limit)
	defer cancel()
	html := fetch.IsHTML(res.ContentType, res.Body)
	var blocks [][]byte
	if html {
		blocks = fetch.ExtractBlocks(res.Body)
	}
	// As for files: a canary that is not clearsigned may be signed by
	// SOURCE.asc or SOURCE.sig.
	if len(f.sigs) == 0 && len(blocks) == 0 && !bytes.Contains(res.Body, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) {
		for _, ext := range []string{".asc", ".sig"} {
			body, note := neighbour(ctx, fetcher, res.FinalURL, ext)
			if note != nil {
				in.notes = append(in.notes, *note)
			}
			if body != nil && verify.NeighbourSignature(body) == nil {
				in.sigs = append(in.sigs, body)
			}
		}
	}
	// A detached signature covers the bytes as served, so a page that has
	// one is judged whole; otherwise a page is judged by its signed blocks.
	if html && len(in.sigs) == 0 {
		in.page, in.blocks = true, blocks
	}
	// Timestamp tokens are named as for files (freshness.go): URL.tsr,
	// URL.2.tsr, ... up to the first one missing or not a token (a site
	// that answers any path with its start page has none).
	for i := range maxTokens {
		name := canary.TokenName(res.FinalURL, i)
		token, note := neighbour(ctx, fetcher, name, "")
		if note != nil {
			in.notes = append(in.notes, *note)
		}
		if token == nil {
			break
		}
		if err := verify.NeighbourToken(token); err != nil {
			in.notes = append(in.notes, verify.NotToken(name, err))
			break
		}
		in.tokens = append(in.tokens, token)
	}
	return in, nil
}

// readSig reads a --sig value: a URL or a file.
func readSig(f *verifyFlags, s string) ([]byte, error) {
	if !isURL(s) {
		sig, err := canary.ReadFile(s)
		if err != nil {
			return nil, fmt.Errorf("cannot read --sig: %v", err)
		}
		return sig, nil
	}
	fetcher, err := f.web.get()
	if err != nil {
		return nil, err
	}
	res, err := fetcher.GetAny(context.Background(), s)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch --sig %s: %v", s, err)
	}
	return res.Body, nil
}

// neighbour fetches the file published at base+ext (added to the path, not
// the query). Absence (404, 410, and 403, which some stores answer for a
// missing file) is normal and silent; any other failure becomes a note, not
// a verdict: the canary itself was read.
func neighbour(ctx context.Context, fetcher *fetch.Fetcher, base, ext string) ([]byte, *verify.Check) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, nil
	}
	u.Path += ext
	u.RawPath = ""
	res, err := fetcher.GetAny(ctx, u.String())
	var fe *fetch.Error
	switch {
	case err == nil:
		return res.Body, nil
	case errors.As(err, &fe) && (fe.Gone() || fe.Status == 403):
		return nil, nil
	}
	note := verify.Note("source", fmt.Sprintf("could not fetch %s, so it was not used: %v", u, err))
	return nil, &note
}

func sourceNote(s *verify.Source, n int) verify.Check {
	msg := fmt.Sprintf("fetched %s at %s: %d, %s, %s", s.FinalURL, s.FetchedAt.Format("2006-01-02 15:04 UTC"), s.Status, sizeText(n), s.Digest)
	if len(s.Redirects) > 0 {
		msg += fmt.Sprintf("; redirected from %s", strings.Join(s.Redirects, " → "))
	}
	return verify.Note("source", msg)
}

func sizeText(n int) string {
	if n < 10<<10 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func plainHTTP(res *fetch.Response) bool {
	for _, u := range append(append([]string{res.URL}, res.Redirects...), res.FinalURL) {
		if strings.HasPrefix(strings.ToLower(u), "http://") {
			return true
		}
	}
	return false
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
	case !in.page:
		r = verify.Verify(in.data, opts)
	default:
		var best int
		r, best = verify.JudgePage(in.blocks, func(b []byte) *verify.Result { return verify.Verify(b, opts) })
		in.source.Block = best + 1
	}
	for _, n := range in.notes {
		r.AddCheck(n) // a note (INFO) stays one
	}
	return r
}
