package verify

// Issue 14 items 2, 3 and 4: comparing a free-text canary with the one the
// reader trusted (--previous). Dates renewed at every issue are not
// changes, list items are statements of their own, a qualifier is a
// change, and an older canary served after a newer one is a replay.

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/keys"
)

// effLike is the EFF template, renewed monthly: the "As of" date and the
// month of the next canary change at every issue.
func effLike(asOf time.Time) string {
	return fmt.Sprintf(`Example Org warrant canary

As of %s, Example Org has not received any National Security Letters or
FISA court orders, and we are not aware of any searches or seizures of our
servers. We have not been subject to any gag order by a FISA court, or any
other similar court of any government.

This canary was issued on %s. The next one is expected by %s.

Verify it with:

  $ gpg --verify canary.txt.asc
  curl -sO https://example.org/WarrantCanary/canary.txt

Published at https://example.org/WarrantCanary/ by canary@example.org,
key 2D17 71FE 4D76 7EDC 76B0 89FA D655 A4F2 1830 E06A.
`, asOf.Format("2006-01-02"), asOf.Format("January 2, 2006"), asOf.AddDate(0, 1, 0).Format("January 2006"))
}

func freeOpts(k testKey, at time.Time, prev []byte) Options {
	return Options{Keys: k.public, At: at, MaxAge: 60 * 24 * time.Hour, Previous: prev}
}

// 21 consecutive genuine renewals of the EFF template: each is OK against
// the one before, its text unchanged but for its dates.
func TestFreeTextEFFRenewals(t *testing.T) {
	a, _ := twoKeys(t)
	start := time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC)
	var prev []byte
	for i := range 22 {
		day := start.AddDate(0, i, 0)
		doc := sign(t, []byte(effLike(day)), day.Add(9*time.Hour), a)
		if prev != nil {
			r := Verify(doc, freeOpts(a, day.Add(10*time.Hour), prev))
			if c := check(r, "statements"); c.Status != OK || !strings.Contains(c.Message, "unchanged since the canary you trusted, but for its dates") {
				t.Errorf("renewal %d (%s): %s", i, day.Format("2006-01-02"), checksOf(r))
			}
			if r.Status != OK {
				t.Errorf("renewal %d: %s", i, checksOf(r))
			}
			if c := check(r, "previous"); c.Status != OK || !strings.Contains(c.Message, "compared with the canary you trusted (signed "+day.AddDate(0, -1, 0).Format("2006-01-02")) {
				t.Errorf("renewal %d: previous %+v", i, c)
			}
		}
		prev = doc
	}
}

// Alarm words in URLs, file names, e-mail addresses, fingerprints and
// shell commands are not sentences about warrants.
func TestFreeTextAlarmWordsNotInURLs(t *testing.T) {
	at := time.Date(2024, 8, 20, 12, 0, 0, 0, time.UTC)
	old := effLike(at.AddDate(0, -1, 0))
	cur := strings.NewReplacer("https://example.org/WarrantCanary/", "https://example.net/canary/",
		"canary.txt.asc", "warrant-canary.txt.asc", "canary@example.org", "warrants@example.net").Replace(effLike(at))
	r := &Result{FreeText: &FreeText{Text: cur}}
	r.comparePreviousText([]byte(old))
	if c := check(r, "statements"); c.Status != Warning || !strings.Contains(c.Message, "no sentence about warrants or gag orders was removed or changed") ||
		strings.Contains(c.Message, "mentions") {
		t.Fatalf("%s", checksOf(r))
	}
	for _, s := range []string{
		"See https://example.org/WarrantCanary/ for details",
		"Write to warrant@example.org",
		"$ gpg --verify warrant-canary.txt.asc",
		"curl -sO https://example.org/warrant",
		"Fingerprint 5741 5252 414E 5400 0000 0000 0000 0000 4741 4721",
	} {
		for _, ss := range textSentences(s, nil, new(int)) {
			if ss.alarm {
				t.Errorf("%q read as a sentence about warrants", s)
			}
		}
	}
	for _, s := range []string{"We have received no warrants.", "No gag order (see https://example.org/x)."} {
		if ss := textSentences(s, nil, new(int)); len(ss) != 1 || !ss[0].alarm {
			t.Errorf("%q not read as a sentence about warrants: %+v", s, ss)
		}
	}
}

