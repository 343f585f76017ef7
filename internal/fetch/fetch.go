// Package fetch gets canaries from the web, safely and politely.
//
// Safely: a hostile server cannot make a fetch use more than MaxBytes of
// memory or more than Timeout of time, cannot redirect it forever or from
// HTTPS to plain HTTP, and cannot pass an image off as a canary. Every
// breach is an *Error that names the limit.
//
// Politely: a watchdog whose address gets blocked reports outages that are
// its own fault. So a Fetcher sends one request at a time to a host, spaces
// requests out, names itself, honours Retry-After, retries only what may
// pass, and asks conditionally, so that an unchanged canary costs one 304.
package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/proxy"
	"golang.org/x/time/rate"
)

// Options are a Fetcher's limits and manners. A zero field takes the
// default given beside it.
type Options struct {
	// MaxBytes caps a response body after decompression, so a gzip bomb
	// stops there too. Default 1 MiB; a canary is a few KiB.
	MaxBytes int64
	// ConnectTimeout bounds reaching a server: TCP, the proxy's handshake
	// and TLS. Default 10s.
	ConnectTimeout time.Duration
	// HeaderTimeout bounds the wait for the response headers once the
	// request is written. Default 10s.
	HeaderTimeout time.Duration
	// Timeout bounds a whole Get from the moment its turn on the host has
	// come: redirects, retries and their waits included, so a server that
	// drips its answer a byte at a time is cut off. Default 30s.
	Timeout time.Duration
	// MaxRedirects is how many redirects a Get follows. Default 5.
	MaxRedirects int
	// Retries is how often a transient failure (a failed connect, 429,
	// 5xx) is retried. Default 2; negative for none.
	Retries int
	// Backoff is the wait before the first retry; it doubles with each
	// retry, with jitter, unless the server's Retry-After asks for longer.
	// Default 1s.
	Backoff time.Duration
	// PerHostInterval spaces requests to one host; PerHostBurst requests
	// may go at once, so that a canary and its signature files do not wait.
	// Defaults 1s and 4.
	PerHostInterval time.Duration
	PerHostBurst    int
	// Proxy is socks5://HOST:PORT (Tor: socks5://127.0.0.1:9050), which
	// resolves names itself, or http(s)://HOST:PORT. Empty: HTTPS_PROXY,
	// HTTP_PROXY and NO_PROXY from the environment.
	Proxy string
	// Direct connects without any proxy, ignoring the environment's: the
	// "direct" vantage point of a watch list's via, which must see what a
	// reader without a proxy sees. It cannot be set with Proxy.
	Direct bool
	// UserAgent names the software, so that an operator who sees it knows
	// whom to ask. Default "canarykit (+https://github.com/canarykit/canarykit)".
	UserAgent string
	// RootCAs replaces the system's trusted roots (a private CA, tests).
	RootCAs *x509.CertPool
}

// Validators come from an earlier Response (its ETag and LastModified);
// with them the server may answer 304 Not Modified instead of sending the
// canary again.
//
// A 304 makes the caller judge its stored copy again, so a validator that
// can match a changed canary would hide the change, possibly for good. Only
// strong validators are therefore ever sent: an ETag that is a weak one
// (W/"...") or not a quoted entity-tag at all is left out, and so is a
// Last-Modified that is not an HTTP date. A Response only ever carries strong
// validators (see Response.ETag), so passing its values back is safe; with
// neither, the request is unconditional and the canary is fetched whole.
type Validators struct {
	ETag         string
	LastModified string
}

