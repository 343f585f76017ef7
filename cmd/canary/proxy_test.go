package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"
	"github.com/canarykit/canarykit/internal/socks5test"
)

// The tests here read over HTTPS the way a reader does: no test hook
// hands the command a client of its own, so every request goes through
// the one fetch.Fetcher the command builds from its flags. The test
// servers' certificate is trusted through SSL_CERT_FILE, set before any
// certificate is checked; it names the fake hosts below and 127.0.0.1.
var testCert tls.Certificate

// fakeNames are the host names the test certificate is valid for.
var fakeNames = []string{"example.org", "openpgpkey.example.org", "keys.example.net", "canary.test", "openpgpkey.canary.test", "keys.canary.test", "blocks.canary.test"}

func init() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "canarykit test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              fakeNames,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	testCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	f, err := os.CreateTemp("", "canarykit-test-ca-*.pem")
	if err != nil {
		panic(err)
	}
	pem.Encode(f, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	f.Close()
	os.Setenv("SSL_CERT_FILE", f.Name())
}

// needSSLCertFile skips where the system verifier ignores SSL_CERT_FILE.
func needSSLCertFile(t *testing.T) {
	switch runtime.GOOS {
	case "darwin", "ios", "windows":
		t.Skip("the system's certificate verifier ignores SSL_CERT_FILE here")
	}
}

// fakeNet is a small internet on 127.0.0.1: an HTTPS server answering for
// the fake names (and 127.0.0.1) by routes' keys ("host/path"), a plain
// HTTP one, and a SOCKS5 proxy that alone knows where the names are. The
// servers note where each connection comes from, so that a test can tell
// connections made through the proxy from direct ones.
type fakeNet struct {
	tls, plain *httptest.Server
	proxy      *socks5test.Proxy

	mu     sync.Mutex
	routes map[string][]byte
	peers  []string // remote addresses of the connections the servers accepted
	asked  []string // host+path of every request the servers answered
}

func newFakeNet(t *testing.T) *fakeNet {
	t.Helper()
	needSSLCertFile(t)
	n := &fakeNet{routes: map[string][]byte{}}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.mu.Lock()
		n.asked = append(n.asked, r.Host+r.URL.Path)
		body, ok := n.routes[r.Host+r.URL.Path]
		n.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	})
	n.tls = n.server(t, handler, true)
	n.plain = n.server(t, handler, false)
	n.proxy = socks5test.Start(t, func(target string) string {
		host, port, _ := net.SplitHostPort(target)
		switch {
		case target == n.tls.Listener.Addr().String() || target == n.plain.Listener.Addr().String():
			return target
		case slices.Contains(fakeNames, host) && port == "443":
			return n.tls.Listener.Addr().String()
		case slices.Contains(fakeNames, host) && port == "80":
			return n.plain.Listener.Addr().String()
		}
		return ""
	})
	return n
}

// server starts an HTTP(S) server that notes its peers.
func (n *fakeNet) server(t *testing.T, h http.Handler, useTLS bool) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateNew {
			n.mu.Lock()
			n.peers = append(n.peers, c.RemoteAddr().String())
			n.mu.Unlock()
		}
	}
	if useTLS {
		s.TLS = &tls.Config{Certificates: []tls.Certificate{testCert}}
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// handle serves h's answers at host (a fake name) for any path.
func (n *fakeNet) handle(t *testing.T, host string, h http.Handler) string {
	s := n.server(t, h, false)
	addr := s.Listener.Addr().String()
	n.proxy.Route(host+":80", addr)
	n.proxy.Route(addr, addr)
	return addr
}

func (n *fakeNet) serve(hostPath string, body []byte) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.routes[hostPath] = body
}

// direct lists the connections the servers accepted that did not come
// from the proxy.
func (n *fakeNet) direct() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, p := range n.peers {
		if !n.proxy.Made(p) {
			out = append(out, p)
		}
	}
	return out
}

// requests are the host+path of every request the HTTPS and HTTP servers
// answered.
func (n *fakeNet) requests() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.asked)
}

// wantAllThroughProxy fails the test unless no server was reached
// directly and the proxy was asked for every target in want.
func wantAllThroughProxy(t *testing.T, n *fakeNet, want ...string) {
	t.Helper()
	if d := n.direct(); len(d) > 0 {
		t.Errorf("%d connection(s) went around the proxy, from %v", len(d), d)
	}
	wantAsked(t, n.proxy, want...)
}