// canaryWatch is a list of statements written one a line, as Canary Watch
// collected them.
const canaryWatch = `Example Org warrant canary

Example Org has never received a National Security Letter
Example Org has never received an order under the FISA
Example Org has never been placed under any gag order
Example Org has never received a warrant for user data

Signed on 2024-07-20.
`

func TestFreeTextLists(t *testing.T) {
	compare := func(old, cur string) *Result {
		r := &Result{FreeText: &FreeText{Text: cur}}
		r.comparePreviousText([]byte(old))
		return r
	}
	gag := "Example Org has never been placed under any gag order"

	// A reworded gag line is the only statement reported.
	r := compare(canaryWatch, strings.Replace(canaryWatch, gag, "Example Org has never been placed under a gag order by any court", 1))
	c := check(r, "statements")
	if c.Status != Critical || len(r.Changes) != 1 || r.Changes[0].Old != gag || r.Changes[0].Kind != "reworded" ||
		strings.Contains(c.Message, "National Security Letter") {
		t.Fatalf("reworded gag line: %+v\n%s", r.Changes, checksOf(r))
	}

	// Bullets, numbers or letters added in front of unchanged lines: not a removal.
	for _, marker := range []string{"- ", "* ", "• ", "1. ", "1) ", "a) ", "(a) ", "(iv) "} {
		bulleted := strings.Replace(canaryWatch, "Example Org has never", marker+"Example Org has never", -1)
		r = compare(canaryWatch, bulleted)
		if c := check(r, "statements"); c.Status != Warning || !strings.Contains(c.Message, "no sentence about warrants or gag orders was removed or changed") {
			t.Errorf("marker %q added: %s", marker, checksOf(r))
		}
		// And taken away again.
		r = compare(bulleted, canaryWatch)
		if c := check(r, "statements"); c.Status != Warning {
			t.Errorf("marker %q removed: %s", marker, checksOf(r))
		}
	}

	// A bulleted statement reworded: only it is reported, without its marker.
	bulleted := strings.Replace(canaryWatch, "Example Org has never", "- Example Org has never", -1)
	r = compare(bulleted, strings.Replace(bulleted, gag, gag+" that we know of", 1))
	if len(r.Changes) != 1 || r.Changes[0].Old != gag || r.Changes[0].New != gag+" that we know of" {
		t.Fatalf("bulleted gag line: %+v\n%s", r.Changes, checksOf(r))
	}

	// A wrapped list item is one statement, however it is wrapped.
	wrapped := "Statements:\n\n- Example Org has never received a National Security Letter or\n  an order under the FISA\n- We are under no gag order\n"
	rewrapped := "Statements:\n\n- Example Org has never received a National Security\n  Letter or an order under the FISA\n- We are under no gag order\n"
	if r = compare(wrapped, rewrapped); check(r, "statements").Status != Warning {
		t.Errorf("rewrapped item: %s", checksOf(r))
	}
}

// A statement that keeps its old words and gains a qualifier is reworded,
// whether the qualifier follows on the line, on a line of its own or in
// an item of its own.
func TestFreeTextQualifierAppended(t *testing.T) {
	line := "Example Org has never received a warrant for user data"
	bulleted := strings.Replace(canaryWatch, "Example Org has never", "- Example Org has never", -1)
	for _, tc := range []struct{ old, now, fragment string }{
		{canaryWatch, line + ", except as described below", "except as described below"},
		{canaryWatch, line + "\nexcept as described below", "except as described below"},
		{canaryWatch, line + "\nUnless noted otherwise below", "Unless noted otherwise below"},
		{canaryWatch, line + " other than one", "other than one"},
		{bulleted, "- " + line + "\n- except one from the FBI", "except one from the FBI"},
		{qubesLike, "", ""},
	} {
		if tc.now == "" {
			continue
		}
		cur := strings.Replace(tc.old, line, tc.now, 1)
		if strings.HasPrefix(tc.now, "- ") {
			cur = strings.Replace(tc.old, "- "+line, tc.now, 1)
		}
		r := &Result{FreeText: &FreeText{Text: cur}}
		r.comparePreviousText([]byte(tc.old))
		c := check(r, "statements")
		if c.Status != Critical || len(r.Changes) != 1 || r.Changes[0].Old != line || r.Changes[0].Kind != "reworded" || !strings.Contains(r.Changes[0].New, tc.fragment) {
			t.Errorf("%q: %+v\n%s", tc.now, r.Changes, checksOf(r))
		}
	}
}

