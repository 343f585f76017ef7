package verify

// Attacks on the comparison with the previous canary and on the reader's
// bounds (issue 12, items 6, 7 and 8; issue 14, detached previous
// canaries). Each test failed before its fix.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
)

const oneDay = 24 * time.Hour

// spec describes a canarykit canary for mkSpec.
type spec struct {
	serial    uint64
	issued    time.Time
	life      time.Duration // 0: 97 days
	prev      []byte        // the previous canary, clearsigned or its text
	threshold int           // 0: 1
	listed    []testKey     // its Signer: lines
	ss        []canary.Statement
}

func (s spec) canary(t testing.TB) *canary.Canary {
	t.Helper()
	c := &canary.Canary{
		Format: canary.FormatV1, Issuer: canary.Issuer{Name: "Example Org", URL: "https://example.org"},
		Serial: s.serial, Issued: s.issued, Expires: s.issued.Add(orDefault(s.life, 97*oneDay)), Threshold: max(s.threshold, 1), Statements: s.ss,
	}
	if c.Statements == nil {
		c.Statements = statements()
	}
	for _, k := range s.listed {
		c.Signers = append(c.Signers, k.fp)
	}
	if s.prev != nil {
		text := s.prev
		if o, err := canary.Open(s.prev); err == nil {
			text = o.Text
		}
		c.Previous = canary.Digest(text)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// mkSpec issues the canary s describes, clearsigned by signers.
func mkSpec(t testing.TB, s spec, signers ...testKey) []byte {
	t.Helper()
	return sign(t, s.canary(t).Render(), s.issued, signers...)
}

func both(a, b testKey) openpgp.EntityList {
	return append(append(openpgp.EntityList{}, a.public...), b.public...)
}

// Item 7: one key holder of a 2-of-2 canary cannot lower the bar to 1.
func TestThresholdOnlyGoesUpAlongTheChain(t *testing.T) {
	a, b := twoKeys(t)
	first := mkSpec(t, spec{serial: 1, issued: t0, threshold: 2, listed: []testKey{a, b}}, a, b)
	at := t0.Add(30 * oneDay)
	opts := Options{Keys: both(a, b), At: at, Previous: first}

	// Alice alone: Threshold 1, only her Signer line, only her signature.
	downgraded := mkSpec(t, spec{serial: 2, issued: at.Add(-time.Hour), prev: first, threshold: 1, listed: []testKey{a}}, a)
	r := Verify(downgraded, opts)
	expect(t, r, Critical, "threshold", "only 1 of the 2 required signers signed")
	if c := check(r, "threshold"); !strings.Contains(c.Message, "2 required: the previous canary required 2") {
		t.Fatalf("threshold message does not say why 2 are required: %q", c.Message)
	}
	if c := check(r, "signers"); c.Status != Critical || !strings.Contains(c.Message, "Bob <bob@example.org>") || !strings.Contains(c.Message, b.fp) {
		t.Fatalf("signers check %+v", c)
	}
	if !strings.Contains(r.Summary, "the previous canary required 2") {
		t.Fatalf("summary %q", r.Summary)
	}
	// The watchdog's --threshold 1 (its default) changes nothing.
	opts1 := opts
	opts1.Threshold = 1
	expect(t, Verify(downgraded, opts1), Critical, "threshold", "the previous canary required 2")

	// Still listing Bob, but Threshold 1 and only Alice's signature.
	r = Verify(mkSpec(t, spec{serial: 2, issued: at.Add(-time.Hour), prev: first, threshold: 1, listed: []testKey{a, b}}, a), opts)
	expect(t, r, Critical, "threshold", "2 required: the previous canary required 2")

	// Both sign a canary that lowers its threshold: the bar is met, and
	// the lowering is shown.
	r = Verify(mkSpec(t, spec{serial: 2, issued: at.Add(-time.Hour), prev: first, threshold: 1, listed: []testKey{a, b}}, a, b), opts)
	expect(t, r, Warning, "signers", "lowers its threshold from 2 to 1")
	if c := check(r, "threshold"); c.Status != OK || !strings.Contains(c.Message, "2 signer(s) signed, 2 required: the previous canary required 2") {
		t.Fatalf("threshold check %+v", c)
	}

	// Both sign a canary that drops Bob: the old bar was met by the
	// signatures themselves, so a warning, not CRITICAL.
	r = Verify(mkSpec(t, spec{serial: 2, issued: at.Add(-time.Hour), prev: first, threshold: 1, listed: []testKey{a}}, a, b), opts)
	if c := check(r, "signers"); c.Status != Warning || !strings.Contains(c.Message, "no longer lists Bob <bob@example.org>") {
		t.Fatalf("signers check %+v", c)
	}
	if c := check(r, "threshold"); c.Status != OK {
		t.Fatalf("threshold check %+v", c)
	}

	// A routine renewal by both: OK, and the signers check says so.
	r = Verify(mkSpec(t, spec{serial: 2, issued: at.Add(-time.Hour), prev: first, threshold: 2, listed: []testKey{a, b}}, a, b), opts)
	expect(t, r, OK, "signers", "both signers of the previous canary are still listed")
	expect(t, r, OK, "threshold", "2 signer(s) signed, 2 required")

	// Without --previous, the canary's own threshold (and the reader's)
	// still say why.
	// (Bob signed it too, with a key not given: UNKNOWN, issue 15.)
	r = Verify(first, Options{Keys: a.public, At: t0.Add(time.Hour)})
	expect(t, r, Unknown, "threshold", "2 required: the canary requires 2")
	r = Verify(mk(t, 1, t0, nil, statements(), a), Options{Keys: a.public, At: t0.Add(time.Hour), Threshold: 2})
	expect(t, r, Critical, "threshold", "2 required: you require 2")
}

// Item 7 in m of n: 2 of 3 becoming 2 of 2 is a warning; 2 of 3 becoming 1
// of 1 is CRITICAL.
func TestSignerDroppedFromChain(t *testing.T) {
	a, b := twoKeys(t)
	c := newKey(t, "Carol <carol@example.org>")
	all := append(both(a, b), c.public...)
	first := mkSpec(t, spec{serial: 1, issued: t0, threshold: 2, listed: []testKey{a, b, c}}, a, b, c)
	at := t0.Add(30 * oneDay)
	opts := Options{Keys: all, At: at, Previous: first}

	r := Verify(mkSpec(t, spec{serial: 2, issued: at.Add(-time.Hour), prev: first, threshold: 2, listed: []testKey{a, b}}, a, b), opts)
	expect(t, r, Warning, "signers", "no longer lists Carol <carol@example.org> ("+c.fp+")")

	r = Verify(mkSpec(t, spec{serial: 2, issued: at.Add(-time.Hour), prev: first, threshold: 1, listed: []testKey{a}}, a), opts)
	expect(t, r, Critical, "signers", "leaving 1 signer where the previous canary required 2")
}

// Item 8: the reader's --max-age bounds a canarykit canary too.
func TestMaxAgeBoundsEveryCanary(t *testing.T) {
	a, _ := twoKeys(t)
	issued := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	century := mkSpec(t, spec{serial: 1, issued: issued, life: 36500 * oneDay}, a)
	opts := Options{Keys: a.public, MaxAge: 30 * oneDay}

	opts.At = issued.Add(182 * oneDay)
	r := Verify(century, opts)
	expect(t, r, Critical, "expiry", "issued 2026-01-01 00:00 UTC, older than the 30 days you allow (--max-age)")
	if !r.Expires().Equal(issued.Add(30 * oneDay)) {
		t.Fatalf("Expires() = %v, want %v", r.Expires(), issued.Add(30*oneDay))
	}
	if !r.Canary.Expires.Equal(issued.Add(36500 * oneDay)) {
		t.Fatal("the canary's own expiry was changed")
	}

	opts.At = issued.Add(25 * oneDay)
	r = Verify(century, opts)
	expect(t, r, Warning, "expiry", "the 30 days you allow (--max-age)")

	opts.At = issued.Add(10 * oneDay)
	r = Verify(century, opts)
	expect(t, r, OK, "expiry", "the 30 days you allow (--max-age)")
	if !strings.Contains(r.Summary, "valid until 2026-01-31 00:00 UTC") {
		t.Fatalf("summary %q does not give the bound that applied", r.Summary)
	}

	// The canary's own expiry, when earlier, applies as before.
	short := mkSpec(t, spec{serial: 1, issued: issued, life: 20 * oneDay}, a)
	opts.At = issued.Add(22 * oneDay)
	r = Verify(short, opts)
	expect(t, r, Critical, "expiry", "expired on 2026-01-21 00:00 UTC")
	if !r.Expires().Equal(issued.Add(20 * oneDay)) {
		t.Fatalf("Expires() = %v", r.Expires())
	}
	// Without --max-age, the canary's own.
	r = Verify(century, Options{Keys: a.public, At: issued.Add(182 * oneDay)})
	expect(t, r, OK, "expiry", "valid until 2125-12-08")
	if !r.Expires().Equal(issued.Add(36500 * oneDay)) {
		t.Fatalf("Expires() = %v", r.Expires())
	}
	// Free text: FreeText.Expires.
	r = Verify(sign(t, []byte(qubesLike), time.Date(2026, 8, 31, 10, 0, 0, 0, time.UTC), a),
		Options{Keys: a.public, At: time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC), MaxAge: 90 * oneDay})
	if r.FreeText.Expires == nil || !r.Expires().Equal(*r.FreeText.Expires) {
		t.Fatalf("Expires() = %v, free text %v", r.Expires(), r.FreeText.Expires)
	}
	// Nothing judged: zero.
	if e := Verify([]byte("junk"), Options{Keys: a.public}).Expires(); !e.IsZero() {
		t.Fatalf("Expires() = %v", e)
	}
}

// Issue 14: a previous canary with a detached signature is given as its
// signed text, which is how the watchdog stores it.
func TestPreviousAsSignedText(t *testing.T) {
	a, b := twoKeys(t)
	first := spec{serial: 1, issued: t0, threshold: 2, listed: []testKey{a, b}}.canary(t).Render()
	at := t0.Add(30 * oneDay)
	opts := Options{Keys: both(a, b), At: at, Previous: first}

	// Detached, as published.
	next := spec{serial: 2, issued: at.Add(-time.Hour), prev: first, threshold: 2, listed: []testKey{a, b}}.canary(t).Render()
	opts.Signatures = [][]byte{detachedSig(t, next, a, 0, true, at.Add(-time.Hour)), detachedSig(t, next, b, 0, true, at.Add(-time.Hour))}
	r := Verify(next, opts)
	expect(t, r, OK, "previous-digest", "chains to the previous canary")

	// A statement removed: CRITICAL, not UNKNOWN.
	tripped := spec{serial: 2, issued: at.Add(-time.Hour), prev: first, threshold: 2, listed: []testKey{a, b}, ss: statements()[:1]}.canary(t).Render()
	opts.Signatures = [][]byte{detachedSig(t, tripped, a, 0, true, at.Add(-time.Hour)), detachedSig(t, tripped, b, 0, true, at.Add(-time.Hour))}
	expect(t, Verify(tripped, opts), Critical, "statements", `"no-gag" was REMOVED`)

	// The threshold of a previous canary given as text holds too.
	opts.Signatures = nil
	r = Verify(mkSpec(t, spec{serial: 2, issued: at.Add(-time.Hour), prev: first, threshold: 1, listed: []testKey{a}}, a), opts)
	expect(t, r, Critical, "threshold", "the previous canary required 2")

	// The same canary again, as text: unchanged since the one trusted,
	// OK while it holds (issue 15).
	opts.Signatures = [][]byte{detachedSig(t, first, a, 0, true, t0), detachedSig(t, first, b, 0, true, t0)}
	expect(t, Verify(first, opts), OK, "previous-serial", "unchanged since the canary you trusted")

	// Text that is neither is still not read.
	opts.Signatures = nil
	r = Verify(mkSpec(t, spec{serial: 2, issued: at.Add(-time.Hour), prev: first, threshold: 2, listed: []testKey{a, b}}, a, b),
		Options{Keys: both(a, b), At: at, Previous: []byte("Format: canarykit/1\nIssuer: X\n")})
	expect(t, r, Unknown, "previous", "the previous canary is not a canarykit/1 canary")
}

// Item 6: a warrant sentence kept but qualified, extended or truncated is
// not the sentence the reader trusted.
func TestFreeTextSentenceChanged(t *testing.T) {
	a, _ := twoKeys(t)
	at := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	prev := sign(t, []byte(qubesLike), at.Add(-24*time.Hour), a)
	opts := Options{Keys: a.public, At: at, MaxAge: 120 * oneDay, Previous: prev}
	verifyText := func(text string) *Result {
		return Verify(sign(t, []byte(text), at.Add(-time.Hour), a), opts)
	}
	const warrant = "No warrants have ever been served to us with regard to the Example\nproject (e.g. to hand out the private signing keys or to introduce\nbackdoors)."

	for _, tc := range []struct{ name, now, fragment string }{
		{"qualified", warrant[:len(warrant)-1] + ", other than secret ones.", "other than secret ones"},
		{"qualified inside", strings.Replace(warrant, "served to us", "served to us, that we know of,", 1), "that we know of"},
		{"truncated", "No warrants have ever been served to us.", "No warrants have ever been served to us"},
		{"after an abbreviation", strings.Replace(warrant, "backdoors).", "backdoors), except one.", 1), "except one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := verifyText(strings.Replace(qubesLike, warrant, tc.now, 1))
			expect(t, r, Critical, "statements", "No warrants have ever been served to us with regard to the Example project")
			if c := check(r, "statements"); !strings.Contains(c.Message, tc.fragment) {
				t.Fatalf("the message does not show the new wording %q: %s", tc.fragment, c.Message)
			}
			if len(r.Changes) != 1 || r.Changes[0].Kind != "reworded" || !strings.Contains(r.Changes[0].New, tc.fragment) {
				t.Fatalf("changes %+v", r.Changes)
			}
		})
	}

	// The previous canary given as its text (detached signatures): the same.
	qualified := strings.Replace(qubesLike, warrant, warrant[:len(warrant)-1]+", other than secret ones.", 1)
	o := opts
	o.Previous = []byte(qubesLike)
	expect(t, Verify(sign(t, []byte(qualified), at.Add(-time.Hour), a), o), Critical, "statements", "other than secret ones")

	// Routine renewals stay a warning: new numbers, a reflowed sentence,
	// a sentence added that is not about warrants.
	renewed := strings.Replace(qubesLike, "028", "029", 1)
	renewed = strings.Replace(renewed, "with regard to the Example\nproject", "with regard\nto the   Example project", 1)
	renewed = strings.Replace(renewed, "3. We plan", "3. We moved to a new server.\n\n4. We plan", 1)
	r := verifyText(renewed)
	expect(t, r, Warning, "statements", "no sentence about warrants or gag orders was removed or changed")
	if len(r.Changes) != 0 {
		t.Fatalf("changes %+v", r.Changes)
	}

	// A new sentence about warrants is shown, not called unrelated.
	r = verifyText(strings.Replace(qubesLike, "3. We plan", "3. We received a warrant in May.\n\n4. We plan", 1))
	expect(t, r, Warning, "statements", `a new sentence mentions them: "We received a warrant in May"`)
}

