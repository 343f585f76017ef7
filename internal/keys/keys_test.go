package keys

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
)

type testKey struct {
	armored []byte
	binary  []byte
	fp      string
}

var (
	keyOnce sync.Once
	keySet  map[string]testKey
)

// testKeys makes three keys once: alice and mallory share a domain, so
// that a directory serving the wrong one is a realistic mistake or attack.
func testKeys(t *testing.T) map[string]testKey {
	t.Helper()
	keyOnce.Do(func() {
		keySet = map[string]testKey{}
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for name, uid := range map[string]string{
			"alice":   "Alice <Alice@Example.org>",
			"mallory": "Mallory <mallory@example.org>",
			"bob":     "Bob <bob@example.net>",
		} {
			_, pub, fp, err := GenerateKey(uid, nil, 0, now)
			if err != nil {
				panic(err)
			}
			block, err := armor.Decode(bytes.NewReader(pub))
			if err != nil {
				panic(err)
			}
			var bin bytes.Buffer
			bin.ReadFrom(block.Body)
			keySet[name] = testKey{armored: pub, binary: bin.Bytes(), fp: fp}
		}
	})
	return keySet
}

// keyServer is an HTTPS server on 127.0.0.1 that answers for any host
// name: routes maps "host/path?query" to a response body, or to a status
// code given as "status:404".
type keyServer struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	routes map[string]string
	hits   []string
	hosts  map[string]bool // names that resolve; others are NXDOMAIN
}

func newKeyServer(t *testing.T, hosts ...string) *keyServer {
	ks := &keyServer{t: t, routes: map[string]string{}, hosts: map[string]bool{}}
	for _, h := range hosts {
		ks.hosts[h] = true
	}
	ks.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Host + r.URL.RequestURI()
		ks.mu.Lock()
		ks.hits = append(ks.hits, key)
		body, ok := ks.routes[key]
		ks.mu.Unlock()
		switch {
		case !ok:
			http.NotFound(w, r)
		case strings.HasPrefix(body, "status:"):
			code := 0
			for _, c := range body[len("status:"):] {
				code = code*10 + int(c-'0')
			}
			w.WriteHeader(code)
		case strings.HasPrefix(body, "redirect:"):
			http.Redirect(w, r, body[len("redirect:"):], http.StatusFound)
		default:
			w.Write([]byte(body))
		}
	}))
	t.Cleanup(ks.srv.Close)
	return ks
}

func (ks *keyServer) handle(key, body string) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.routes[key] = body
}

func (ks *keyServer) requests() []string {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return append([]string(nil), ks.hits...)
}

// client trusts the test certificate for every name and sends every
// connection to the test server, so real domain names can be used.
func (ks *keyServer) client() *http.Client {
	tr := ks.srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.ServerName = "example.com" // a name in httptest's certificate
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if !ks.hosts[host] {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return (&net.Dialer{}).DialContext(ctx, network, ks.srv.Listener.Addr().String())
	}
	return &http.Client{Transport: tr}
}

func (ks *keyServer) opts() Options {
	return Options{HTTPClient: ks.client(), VKS: "https://keys.example.net", Timeout: 5 * time.Second}
}

const aliceHash = "kei1q4tipxxu1yj79k9kfukdhfy631xe" // z-base-32 of sha1("alice")

func fingerprints(el openpgp.EntityList) []string {
	var fps []string
	for _, e := range el {
		fps = append(fps, Fingerprint(e.PrimaryKey.Fingerprint))
	}
	return fps
}

func TestZBase32(t *testing.T) {
	// The draft's own example: Joe.Doe@Example.ORG.
	local, domain, err := splitAddress("Joe.Doe@Example.ORG")
	if err != nil || local != "Joe.Doe" || domain != "example.org" {
		t.Fatalf("splitAddress = %q, %q, %v", local, domain, err)
	}
	sum := sha1.Sum([]byte(asciiLower(local)))
	if got, want := zbase32(sum[:]), "iy9q119eutrkn8s1mk4r39qejnbu3n5q"; got != want {
		t.Errorf("zbase32 = %s, want %s", got, want)
	}
	sum = sha1.Sum([]byte("alice"))
	if got := zbase32(sum[:]); got != aliceHash {
		t.Errorf("zbase32(sha1(alice)) = %s, want %s", got, aliceHash)
	}
	if got := zbase32([]byte{0xff}); got != "9h" { // 11111 111(00)
		t.Errorf("zbase32 of a partial group = %q, want 9h", got)
	}
}