// wantAsked fails the test unless the proxy was asked for every target in want.
func wantAsked(t *testing.T, p *socks5test.Proxy, want ...string) {
	t.Helper()
	asked := p.Asked()
	for _, w := range want {
		if !slices.Contains(asked, w) {
			t.Errorf("the proxy was never asked for %s; it was asked for %v", w, asked)
		}
	}
}

// networkStories run every command that reaches the network through the
// recording proxy, one story each (cli/cli's way of keeping every command
// on its one HTTP client). A command that gains --proxy needs a story here:
// TestOneNetworkPath fails until it has one.
var networkStories = []struct {
	command string // as typed, without "canary"
	// perTarget: the command takes its proxy from each target's settings,
	// not from a --proxy flag.
	perTarget bool
	story     func(t *testing.T)
}{
	{"verify", false, verifyThroughProxy},
	{"verify --online", false, onlineThroughProxy},
	{"trust", false, trustThroughProxy},
	{"issue", false, issueThroughProxy},
	{"watch", true, watchThroughProxy},
}

// TestOneNetworkPath: with a proxy set, every network-reaching command
// asks every request through it and makes no connection of its own; and
// every command with --proxy (and --timeout, which bounds the same
// requests) has its story above.
func TestOneNetworkPath(t *testing.T) {
	stories := map[string]bool{}
	for _, s := range networkStories {
		stories[strings.Fields(s.command)[0]] = true
		t.Run(strings.ReplaceAll(s.command, " ", "_"), s.story)
	}
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		name := strings.TrimPrefix(cmd.CommandPath(), "canary ")
		if cmd.Flags().Lookup("proxy") != nil {
			if !stories[name] {
				t.Errorf("canary %s takes --proxy but has no story in networkStories", name)
			}
			if cmd.Flags().Lookup("timeout") == nil {
				t.Errorf("canary %s takes --proxy but not --timeout", name)
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(manRoot())
	for _, s := range networkStories {
		cmd, _, err := manRoot().Find(strings.Fields(s.command)[:1])
		if err != nil {
			t.Errorf("%s: %v", s.command, err)
			continue
		}
		if has := cmd.Flags().Lookup("proxy") != nil; has == s.perTarget {
			t.Errorf("canary %s: --proxy flag %v, want %v", s.command, has, !s.perTarget)
		}
	}
}

// servedCanary puts a canary signed by alice at https://canary.test/,
// her key in its Web Key Directory and on a key server at vksAddr, an
// address on 127.0.0.1 that a direct connection would reach (the servers
// count it).
func servedCanary(t *testing.T) (c *cli, n *fakeNet, pub []byte, fp, vksAddr string) {
	t.Helper()
	c = &cli{t: t, dir: t.TempDir(), now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	n = newFakeNet(t)
	pub, fp = c.newKey("alice", "Alice <alice@canary.test>")
	signed, err := os.ReadFile(c.issue("alice"))
	if err != nil {
		t.Fatal(err)
	}
	n.serve("canary.test/canary.txt", signed)
	n.serve(strings.Replace(wkdPath("alice"), "example.org/", "canary.test/", 1), pub)
	vksAddr = n.tls.Listener.Addr().String()
	n.serve(vksAddr+"/vks/v1/by-fingerprint/"+fp, pub)
	return c, n, pub, fp, vksAddr
}

// verifyThroughProxy: with --proxy, canary verify asks for the canary,
// its keys (vks:, wkd: and a bare fingerprint) and the files beside it
// through the proxy, and makes no connection of its own.
func verifyThroughProxy(t *testing.T) {
	c, n, pub, fp, vksAddr := servedCanary(t)
	proxy := n.proxy.URL()

	// vks: from a key server on 127.0.0.1, which a direct connection
	// would reach: the servers count it.
	out := c.must("verify", "https://canary.test/canary.txt", "--key", "vks:"+fp, "--vks", "https://"+vksAddr, "--proxy", proxy)
	if !strings.HasPrefix(out, "OK: ") {
		t.Errorf("vks: through the proxy:\n%s", out)
	}
	wantAllThroughProxy(t, n, "canary.test:443", vksAddr)
	if !slices.Contains(n.requests(), vksAddr+"/vks/v1/by-fingerprint/"+fp) {
		t.Errorf("the key server was not asked for the key: %v", n.requests())
	}

	// wkd: names only the proxy can resolve.
	out = c.must("verify", "https://canary.test/canary.txt", "--key", "wkd:alice@canary.test", "--proxy", proxy)
	if !strings.HasPrefix(out, "OK: ") {
		t.Errorf("wkd: through the proxy:\n%s", out)
	}
	wantAllThroughProxy(t, n, "openpgpkey.canary.test:443", "canary.test:443")

	// A bare fingerprint is fetched from the key server, through the proxy too.
	n.serve("keys.canary.test/vks/v1/by-fingerprint/"+fp, pub)
	c.must("verify", "https://canary.test/canary.txt", "--key", fp, "--vks", "https://keys.canary.test", "--proxy", proxy)
	wantAllThroughProxy(t, n, "keys.canary.test:443")
}

// trustThroughProxy: canary trust reads the canary and its wkd: key
// through --proxy.
func trustThroughProxy(t *testing.T) {
	c, n, _, _, _ := servedCanary(t)
	c.must("trust", "https://canary.test/canary.txt", "--key", "wkd:alice@canary.test", "--proxy", n.proxy.URL())
	wantAllThroughProxy(t, n, "canary.test:443", "openpgpkey.canary.test:443")
}

// onlineThroughProxy: --online asks the block API through --proxy, and
// so does the canary issue before it.
func onlineThroughProxy(t *testing.T) {
	c := &cli{t: t, dir: t.TempDir(), now: time.Date(2025, 1, 30, 0, 40, 0, 0, time.UTC)}
	n := newFakeNet(t)
	btc := ft.BlockAPI(881426, []ft.Block{ft.Block881423})
	btc.Close()
	blocks := n.handle(t, "blocks.canary.test", btc.Config.Handler)
	c.newKey("alice", "Alice <alice@canary.test>")
	def := "issuer: {name: Example Org, url: https://example.org}\ncadence: 90d\nstatements:\n  - {id: no-warrants, text: No warrants.}\nsigners: [{key: keys/alice.sec.asc}]\nfreshness:\n  bitcoin: {url: \"http://" + blocks + "\", depth: 3}\n"
	cfg := filepath.Join(c.dir, "canary.yaml")
	if err := os.WriteFile(cfg, []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	c.must("issue", "--config", cfg, "--out", filepath.Join(c.dir, "public"), "--proxy", n.proxy.URL())
	src := filepath.Join(c.dir, "public", "canary.txt")
	key := filepath.Join(c.dir, "keys", "alice.pub.asc")

	for _, api := range []string{"http://blocks.canary.test", "http://" + blocks} {
		out := c.must("verify", src, "--key", key, "--online", "--block-api", api, "--proxy", n.proxy.URL())
		if !strings.Contains(out, "the block is in the main chain at that height") {
			t.Errorf("--online --block-api %s through the proxy:\n%s", api, out)
		}
	}
	wantAllThroughProxy(t, n, "blocks.canary.test:80", blocks)
}

// watchThroughProxy: a watch target's proxy carries its vks: and wkd:
// keys too, not only its canary.
func watchThroughProxy(t *testing.T) {
	c, n, _, fp, vksAddr := servedCanary(t)
	list := "targets:\n" +
		"  - {name: vks, url: \"https://canary.test/canary.txt\", keys: [\"vks:" + fp + "\"], vks: \"https://" + vksAddr + "\", proxy: \"" + n.proxy.URL() + "\"}\n" +
		"  - {name: wkd, url: \"https://canary.test/canary.txt\", keys: [\"wkd:alice@canary.test\"], proxy: \"" + n.proxy.URL() + "\"}\n"
	cfg := filepath.Join(c.dir, "watch.yaml")
	if err := os.WriteFile(cfg, []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := c.run("watch", "--config", cfg, "--db", filepath.Join(c.dir, "watch.db"), "--at", "2026-11-22T12:00:00Z")
	if code != 0 || !regexp.MustCompile(`(?m)^vks +OK `).MatchString(out) || !regexp.MustCompile(`(?m)^wkd +OK `).MatchString(out) {
		t.Errorf("canary watch: exit %d\n%s%s", code, out, errs)
	}
	wantAllThroughProxy(t, n, "canary.test:443", vksAddr, "openpgpkey.canary.test:443")
	if !slices.Contains(n.requests(), vksAddr+"/vks/v1/by-fingerprint/"+fp) {
		t.Errorf("the key server was not asked for the key: %v", n.requests())
	}
}

// issueThroughProxy: with --proxy, canary issue asks every freshness
// source (drand, a block API, a news feed) and every time-stamp authority
// through the proxy, names only the proxy can resolve included, and makes
// no connection of its own.
func issueThroughProxy(t *testing.T) {
	c := &cli{t: t, dir: t.TempDir(), now: time.Date(2025, 1, 30, 0, 40, 0, 0, time.UTC)}
	n := newFakeNet(t)
	// Each service is known by a name only the proxy resolves, or by an
	// address on 127.0.0.1, which a direct connection would reach and the
	// servers would count.
	drand := ft.Drand(ft.Round12040883)
	drand.Close()
	btc := ft.BlockAPI(881426, []ft.Block{ft.Block881423})
	btc.Close()
	feeds := ft.Feeds(map[string]string{"/rss.xml": `<rss><channel><item><title>Markets rally</title><pubDate>Thu, 30 Jan 2025 00:10:00 GMT</pubDate></item></channel></rss>`})
	feeds.Close()
	stamp := ft.NewTSA(c.now.Add(5*time.Second), ft.CertOptions{})
	stamp.Close()
	n.handle(t, "drand.canary.test", drand.Config.Handler)
	btcAddr := n.handle(t, "blocks.canary.test", btc.Config.Handler)
	n.handle(t, "news.canary.test", feeds.Config.Handler)
	tsaAddr := n.handle(t, "tsa.canary.test", stamp.Config.Handler)

	c.newKey("alice", "Alice <alice@canary.test>")
	if err := os.WriteFile(filepath.Join(c.dir, "tsa-roots.pem"), stamp.RootPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	// drand's only round is from 2024, too old for this canary: it is
	// optional, so it is asked for and then left out.
	def := "issuer: {name: Example Org, url: https://example.org}\ncadence: 90d\nstatements:\n  - {id: no-warrants, text: No warrants.}\nsigners: [{key: keys/alice.sec.asc}]\n" +
		"freshness:\n" +
		"  drand: {url: \"http://drand.canary.test\", optional: true}\n" +
		"  bitcoin: {url: \"http://" + btcAddr + "\", depth: 3}\n" +
		"  news: {feeds: [\"http://news.canary.test/rss.xml\"], items: 1}\n" +
		"  tsa:\n" +
		"    - {url: \"http://tsa.canary.test\", roots: tsa-roots.pem}\n" +
		"    - {url: \"http://" + tsaAddr + "\", roots: tsa-roots.pem}\n"
	cfg := filepath.Join(c.dir, "canary.yaml")
	if err := os.WriteFile(cfg, []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := c.run("issue", "--config", cfg, "--out", filepath.Join(c.dir, "public"), "--proxy", n.proxy.URL(), "--timeout", "20s")
	if code != 0 || !strings.Contains(out, "Issued canary 1") {
		t.Fatalf("canary issue --proxy: exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(errs, "freshness source drand skipped (optional)") || !strings.Contains(errs, "older than the canary") {
		t.Errorf("drand was not asked, or not left out for its age:\n%s", errs)
	}
	signed, err := os.ReadFile(filepath.Join(c.dir, "public", "canary.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nbitcoin block 881423 ", "\nnews time 2025-01-30T00:10:00Z feed http://news.canary.test/rss.xml title Markets rally\n"} {
		if !strings.Contains(string(signed), want) {
			t.Errorf("the canary lacks %q:\n%s", want, signed)
		}
	}
	for _, f := range []string{"canary.txt.tsr", "canary.txt.2.tsr"} {
		if _, err := os.Stat(filepath.Join(c.dir, "public", f)); err != nil {
			t.Errorf("timestamp: %v", err)
		}
	}
	wantAllThroughProxy(t, n, "drand.canary.test:80", btcAddr, "news.canary.test:80", "tsa.canary.test:80", tsaAddr)
}
