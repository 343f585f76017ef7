package verify

import (
	"bytes"
	"strings"
	"testing"
	"time"

	pgpkeys "github.com/canarykit/canarykit/internal/keys"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	signing "github.com/canarykit/canarykit/internal/signer"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

type testKey struct {
	signer *signing.Signer
	public openpgp.EntityList
	fp     string
}

func newKey(t testing.TB, uid string) testKey {
	t.Helper()
	sec, pub, fp, err := pgpkeys.GenerateKey(uid, nil, 0, t0.Add(-365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	el, err := pgpkeys.ReadKeys(sec)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := pgpkeys.ReadKeys(pub)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{&signing.Signer{Entity: el[0], Source: uid}, keys, fp}
}

var alice, bob testKey

func twoKeys(t testing.TB) (testKey, testKey) {
	if alice.signer == nil {
		alice = newKey(t, "Alice <alice@example.org>")
		bob = newKey(t, "Bob <bob@example.org>")
	}
	return alice, bob
}

func statements() []canary.Statement {
	return []canary.Statement{
		{ID: "no-warrants", Text: "We have received no warrant."},
		{ID: "no-gag", Text: "We are under no gag order."},
	}
}

// mk issues a canary at issued, signed by signers at the issue time.
func mk(t testing.TB, serial uint64, issued time.Time, prev []byte, ss []canary.Statement, signers ...testKey) []byte {
	t.Helper()
	c := &canary.Canary{
		Format: canary.FormatV1, Issuer: canary.Issuer{Name: "Example Org", URL: "https://example.org"},
		Serial: serial, Issued: issued, Expires: issued.Add(97 * 24 * time.Hour), Threshold: 1, Statements: ss,
	}
	for _, s := range signers {
		c.Signers = append(c.Signers, s.fp)
	}
	if prev != nil {
		s, err := canary.Open(prev)
		if err != nil {
			t.Fatal(err)
		}
		c.Previous = canary.Digest(s.Text)
	}
	return sign(t, c.Render(), issued, signers...)
}

func sign(t testing.TB, text []byte, at time.Time, signers ...testKey) []byte {
	t.Helper()
	var ss []*signing.Signer
	for _, s := range signers {
		ss = append(ss, s.signer)
	}
	out, err := signing.Sign(text, ss, at)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func check(r *Result, name string) Check {
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{Name: name, Status: -1}
}

func expect(t *testing.T, r *Result, status Status, checkName, fragment string) {
	t.Helper()
	var out bytes.Buffer
	WriteText(&out, r)
	if r.Status != status {
		t.Fatalf("status %s, want %s\n%s", r.Status, status, out.String())
	}
	if checkName == "" {
		return
	}
	c := check(r, checkName)
	want := status
	if c.Status != want || !strings.Contains(c.Message, fragment) {
		t.Fatalf("check %s = %s %q, want %s containing %q\n%s", checkName, c.Status, c.Message, want, fragment, out.String())
	}
}

func TestGoodCanary(t *testing.T) {
	a, _ := twoKeys(t)
	r := Verify(mk(t, 1, t0, nil, statements(), a), Options{Keys: a.public, At: t0.Add(time.Hour)})
	expect(t, r, OK, "", "")
	if len(r.Signatures) != 1 || r.Signatures[0].Status != SigGood || r.Signatures[0].Fingerprint != a.fp {
		t.Fatalf("signatures %+v", r.Signatures)
	}
	if !strings.Contains(r.Summary, "Alice") || r.Canary.Serial != 1 {
		t.Fatalf("summary %q", r.Summary)
	}
}

func TestTamperedCanary(t *testing.T) {
	a, _ := twoKeys(t)
	data := mk(t, 1, t0, nil, statements(), a)
	data = bytes.Replace(data, []byte("no warrant"), []byte("a warrant"), 1)
	r := Verify(data, Options{Keys: a.public, At: t0})
	expect(t, r, Critical, "signature", "does not match the text")
	if r.Signatures[0].Status != SigBad {
		t.Fatalf("signature status %s", r.Signatures[0].Status)
	}
}

func TestWrongKey(t *testing.T) {
	a, b := twoKeys(t)
	r := Verify(mk(t, 1, t0, nil, statements(), a), Options{Keys: b.public, At: t0})
	expect(t, r, Critical, "signer", "no signature is by a key you gave")
	if r.Signatures[0].Status != SigUnknownKey {
		t.Fatalf("status %s", r.Signatures[0].Status)
	}
}

func TestNoKeyIsUnknown(t *testing.T) {
	a, _ := twoKeys(t)
	r := Verify(mk(t, 1, t0, nil, statements(), a), Options{At: t0})
	expect(t, r, Unknown, "signer", "--key")
}

func TestExpiry(t *testing.T) {
	a, _ := twoKeys(t)
	data := mk(t, 1, t0, nil, statements(), a)
	expect(t, Verify(data, Options{Keys: a.public, At: t0.Add(92 * 24 * time.Hour)}), Warning, "expiry", "renewal is due")
	expect(t, Verify(data, Options{Keys: a.public, At: t0.Add(98 * 24 * time.Hour)}), Critical, "expiry", "expired")
	expect(t, Verify(data, Options{Keys: a.public, At: t0.Add(80 * 24 * time.Hour), WarnBefore: 20 * 24 * time.Hour}), Warning, "expiry", "")
}

func TestFutureCanary(t *testing.T) {
	a, _ := twoKeys(t)
	r := Verify(mk(t, 1, t0, nil, statements(), a), Options{Keys: a.public, At: t0.Add(-time.Hour)})
	expect(t, r, Critical, "", "")
	if r.Signatures[0].Status != SigNotYetValid {
		t.Fatalf("status %s", r.Signatures[0].Status)
	}
}

func TestBackdatedIssue(t *testing.T) {
	// Signed a day before the date it claims: the text lies about its age.
	a, _ := twoKeys(t)
	c := &canary.Canary{Format: canary.FormatV1, Issuer: canary.Issuer{Name: "X", URL: "https://x"}, Serial: 1,
		Issued: t0, Expires: t0.Add(90 * 24 * time.Hour), Threshold: 1, Statements: statements()}
	data := sign(t, c.Render(), t0.Add(-24*time.Hour), a)
	expect(t, Verify(data, Options{Keys: a.public, At: t0}), Critical, "signature-time", "signed it earlier")
}

func TestThreshold(t *testing.T) {
	a, b := twoKeys(t)
	both := mk(t, 1, t0, nil, statements(), a, b)
	all := append(append(openpgp.EntityList{}, a.public...), b.public...)
	expect(t, Verify(both, Options{Keys: all, Threshold: 2, At: t0}), OK, "threshold", "2 signer(s) signed, 2 required")
	// Bob signed too, with a key not given: not checked, so UNKNOWN
	// (issue 15), never "only 1 signed".
	r := Verify(both, Options{Keys: a.public, Threshold: 2, At: t0})
	expect(t, r, Unknown, "threshold", "could not check whether enough signers signed")
	if r.Signatures[1].Status != SigUnknownKey {
		t.Fatalf("bob's signature: %s", r.Signatures[1].Status)
	}
	// The same key twice does not make two signers.
	one := mk(t, 1, t0, nil, statements(), a)
	s, _ := canary.Open(one)
	s.Signatures = append(s.Signatures, s.Signatures...)
	twice, _ := s.Encode()
	expect(t, Verify(twice, Options{Keys: a.public, Threshold: 2, At: t0}), Critical, "threshold", "only 1 of the 2")
}

func TestCanaryThresholdRaisesReaders(t *testing.T) {
	a, b := twoKeys(t)
	c := &canary.Canary{Format: canary.FormatV1, Issuer: canary.Issuer{Name: "X", URL: "https://x"}, Serial: 1,
		Issued: t0, Expires: t0.Add(90 * 24 * time.Hour), Threshold: 2, Signers: []string{a.fp, b.fp}, Statements: statements()}
	data := sign(t, c.Render(), t0, a)
	expect(t, Verify(data, Options{Keys: a.public, Threshold: 1, At: t0}), Critical, "threshold", "only 1 of the 2")
}

func TestBadSignatureBesideEnoughGoodOnesIsShown(t *testing.T) {
	a, b := twoKeys(t)
	text := mk(t, 1, t0, nil, statements(), a)
	sa, _ := canary.Open(text)
	// Bob signs a different text; his signature is moved onto Alice's.
	other := mk(t, 1, t0, nil, statements()[:1], b)
	sb, _ := canary.Open(other)
	sa.Signatures = append(sa.Signatures, sb.Signatures...)
	data, _ := sa.Encode()
	all := append(append(openpgp.EntityList{}, a.public...), b.public...)
	expect(t, Verify(data, Options{Keys: all, At: t0}), Warning, "signature", "Bob")
	expect(t, Verify(data, Options{Keys: all, Threshold: 2, At: t0}), Critical, "signature", "does not match")
}

func TestRevokedKey(t *testing.T) {
	sec, _, fp, err := pgpkeys.GenerateKey("Carol <carol@example.org>", nil, 0, t0.Add(-48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	el, _ := pgpkeys.ReadKeys(sec)
	carol := testKey{signer: &signing.Signer{Entity: el[0], Source: "carol"}, fp: fp}
	data := mk(t, 1, t0, nil, statements(), carol)
	if err := el[0].Revoke(packet.KeyCompromised, "lost laptop", &packet.Config{Time: func() time.Time { return t0.Add(time.Hour) }}); err != nil {
		t.Fatal(err)
	}
	var pub bytes.Buffer
	el[0].Serialize(&pub)
	keys, err := pgpkeys.ReadKeys(pub.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	r := Verify(data, Options{Keys: keys, At: t0.Add(2 * time.Hour)})
	expect(t, r, Critical, "key", "revoked")
	if r.Signatures[0].Status != SigRevokedKey {
		t.Fatalf("status %s", r.Signatures[0].Status)
	}
}

func TestUnsignedTextAroundIsIgnoredAndReported(t *testing.T) {
	a, _ := twoKeys(t)
	data := mk(t, 1, t0, nil, statements(), a)
	data = append([]byte("WARNING: we received a warrant\n\n"), data...)
	r := Verify(data, Options{Keys: a.public, At: t0})
	expect(t, r, Warning, "signed-block", "not signed")
	var out bytes.Buffer
	WriteText(&out, r)
	if strings.Contains(out.String(), "we received a warrant") {
		t.Fatal("unsigned text is shown as canary content")
	}
	two := append(mk(t, 1, t0, nil, statements(), a), mk(t, 2, t0.Add(time.Hour), nil, statements(), a)...)
	expect(t, Verify(two, Options{Keys: a.public, At: t0.Add(time.Hour)}), Warning, "signed-block", "2 signed blocks")
}

func TestUnreadableInput(t *testing.T) {
	a, _ := twoKeys(t)
	expect(t, Verify([]byte("hello"), Options{Keys: a.public}), Unknown, "signed-block", "no signed canary")
	data := mk(t, 1, t0, nil, statements(), a)
	i := bytes.Index(data, []byte("-----BEGIN PGP SIGNATURE-----"))
	damaged := append(append([]byte{}, data[:i+40]...), []byte("!!!!\n-----END PGP SIGNATURE-----\n")...)
	expect(t, Verify(damaged, Options{Keys: a.public, At: t0}), Critical, "signed-block", "damaged")
}

func TestBrokenCanarykitTextIsCritical(t *testing.T) {
	a, _ := twoKeys(t)
	data := sign(t, []byte("Format: canarykit/1\nIssuer: X\n"), t0, a)
	r := Verify(data, Options{Keys: a.public, At: t0})
	expect(t, r, Critical, "format", "not a valid canarykit/1")
	if r.Signatures[0].Status != SigGood {
		t.Fatal("signature not evaluated")
	}
}

func TestAgainstPrevious(t *testing.T) {
	a, _ := twoKeys(t)
	day := 24 * time.Hour
	first := mk(t, 1, t0, nil, statements(), a)
	opts := func(at time.Time) Options { return Options{Keys: a.public, At: at, Previous: first} }

	second := mk(t, 2, t0.Add(90*day), first, statements(), a)
	r := Verify(second, opts(t0.Add(90*day)))
	expect(t, r, OK, "previous-digest", "chains")
	expect(t, r, OK, "statements", "unchanged")

	removed := mk(t, 2, t0.Add(90*day), first, statements()[:1], a)
	r = Verify(removed, opts(t0.Add(90*day)))
	expect(t, r, Critical, "statements", `"no-gag" was REMOVED`)
	if len(r.Changes) != 1 || r.Changes[0].Kind != "removed" || r.Changes[0].Old != "We are under no gag order." {
		t.Fatalf("changes %+v", r.Changes)
	}

	ss := statements()
	ss[1].Text = "We are under no gag order we can talk about."
	r = Verify(mk(t, 2, t0.Add(90*day), first, ss, a), opts(t0.Add(90*day)))
	expect(t, r, Critical, "statements", "REWORDED")
	if c := check(r, "statements"); !strings.Contains(c.Message, "we can talk about") || !strings.Contains(c.Message, `"We are under no gag order."`) {
		t.Fatalf("reworded message lacks a text: %s", c.Message)
	}

	added := append(statements(), canary.Statement{ID: "no-nsl", Text: "No National Security Letter."})
	r = Verify(mk(t, 2, t0.Add(90*day), first, added, a), opts(t0.Add(90*day)))
	expect(t, r, OK, "statements", `"no-nsl" is new`)

	// The same canary again is unchanged, OK while it holds, and expired
	// once it no longer does (issue 15); an older one is a replay.
	expect(t, Verify(first, opts(t0.Add(day))), OK, "previous-serial", "unchanged since the canary you trusted (serial 1); renewal due by")
	expect(t, Verify(first, opts(t0.Add(200*day))), Critical, "expiry", "expired")
	expect(t, Verify(first, Options{Keys: a.public, At: t0.Add(91 * day), Previous: second}), Critical, "previous-serial", "replay")

	// A canary that does not chain to the one the reader trusted.
	fork := mk(t, 1, t0.Add(time.Hour), nil, statements(), a)
	r = Verify(mk(t, 2, t0.Add(90*day), fork, statements(), a), opts(t0.Add(90*day)))
	expect(t, r, Critical, "previous-digest", "not the one you trusted")
	r = Verify(mk(t, 2, t0.Add(90*day), nil, statements(), a), opts(t0.Add(90*day)))
	expect(t, r, Critical, "previous-digest", "restarted")

	// A gap cannot be checked, and says so.
	r = Verify(mk(t, 4, t0.Add(90*day), fork, statements(), a), opts(t0.Add(90*day)))
	expect(t, r, Warning, "previous-digest", "2 canaries were issued between")

	// Another issuer.
	c, _ := canary.Parse(mustText(t, second))
	c.Issuer.Name = "Evil Org"
	r = Verify(sign(t, c.Render(), c.Issued, a), opts(c.Issued))
	expect(t, r, Critical, "previous-issuer", "Evil Org")

	expect(t, Verify(second, Options{Keys: a.public, At: t0.Add(90 * day), Previous: []byte("junk")}), Unknown, "previous", "could not read")
}

func mustText(t *testing.T, data []byte) []byte {
	s, err := canary.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	return s.Text
}

func TestStatusJSONAndOrder(t *testing.T) {
	if Worse(Warning, Unknown) != Unknown || Worse(Unknown, Critical) != Critical || Worse(OK, Warning) != Warning {
		t.Fatal("severity order wrong")
	}
	b, _ := Critical.MarshalJSON()
	if string(b) != `"CRITICAL"` {
		t.Fatal(string(b))
	}
}