func TestSplitAddress(t *testing.T) {
	for _, bad := range []string{"", "alice", "@example.org", "alice@", "alice@localhost", "a b@example.org",
		"alice@example.org/x", "alice@exa_mple.org", "alice@example..org", "alice@bücher.example", "alice@example.org:443"} {
		if _, _, err := splitAddress(bad); err == nil {
			t.Errorf("splitAddress(%q) accepted it", bad)
		}
	}
}

func TestWKDAdvanced(t *testing.T) {
	k := testKeys(t)
	ks := newKeyServer(t, "openpgpkey.example.org", "example.org")
	ks.handle("openpgpkey.example.org/.well-known/openpgpkey/example.org/hu/"+aliceHash+"?l=Alice", string(k["alice"].binary))
	ks.handle("example.org/.well-known/openpgpkey/hu/"+aliceHash+"?l=Alice", string(k["mallory"].binary))
	el, err := Resolve(context.Background(), []string{"wkd:Alice@EXAMPLE.org"}, ks.opts())
	if err != nil {
		t.Fatal(err)
	}
	if got := fingerprints(el); len(got) != 1 || got[0] != k["alice"].fp {
		t.Errorf("got keys %v, want alice's %s", got, k["alice"].fp)
	}
	if hits := ks.requests(); len(hits) != 1 {
		t.Errorf("requests %v: the direct method was asked although the advanced one answered", hits)
	}
}

func TestWKDFallsBackToDirect(t *testing.T) {
	k := testKeys(t)
	direct := "example.org/.well-known/openpgpkey/hu/" + aliceHash + "?l=alice"
	advanced := "openpgpkey.example.org/.well-known/openpgpkey/example.org/hu/" + aliceHash + "?l=alice"
	for name, setup := range map[string]func(ks *keyServer){
		"no advanced host":  func(ks *keyServer) {},
		"advanced 404":      func(ks *keyServer) { ks.hosts["openpgpkey.example.org"] = true },
		"advanced 503":      func(ks *keyServer) { ks.hosts["openpgpkey.example.org"] = true; ks.handle(advanced, "status:503") },
		"armored on direct": func(ks *keyServer) { ks.handle(direct, string(k["alice"].armored)) },
	} {
		t.Run(name, func(t *testing.T) {
			ks := newKeyServer(t, "example.org")
			ks.handle(direct, string(k["alice"].binary))
			setup(ks)
			el, err := Resolve(context.Background(), []string{"wkd:alice@example.org"}, ks.opts())
			if err != nil {
				t.Fatal(err)
			}
			if got := fingerprints(el); len(got) != 1 || got[0] != k["alice"].fp {
				t.Errorf("got keys %v, want alice's", got)
			}
		})
	}
}

func TestWKDAdvancedAnswerIsFinal(t *testing.T) {
	k := testKeys(t)
	ks := newKeyServer(t, "openpgpkey.example.org", "example.org")
	ks.handle("openpgpkey.example.org/.well-known/openpgpkey/example.org/hu/"+aliceHash+"?l=alice", "status:403")
	ks.handle("example.org/.well-known/openpgpkey/hu/"+aliceHash+"?l=alice", string(k["alice"].binary))
	_, err := Resolve(context.Background(), []string{"wkd:alice@example.org"}, ks.opts())
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("err = %v, want the advanced host's 403", err)
	}
	if errors.Is(err, ErrUnreachable) {
		t.Errorf("a 403 is an answer, not an unreachable server: %v", err)
	}
}

func TestWKDWrongUserID(t *testing.T) {
	k := testKeys(t)
	ks := newKeyServer(t, "example.org")
	path := "example.org/.well-known/openpgpkey/hu/" + aliceHash + "?l=alice"

	ks.handle(path, string(k["mallory"].binary))
	_, err := Resolve(context.Background(), []string{"wkd:alice@example.org"}, ks.opts())
	if err == nil || !strings.Contains(err.Error(), "no valid user ID for alice@example.org") || !strings.Contains(err.Error(), k["mallory"].fp) {
		t.Fatalf("err = %v, want mallory's key refused", err)
	}

	// Of several keys served, only those for the address are kept.
	ks.handle(path, string(k["mallory"].binary)+string(k["alice"].binary)+string(k["bob"].binary))
	el, err := Resolve(context.Background(), []string{"wkd:alice@example.org"}, ks.opts())
	if err != nil {
		t.Fatal(err)
	}
	if got := fingerprints(el); len(got) != 1 || got[0] != k["alice"].fp {
		t.Errorf("got keys %v, want only alice's", got)
	}
}

