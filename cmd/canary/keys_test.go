package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
)

// cli runs canary commands in-process in dir, with a fixed clock and a
// trust store in dir, so that tests can set keyHTTPClient.
type cli struct {
	t   *testing.T
	dir string
	now time.Time
}

func (c *cli) run(args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"CANARY_TRUST_STORE": filepath.Join(c.dir, "trust.json")}
	ios := &streams{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return c.now }}
	code = run(args, ios)
	return code, out.String(), errb.String()
}

func (c *cli) must(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(args...)
	if code != 0 {
		c.t.Fatalf("canary %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// newKey makes a key in dir/keys/NAME.{sec,pub}.asc and returns its public
// key and fingerprint.
func (c *cli) newKey(name, uid string) (pub []byte, fp string) {
	c.t.Helper()
	c.must("key", "generate", "--uid", uid, "--out", filepath.Join(c.dir, "keys", name))
	pub, err := os.ReadFile(filepath.Join(c.dir, "keys", name+".pub.asc"))
	if err != nil {
		c.t.Fatal(err)
	}
	el, err := canary.ReadKeys(pub)
	if err != nil {
		c.t.Fatal(err)
	}
	return pub, canary.Fingerprint(el[0].PrimaryKey.Fingerprint)
}

// issue publishes the next canary in dir/public, signed by key NAME.
func (c *cli) issue(name string) string {
	c.t.Helper()
	def := "issuer: {name: Example Org, url: https://example.org}\ncadence: 30d\ngrace: 7d\nstatements:\n  - {id: no-warrants, text: \"No warrants.\"}\nsigners: [{key: keys/" + name + ".sec.asc}]\n"
	cfg := filepath.Join(c.dir, name+".yaml")
	if err := os.WriteFile(cfg, []byte(def), 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.must("issue", "--config", cfg, "--out", filepath.Join(c.dir, "public"))
	return filepath.Join(c.dir, "public", "canary.txt")
}

// fakeWeb is an HTTPS server on 127.0.0.1 answering for the names in
// routes' keys ("host/path"); every other name does not resolve.
type fakeWeb struct {
	srv    *httptest.Server
	mu     sync.Mutex
	routes map[string][]byte
}

func newFakeWeb(t *testing.T) *fakeWeb {
	w := &fakeWeb{routes: map[string][]byte{}}
	w.srv = httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		body, ok := w.routes[r.Host+r.URL.Path]
		w.mu.Unlock()
		if !ok {
			http.NotFound(rw, r)
			return
		}
		rw.Write(body)
	}))
	t.Cleanup(w.srv.Close)
	tr := w.srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.ServerName = "example.com" // a name in httptest's certificate
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		w.mu.Lock()
		known := false
		for k := range w.routes {
			known = known || strings.HasPrefix(k, host+"/")
		}
		w.mu.Unlock()
		if !known {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return (&net.Dialer{}).DialContext(ctx, network, w.srv.Listener.Addr().String())
	}
	old := keyHTTPClient
	keyHTTPClient = &http.Client{Transport: tr}
	t.Cleanup(func() { keyHTTPClient = old })
	return w
}

func (w *fakeWeb) serve(hostPath string, body []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.routes[hostPath] = body
}

func wkdPath(local string) string {
	const alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769"
	sum := sha1.Sum([]byte(local))
	var out strings.Builder
	for i := 0; i < 160; i += 5 {
		v := 0
		for j := i; j < i+5; j++ {
			v = v<<1 | int(sum[j/8]>>(7-j%8)&1)
		}
		out.WriteByte(alphabet[v])
	}
	return "example.org/.well-known/openpgpkey/hu/" + out.String()
}

// TestWKDKeyAndHijack is the attack pinning exists for: whoever takes over
// the publisher's domain can publish a new key in its Web Key Directory,
// with the publisher's address as user ID, and a canary signed with it.
func TestWKDKeyAndHijack(t *testing.T) {
	c := &cli{t: t, dir: t.TempDir(), now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	web := newFakeWeb(t)
	alicePub, aliceFP := c.newKey("alice", "Alice <alice@example.org>")
	web.serve(wkdPath("alice"), alicePub)
	web.serve("keys.example.net/vks/v1/by-fingerprint/"+aliceFP, alicePub)
	src := c.issue("alice")

	out := c.must("verify", src, "--key", "wkd:alice@example.org", "--pin")
	if !strings.HasPrefix(out, "OK: ") || !strings.Contains(out, "first use: pinned signer(s) Alice <alice@example.org> ("+aliceFP+")") {
		t.Fatalf("WKD key, first use:\n%s", out)
	}
	c.must("verify", src, "--key", "vks:"+aliceFP, "--vks", "https://keys.example.net")
	c.must("verify", src, "--key", "wkd:alice@example.org", "--key", aliceFP)
	if code, out, _ := c.run("verify", src, "--key", "wkd:alice@example.org", "--key", strings.Repeat("AB", 20)); code != 3 || !strings.HasPrefix(out, "UNKNOWN: no key given matches fingerprint ABAB") {
		t.Errorf("fingerprint mismatch: exit %d\n%s", code, out)
	}

	// The hijack: a new key with Alice's address, served by the domain.
	c.now = c.now.Add(24 * time.Hour)
	fakePub, fakeFP := c.newKey("fake", "Alice <alice@example.org>")
	web.serve(wkdPath("alice"), fakePub)
	src = c.issue("fake")
	code, out, _ := c.run("verify", src, "--key", "wkd:alice@example.org")
	if code != 2 || !strings.HasPrefix(out, "CRITICAL: key changed: "+src+" was signed by "+aliceFP+" before, now by Alice <alice@example.org> ("+fakeFP+")") {
		t.Errorf("hijacked domain: exit %d\n%s", code, out)
	}
	// The pinned fingerprint alone catches it too, without any store.
	code, out, _ = c.run("verify", src, "--key", "wkd:alice@example.org", "--key", aliceFP)
	if code != 3 || !strings.Contains(out, "no key given matches fingerprint "+aliceFP) {
		t.Errorf("hijacked domain with --key FINGERPRINT: exit %d\n%s", code, out)
	}

	// A directory that cannot be reached is "could not check".
	web.srv.Close()
	code, out, _ = c.run("verify", src, "--key", "wkd:alice@example.org", "--format", "json")
	if code != 3 || !strings.Contains(out, `"status":"UNKNOWN"`) || !strings.Contains(out, "cannot reach https://example.org/.well-known/openpgpkey/hu/") {
		t.Errorf("unreachable WKD: exit %d\n%s", code, out)
	}
}
