package fetch

import (
	"context"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/socks5test"
)

// TestClientThroughSOCKS: a Client goes through the Fetcher's SOCKS proxy,
// names resolved there, over TLS with the Fetcher's roots, and with its
// User-Agent; redirects are followed through the proxy too.
func TestClientThroughSOCKS(t *testing.T) {
	var uas []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uas = append(uas, r.Header.Get("User-Agent"))
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/key", http.StatusFound)
			return
		}
		io.WriteString(w, "key for "+r.Host)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	// example.com is in httptest's certificate; only the proxy knows where it is.
	p := socks5test.Start(t, socks5test.Table(map[string]string{"example.com:443": srv.Listener.Addr().String()}))
	f := newFetcher(t, Options{Proxy: p.URL(), RootCAs: roots, UserAgent: "canarykit-test"})

	res, err := f.Client().Get("https://example.com/moved")
	if err != nil {
		t.Fatalf("through SOCKS5: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "key for example.com" {
		t.Fatalf("body %q", body)
	}
	asked, atyp := p.Asked(), p.AddrTypes()
	if len(asked) != 1 || asked[0] != "example.com:443" || atyp[0] != 3 {
		t.Errorf("the proxy was asked for %q (address types %v); want the name once (the connection is reused)", asked, atyp)
	}
	if len(uas) != 2 || uas[0] != "canarykit-test" || uas[1] != "canarykit-test" {
		t.Errorf("User-Agents %q, want the Fetcher's on both requests", uas)
	}

	// A request naming its own User-Agent keeps it.
	req, _ := http.NewRequest(http.MethodGet, "https://example.com/key", nil)
	req.Header.Set("User-Agent", "mine")
	if res, err := f.Client().Do(req); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}
	if uas[len(uas)-1] != "mine" {
		t.Errorf("User-Agent %q, want the request's own", uas[len(uas)-1])
	}

	// A name the proxy cannot reach is an error: nothing falls back to a
	// direct connection.
	if _, err := f.Client().Get("https://elsewhere.example/"); err == nil {
		t.Error("a host the proxy refused was reached")
	}
}

func TestClientRedirectPolicy(t *testing.T) {
	var plainHits atomic.Int32
	plain := serve(t, func(w http.ResponseWriter, r *http.Request) {
		plainHits.Add(1)
		io.WriteString(w, "plain")
	})
	loop := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
	})
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/key", http.StatusMovedPermanently)
	}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(tlsSrv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(tlsSrv.Certificate())
	f := newFetcher(t, Options{RootCAs: roots, MaxRedirects: 3})

	_, err := f.Client().Get(tlsSrv.URL + "/key")
	wantErr(t, err, KindLimit, LimitHTTPSToHTTP)
	if plainHits.Load() != 0 {
		t.Errorf("the plain HTTP server was asked %d times after a refused downgrade", plainHits.Load())
	}
	_, err = f.Client().Get(loop.URL + "/r")
	wantErr(t, err, KindLimit, LimitRedirects)

	// The Fetcher's URL rules hold: .onion only through a proxy, only
	// http and https.
	_, err = f.Client().Get("http://canaryexample.onion/key")
	if fe := wantErr(t, err, KindUsage, ""); !strings.Contains(fe.Error(), "socks5://") {
		t.Errorf("message: %v", fe)
	}
	_, err = f.Client().Get("ftp://example.org/key")
	wantErr(t, err, KindUsage, "")
}

// TestClientTimeout: a Client's request is bounded by the Fetcher's Timeout.
func TestClientTimeout(t *testing.T) {
	stop := make(chan struct{})
	s := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	})
	defer close(stop)
	f := newFetcher(t, Options{Timeout: 200 * time.Millisecond, HeaderTimeout: 10 * time.Second})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, s.URL, nil)
	if _, err := f.Client().Do(req); err == nil {
		t.Fatal("a server that never answers was not cut off")
	}
}