// A Response is a canary as the server sent it, and where it came from.
type Response struct {
	URL      string // as asked for
	FinalURL string // after redirects
	// Redirects lists every URL that answered with a redirect, in order,
	// starting with URL.
	Redirects []string
	Status    int
	// NotModified is true when the server answered 304 to the Validators
	// given: Body is empty, and the caller's copy is still current.
	NotModified bool
	ContentType string
	// Body is the content, decompressed, at most MaxBytes.
	Body      []byte
	FetchedAt time.Time
	// ETag and LastModified are the validators for the next Get, each
	// empty unless it is strong (RFC 9110 section 8.8.1): a 304 must never
	// be able to stand for a canary that changed.
	//
	// ETag is the response's ETag when it is a strong entity-tag ("...").
	// A weak one (W/"...") is dropped: static servers derive it from the
	// file's modification time, in seconds, and its size, so a canary
	// replaced within the second by one of the same size keeps it.
	//
	// LastModified is the response's Last-Modified only when it is at
	// least one second before the response's Date (section 8.8.2.2).
	// Modification times have one-second steps, so a canary replaced
	// within the second of an earlier answer has the same Last-Modified,
	// and a server asked If-Modified-Since would answer 304 for the new
	// canary until it changed again. Without a Date, or with a Date or
	// Last-Modified that is not an HTTP date, it is dropped.
	//
	// A Last-Modified within the second of Date drops a strong ETag too:
	// servers such as nginx make their strong-looking ETag from the same
	// modification time and size. The cost is one full fetch; the next
	// answer, once the file is a second old, carries both again.
	ETag, LastModified string
}

// A Fetcher gets URLs. It is safe for concurrent use; share one, since its
// manners toward a host only hold among the requests it makes.
type Fetcher struct {
	o      Options
	client *http.Client
	// transport is the one transport of the process's reads: Get uses it,
	// and so does every Client.
	transport *http.Transport
	// proxyFor says which proxy a URL goes through; nil when every request
	// goes through the SOCKS proxy of Options.Proxy.
	proxyFor func(*http.Request) (*url.URL, error)

	mu    sync.Mutex
	hosts map[string]*host
}

// host is what a Fetcher knows about one host name.
type host struct {
	turn    chan struct{} // holds one token while a request is in flight
	limiter *rate.Limiter

	mu        sync.Mutex
	notBefore time.Time // from Retry-After: nobody asks before then
}

// maxRetryAfter bounds how long a Retry-After keeps a host quiet: a hostile
// server could otherwise silence a watchdog for good.
const maxRetryAfter = time.Hour

