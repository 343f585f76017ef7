package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/socks5test"
)

const canaryText = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nFormat: canarykit/1\n-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n"

// quick are options that keep hostile-server tests short: the limits are
// the same code paths as the defaults, only tighter.
func quick(o Options) Options {
	setDefault(&o.ConnectTimeout, time.Second)
	setDefault(&o.HeaderTimeout, time.Second)
	setDefault(&o.Timeout, 2*time.Second)
	setDefault(&o.Backoff, 10*time.Millisecond)
	setDefault(&o.PerHostInterval, time.Millisecond)
	return o
}

func newFetcher(t *testing.T, o Options) *Fetcher {
	t.Helper()
	f, err := New(quick(o))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// wantErr asserts that err is an *Error of the kind and limit given, whose
// message names the limit, and returns it.
func wantErr(t *testing.T, err error, kind Kind, limit string) *Error {
	t.Helper()
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want a *fetch.Error", err, err)
	}
	if fe.Kind != kind || fe.Limit != limit {
		t.Fatalf("error kind %d limit %q, want kind %d limit %q: %v", fe.Kind, fe.Limit, kind, limit, err)
	}
	if limit != "" && !strings.Contains(fe.Error(), limit) {
		t.Errorf("message does not name the %s limit: %v", limit, err)
	}
	if strings.Contains(fe.Error(), "\n") {
		t.Errorf("message is not one line: %q", fe.Error())
	}
	return fe
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func text(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, body)
}

func TestOK(t *testing.T) {
	var ua atomic.Value
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.UserAgent())
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/canary.txt", http.StatusMovedPermanently)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		text(w, canaryText)
	})
	f := newFetcher(t, Options{UserAgent: "canarykit/test (+https://github.com/canarykit/canarykit)"})
	res, err := f.Get(context.Background(), s.URL+"/old", nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Body) != canaryText || res.Status != 200 || res.ETag != `"v1"` {
		t.Errorf("got status %d, etag %q, body %q", res.Status, res.ETag, res.Body)
	}
	if res.FinalURL != s.URL+"/canary.txt" || len(res.Redirects) != 1 || res.Redirects[0] != s.URL+"/old" {
		t.Errorf("final URL %q, redirects %q", res.FinalURL, res.Redirects)
	}
	if ua.Load() != "canarykit/test (+https://github.com/canarykit/canarykit)" {
		t.Errorf("User-Agent %q", ua.Load())
	}
}

func TestHugeBody(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", fmt.Sprint(64<<20))
		w.Write(bytes.Repeat([]byte("x"), 64<<20))
	})
	_, err := newFetcher(t, Options{}).Get(context.Background(), s.URL, nil)
	fe := wantErr(t, err, KindLimit, LimitMaxBytes)
	if !strings.Contains(fe.Error(), "64 MiB, more than the 1 MiB size limit") {
		t.Errorf("message: %v", fe)
	}
}

func TestEndlessBody(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		chunk := bytes.Repeat([]byte("canary "), 4096)
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	f := newFetcher(t, Options{MaxBytes: 256 << 10})
	alloc := allocated(func() {
		_, err := f.Get(context.Background(), s.URL, nil)
		wantErr(t, err, KindLimit, LimitMaxBytes)
	})
	if alloc > 8<<20 {
		t.Errorf("an endless body cost %d MiB of memory with a 256 KiB limit", alloc>>20)
	}
	t.Logf("an endless body cost %d KiB with a 256 KiB limit", alloc>>10)
}

// gzipBomb is a gzip stream that decompresses to n MiB of zeros. Gzip
// members may follow one another, so one small member is repeated.
func gzipBomb(t testing.TB, n int) []byte {
	var member bytes.Buffer
	z, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	z.Write(make([]byte, 1<<20))
	z.Close()
	return bytes.Repeat(member.Bytes(), n)
}

func TestGzipBomb(t *testing.T) {
	bomb := gzipBomb(t, 1024) // 1 GiB once decompressed
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	})
	f := newFetcher(t, Options{})
	alloc := allocated(func() {
		_, err := f.Get(context.Background(), s.URL, nil)
		wantErr(t, err, KindLimit, LimitMaxBytes)
	})
	if alloc > 16<<20 {
		t.Errorf("a %d KiB gzip bomb cost %d MiB of memory with a 1 MiB limit", len(bomb)>>10, alloc>>20)
	}
	t.Logf("a %d KiB gzip bomb of 1 GiB cost %d KiB", len(bomb)>>10, alloc>>10)
}

// allocated returns the bytes allocated while fn ran.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestSlowDrip(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for {
			if _, err := w.Write([]byte("-")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(50 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
	})
	start := time.Now()
	_, err := newFetcher(t, Options{Timeout: 500 * time.Millisecond}).Get(context.Background(), s.URL, nil)
	wantErr(t, err, KindLimit, LimitTimeout)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a slow drip held the fetch for %s with a 500ms timeout", d)
	}
}

