package verify

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
)

const qubesLike = `                    ---===[ Example Canary 028 ]===---

Statements
-----------

The Example team members who have digitally signed this file state
the following:

1. The date of issue of this canary is August 31, 2026.

2. No warrants have ever been served to us with regard to the Example
project (e.g. to hand out the private signing keys or to introduce
backdoors).

3. We plan to publish the next of these canary statements in the first
fourteen days of December 2026.
`

func TestFreeTextDatesAndAge(t *testing.T) {
	a, _ := twoKeys(t)
	signedAt := time.Date(2026, 8, 31, 10, 6, 56, 0, time.UTC)
	data := sign(t, []byte(qubesLike), signedAt, a)

	r := Verify(data, Options{Keys: a.public, At: signedAt.Add(24 * time.Hour)})
	expect(t, r, OK, "expiry", "first fourteen days of December 2026")
	if r.FreeText == nil || r.FreeText.IssuedFrom != "text" || r.FreeText.TextDate != "August 31, 2026" {
		t.Fatalf("free text %+v", r.FreeText)
	}
	if c := check(r, "issued"); c.Status != OK || !strings.Contains(c.Message, "the issue date the text states") {
		t.Fatalf("issued check %+v", c)
	}

	opts := Options{Keys: a.public, MaxAge: 90 * 24 * time.Hour}
	opts.At = signedAt.Add(30 * 24 * time.Hour)
	expect(t, Verify(data, opts), OK, "expiry", "judged by age")
	opts.At = signedAt.Add(85 * 24 * time.Hour)
	expect(t, Verify(data, opts), Warning, "expiry", "passes the --max-age")
	opts.At = signedAt.Add(120 * 24 * time.Hour)
	r = Verify(data, opts)
	expect(t, r, Critical, "expiry", "more than the --max-age of 90d")
	if r.FreeText.Expires == nil || !r.FreeText.Expires.Equal(time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("expires %v", r.FreeText.Expires)
	}
}

func TestFreeTextDateFar(t *testing.T) {
	a, _ := twoKeys(t)
	// Re-signed in June a text dated March: judged from March.
	text := strings.Replace(qubesLike, "August 31, 2026", "March 7, 2026", 1)
	signedAt := time.Date(2026, 6, 12, 0, 22, 58, 0, time.UTC)
	r := Verify(sign(t, []byte(text), signedAt, a), Options{Keys: a.public, At: signedAt, MaxAge: 365 * 24 * time.Hour})
	expect(t, r, Warning, "issued", "says it was issued on March 7, 2026, but it was signed on 2026-06-12")
	if !r.FreeText.Issued.Equal(time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("issued %v", r.FreeText.Issued)
	}
}

func TestFindDates(t *testing.T) {
	signed := time.Date(2026, 8, 6, 20, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		text, want string
		stated     bool
	}{
		{"The date of issue of this canary is January 5th, 2015.", "2015-01-05", true},
		{"The date of issue of this canary is January  8, 2019.", "2019-01-08", true},
		{"The date of issue of this canary is June 03, 2026.", "2026-06-03", true},
		{"The date of issue of this canary is 08/06/2026", "2026-08-06", true},
		{"The date of issue of this canary is 06/08/2026", "2026-08-06", true},
		{"I still own this page. Today is August 7th, 2026.", "2026-08-07", true},
		{"Signed Warrant Canary n.4: no incidents or warrants as of November 11 2021", "2021-11-11", true},
		{"Proof of freshness\nThu, 06 Aug 2026 12:00:00 +0000\nnext in March 2027", "2026-08-06", false},
		{"Bulletin of 2019-03-02 and nothing else", "", false},
		{"Canary issue date: see the gpg signature time.", "", false},
	} {
		d, stated := issueDate(tc.text, signed)
		got := ""
		if d != nil {
			got = d.t.Format("2006-01-02")
		}
		if got != tc.want || (d != nil && stated != tc.stated) {
			t.Errorf("%q: got %q stated=%v, want %q stated=%v", tc.text, got, stated, tc.want, tc.stated)
		}
	}
}

func TestFreeTextAgainstPrevious(t *testing.T) {
	a, _ := twoKeys(t)
	at := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	prev := sign(t, []byte(qubesLike), at.Add(-24*time.Hour), a)
	opts := Options{Keys: a.public, At: at, MaxAge: 120 * 24 * time.Hour, Previous: prev}

	// Only the dates changed: a warning to read the changes.
	newer := strings.Replace(qubesLike, "028", "029", 1)
	r := Verify(sign(t, []byte(newer), at.Add(-time.Hour), a), opts)
	expect(t, r, Warning, "statements", "no sentence about warrants or gag orders was removed or changed")
	if len(r.FreeText.Diff) != 2 || !strings.HasPrefix(r.FreeText.Diff[0], "- ") {
		t.Fatalf("diff %q", r.FreeText.Diff)
	}

	// The warrant sentence reflowed over other lines is not a removal.
	reflowed := strings.Replace(qubesLike, "with regard to the Example\nproject", "with regard\nto the Example project", 1)
	r = Verify(sign(t, []byte(reflowed), at.Add(-time.Hour), a), opts)
	expect(t, r, Warning, "statements", "no sentence about warrants or gag orders was removed or changed")

	// The warrant sentence gone: tripped.
	tripped := strings.Replace(qubesLike, "2. No warrants have ever been served to us with regard to the Example\nproject (e.g. to hand out the private signing keys or to introduce\nbackdoors).\n", "", 1)
	r = Verify(sign(t, []byte(tripped), at.Add(-time.Hour), a), opts)
	expect(t, r, Critical, "statements", "No warrants have ever been served")
	if len(r.Changes) == 0 || r.Changes[0].Kind != "removed" {
		t.Fatalf("changes %+v", r.Changes)
	}

	// The same canary again, checked again: unchanged, not a failure.
	expect(t, Verify(prev, opts), OK, "statements", "unchanged since the canary you trusted")
}