// Item 6 on real canaries: consecutive canaries of the corpus, compared
// sentence by sentence. Namecoin's statement 2 gained an exception clause
// in canary #5 ("..., except as described in the "List of incidents"
// below, ..."): exactly the change item 6 is about, so CRITICAL, with the
// new wording shown. The substring search called it unchanged. Routine
// renewals whose warrant sentences carry no date stay a warning.
func TestFreeTextSentencesOnCorpus(t *testing.T) {
	dir := corpusDir(t)
	text := func(p string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	compare := func(prev, cur string) *Result {
		r := &Result{FreeText: &FreeText{Text: string(text(cur))}}
		r.comparePreviousText(text(prev))
		return r
	}
	r := compare("namecoin/canaries/canary-002-2018.md", "namecoin/canaries/canary-005-2019.md")
	if c := check(r, "statements"); c.Status != Critical || !strings.Contains(c.Message, `now reads "No warrants, subpoenas, national security letters, or government-issued gag orders have ever been served to us with regard to Namecoin (e.g. to hand out the private signing keys or to introduce backdoors), except as described in the`) {
		t.Fatalf("namecoin #2 to #5: %+v", c)
	}
	for _, pair := range [][2]string{
		{"namecoin/canaries/canary-005-2019.md", "namecoin/canaries/canary-006-2020.md"},
		{"qubes/canaries/canary-026-2021.txt", "qubes/canaries/canary-028-2021.txt"},
		{"qubes/canaries/canary-028-2021.txt", "qubes/canaries/canary-047-2026.txt"},
		{"kicksecure/canaries/2023-06-02_a1194508996d/canary.txt", "kicksecure/canaries/2026-01-22_fd2d65cef904/canary.txt"},
		{"reifr.net/canaries/2026/canary#31-Feb-09.txt", "reifr.net/canaries/2026/canary#33-Aug-06.txt"},
		{"riseup/canary-statement-signed.2017-02-16_10314a56249d.txt", "riseup/canary-statement-signed.2024-07-31_5181b95beb99.txt"},
	} {
		r := compare(pair[0], pair[1])
		if c := check(r, "statements"); c.Status != Warning || !strings.Contains(c.Message, "no sentence about warrants or gag orders was removed or changed") {
			t.Errorf("%s to %s: %+v", pair[0], pair[1], c)
		}
	}
}