// An older genuine canary presented after the newer one the reader
// trusted is a replay: CRITICAL, by the signature times, or by the
// stated dates when the trusted canary is its text alone.
func TestFreeTextReplay(t *testing.T) {
	a, b := twoKeys(t)
	april := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	may := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	older := sign(t, []byte(effLike(april)), april, a)
	newer := sign(t, []byte(effLike(may)), may, a)

	r := Verify(older, freeOpts(a, may.Add(time.Hour), newer))
	expect(t, r, Critical, "previous", "this canary is OLDER than the canary you trusted (signed 2026-05-01 09:00 UTC): it was signed 2026-04-01 09:00 UTC")
	if c := check(r, "statements"); c.Status != OK {
		t.Errorf("statements %+v", c)
	}

	// The trusted canary as its signed text (detached signatures): by the dates it states.
	r = Verify(older, freeOpts(a, may.Add(time.Hour), []byte(effLike(may))))
	expect(t, r, Critical, "previous", "its text states it was issued 2026-04-01, the one you trusted 2026-05-01")

	// The newer canary had dropped its warrant statement; the older still
	// has it: that is the canary tripping, not "nothing about warrants".
	dropped := strings.Replace(effLike(may), " We have not been subject to any gag order by a FISA court, or any\nother similar court of any government.", "", 1)
	r = Verify(older, freeOpts(a, may.Add(time.Hour), sign(t, []byte(dropped), may, a)))
	expect(t, r, Critical, "previous", "OLDER")
	if c := check(r, "statements"); c.Status != Critical || !strings.Contains(c.Message, "from this older canary to the newer one you trusted") ||
		!strings.Contains(c.Message, `"We have not been subject to any gag order by a FISA court, or any other similar court of any government" is gone`) {
		t.Errorf("statements %+v", c)
	}

	// In the right order it is the same drop, since the previous canary.
	r = Verify(sign(t, []byte(dropped), may, a), freeOpts(a, may.Add(time.Hour), older))
	expect(t, r, Critical, "statements", "since the previous canary")
	if c := check(r, "previous"); c.Status != OK {
		t.Errorf("previous %+v", c)
	}

	// Two signers: the older canary is older by both.
	older2 := sign(t, []byte(effLike(april)), april, a, b)
	newer2 := sign(t, []byte(effLike(may)), may, a, b)
	both := append(append(openpgp.EntityList{}, a.public...), b.public...)
	o := freeOpts(a, may.Add(time.Hour), newer2)
	o.Keys = both
	expect(t, Verify(older2, o), Critical, "previous", "OLDER")
	o.Previous = older2
	expect(t, Verify(newer2, o), OK, "previous", "this canary was signed later (2026-05-01 09:00 UTC)")
}

// The same canary checked again is unchanged, not a failure.
func TestFreeTextIdentical(t *testing.T) {
	a, _ := twoKeys(t)
	day := time.Date(2026, 7, 20, 9, 0, 0, 0, time.UTC)
	doc := sign(t, []byte(effLike(day)), day, a)
	r := Verify(doc, freeOpts(a, day.Add(24*time.Hour), doc))
	expect(t, r, OK, "statements", "unchanged since the canary you trusted")
	if r.Status != OK {
		t.Fatalf("%s", checksOf(r))
	}
	// Its signed text as the previous canary: the same.
	expect(t, Verify(doc, freeOpts(a, day.Add(24*time.Hour), []byte(effLike(day)))), OK, "statements", "unchanged since the canary you trusted")
}

