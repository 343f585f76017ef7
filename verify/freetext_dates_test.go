package verify

import (
	"strings"
	"testing"
	"time"
)

// Canaries in the common hand-written templates, each with the rule of
// "Dates in free-text canaries" (docs/VERIFICATION.md) it exercises.

const datesCanaryWatch = `Status: All good
Period: Sep 03 to Sep 10, 2026

During this period, Example Press has received:
  - Zero National Security Letters
  - Zero gag orders
  - Zero warrants from a government organization
`

const datesEFF = `As of January 5, 2027, Example Inc. has not received any National
Security Letters or FISA court orders, and we are not under any gag order.

I will update this canary by April 12, 2027.
`

func dday(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func verifyDated(t *testing.T, text string, signed, at time.Time, maxAge time.Duration) *Result {
	t.Helper()
	a, _ := twoKeys(t)
	return Verify(sign(t, []byte(text), signed, a), Options{Keys: a.public, At: at, MaxAge: maxAge})
}

// Item 1: the attested period, not the signature, dates the canary.
func TestPeriodEndedLongBeforeSigning(t *testing.T) {
	signed := dday(2026, 11, 10).Add(10 * time.Hour) // two months after the period
	r := verifyDated(t, datesCanaryWatch, signed, signed.Add(time.Hour), 0)
	expect(t, r, Critical, "expiry", "period")
	if c := check(r, "issued"); c.Status != Warning || !strings.Contains(c.Message, "Sep 03 to Sep 10, 2026") || strings.Contains(c.Message, "no issue date") {
		t.Fatalf("issued check %+v", c)
	}
	// With --max-age, the same: the period ended more than 60 days before.
	r = verifyDated(t, datesCanaryWatch, signed, signed.Add(time.Hour), 60*24*time.Hour)
	expect(t, r, Critical, "expiry", "more than the --max-age")
}

func TestPeriodFresh(t *testing.T) {
	signed := dday(2026, 9, 11).Add(9 * time.Hour)
	r := verifyDated(t, datesCanaryWatch, signed, signed.Add(24*time.Hour), 0)
	expect(t, r, OK, "issued", "Sep 03 to Sep 10, 2026")
	if c := check(r, "format"); !strings.Contains(c.Message, "Canary Watch") {
		t.Fatalf("format check %+v", c)
	}
	// Judged from the end of Sep 10 plus the period's own 8 days.
	if want := dday(2026, 9, 19); !r.Expires().Equal(want) {
		t.Fatalf("Expires() %v, want %v", r.Expires(), want)
	}
	r = verifyDated(t, datesCanaryWatch, signed, dday(2026, 9, 25), 0)
	expect(t, r, Critical, "expiry", "period")
}

func TestPeriodForms(t *testing.T) {
	for _, tc := range []struct {
		line     string
		from, to time.Time
	}{
		{"Period: January, 2016", dday(2016, 1, 1), dday(2016, 1, 31)},
		{"Period: 2016-01-01 - 2016-03-31", dday(2016, 1, 1), dday(2016, 3, 31)},
		{"Period: Dec 28, 2016 to Jan 3, 2017", dday(2016, 12, 28), dday(2017, 1, 3)},
		{"Period: Dec 28 to Jan 3, 2017", dday(2016, 12, 28), dday(2017, 1, 3)},
		{"Period: February 2016 through March 2016", dday(2016, 2, 1), dday(2016, 3, 31)},
	} {
		p, bad := findPeriod(tc.line + "\n")
		if bad != "" || p == nil || !p.From.Equal(tc.from) || !p.To.Equal(tc.to) {
			t.Errorf("%q: got %+v %q, want %v to %v", tc.line, p, bad, tc.from, tc.to)
		}
	}
	if _, bad := findPeriod("Period: whenever\n"); bad == "" {
		t.Error("an unreadable Period line is not flagged")
	}
}

func TestStatusNotAllClear(t *testing.T) {
	text := strings.Replace(datesCanaryWatch, "All good", "It's complicated", 1)
	signed := dday(2026, 9, 11).Add(9 * time.Hour)
	expect(t, verifyDated(t, text, signed, signed.Add(time.Hour), 0), Warning, "status", `"It's complicated"`)
	for _, ok := range []string{"OK", "Clear", "green", "All clear."} {
		text := strings.Replace(datesCanaryWatch, "All good", ok, 1)
		expect(t, verifyDated(t, text, signed, signed.Add(time.Hour), 0), OK, "", "")
	}
}

// Item 6: the canary's own deadline binds, whatever --max-age says.
func TestStatedDeadline(t *testing.T) {
	signed := dday(2027, 1, 5).Add(15 * time.Hour)
	// Eight days past its promised update, with a generous --max-age.
	r := verifyDated(t, datesEFF, signed, dday(2027, 4, 21), 180*24*time.Hour)
	expect(t, r, Critical, "expiry", "April 12, 2027")
	if !strings.Contains(check(r, "expiry").Message, "I will update this canary by April 12, 2027.") {
		t.Fatalf("the line the deadline came from is not quoted: %+v", check(r, "expiry"))
	}
	if want := dday(2027, 4, 13); !r.Expires().Equal(want) {
		t.Fatalf("Expires() %v, want %v", r.Expires(), want)
	}
	if c := check(r, "format"); !strings.Contains(c.Message, "EFF") {
		t.Fatalf("format check %+v", c)
	}
	// Without --max-age: judged by the deadline, not "states no expiry".
	expect(t, verifyDated(t, datesEFF, signed, dday(2027, 2, 1), 0), OK, "expiry", "April 12, 2027")
	expect(t, verifyDated(t, datesEFF, signed, dday(2027, 4, 8), 0), Warning, "expiry", "April 12, 2027")
	// A stricter --max-age still binds.
	r = verifyDated(t, datesEFF, signed, dday(2027, 3, 1), 30*24*time.Hour)
	expect(t, r, Critical, "expiry", "more than the --max-age")
	if want := signed.Truncate(24 * time.Hour).Add(30 * 24 * time.Hour); !r.Expires().Equal(want) {
		t.Fatalf("Expires() %v, want %v", r.Expires(), want)
	}
}

func TestStatedDeadlineForms(t *testing.T) {
	signed := dday(2027, 5, 20).Add(12 * time.Hour)
	base := "Today is May 20, 2027. We have received no warrants.\n"
	for _, tc := range []struct {
		line string
		want time.Time // the end of the bound
	}{
		{"Next update will be on 2027-08-19.", dday(2027, 8, 20)},
		{"Next update on or before August 19, 2027.", dday(2027, 8, 20)},
		{"Expires: 2027-08-19", dday(2027, 8, 20)},
		{"This canary is valid until 19 August 2027.", dday(2027, 8, 20)},
		{"This canary is updated every 90 days.", dday(2027, 8, 18).Add(7 * 24 * time.Hour)},
		{"This message should be updated every 4 months.", dday(2027, 9, 20).Add(7 * 24 * time.Hour)},
		{"We publish the next canary statement within 4 weeks.", dday(2027, 6, 17).Add(2*24*time.Hour + 19*time.Hour + 12*time.Minute)},
		{"Next updates:\n- 2027-08-19\n- 2027-11-18", dday(2027, 8, 20)},
	} {
		r := verifyDated(t, base+tc.line+"\n", signed, signed.Add(time.Hour), 0)
		if !r.Expires().Equal(tc.want) || r.Status != OK {
			t.Errorf("%q: %s, Expires() %v, want OK and %v\n%v", tc.line, r.Status, r.Expires(), tc.want, r.Checks)
		}
		r = verifyDated(t, base+tc.line+"\n", signed, tc.want.Add(time.Hour), 0)
		if c := check(r, "expiry"); c.Status != Critical {
			t.Errorf("%q past its deadline: %+v", tc.line, c)
		}
	}
}

func TestStatedDeadlineNotARealDate(t *testing.T) {
	signed := dday(2027, 3, 1).Add(12 * time.Hour)
	text := "As of March 1, 2027, we have not received any warrants.\nNext update will be on 2027-06-31.\n"
	r := verifyDated(t, text, signed, signed.Add(time.Hour), 0)
	expect(t, r, Warning, "deadline", "2027-06-31")
	if want := dday(2027, 7, 1); !r.Expires().Equal(want) {
		t.Fatalf("Expires() %v, want %v (the end of 2027-06-30)", r.Expires(), want)
	}
}

func TestStatedExpiryBeforeSignature(t *testing.T) {
	signed := dday(2027, 3, 1).Add(12 * time.Hour)
	text := "As of March 1, 2027, we have not received any warrants.\nExpires: 2027-01-31\n"
	expect(t, verifyDated(t, text, signed, signed.Add(time.Hour), 0), Critical, "expiry", "before it was signed")
}

// Riseup: "re-signed on the following dates", a list without a year; the
// slot this canary was signed for (a day early) is not its deadline.
func TestRiseupDateList(t *testing.T) {
	text := `Riseup positively confirms that the integrity of our system is sound.

This canary will be re-signed on the following dates:

* February 1
* May 1
* August 1
* November 1
`
	signed := dday(2027, 7, 31).Add(22 * time.Hour)
	r := verifyDated(t, text, signed, signed.Add(time.Hour), 0)
	if want := dday(2027, 11, 2); !r.Expires().Equal(want) || check(r, "expiry").Status != OK {
		t.Fatalf("Expires() %v, want %v; %+v", r.Expires(), want, check(r, "expiry"))
	}
	if c := check(r, "format"); !strings.Contains(c.Message, "Riseup") {
		t.Fatalf("format check %+v", c)
	}
	expect(t, verifyDated(t, text, signed, dday(2027, 11, 10), 0), Critical, "expiry", "November 1")
}

func TestQubesTemplateNamed(t *testing.T) {
	a, _ := twoKeys(t)
	signedAt := time.Date(2026, 8, 31, 10, 6, 56, 0, time.UTC)
	text := qubesLike + "\nProof of freshness\n------------------\n\nSun, 30 Aug 2026 00:00:00 +0000\n"
	r := Verify(sign(t, []byte(text), signedAt, a), Options{Keys: a.public, At: signedAt.Add(time.Hour)})
	if c := check(r, "format"); !strings.Contains(c.Message, "Qubes") {
		t.Fatalf("format check %+v", c)
	}
}

// The date search stays bounded: a hostile long line is not read.
func TestDeadlineLongLineIgnored(t *testing.T) {
	signed := dday(2027, 3, 1).Add(12 * time.Hour)
	text := "As of March 1, 2027, no warrants.\nNext update will be on 2027-06-30. " + strings.Repeat("x", maxDateLine) + "\n"
	r := verifyDated(t, text, signed, signed.Add(time.Hour), 0)
	expect(t, r, Warning, "expiry", "states no expiry")
}

// FuzzFreeTextDates: the readers of periods, deadlines, Status lines and
// templates take any text without a panic, and what they return holds
// together.
func FuzzFreeTextDates(f *testing.F) {
	for _, s := range []string{datesCanaryWatch, datesEFF, qubesLike, "Period: Dec 28 to Jan 3, 2017\n", "Next updates:\n- 2027-08-19\n* May 1\n",
		"Next update will be on 2024-06-31.\n", "This canary is updated every 90 days.\nExpires: 1999-01-01\n", "Status: \nPeriod: - \n"} {
		f.Add(s)
	}
	signed := dday(2026, 6, 1).Add(12 * time.Hour)
	f.Fuzz(func(t *testing.T, text string) {
		if p, bad := findPeriod(text); p != nil {
			if bad != "" || p.To.Before(p.From) {
				t.Fatalf("period %+v, %q", p, bad)
			}
		}
		findStatus(text)
		template(text, false)
		issued := signed
		if d, _ := issueDate(text, signed); d != nil {
			issued = d.t
		}
		if d := findDeadline(text, issued, signed); d != nil {
			if d.line == "" || (!d.before && !d.t.After(day(issued))) {
				t.Fatalf("deadline %+v for issue %v", d, issued)
			}
		}
	})
}

// datesQubes states a Qubes-style publication window, the sentence
// wrapped over two lines.
const datesQubes = `1. The date of issue of this canary is August 31, 2026.

2. No warrants have ever been served to us.

3. We plan to publish the next of these canary statements in the first
   fourteen days of December 2026. Special note should be taken if no
   new canary is published by that time.
`

// A publication window binds like a stated date: due by the end of its
// last day, with or without --max-age.
func TestPublicationWindow(t *testing.T) {
	signed := dday(2026, 8, 31).Add(10 * time.Hour)
	end := dday(2026, 12, 15)
	r := verifyDated(t, datesQubes, signed, dday(2026, 10, 1), 0)
	expect(t, r, OK, "expiry", `comes in the first fourteen days of December 2026 ("3. We plan to publish the next of these canary statements in the first fourteen days of December 2026")`)
	if r.FreeText.Expires == nil || !r.FreeText.Expires.Equal(end) {
		t.Fatalf("expires %v, want %v", r.FreeText.Expires, end)
	}
	expect(t, verifyDated(t, datesQubes, signed, end.Add(-3*24*time.Hour), 0), Warning, "expiry", "a renewal is due")
	expect(t, verifyDated(t, datesQubes, signed, end.Add(time.Hour), 0), Critical, "expiry", "the canary has lapsed")
	// A longer --max-age does not loosen it; a shorter one binds.
	expect(t, verifyDated(t, datesQubes, signed, end.Add(time.Hour), 365*24*time.Hour), Critical, "expiry", "fourteen days of December 2026")
	expect(t, verifyDated(t, datesQubes, signed, dday(2026, 10, 15), 30*24*time.Hour), Critical, "expiry", "more than the --max-age")
}

func TestPublicationWindowForms(t *testing.T) {
	issued := dday(2026, 8, 31)
	for _, c := range []struct {
		line string
		want time.Time // zero: no deadline read
	}{
		{"The next canary is scheduled to be published in the first fourteen days of December 2026.", dday(2026, 12, 15)},
		{"The next canary will be published within the first two weeks of November 2026.", dday(2026, 11, 15)},
		{"The next canary comes in the first fortnight of October 2026.", dday(2026, 10, 15)},
		{"The next canary statement is planned to be published in the\nfirst week of March 2027.", dday(2027, 3, 8)},
		{"The next canary will be published by the end of January 2027.", dday(2027, 2, 1)},
		{"The next canary will be published in February 2027.", dday(2027, 3, 1)},
		{"The next canary statement: first 40 days of May 2027.", time.Time{}},
		{"The next canary in the first days of May 2027.", time.Time{}},
		{"The next canary follows the raid in March 2027.", time.Time{}},
	} {
		d := findDeadline(c.line+"\n", issued, issued.Add(time.Hour))
		switch {
		case c.want.IsZero() && d != nil:
			t.Errorf("%q: read a deadline %v (%q)", c.line, d.t, d.written)
		case !c.want.IsZero() && (d == nil || !d.t.Equal(c.want) || d.window == ""):
			t.Errorf("%q: deadline %+v, want the window ending %v", c.line, d, c.want)
		}
	}
}

// A window that ended before the canary was signed: it had lapsed then.
func TestPublicationWindowBeforeSignature(t *testing.T) {
	signed := dday(2027, 1, 20).Add(10 * time.Hour)
	r := verifyDated(t, strings.Replace(datesQubes, "August 31, 2026", "January 20, 2027", 1), signed, signed.Add(time.Hour), 0)
	expect(t, r, Critical, "expiry", "a window that ended on 2026-12-15 00:00 UTC, before it was signed on 2027-01-20 10:00 UTC")
}