func TestWKDNotFound(t *testing.T) {
	ks := newKeyServer(t, "openpgpkey.example.org", "example.org")
	_, err := Resolve(context.Background(), []string{"wkd:alice@example.org"}, ks.opts())
	if err == nil || !strings.Contains(err.Error(), "publishes no key for this address") {
		t.Fatalf("err = %v", err)
	}
	if errors.Is(err, ErrUnreachable) {
		t.Errorf("404 from both hosts is an answer, not unreachable: %v", err)
	}
	if n := len(ks.requests()); n != 2 {
		t.Errorf("%d requests, want advanced then direct", n)
	}
}

func TestUnreachable(t *testing.T) {
	k := testKeys(t)
	ks := newKeyServer(t, "openpgpkey.example.org", "example.org", "keys.example.net")
	opts := ks.opts()
	ks.srv.Close() // every host resolves, but nothing listens
	for _, spec := range []string{"wkd:alice@example.org", "vks:" + k["alice"].fp, k["alice"].fp} {
		_, err := Resolve(context.Background(), []string{spec}, opts)
		if !errors.Is(err, ErrUnreachable) {
			t.Errorf("%s: err = %v, want ErrUnreachable", spec, err)
		} else if !strings.Contains(err.Error(), "cannot reach") {
			t.Errorf("%s: message %q does not say what happened", spec, err)
		}
	}

	// The advanced host down and the direct one without the key: the key
	// may be on the host that is down, so this is still "could not check".
	ks2 := newKeyServer(t, "example.org")
	opts2 := ks2.opts()
	dial := opts2.HTTPClient.Transport.(*http.Transport).DialContext
	opts2.HTTPClient.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, "openpgpkey.") {
			return nil, errors.New("connection refused")
		}
		return dial(ctx, network, addr)
	}
	if _, err := Resolve(context.Background(), []string{"wkd:alice@example.org"}, opts2); !errors.Is(err, ErrUnreachable) {
		t.Errorf("advanced down, direct 404: err = %v, want ErrUnreachable", err)
	}
}

func TestVKS(t *testing.T) {
	k := testKeys(t)
	ks := newKeyServer(t, "keys.example.net")
	alice := k["alice"].fp
	ks.handle("keys.example.net/vks/v1/by-fingerprint/"+alice, string(k["alice"].armored))
	spaced := strings.ToLower(alice[:4] + " " + alice[4:20] + "  " + alice[20:])
	for _, spec := range []string{"vks:" + alice, "vks:0x" + spaced, alice, spaced} {
		el, err := Resolve(context.Background(), []string{spec}, ks.opts())
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if got := fingerprints(el); len(got) != 1 || got[0] != alice {
			t.Errorf("%s: got %v", spec, got)
		}
	}

	// A server answering with another key is caught.
	bob := k["bob"].fp
	ks.handle("keys.example.net/vks/v1/by-fingerprint/"+bob, string(k["mallory"].armored))
	_, err := Resolve(context.Background(), []string{"vks:" + bob}, ks.opts())
	if err == nil || !strings.Contains(err.Error(), "answered with a different key ("+k["mallory"].fp+")") {
		t.Errorf("mismatched key: err = %v", err)
	}
	if _, err := Resolve(context.Background(), []string{bob}, ks.opts()); err == nil {
		t.Errorf("mismatched key for a bare fingerprint was accepted")
	}

	_, err = Resolve(context.Background(), []string{"vks:" + k["mallory"].fp}, ks.opts())
	if err == nil || !strings.Contains(err.Error(), "has no key with this fingerprint") || errors.Is(err, ErrUnreachable) {
		t.Errorf("404: err = %v", err)
	}
	if _, err := Resolve(context.Background(), []string{"vks:C9A3B83994E18046"}, ks.opts()); err == nil || !strings.Contains(err.Error(), "full fingerprint") {
		t.Errorf("key ID: err = %v", err)
	}
}