func TestNoHeaders(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	_, err := newFetcher(t, Options{HeaderTimeout: 200 * time.Millisecond}).Get(context.Background(), s.URL, nil)
	wantErr(t, err, KindLimit, LimitHeaderTimeout)
}

func TestRedirectLoop(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		next := map[string]string{"/a": "/b", "/b": "/a"}[r.URL.Path]
		http.Redirect(w, r, next, http.StatusFound)
	})
	_, err := newFetcher(t, Options{MaxRedirects: 3}).Get(context.Background(), s.URL+"/a", nil)
	fe := wantErr(t, err, KindLimit, LimitRedirects)
	hops := fmt.Sprintf("%[1]s/a → %[1]s/b → %[1]s/a → %[1]s/b → %[1]s/a", s.URL)
	if !strings.Contains(fe.Error(), hops) {
		t.Errorf("message does not list every hop %q: %v", hops, fe)
	}
}

func TestHTTPSToHTTP(t *testing.T) {
	var plainHits atomic.Int32
	plain := serve(t, func(w http.ResponseWriter, r *http.Request) {
		plainHits.Add(1)
		text(w, canaryText)
	})
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/canary.txt" {
			text(w, canaryText)
			return
		}
		http.Redirect(w, r, plain.URL+"/canary.txt", http.StatusMovedPermanently)
	}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted client's handshake fails on purpose
	t.Cleanup(tlsSrv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(tlsSrv.Certificate())
	f := newFetcher(t, Options{RootCAs: roots})

	res, err := f.Get(context.Background(), tlsSrv.URL+"/canary.txt", nil)
	if err != nil || string(res.Body) != canaryText {
		t.Fatalf("https fetch: %v", err)
	}
	_, err = f.Get(context.Background(), tlsSrv.URL+"/moved", nil)
	wantErr(t, err, KindLimit, LimitHTTPSToHTTP)
	if plainHits.Load() != 0 {
		t.Errorf("the plain HTTP server was asked %d times after a refused downgrade", plainHits.Load())
	}

	// Without the test CA, the certificate is not trusted, and not retried.
	_, err = newFetcher(t, Options{}).Get(context.Background(), tlsSrv.URL+"/canary.txt", nil)
	if fe := wantErr(t, err, KindNetwork, ""); !strings.Contains(fe.Error(), "TLS") {
		t.Errorf("message: %v", fe)
	}
}

func TestContentType(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/png":
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("\x89PNG\r\n\x1a\n"))
		case "/none-binary":
			w.Header()["Content-Type"] = nil
			w.Write([]byte{0, 1, 2, 3, 0xff})
		case "/none-text":
			w.Header()["Content-Type"] = nil
			w.Write([]byte(canaryText))
		case "/asc":
			w.Header().Set("Content-Type", "application/pgp-signature")
			w.Write([]byte(canaryText))
		}
	})
	f := newFetcher(t, Options{})
	for _, p := range []string{"/png", "/none-binary"} {
		_, err := f.Get(context.Background(), s.URL+p, nil)
		wantErr(t, err, KindLimit, LimitContentType)
		if _, err := f.GetAny(context.Background(), s.URL+p); err != nil {
			t.Errorf("GetAny %s: %v", p, err)
		}
	}
	for _, p := range []string{"/none-text", "/asc"} {
		if _, err := f.Get(context.Background(), s.URL+p, nil); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// arrivals records when requests reach a handler.
type arrivals struct {
	mu sync.Mutex
	at []time.Time
}

func (a *arrivals) add() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.at = append(a.at, time.Now())
	return len(a.at)
}

func (a *arrivals) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.at)
}

func TestRetryTransient(t *testing.T) {
	var a arrivals
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := a.add()
		switch {
		case r.URL.Path == "/flaky" && n == 1:
			http.Error(w, "oops", http.StatusInternalServerError)
		case r.URL.Path == "/flaky":
			text(w, canaryText)
		case r.URL.Path == "/down":
			http.Error(w, "down", http.StatusServiceUnavailable)
		case r.URL.Path == "/gone":
			http.Error(w, "gone", http.StatusGone)
		}
	})
	f := newFetcher(t, Options{Retries: 2})
	res, err := f.Get(context.Background(), s.URL+"/flaky", nil)
	if err != nil || string(res.Body) != canaryText || a.count() != 2 {
		t.Fatalf("500 then 200: %v after %d requests", err, a.count())
	}

	a = arrivals{}
	_, err = f.Get(context.Background(), s.URL+"/down", nil)
	if fe := wantErr(t, err, KindStatus, ""); fe.Status != 503 || fe.Gone() || a.count() != 3 {
		t.Errorf("503: status %d after %d requests, want 3: %v", fe.Status, a.count(), fe)
	}

	a = arrivals{}
	_, err = f.Get(context.Background(), s.URL+"/gone", nil)
	if fe := wantErr(t, err, KindStatus, ""); !fe.Gone() || a.count() != 1 {
		t.Errorf("410 is not retried and is gone: %d requests, %v", a.count(), fe)
	}
}

func TestConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = newFetcher(t, Options{Retries: 2}).Get(context.Background(), "http://"+addr+"/", nil)
	fe := wantErr(t, err, KindNetwork, "")
	if !strings.Contains(fe.Error(), "could not connect to "+addr) || !strings.Contains(fe.Error(), "tried 3 times") {
		t.Errorf("message: %v", fe)
	}
}

func TestRetryAfter(t *testing.T) {
	var a arrivals
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := a.add()
		switch {
		case r.URL.Path == "/busy" && n == 1:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case r.URL.Path == "/busy":
			text(w, canaryText)
		case r.URL.Path == "/later":
			w.Header().Set("Retry-After", "3600")
			http.Error(w, "come back in an hour", http.StatusTooManyRequests)
		}
	})
	f := newFetcher(t, Options{Timeout: 5 * time.Second})
	if _, err := f.Get(context.Background(), s.URL+"/busy", nil); err != nil {
		t.Fatal(err)
	}
	if gap := a.at[1].Sub(a.at[0]); a.count() != 2 || gap < 900*time.Millisecond {
		t.Errorf("asked again %s after Retry-After: 1", gap)
	}

	a = arrivals{}
	_, err := f.Get(context.Background(), s.URL+"/later", nil)
	if fe := wantErr(t, err, KindStatus, LimitTimeout); fe.Status != 429 || a.count() != 1 || !strings.Contains(fe.Error(), "Retry-After") {
		t.Errorf("Retry-After longer than the timeout: %d requests, %v", a.count(), fe)
	}
	// The host asked for quiet: the next Get does not even ask.
	_, err = f.Get(context.Background(), s.URL+"/busy", nil)
	if fe := wantErr(t, err, KindStatus, LimitTimeout); a.count() != 1 || !strings.Contains(fe.Error(), "Retry-After") {
		t.Errorf("a host under Retry-After was asked again: %d requests, %v", a.count(), fe)
	}
}

func TestNotModified(t *testing.T) {
	var statuses []int
	var mu sync.Mutex
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		status := 200
		if r.Header.Get("If-None-Match") == `"v1"` || r.Header.Get("If-Modified-Since") == "Sun, 22 Nov 2026 12:00:00 GMT" {
			status = http.StatusNotModified
		}
		mu.Lock()
		statuses = append(statuses, status)
		mu.Unlock()
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Sun, 22 Nov 2026 12:00:00 GMT")
		if status == http.StatusNotModified {
			w.WriteHeader(status)
			return
		}
		text(w, canaryText)
	})
	f := newFetcher(t, Options{})
	first, err := f.Get(context.Background(), s.URL, nil)
	if err != nil || first.NotModified {
		t.Fatalf("first fetch: %v", err)
	}
	for _, v := range []Validators{{ETag: first.ETag}, {LastModified: first.LastModified}} {
		again, err := f.Get(context.Background(), s.URL, &v)
		if err != nil || !again.NotModified || again.Body != nil || again.Status != 304 {
			t.Fatalf("second fetch with %+v: %v, %+v", v, err, again)
		}
	}
	if fmt.Sprint(statuses) != "[200 304 304]" {
		t.Errorf("server answered %v", statuses)
	}
}

func TestSOCKS5(t *testing.T) {
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "canaryexample.onion" {
			http.Error(w, "wrong host", 400)
			return
		}
		text(w, canaryText)
	})
	p := socks5test.Start(t, socks5test.Table(map[string]string{"canaryexample.onion:80": s.Listener.Addr().String()}))
	f := newFetcher(t, Options{Proxy: p.URL()})
	res, err := f.Get(context.Background(), "http://canaryexample.onion/canary.txt", nil)
	if err != nil || string(res.Body) != canaryText {
		t.Fatalf("through SOCKS5: %v", err)
	}
	if asked, atyp := p.Asked(), p.AddrTypes(); len(asked) != 1 || asked[0] != "canaryexample.onion:80" || atyp[0] != 3 {
		t.Errorf("the proxy was asked for %q (address types %v); want the name, resolved by the proxy", asked, atyp)
	}
}