// New makes a Fetcher.
func New(o Options) (*Fetcher, error) {
	setDefault(&o.MaxBytes, 1<<20)
	setDefault(&o.ConnectTimeout, 10*time.Second)
	setDefault(&o.HeaderTimeout, 10*time.Second)
	setDefault(&o.Timeout, 30*time.Second)
	setDefault(&o.MaxRedirects, 5)
	setDefault(&o.Retries, 2)
	setDefault(&o.Backoff, time.Second)
	setDefault(&o.PerHostInterval, time.Second)
	setDefault(&o.PerHostBurst, 4)
	setDefault(&o.UserAgent, "canarykit (+https://github.com/canarykit/canarykit)")
	if o.MaxBytes < 0 || o.ConnectTimeout < 0 || o.HeaderTimeout < 0 || o.Timeout < 0 || o.MaxRedirects < 0 {
		return nil, &Error{Kind: KindUsage, msg: "fetch limits must not be negative"}
	}
	o.Retries = max(o.Retries, 0)

	f := &Fetcher{o: o, hosts: map[string]*host{}, proxyFor: http.ProxyFromEnvironment}
	raw := (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	if o.Direct {
		if o.Proxy != "" {
			return nil, &Error{Kind: KindUsage, msg: fmt.Sprintf("proxy %q given for a direct connection", o.Proxy)}
		}
		// Not nil, which means SOCKS: an .onion name is still refused.
		f.proxyFor = func(*http.Request) (*url.URL, error) { return nil, nil }
	}
	if o.Proxy != "" {
		u, err := url.Parse(o.Proxy)
		if err != nil || u.Host == "" {
			return nil, &Error{Kind: KindUsage, msg: fmt.Sprintf("proxy %q is not a URL like socks5://127.0.0.1:9050", o.Proxy)}
		}
		switch u.Scheme {
		case "socks5", "socks5h":
			// x/net's SOCKS5 dialer sends the host name to the proxy and
			// never resolves it here: .onion names work, and the local
			// resolver never learns what is being read.
			d, err := proxy.FromURL(u, &net.Dialer{KeepAlive: 30 * time.Second})
			if err != nil {
				return nil, &Error{Kind: KindUsage, msg: fmt.Sprintf("proxy %q: %v", o.Proxy, err)}
			}
			raw = d.(proxy.ContextDialer).DialContext
			f.proxyFor = nil
		case "http", "https":
			f.proxyFor = http.ProxyURL(u)
		default:
			return nil, &Error{Kind: KindUsage, msg: fmt.Sprintf("proxy %q: use socks5://, http:// or https://", o.Proxy)}
		}
	}
	tlsConf := &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	tr := &http.Transport{
		Proxy:       f.proxyFor,
		DialContext: connectBounded(raw, o.ConnectTimeout),
		// Through a proxy, the transport does TLS itself, bounded by this.
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: o.ConnectTimeout,
		// One connection per host, reused: the politest a client can be,
		// and the fewest handshakes for a canary and its signature files.
		MaxConnsPerHost:        1,
		MaxIdleConnsPerHost:    1,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	if f.proxyFor == nil {
		tr.Proxy = nil
	}
	// Direct and SOCKS connections do TLS here, so that the connect timeout
	// covers it and a bad certificate is told apart from a refused connect.
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
		defer cancel()
		c, err := tr.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		name, _, _ := net.SplitHostPort(addr)
		conf := tlsConf.Clone()
		conf.ServerName = name
		tc := tls.Client(c, conf)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, &dialError{addr: addr, timeout: true, err: err}
			}
			return nil, &tlsError{addr: addr, err: err}
		}
		return tc, nil
	}
	f.transport = tr
	f.client = &http.Client{
		Transport: tr,
		// Redirects are followed by Get itself, so that every hop takes its
		// turn on its own host and is checked and recorded.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return f, nil
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// dialError is a failure to reach a server: worth a retry.
type dialError struct {
	addr    string
	timeout bool
	err     error
}

func (e *dialError) Error() string { return e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// tlsError is a failed TLS handshake: a certificate problem is not
// transient, and may be an attack.
type tlsError struct {
	addr string
	err  error
}

func (e *tlsError) Error() string { return e.err.Error() }
func (e *tlsError) Unwrap() error { return e.err }

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// connectBounded bounds a dial by the connect timeout. The transport dials
// with a context that outlives the request, so this bound is the only one.
func connectBounded(dial dialFunc, timeout time.Duration) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		c, err := dial(ctx, network, addr)
		if err != nil {
			var de *dialError
			if errors.As(err, &de) {
				return nil, err
			}
			// A proxy's handshake turns the deadline into an i/o timeout
			// on the connection, which may come a moment before ctx's.
			var ne net.Error
			timeout := errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
			return nil, &dialError{addr: addr, timeout: timeout, err: err}
		}
		return c, nil
	}
}

// Get fetches a canary: a text or an HTML page. Any other content type is
// refused. v may be nil.
func (f *Fetcher) Get(ctx context.Context, rawURL string, v *Validators) (*Response, error) {
	return f.get(ctx, rawURL, v, true)
}

// GetAny fetches a file published beside a canary (a detached signature, a
// timestamp token), whatever its content type: servers label those in many
// ways, and what matters is checked cryptographically.
func (f *Fetcher) GetAny(ctx context.Context, rawURL string) (*Response, error) {
	return f.get(ctx, rawURL, nil, false)
}

// budget is a Get's Timeout. Its clock starts once the Get's turn on the
// host has come, so that waiting politely behind other requests to the
// same host is not mistaken for a slow server.
type budget struct {
	parent context.Context
	ctx    context.Context
	cancel context.CancelFunc
	d      time.Duration
}

func (b *budget) start() {
	if b.ctx == nil {
		b.ctx, b.cancel = context.WithTimeout(b.parent, b.d)
	}
}

func (b *budget) context() context.Context {
	if b.ctx != nil {
		return b.ctx
	}
	return b.parent
}