func TestRedirectDowngradeRefused(t *testing.T) {
	k := testKeys(t)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(k["alice"].armored) }))
	defer plain.Close()
	ks := newKeyServer(t, "keys.example.net")
	ks.handle("keys.example.net/vks/v1/by-fingerprint/"+k["alice"].fp, "redirect:"+plain.URL+"/key")
	_, err := Resolve(context.Background(), []string{"vks:" + k["alice"].fp}, ks.opts())
	if !errors.Is(err, errDowngrade) {
		t.Errorf("err = %v, want the downgrade refused", err)
	}
}

func TestMaxBytes(t *testing.T) {
	k := testKeys(t)
	ks := newKeyServer(t, "keys.example.net")
	ks.handle("keys.example.net/vks/v1/by-fingerprint/"+k["alice"].fp, string(k["alice"].armored))
	opts := ks.opts()
	opts.MaxBytes = int64(len(k["alice"].armored) - 1)
	if _, err := Resolve(context.Background(), []string{"vks:" + k["alice"].fp}, opts); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("err = %v", err)
	}
}

func TestFingerprintConstraint(t *testing.T) {
	k := testKeys(t)
	dir := t.TempDir()
	ring := filepath.Join(dir, "ring.asc")
	if err := os.WriteFile(ring, append(append([]byte(nil), k["alice"].armored...), k["bob"].armored...), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	el, err := Resolve(ctx, []string{ring}, Options{})
	if err != nil || len(el) != 2 {
		t.Fatalf("keyring: %d keys, %v", len(el), err)
	}
	// gpg --fingerprint style, with the spec before or after the file.
	fp := k["alice"].fp
	gpgStyle := strings.Join([]string{fp[0:4], fp[4:8], fp[8:12], fp[12:16], fp[16:20], " " + fp[20:24], fp[24:28], fp[28:32], fp[32:36], fp[36:40]}, " ")
	for _, specs := range [][]string{{ring, fp}, {gpgStyle, ring}} {
		el, err = Resolve(ctx, specs, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := fingerprints(el); len(got) != 1 || got[0] != fp {
			t.Errorf("%q: got %v, want alice only", specs, got)
		}
	}
	_, err = Resolve(ctx, []string{ring, k["mallory"].fp}, Options{})
	if err == nil || !strings.Contains(err.Error(), "no key given matches fingerprint "+k["mallory"].fp) {
		t.Errorf("no match: err = %v", err)
	}
	// Every fingerprint named must be there, not just one of them.
	_, err = Resolve(ctx, []string{ring, fp, k["mallory"].fp}, Options{})
	if err == nil {
		t.Errorf("a missing fingerprint was ignored because another one matched")
	}
}

func TestFileSpecs(t *testing.T) {
	_, err := Resolve(context.Background(), []string{filepath.Join(t.TempDir(), "missing.asc")}, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "cannot read key file") {
		t.Errorf("missing file: err = %v", err)
	}
	_, err = Resolve(context.Background(), []string{"0xC9A3B83994E18046"}, Options{})
	if err == nil || !strings.Contains(err.Error(), "key ID is not enough") {
		t.Errorf("key ID: err = %v", err)
	}
	if el, err := Resolve(context.Background(), nil, Options{}); el != nil || err != nil {
		t.Errorf("no specs: %v, %v", el, err)
	}
}

func TestParseFingerprint(t *testing.T) {
	for in, want := range map[string]string{
		"F70D 56C5 8248 D1DD 19D3  9559 C9A3 B839 94E1 8046": "F70D56C58248D1DD19D39559C9A3B83994E18046",
		"0xf70d56c58248d1dd19d39559c9a3b83994e18046":         "F70D56C58248D1DD19D39559C9A3B83994E18046",
		strings.Repeat("ab", 32):                             strings.Repeat("AB", 32),
		"F70D56C58248D1DD19D39559C9A3B83994E1804":            "",
		"F70D56C58248D1DD19D39559C9A3B83994E1804G":           "",
		"keys/alice.pub.asc":                                 "",
	} {
		got, ok := parseFingerprint(in)
		if got != want || ok != (want != "") {
			t.Errorf("parseFingerprint(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