// Dates are set aside in every form findDates reads, and in month-year
// forms; dates that are not the issue date, in a sentence that does not
// say as of when it speaks, are compared as written.
func TestFreeTextDateKeys(t *testing.T) {
	issue := []time.Time{time.Date(2024, 7, 20, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct{ a, b string }{
		{"As of 2024-07-20, we have no NSLs", "As of 2024-08-20, we have no NSLs"},
		{"As of July 20th, 2024 we have no NSLs", "As of August 20th, 2024 we have no NSLs"},
		{"No warrants as of 20 July 2024", "No warrants as of 20 August 2024"},
		{"No warrants as of 07/20/2024", "No warrants as of 08/20/2024"},
		{"No warrants as of July 2024", "No warrants as of August 2024"},
		{"No warrants until July 20, 2024 and none since 2024-07-20", "No warrants until August 20, 2024 and none since 2024-08-20"},
	} {
		budget := dateBudget
		ka, kb := sentenceKey(tc.a, issue, &budget), sentenceKey(tc.b, nil, &budget)
		if ka != kb {
			t.Errorf("%q and %q: %q != %q", tc.a, tc.b, ka, kb)
		}
	}
	budget := dateBudget
	if k := sentenceKey("We received a warrant on 2019-03-02", issue, &budget); k != "We received a warrant on 2019-03-02" {
		t.Errorf("a bulletin date set aside: %q", k)
	}
}

// Consecutive genuine canaries of the corpus, in both orders: in order,
// no statement is CRITICAL unless a warrant statement really changed
// (Namecoin #5 qualifies its statement 2, on purpose); presented after
// the newer one, the older is not OK.
func TestFreeTextCorpusSeries(t *testing.T) {
	dir := corpusDir(t)
	read := func(p string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sigsOf := func(p string) [][]byte {
		t.Helper()
		matches, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(p)) + "*")
		sort.Strings(matches)
		var out [][]byte
		for _, m := range matches {
			rel, _ := filepath.Rel(dir, m)
			rel = filepath.ToSlash(rel)
			if rel == p || strings.HasSuffix(rel, ".clearsign.asc") || corpusIgnored(rel) {
				continue
			}
			out = append(out, read(rel))
		}
		return out
	}
	keyring := func(files []string) openpgp.EntityList {
		var el openpgp.EntityList
		for _, f := range files {
			k, err := keys.ReadKeyFile(filepath.Join(dir, filepath.FromSlash(f)))
			if err != nil {
				t.Fatal(err)
			}
			el = append(el, k...)
		}
		return el
	}
	type series struct {
		files    []string
		keys     []string
		detached bool
	}
	all := []series{
		{[]string{"qubes/canaries/canary-001-2015.txt", "qubes/canaries/canary-018-2019.txt", "qubes/history/b2da20d46ae1/canaries/canary-026-2021.txt",
			"qubes/canaries/canary-026-2021.txt", "qubes/canaries/canary-028-2021.txt", "qubes/canaries/canary-047-2026.txt"}, qubesBothKeys, true},
		{[]string{"kicksecure/canaries/2019-03-12_128094555f69/canary.txt", "kicksecure/canaries/2023-06-02_a1194508996d/canary.txt",
			"kicksecure/canaries/2026-01-22_fd2d65cef904/canary.txt", "kicksecure/canaries/2026-07-17_3a332e5806b6/canary.txt"}, []string{kCurrent, k2021}, true},
		{[]string{"namecoin/canaries/canary-001-2017.md", "namecoin/canaries/canary-002-2018.md", "namecoin/canaries/canary-005-2019.md",
			"namecoin/canaries/canary-006-2020.md"}, namecoinKeys, true},
		{[]string{"parrot/canaries/warrant-canary-n0-2019-07-10.asc", "parrot/canaries/warrant-canary-n1-2020-04-05-fixed.asc",
			"parrot/canaries/warrant-canary-n4-2021-11-11.dedented.asc"}, parrotKeys, false},
		{[]string{"reifr.net/canaries/2018/canary1.txt", "reifr.net/canaries/2022/canary#14-Aug-10.txt", "reifr.net/canaries/2026/canary#31-Feb-09.txt",
			"reifr.net/canaries/2026/canary#33-Aug-06.txt"}, reifrKeys, true},
		{[]string{"riseup/canary-statement-signed.2016-08-15_88324edb7f3b.txt", "riseup/canary-statement-signed.2017-02-16_10314a56249d.txt",
			"riseup/canary-statement-signed.2024-07-31_5181b95beb99.txt"}, nil, false},
	}
	// The renewals whose statements about warrants really changed: CRITICAL
	// on purpose, since each sentence is no longer there as written.
	meant := map[string]bool{
		// "served to them with regards to the Qubes OS Project (e.g. ...,
		// or to introduce backdoors)" became "served to us with regard to".
		"qubes/canaries/canary-001-2015.txt qubes/canaries/canary-018-2019.txt": true,
		// "served on the Whonix Project" became Kicksecure's.
		"kicksecure/canaries/2019-03-12_128094555f69/canary.txt kicksecure/canaries/2023-06-02_a1194508996d/canary.txt": true,
		// Statement 2 extended to subpoenas, NSLs and gag orders.
		"namecoin/canaries/canary-001-2017.md namecoin/canaries/canary-002-2018.md": true,
		// Statement 2 qualified: "..., except as described in the "List of incidents" below".
		"namecoin/canaries/canary-002-2018.md namecoin/canaries/canary-005-2019.md": true,
		// Who the subpoena statement covers changed (twice), and "the
		// Parrot Project" became "Parrot Security".
		"parrot/canaries/warrant-canary-n0-2019-07-10.asc parrot/canaries/warrant-canary-n1-2020-04-05-fixed.asc":          true,
		"parrot/canaries/warrant-canary-n1-2020-04-05-fixed.asc parrot/canaries/warrant-canary-n4-2021-11-11.dedented.asc": true,
		// The 2016-17 lapse: the statements about NSLs, backdoors and
		// seizures were dropped.
		"riseup/canary-statement-signed.2016-08-15_88324edb7f3b.txt riseup/canary-statement-signed.2017-02-16_10314a56249d.txt": true,
	}
	// Replays that cannot be told (a WARNING): Kicksecure's text states no
	// date and the trusted canary is its text, without its signatures; the
	// re-signed Qubes #26 states the date its original did.
	undated := map[string]bool{"qubes/history/b2da20d46ae1/canaries/canary-026-2021.txt qubes/canaries/canary-026-2021.txt": true}
	for _, s := range all {
		keys := keyring(s.keys)
		verify := func(p string, prev []byte) *Result {
			o := Options{Keys: keys, At: corpusToday, Previous: prev}
			if s.detached {
				o.Signatures = sigsOf(p)
			}
			return Verify(read(p), o)
		}
		for i := 1; i < len(s.files); i++ {
			older, newer := s.files[i-1], s.files[i]
			name := older + " " + newer
			// The text alone, in order.
			r := &Result{FreeText: &FreeText{Text: signedTextOf(read(newer))}}
			r.comparePreviousText(read(older))
			if c := check(r, "statements"); c.Status == Critical != meant[name] {
				t.Errorf("%s, texts alone: %s", name, checksOf(r))
			}
			if len(keys) == 0 {
				continue
			}
			// Verified, in order, the previous as the reader keeps it.
			r = verify(newer, read(older))
			if c := check(r, "statements"); c.Status == -1 || c.Status == Critical != meant[name] {
				t.Errorf("%s: %s", name, checksOf(r))
			}
			if c := check(r, "previous"); c.Status == Critical {
				t.Errorf("%s: %s", name, checksOf(r))
			}
			// The older presented after the newer: a replay, whenever the
			// trusted canary carries its signatures or a stated date.
			r = verify(older, read(newer))
			want := Critical
			if undated[name] || strings.HasPrefix(name, "kicksecure/") {
				want = Warning
			}
			if c := check(r, "previous"); c.Status != -1 && c.Status != want {
				t.Errorf("%s replayed: %s", name, checksOf(r))
			}
			t.Logf("%s replayed: %s", name, check(r, "previous").Message)
			// The same canary again: unchanged.
			r = verify(newer, read(newer))
			if c := check(r, "statements"); c.Status != OK {
				t.Errorf("%s again: %s", newer, checksOf(r))
			}
		}
	}
}

// signedTextOf is the signed text of a canary as published.
func signedTextOf(b []byte) string {
	if s, err := canary.Open(b); err == nil {
		return string(s.Text)
	}
	return string(b)
}

// FuzzFreeTextCompare: any two texts compare without a panic, and a text
// compared with itself is unchanged.
func FuzzFreeTextCompare(f *testing.F) {
	f.Add(canaryWatch, strings.Replace(canaryWatch, "Example Org has never", "- Example Org has never", -1))
	f.Add(effLike(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), effLike(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)))
	f.Add(qubesLike, strings.Replace(qubesLike, "backdoors).", "backdoors), except one.", 1))
	f.Add("- a)\n(\n1.", "•\n(ab) x\n$ gpg")
	f.Fuzz(func(t *testing.T, old, cur string) {
		r := &Result{FreeText: &FreeText{Text: cur}}
		r.comparePreviousText([]byte(old))
		if c := check(r, "statements"); c.Status == -1 {
			t.Fatal("no statements check")
		}
		r = &Result{FreeText: &FreeText{Text: cur}}
		r.comparePreviousText([]byte(cur))
		if c := check(r, "statements"); c.Status != OK {
			t.Fatalf("a text against itself: %+v", c)
		}
	})
}