func (f *Fetcher) get(ctx context.Context, rawURL string, v *Validators, textOnly bool) (*Response, error) {
	u, err := f.checkURL(rawURL, nil)
	if err != nil {
		return nil, err
	}
	b := &budget{parent: ctx, d: f.o.Timeout}
	defer func() {
		if b.cancel != nil {
			b.cancel()
		}
	}()
	res := &Response{URL: rawURL}
	for {
		hr, body, err := f.retrying(b, u, v, textOnly)
		if err != nil {
			return nil, err
		}
		if isRedirect(hr.StatusCode) {
			res.Redirects = append(res.Redirects, u.String())
			next, err := f.redirect(u, hr, res.Redirects)
			if err != nil {
				return nil, err
			}
			u = next
			continue
		}
		res.FinalURL = u.String()
		res.Status = hr.StatusCode
		res.ContentType = hr.Header.Get("Content-Type")
		res.ETag, res.LastModified = strongValidators(hr.Header)
		res.FetchedAt = time.Now()
		if hr.StatusCode == http.StatusNotModified {
			res.NotModified = true
			return res, nil
		}
		res.Body = body
		return res, nil
	}
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// redirect checks one hop: within the limit, not from HTTPS down to HTTP.
func (f *Fetcher) redirect(from *url.URL, hr *http.Response, hops []string) (*url.URL, error) {
	loc := hr.Header.Get("Location")
	if loc == "" {
		return nil, &Error{Kind: KindStatus, Status: hr.StatusCode, URL: from.String(),
			msg: fmt.Sprintf("%s answered %s without saying where to (no Location header)", from, statusText(hr.StatusCode))}
	}
	to, err := from.Parse(loc)
	if err != nil {
		return nil, &Error{Kind: KindStatus, Status: hr.StatusCode, URL: from.String(),
			msg: fmt.Sprintf("%s redirected to %q, which is not a URL", from, loc)}
	}
	to.Fragment = ""
	chain := strings.Join(append(hops, to.String()), " → ")
	if len(hops) > f.o.MaxRedirects {
		return nil, limitErr(LimitRedirects, from.String(),
			"gave up after more than %d redirects (the redirect limit): %s", f.o.MaxRedirects, chain)
	}
	if from.Scheme == "https" && to.Scheme == "http" {
		return nil, limitErr(LimitHTTPSToHTTP, from.String(),
			"refused a redirect from HTTPS to plain HTTP (the https-to-http rule), which would expose the fetch to the network: %s", chain)
	}
	return f.checkURL(to.String(), from)
}

// checkURL accepts http and https URLs, and .onion ones only through a
// proxy: without one they cannot work, and the attempt would leak the name
// to the local resolver.
func (f *Fetcher) checkURL(s string, from *url.URL) (*url.URL, error) {
	u, err := url.Parse(s)
	what := "the URL"
	if from != nil {
		what = fmt.Sprintf("%s redirected to %q, which", from, s)
	}
	switch {
	case err != nil:
		return nil, &Error{Kind: KindUsage, URL: s, msg: fmt.Sprintf("%s %q is not a valid URL: %v", what, s, err)}
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, &Error{Kind: KindUsage, URL: s, msg: fmt.Sprintf("%s %q is not an http:// or https:// URL", what, s)}
	case u.Host == "":
		return nil, &Error{Kind: KindUsage, URL: s, msg: fmt.Sprintf("%s %q has no host", what, s)}
	}
	if strings.HasSuffix(strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), ".onion") && f.proxyFor != nil {
		if p, err := f.proxyFor(&http.Request{URL: u}); err != nil || p == nil {
			return nil, &Error{Kind: KindUsage, URL: s, msg: fmt.Sprintf(
				"%s is a Tor onion service: it can only be reached through Tor's SOCKS proxy, e.g. socks5://127.0.0.1:9050", u.Hostname())}
		}
	}
	return u, nil
}

func (f *Fetcher) host(name string) *host {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.hosts[name]
	if h == nil {
		h = &host{
			turn:    make(chan struct{}, 1),
			limiter: rate.NewLimiter(rate.Every(f.o.PerHostInterval), f.o.PerHostBurst),
		}
		f.hosts[name] = h
	}
	return h
}