func TestOnionNeedsProxy(t *testing.T) {
	_, err := newFetcher(t, Options{}).Get(context.Background(), "http://canaryexample.onion/canary.txt", nil)
	if fe := wantErr(t, err, KindUsage, ""); !strings.Contains(fe.Error(), "socks5://127.0.0.1:9050") {
		t.Errorf("message: %v", fe)
	}
}

func TestConnectTimeout(t *testing.T) {
	p := socks5test.StartMute(t)
	f := newFetcher(t, Options{Proxy: p.URL(), ConnectTimeout: 200 * time.Millisecond, Retries: -1})
	start := time.Now()
	_, err := f.Get(context.Background(), "http://canaryexample.onion/", nil)
	wantErr(t, err, KindNetwork, LimitConnectTimeout)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a mute proxy held the fetch for %s with a 200ms connect timeout", d)
	}
}

func TestHTTPProxy(t *testing.T) {
	var asked atomic.Value
	p := serve(t, func(w http.ResponseWriter, r *http.Request) {
		asked.Store(r.URL.String())
		text(w, canaryText)
	})
	f := newFetcher(t, Options{Proxy: p.URL})
	if _, err := f.Get(context.Background(), "http://canary.example/canary.txt", nil); err != nil {
		t.Fatal(err)
	}
	if asked.Load() != "http://canary.example/canary.txt" {
		t.Errorf("the proxy was asked for %v", asked.Load())
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{{Proxy: "ftp://x:1"}, {Proxy: "127.0.0.1:9050"}, {MaxBytes: -1}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	f := newFetcher(t, Options{})
	for _, u := range []string{"file:///etc/passwd", "ftp://example.org/x", "http:///nohost", "::"} {
		_, err := f.Get(context.Background(), u, nil)
		wantErr(t, err, KindUsage, "")
	}
}

// politeServer counts, in the server, the connections open and the
// requests in flight at once, and when requests arrive. Servers may share
// a hostCount, as two ports of one host do.
type politeServer struct {
	*httptest.Server
	conns, maxConns atomic.Int32
	*hostCount
}

type hostCount struct {
	inFlight, maxInFlight atomic.Int32
	arrivals
}

func raise(n, m *atomic.Int32) {
	v := n.Add(1)
	for {
		old := m.Load()
		if v <= old || m.CompareAndSwap(old, v) {
			return
		}
	}
}

func startPolite(t *testing.T, work time.Duration, h *hostCount) *politeServer {
	p := &politeServer{hostCount: h}
	p.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raise(&p.inFlight, &p.maxInFlight)
		defer p.inFlight.Add(-1)
		p.add()
		time.Sleep(work)
		text(w, canaryText)
	}))
	p.Config.ConnState = func(c net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			raise(&p.conns, &p.maxConns)
		case http.StateClosed, http.StateHijacked:
			p.conns.Add(-1)
		}
	}
	p.Start()
	t.Cleanup(p.Close)
	return p
}

// getAll fetches n canaries at once, spread over the servers.
func getAll(t *testing.T, f *Fetcher, n int, servers ...*politeServer) {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := f.Get(context.Background(), fmt.Sprintf("%s/canary%d.txt", servers[i%len(servers)].URL, i), nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestOneConnectionPerHost runs many fetches from one host (two ports of
// it) at once, with no rate limit to space them: a polite client still
// never holds more than one connection to a server, nor has more than one
// request in flight to the host.
func TestOneConnectionPerHost(t *testing.T) {
	const n = 8
	h := &hostCount{}
	a, b := startPolite(t, 20*time.Millisecond, h), startPolite(t, 20*time.Millisecond, h)
	getAll(t, newFetcher(t, Options{PerHostInterval: time.Nanosecond, PerHostBurst: n}), n, a, b)
	if a.maxConns.Load() != 1 || b.maxConns.Load() != 1 || h.maxInFlight.Load() != 1 || h.count() != n {
		t.Errorf("%d parallel fetches held up to %d and %d connections to the two servers, and %d requests at once to the host; want 1, 1 and 1",
			n, a.maxConns.Load(), b.maxConns.Load(), h.maxInFlight.Load())
	}
}

// TestPerHostInterval checks that the rate limit spaces requests to one
// host out, even when many fetches want it at once.
func TestPerHostInterval(t *testing.T) {
	const n = 6
	interval := 40 * time.Millisecond
	s := startPolite(t, 0, &hostCount{})
	getAll(t, newFetcher(t, Options{PerHostInterval: interval, PerHostBurst: 1}), n, s)
	for i := 1; i < len(s.at); i++ {
		// Allow for timer slack.
		if gap := s.at[i].Sub(s.at[i-1]); gap < interval*3/4 {
			t.Errorf("requests %d and %d came %s apart, closer than the %s per-host interval", i, i+1, gap, interval)
		}
	}
}