func detachedSig(t *testing.T, data []byte, k testKey, sigType packet.SignatureType, armored bool, at time.Time) []byte {
	t.Helper()
	var buf bytes.Buffer
	cfg := &packet.Config{Time: func() time.Time { return at }}
	params := &openpgp.SignParams{TextSig: sigType == packet.SigTypeText, Config: cfg}
	var err error
	if armored {
		err = openpgp.ArmoredDetachSign(&buf, []*openpgp.Entity{k.signer.Entity}, bytes.NewReader(data), params)
	} else {
		err = openpgp.DetachSignWithParams(&buf, []*openpgp.Entity{k.signer.Entity}, bytes.NewReader(data), params)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDetachedSignatures(t *testing.T) {
	a, b := twoKeys(t)
	c := &canary.Canary{Format: canary.FormatV1, Issuer: canary.Issuer{Name: "X", URL: "https://x"}, Serial: 1,
		Issued: t0, Expires: t0.Add(90 * 24 * time.Hour), Threshold: 1, Statements: statements()}
	text := c.Render()
	all := append(append(openpgp.EntityList{}, a.public...), b.public...)
	for _, tc := range []struct {
		name    string
		sigType packet.SignatureType
		armored bool
	}{{"binary doc", packet.SigTypeBinary, false}, {"armored doc", packet.SigTypeBinary, true}, {"armored text", packet.SigTypeText, true}, {"binary text", packet.SigTypeText, false}} {
		t.Run(tc.name, func(t *testing.T) {
			sa := detachedSig(t, text, a, tc.sigType, tc.armored, t0)
			sb := detachedSig(t, text, b, tc.sigType, tc.armored, t0)
			r := Verify(text, Options{Keys: all, At: t0, Signatures: [][]byte{sa, sb}, Threshold: 2})
			expect(t, r, OK, "threshold", "2 signer(s) signed, 2 required")
			if r.Canary == nil || r.Canary.Serial != 1 {
				t.Fatal("canary not parsed")
			}
			changed := bytes.Replace(text, []byte("no warrant"), []byte("a warrant"), 1)
			r = Verify(changed, Options{Keys: all, At: t0, Signatures: [][]byte{sa}})
			expect(t, r, Critical, "signature", "does not match")
		})
	}
	// Text signatures ignore line endings; document signatures do not.
	crlf := bytes.ReplaceAll(text, []byte("\n"), []byte("\r\n"))
	st := detachedSig(t, text, a, packet.SigTypeText, true, t0)
	if r := Verify(crlf, Options{Keys: all, At: t0, Signatures: [][]byte{st}}); r.Signatures[0].Status != SigGood {
		t.Fatalf("text signature over CRLF copy: %s", r.Signatures[0].Status)
	}
	sd := detachedSig(t, text, a, packet.SigTypeBinary, true, t0)
	if r := Verify(crlf, Options{Keys: all, At: t0, Signatures: [][]byte{sd}}); r.Signatures[0].Status != SigBad {
		t.Fatalf("document signature over CRLF copy: %s", r.Signatures[0].Status)
	}
	// Both signatures in one armored file, as people concatenate them.
	both := append(append(detachedSig(t, text, a, packet.SigTypeBinary, true, t0), '\n'), detachedSig(t, text, b, packet.SigTypeBinary, true, t0)...)
	expect(t, Verify(text, Options{Keys: all, At: t0, Signatures: [][]byte{both}, Threshold: 2}), OK, "threshold", "2 signer(s) signed, 2 required")
	// Junk instead of a signature: could not check.
	expect(t, Verify(text, Options{Keys: all, At: t0, Signatures: [][]byte{[]byte("untrusted comment: signify\n")}}), Unknown, "signed-block", "not an OpenPGP signature")
	var arm bytes.Buffer
	w, _ := armor.Encode(&arm, "PGP MESSAGE", nil)
	w.Write([]byte{1, 2, 3})
	w.Close()
	expect(t, Verify(text, Options{Keys: all, At: t0, Signatures: [][]byte{arm.Bytes()}}), Unknown, "signed-block", "not a PGP SIGNATURE")
}