// retrying asks once, then again after transient failures.
func (f *Fetcher) retrying(b *budget, u *url.URL, v *Validators, textOnly bool) (*http.Response, []byte, error) {
	for attempt := 0; ; attempt++ {
		hr, body, retryAfter, err := f.once(b, u, v, textOnly)
		if !transient(hr, err) {
			return hr, body, err
		}
		if err == nil {
			err = &Error{Kind: KindStatus, Status: hr.StatusCode, URL: u.String(),
				msg: fmt.Sprintf("%s answered %s", u, statusText(hr.StatusCode))}
		}
		fe := err.(*Error)
		if attempt == f.o.Retries {
			if attempt > 0 {
				fe.msg += fmt.Sprintf(" (tried %d times); try again later", attempt+1)
			}
			return nil, nil, fe
		}
		wait := f.o.Backoff << attempt
		wait = wait/2 + rand.N(wait/2+1)
		if retryAfter > wait {
			wait = retryAfter
		}
		if dl, ok := b.ctx.Deadline(); ok && time.Now().Add(wait).After(dl) {
			why := "the next try"
			if retryAfter == wait {
				why = "the server asked to wait (Retry-After), and the next try"
			}
			fe.msg += fmt.Sprintf("; %s, in %s, would pass the %s timeout (timeout), so try again later", why, wait.Round(time.Millisecond), f.o.Timeout)
			if fe.Limit == "" {
				fe.Limit = LimitTimeout
			}
			return nil, nil, fe
		}
		if err := sleep(b.ctx, wait); err != nil {
			return nil, nil, f.ctxErr(b, u, err)
		}
	}
}

// transient is true for failures that may pass: a connect that failed, a
// server that is overloaded or briefly broken. 501 and 505 will not pass.
func transient(hr *http.Response, err error) bool {
	if err != nil {
		var fe *Error
		return errors.As(err, &fe) && fe.Kind == KindNetwork && fe.retry
	}
	c := hr.StatusCode
	return c == http.StatusTooManyRequests || (c >= 500 && c <= 599 && c != http.StatusNotImplemented && c != http.StatusHTTPVersionNotSupported)
}

// errHeaderTimeout is the cause given when a request is cancelled for want
// of response headers.
var errHeaderTimeout = errors.New("header timeout")

// once makes one request, in the host's turn, and reads the whole answer
// before giving the turn back. The response's body is already closed.
func (f *Fetcher) once(b *budget, u *url.URL, v *Validators, textOnly bool) (hr *http.Response, body []byte, retryAfter time.Duration, err error) {
	h := f.host(u.Hostname())
	select {
	case h.turn <- struct{}{}:
	case <-b.context().Done():
		return nil, nil, 0, f.ctxErr(b, u, b.context().Err())
	}
	defer func() { <-h.turn }()
	b.start()

	h.mu.Lock()
	quiet := time.Until(h.notBefore)
	h.mu.Unlock()
	if quiet > 0 {
		if dl, ok := b.ctx.Deadline(); ok && time.Now().Add(quiet).After(dl) {
			return nil, nil, 0, &Error{Kind: KindStatus, Status: http.StatusTooManyRequests, Limit: LimitTimeout, URL: u.String(),
				msg: fmt.Sprintf("%s asked to be left alone for %s more (Retry-After), longer than the %s timeout (timeout) allows; try again later",
					u.Hostname(), quiet.Round(time.Second), f.o.Timeout)}
		}
		if err := sleep(b.ctx, quiet); err != nil {
			return nil, nil, 0, f.ctxErr(b, u, err)
		}
	}
	if err := h.limiter.Wait(b.ctx); err != nil {
		return nil, nil, 0, f.ctxErr(b, u, context.DeadlineExceeded)
	}

	rctx, cancel := context.WithCancelCause(b.ctx)
	defer cancel(nil)
	var timer *time.Timer
	var timerMu sync.Mutex
	rctx = httptrace.WithClientTrace(rctx, &httptrace.ClientTrace{
		// The transport may write the request again on a fresh connection
		// when a kept-alive one turns out closed: the wait starts again.
		WroteRequest: func(httptrace.WroteRequestInfo) {
			timerMu.Lock()
			if timer == nil {
				timer = time.AfterFunc(f.o.HeaderTimeout, func() { cancel(errHeaderTimeout) })
			} else {
				timer.Reset(f.o.HeaderTimeout)
			}
			timerMu.Unlock()
		},
	})
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, 0, &Error{Kind: KindUsage, URL: u.String(), msg: fmt.Sprintf("%s: %v", u, err)}
	}
	req.Header.Set("User-Agent", f.o.UserAgent)
	if textOnly {
		req.Header.Set("Accept", "text/plain, text/html;q=0.9, application/xhtml+xml;q=0.9, */*;q=0.1")
	}
	etag, lastModified := v.sendable()
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		req.Header.Set("If-Modified-Since", lastModified)
	}
	hr, err = f.client.Do(req)
	timerMu.Lock()
	if timer != nil {
		timer.Stop()
	}
	timerMu.Unlock()
	if err != nil {
		return nil, nil, 0, f.classify(b, rctx, u, err)
	}
	defer hr.Body.Close()

	if ra := parseRetryAfter(hr.Header.Get("Retry-After")); ra > 0 && (hr.StatusCode == http.StatusTooManyRequests || hr.StatusCode >= 500) {
		retryAfter = min(ra, maxRetryAfter)
		h.mu.Lock()
		if t := time.Now().Add(retryAfter); t.After(h.notBefore) {
			h.notBefore = t
		}
		h.mu.Unlock()
	}
	switch c := hr.StatusCode; {
	case c == http.StatusOK || c == http.StatusNonAuthoritativeInfo:
	case c == http.StatusNotModified && (etag != "" || lastModified != ""):
		return hr, nil, 0, nil
	case isRedirect(c), transient(hr, nil):
		// Read a little, so that the connection can be reused.
		io.CopyN(io.Discard, hr.Body, 16<<10)
		return hr, nil, retryAfter, nil
	default:
		io.CopyN(io.Discard, hr.Body, 16<<10)
		e := &Error{Kind: KindStatus, Status: c, URL: u.String(), msg: fmt.Sprintf("%s answered %s", u, statusText(c))}
		if e.Gone() {
			e.msg += ": there is nothing at this address (any more)"
		}
		return nil, nil, 0, e
	}

	ct := hr.Header.Get("Content-Type")
	if textOnly && ct != "" && !acceptable(ct) {
		return nil, nil, 0, limitErr(LimitContentType, u.String(),
			"%s is served as %q; only text and HTML are accepted as a canary (the content-type rule)", u, ct)
	}
	if hr.ContentLength > f.o.MaxBytes {
		return nil, nil, 0, tooBig(u, f.o.MaxBytes, hr.ContentLength)
	}
	body, err = io.ReadAll(io.LimitReader(hr.Body, f.o.MaxBytes+1))
	if err != nil {
		return nil, nil, 0, f.classify(b, rctx, u, err)
	}
	if int64(len(body)) > f.o.MaxBytes {
		return nil, nil, 0, tooBig(u, f.o.MaxBytes, -1)
	}
	if textOnly && ct == "" && !acceptable(http.DetectContentType(body)) {
		return nil, nil, 0, limitErr(LimitContentType, u.String(),
			"%s has no content type and does not look like text or HTML; only text and HTML are accepted as a canary (the content-type rule)", u)
	}
	return hr, body, 0, nil
}

