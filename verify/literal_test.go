package verify

// Issue 15, "every line literally true": a reason that is not the real
// one, statements shown under the issuer's name when nothing shows the
// issuer said them, OK beside an absence. Each test failed before its fix.

import (
	"bytes"
	"crypto"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

func textOf(t *testing.T, r *Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// detachedAs signs data with k (binary, detached), the signature naming
// uid as its signer (the signer's user ID subpacket, which go-crypto
// writes only on key certifications).
func detachedAs(t *testing.T, data []byte, k testKey, uid string, at time.Time) []byte {
	t.Helper()
	pk := k.signer.Entity.PrimaryKey
	sig := &packet.Signature{
		Version: pk.Version, SigType: packet.SigTypeBinary, PubKeyAlgo: pk.PubKeyAlgo, Hash: crypto.SHA256,
		CreationTime: at, IssuerKeyId: &pk.KeyId, IssuerFingerprint: pk.Fingerprint, SignerUserId: &uid,
	}
	h, err := sig.PrepareSign(nil)
	if err != nil {
		t.Fatal(err)
	}
	h.Write(data)
	if err := sig.Sign(h, k.signer.Entity.PrivateKey, nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := sig.Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Item 1: a 2-of-2 canary checked with one of the two keys was CRITICAL
// "only 1 of the 2 required signers signed", although both signed.
func TestThresholdWithKeysNotGivenIsUnknown(t *testing.T) {
	a, b := twoKeys(t)
	data := mkSpec(t, spec{serial: 1, issued: t0, threshold: 2, listed: []testKey{a, b}}, a, b)
	r := Verify(data, Options{Keys: a.public, At: t0.Add(time.Hour)})
	out := textOf(t, r)
	if r.Status != Unknown {
		t.Fatalf("status %s, want UNKNOWN\n%s", r.Status, out)
	}
	c := check(r, "threshold")
	if c.Status != Unknown || strings.Contains(c.Message, "only 1 of the 2") {
		t.Fatalf("threshold check %s %q\n%s", c.Status, c.Message, out)
	}
	for _, want := range []string{b.fp, "--key", "key(s) you did not give", "Alice <alice@example.org>", "2 required"} {
		if !strings.Contains(c.Message, want) {
			t.Errorf("threshold message %q lacks %q", c.Message, want)
		}
	}
	if !strings.Contains(r.Summary, b.fp) {
		t.Errorf("summary %q does not name the signer whose key was not given", r.Summary)
	}
	if s := check(r, "signer"); s.Status != OK {
		t.Errorf("signer check %+v", s)
	}

	// Both keys given: OK, as before.
	expect(t, Verify(data, Options{Keys: both(a, b), At: t0.Add(time.Hour)}), OK, "threshold", "2 signer(s) signed")

	// The signature names its signer (user ID subpacket): the verdict says
	// whom it claims, and that it is not confirmed.
	text := spec{serial: 1, issued: t0, threshold: 2, listed: []testKey{a, b}}.canary(t).Render()
	sigs := [][]byte{detachedAs(t, text, a, "Alice <alice@example.org>", t0), detachedAs(t, text, b, "Bob <bob@example.org>", t0)}
	r = Verify(text, Options{Keys: a.public, At: t0.Add(time.Hour), Signatures: sigs})
	c = check(r, "threshold")
	if r.Status != Unknown || c.Status != Unknown || !strings.Contains(c.Message, `"Bob <bob@example.org>"`) || !strings.Contains(c.Message, "not confirmed") {
		t.Fatalf("status %s, threshold %s %q\n%s", r.Status, c.Status, c.Message, textOf(t, r))
	}

	// 3 required, 2 signed (one with a key not given): even counting it,
	// the bar is missed: CRITICAL, and the message says so.
	carol := newKey(t, "Carol <carol@example.org>")
	data = mkSpec(t, spec{serial: 1, issued: t0, threshold: 3, listed: []testKey{a, b, carol}}, a, b)
	r = Verify(data, Options{Keys: a.public, At: t0.Add(time.Hour)})
	expect(t, r, Critical, "threshold", "even counting the signature(s) by key(s) you did not give")
	if c := check(r, "threshold"); !strings.Contains(c.Message, "only 1 of the 3 required signers signed with a key you gave") || !strings.Contains(c.Message, b.fp) {
		t.Errorf("threshold message %q", c.Message)
	}

	// Nobody else signed: CRITICAL, as before.
	expect(t, Verify(mkSpec(t, spec{serial: 1, issued: t0, threshold: 2, listed: []testKey{a, b}}, a), Options{Keys: both(a, b), At: t0.Add(time.Hour)}),
		Critical, "threshold", "only 1 of the 2 required signers signed (Alice")
}

// Item 2: statements of a canary that is not shown authentic are never
// shown under the issuer's name.
func TestStatementsUnderIssuerNameOnlyWhenAuthentic(t *testing.T) {
	a, b := twoKeys(t)
	data := mk(t, 1, t0, nil, statements(), a)
	at := t0.Add(time.Hour)
	twoOfTwo := mkSpec(t, spec{serial: 1, issued: t0, threshold: 2, listed: []testKey{a, b}}, a, b)
	for name, r := range map[string]*Result{
		"wrong key":      Verify(data, Options{Keys: b.public, At: at}),
		"no key":         Verify(data, Options{At: at}),
		"2 of 2, 1 key":  Verify(twoOfTwo, Options{Keys: a.public, At: at}),
		"tampered":       Verify(bytes.Replace(data, []byte("no warrant"), []byte("a warrant"), 1), Options{Keys: a.public, At: at}),
		"pin mismatched": withCheck(Verify(data, Options{Keys: a.public, At: at}), "pin", Critical),
	} {
		out := textOf(t, r)
		if strings.Contains(out, "Example Org states") {
			t.Errorf("%s: statements shown under the issuer's name:\n%s", name, out)
		}
		if r.Canary != nil && !strings.Contains(out, "The file claims (NOT verified)") {
			t.Errorf("%s: statements not marked as unverified:\n%s", name, out)
		}
		if Authentic(r) {
			t.Errorf("%s: Authentic", name)
		}
	}
	// Authentic, even when expired: under the issuer's name.
	for name, r := range map[string]*Result{
		"good":    Verify(data, Options{Keys: a.public, At: at}),
		"expired": Verify(data, Options{Keys: a.public, At: t0.Add(200 * oneDay)}),
	} {
		if out := textOf(t, r); !strings.Contains(out, "Example Org states (serial 1):") {
			t.Errorf("%s: %s", name, out)
		}
	}
	// Free text: "as signed" only when authentic.
	ft := sign(t, []byte("Free text, no warrants.\n"), t0, a)
	if out := textOf(t, Verify(ft, Options{Keys: b.public, At: at})); strings.Contains(out, "exactly as signed") || !strings.Contains(out, "The file claims (NOT verified)") {
		t.Errorf("free text, wrong key:\n%s", out)
	}
	if out := textOf(t, Verify(ft, Options{Keys: a.public, At: at})); !strings.Contains(out, "The signed text, exactly as signed:") {
		t.Errorf("free text, good:\n%s", out)
	}
}

func withCheck(r *Result, name string, s Status) *Result {
	r.Add(name, s, "test")
	return r
}

// Item 3: a check that only informs is labelled INFO, never changes the
// verdict, and reads back from JSON as a note.
func TestNotesAreInfo(t *testing.T) {
	a, _ := twoKeys(t)
	r := Verify(mk(t, 1, t0, nil, statements(), a), Options{Keys: a.public, At: t0.Add(time.Hour)})
	expect(t, r, OK, "", "")
	w := check(r, "window")
	if !w.Info || w.Status != OK || w.Label() != "INFO" {
		t.Fatalf("window check %+v", w)
	}
	out := textOf(t, r)
	if !strings.Contains(out, "\n  INFO      window ") || strings.Contains(out, "OK        window") {
		t.Errorf("window row not labelled INFO:\n%s", out)
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `{"name":"window","status":"INFO","message":"the canary carries no machine-checkable proof`) {
		t.Errorf("JSON: %s", js.String())
	}
	var back Result
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if bw := check(&back, "window"); !bw.Info || bw.Status != OK || back.Status != OK {
		t.Errorf("read back: %+v, status %s", bw, back.Status)
	}
	if m, _ := json.Marshal(back.Checks); !bytes.Contains(m, []byte(`"status":"INFO"`)) {
		t.Errorf("Check.MarshalJSON: %s", m)
	}
	// A note never changes a verdict, whatever order it comes in.
	r.AddNote("source", "fetched over plain HTTP")
	if r.Status != OK {
		t.Errorf("a note changed the verdict to %s", r.Status)
	}
	bad := Verify([]byte("nothing"), Options{})
	st := bad.Status
	bad.AddNote("source", "a note")
	if bad.Status != st {
		t.Errorf("a note changed the verdict from %s to %s", st, bad.Status)
	}
	if n := NotToken("x.tsr", errString("garbage")); n.Label() != "INFO" {
		t.Errorf("NotToken %+v", n)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// Item 4: a CRITICAL statement change says, in one sentence, what it may
// mean.
func TestStatementChangeSaysWhatItMayMean(t *testing.T) {
	a, _ := twoKeys(t)
	first := mk(t, 1, t0, nil, statements(), a)
	second := mk(t, 2, t0.Add(oneDay), first, statements()[1:], a)
	r := Verify(second, Options{Keys: a.public, At: t0.Add(oneDay + time.Hour), Previous: first})
	lines := strings.Split(textOf(t, r), "\n")
	if r.Status != Critical || len(lines) < 2 || lines[1] != StatementChangeMeaning {
		t.Fatalf("status %s, lines %q", r.Status, lines)
	}
	// Not for other CRITICAL verdicts.
	if out := textOf(t, Verify(first, Options{Keys: a.public, At: t0.Add(200 * oneDay)})); strings.Contains(out, StatementChangeMeaning) {
		t.Errorf("expired canary:\n%s", out)
	}
}

// Item 5: colour only when asked; performance data on the first line.
func TestPerfdataAndColour(t *testing.T) {
	a, _ := twoKeys(t)
	r := Verify(mk(t, 3, t0, nil, statements(), a), Options{Keys: a.public, At: t0.Add(time.Hour)})
	var b bytes.Buffer
	if err := WriteTextWith(&b, r, TextOptions{Perfdata: true, At: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(b.String(), "\n")
	if !strings.HasPrefix(first, "OK: ") || !strings.HasSuffix(first, " | days_left=96 serial=3 signers=1") {
		t.Errorf("first line %q", first)
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Errorf("colour without Color")
	}
	b.Reset()
	WriteTextWith(&b, r, TextOptions{Color: true})
	if !strings.HasPrefix(b.String(), "\x1b[32mOK\x1b[0m: ") || !strings.Contains(b.String(), "\n  INFO      window ") {
		t.Errorf("coloured:\n%q", b.String())
	}
	if p := Perfdata(Verify([]byte("nothing"), Options{}), t0); p != "signers=0" {
		t.Errorf("perfdata of nothing: %q", p)
	}
}

// A note's status read on its own (not as a Check) is OK.
func TestInfoStatusReadsAsOK(t *testing.T) {
	var s Status = Critical
	if err := json.Unmarshal([]byte(`"INFO"`), &s); err != nil || s != OK {
		t.Fatalf("%v %v", s, err)
	}
}
