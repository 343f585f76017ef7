package main

import (
	"bytes"
	"crypto/sha1"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/keys"
)

// cli runs canary commands in-process in dir, with a fixed clock and a
// trust store in dir.
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
	el, err := keys.ReadKeys(pub)
	if err != nil {
		c.t.Fatal(err)
	}
	return pub, keys.Fingerprint(el[0].PrimaryKey.Fingerprint)
}

// issue publishes the next canary in dir/public, signed by key NAME.
func (c *cli) issue(name string) string {
	c.t.Helper()
	def := "issuer: {name: Example Org, url: https://example.org}\ncadence: 30d\ngrace: 7d\nstatements:\n  - {id: no-warrants, text: \"No warrants.\"}\nsigners: [{key: keys/" + name + ".sec.asc}]\n"
	cfg := filepath.Join(c.dir, name+".yaml")
	if err := os.WriteFile(cfg, []byte(def), 0o644); err != nil {
		c.t.Fatal(err)
	}
	// --yes: the hijack below re-issues under another key on purpose.
	c.must("issue", "--config", cfg, "--out", filepath.Join(c.dir, "public"), "--yes")
	return filepath.Join(c.dir, "public", "canary.txt")
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
	web := newFakeNet(t) // proxy_test.go; the keys are fetched through its proxy
	proxy := web.proxy.URL()
	alicePub, aliceFP := c.newKey("alice", "Alice <alice@example.org>")
	web.serve(wkdPath("alice"), alicePub)
	web.serve("keys.example.net/vks/v1/by-fingerprint/"+aliceFP, alicePub)
	src := c.issue("alice")

	out := c.must("verify", src, "--key", "wkd:alice@example.org", "--pin", "--proxy", proxy)
	if !strings.HasPrefix(out, "OK: ") || !strings.Contains(out, "first use: pinned signer(s) Alice <alice@example.org> ("+aliceFP+")") {
		t.Fatalf("WKD key, first use:\n%s", out)
	}
	c.must("verify", src, "--key", "vks:"+aliceFP, "--vks", "https://keys.example.net", "--proxy", proxy)
	c.must("verify", src, "--key", "wkd:alice@example.org", "--key", aliceFP, "--proxy", proxy)
	if code, out, _ := c.run("verify", src, "--key", "wkd:alice@example.org", "--key", strings.Repeat("AB", 20), "--proxy", proxy); code != 3 || !strings.HasPrefix(out, "UNKNOWN: no key given matches fingerprint ABAB") {
		t.Errorf("fingerprint mismatch: exit %d\n%s", code, out)
	}

	// The hijack: a new key with Alice's address, served by the domain.
	c.now = c.now.Add(24 * time.Hour)
	fakePub, fakeFP := c.newKey("fake", "Alice <alice@example.org>")
	web.serve(wkdPath("alice"), fakePub)
	src = c.issue("fake")
	code, out, _ := c.run("verify", src, "--key", "wkd:alice@example.org", "--proxy", proxy)
	if code != 2 || !strings.HasPrefix(out, "CRITICAL: key changed: "+src+" was signed by "+aliceFP+" before, now by Alice <alice@example.org> ("+fakeFP+")") {
		t.Errorf("hijacked domain: exit %d\n%s", code, out)
	}
	// The pinned fingerprint alone catches it too, without any store.
	code, out, _ = c.run("verify", src, "--key", "wkd:alice@example.org", "--key", aliceFP, "--proxy", proxy)
	if code != 3 || !strings.Contains(out, "no key given matches fingerprint "+aliceFP) {
		t.Errorf("hijacked domain with --key FINGERPRINT: exit %d\n%s", code, out)
	}

	// A directory that cannot be reached is "could not check".
	web.tls.Close()
	code, out, _ = c.run("verify", src, "--key", "wkd:alice@example.org", "--format", "json", "--proxy", proxy)
	if code != 3 || !strings.Contains(out, `"status":"UNKNOWN"`) || !strings.Contains(out, "cannot reach https://example.org/.well-known/openpgpkey/hu/") {
		t.Errorf("unreachable WKD: exit %d\n%s", code, out)
	}
}