func tooBig(u *url.URL, limit, announced int64) *Error {
	if announced > 0 {
		return limitErr(LimitMaxBytes, u.String(), "%s is %s, more than the %s size limit (max-bytes); a canary is a few KiB", u, size(announced), size(limit))
	}
	return limitErr(LimitMaxBytes, u.String(), "%s sent more than the %s size limit (max-bytes), and was cut off; a canary is a few KiB", u, size(limit))
}

// acceptable is true for the content types a canary is served as: text,
// HTML, and the armored-OpenPGP type some servers give to .asc files.
func acceptable(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/xhtml+xml" || mt == "application/pgp-signature"
}

// classify turns a transport error into an *Error naming what happened.
func (f *Fetcher) classify(b *budget, rctx context.Context, u *url.URL, err error) error {
	if errors.Is(context.Cause(rctx), errHeaderTimeout) {
		return limitErr(LimitHeaderTimeout, u.String(),
			"%s sent no response headers within the %s header timeout (header-timeout)", u.Hostname(), f.o.HeaderTimeout)
	}
	var de *dialError
	if errors.As(err, &de) {
		if de.timeout {
			return &Error{Kind: KindNetwork, Limit: LimitConnectTimeout, URL: u.String(), retry: true, err: err,
				msg: fmt.Sprintf("could not connect to %s within the %s connect timeout (connect-timeout)", de.addr, f.o.ConnectTimeout)}
		}
		return &Error{Kind: KindNetwork, URL: u.String(), retry: true, err: err,
			msg: fmt.Sprintf("could not connect to %s: %v", de.addr, rootCause(err))}
	}
	var te *tlsError
	if errors.As(err, &te) {
		return &Error{Kind: KindNetwork, URL: u.String(), err: err,
			msg: fmt.Sprintf("the TLS handshake with %s failed, so it cannot be trusted: %v", te.addr, te.err)}
	}
	if b.ctx.Err() != nil {
		return f.ctxErr(b, u, b.ctx.Err())
	}
	return &Error{Kind: KindNetwork, URL: u.String(), err: err,
		msg: fmt.Sprintf("the connection to %s failed: %v", u.Host, rootCause(err))}
}

// ctxErr explains a cancelled context: the caller's, or our Timeout.
func (f *Fetcher) ctxErr(b *budget, u *url.URL, err error) error {
	if b.parent.Err() != nil {
		return &Error{Kind: KindNetwork, URL: u.String(), err: b.parent.Err(), msg: fmt.Sprintf("fetching %s was cancelled: %v", u, b.parent.Err())}
	}
	return &Error{Kind: KindLimit, Limit: LimitTimeout, URL: u.String(), err: err,
		msg: fmt.Sprintf("fetching %s took longer than the %s timeout (timeout), and was cut off; the server is down or too slow", u, f.o.Timeout)}
}

// rootCause drops the "Get URL:" and "dial tcp" wrapping the user already
// knows from the message.
func rootCause(err error) error {
	for {
		var ue *url.Error
		var oe *net.OpError
		switch {
		case errors.As(err, &ue) && ue.Err != err:
			err = ue.Err
		case errors.As(err, &oe) && oe.Err != err:
			err = oe.Err
		default:
			return err
		}
	}
}

// strongValidators returns a response's ETag and Last-Modified, each only
// when it is strong enough to be sent back as a validator for a canary, and
// "" otherwise; Response.ETag says why. A header given more than once is
// not used: which of the values the server will compare is anyone's guess.
func strongValidators(h http.Header) (etag, lastModified string) {
	etag, lastModified = single(h, "ETag"), single(h, "Last-Modified")
	if !strongETag(etag) {
		etag = ""
	}
	if lastModified == "" {
		return etag, ""
	}
	switch ok, known := strongLastModified(lastModified, single(h, "Date")); {
	case ok:
		return etag, lastModified
	case known:
		// Modified within the second of this answer, or later: an ETag
		// made from the modification time is as weak as Last-Modified.
		return "", ""
	}
	return etag, ""
}

// single is a header's value when it is given exactly once, else "".
func single(h http.Header, name string) string {
	if vs := h.Values(name); len(vs) == 1 {
		return strings.Trim(vs[0], " \t")
	}
	return ""
}

// strongETag is true for a strong entity-tag, a quoted opaque-tag without
// W/ (RFC 9110 section 8.8.3).
func strongETag(s string) bool {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		// etagc: %x21 / %x23-7E / obs-text
		if c := s[i]; c < 0x21 || c == '"' || c == 0x7f {
			return false
		}
	}
	return true
}

// strongLastModified says whether a Last-Modified value is a strong
// validator by the rule of RFC 9110 section 8.8.2.2 for clients: the Date
// of the same response is at least one second after it. known is false
// when that cannot be told (no Date, or either not an HTTP date); it is
// then not strong either.
func strongLastModified(lastModified, date string) (strong, known bool) {
	lm, err := http.ParseTime(lastModified)
	if err != nil {
		return false, false
	}
	d, err := http.ParseTime(date)
	if err != nil {
		return false, false
	}
	return d.Sub(lm) >= time.Second, true
}

// sendable returns the validators a request may carry: the strong ones.
// v may be nil.
func (v *Validators) sendable() (etag, lastModified string) {
	if v == nil {
		return "", ""
	}
	if strongETag(v.ETag) {
		etag = v.ETag
	}
	if _, err := http.ParseTime(v.LastModified); err == nil {
		lastModified = v.LastModified
	}
	return etag, lastModified
}

// parseRetryAfter reads a Retry-After header, seconds or an HTTP date, as
// a wait from now between 0 (none, or not understood) and maxRetryAfter.
func parseRetryAfter(s string) time.Duration {
	if s == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 0 {
		return time.Duration(min(n, int(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(s); err == nil {
		return min(max(time.Until(t), 0), maxRetryAfter)
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
