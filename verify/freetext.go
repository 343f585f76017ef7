package verify

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/canarykit/canarykit/canary"
)

// FreeText is the verdict's view of a canary written by hand (Qubes,
// Riseup, a personal page): the signed text as it is, and the dates it was
// judged by.
type FreeText struct {
	Text string `json:"text"`
	// Issued is the date the text states when one is recognised near the
	// signature date, else the signature time.
	Issued     time.Time `json:"issued"`
	IssuedFrom string    `json:"issued_from"` // "text" or "signature"
	TextDate   string    `json:"text_date,omitempty"`
	// Expires is Issued plus the reader's --max-age; absent without one.
	Expires *time.Time `json:"expires,omitempty"`
	// Diff lists the lines removed ("- ") and added ("+ ") since --previous.
	Diff []string `json:"diff,omitempty"`
}

// dateSlack is how far a date written in the text may be from the UTC
// signature date and still be read as the issue date: publishers write
// their local date, a day ahead of or behind UTC.
const dateSlack = 36 * time.Hour

func (r *Result) checkFreeText(opts Options) {
	f := r.FreeText
	var signed time.Time
	for _, s := range r.Signatures {
		if s.Status == SigGood && (signed.IsZero() || s.Created.Before(signed)) {
			signed = s.Created
		}
	}
	if signed.IsZero() {
		return // no good signature: nothing dates the text
	}
	f.Issued, f.IssuedFrom = signed, "signature"
	switch d, stated := issueDate(f.Text, signed); {
	case d == nil:
		r.add("issued", OK, "no issue date in the text; dated by its signature: %s", stamp(signed))
	case absDur(d.t.Sub(day(signed))) > dateSlack:
		f.TextDate = d.text
		if d.t.Before(signed) {
			f.Issued, f.IssuedFrom = d.t, "text"
		}
		r.add("issued", Warning, "the text says it was issued on %s, but it was signed on %s; judged from the earlier of the two",
			d.text, stamp(signed))
	default:
		f.Issued, f.IssuedFrom, f.TextDate = d.t, "text", d.text
		how := "a date in the text"
		if stated {
			how = "the issue date the text states"
		}
		r.add("issued", OK, "issued %s (%s), consistent with the signature date %s", d.text, how, stamp(signed))
	}
	if f.Issued.After(opts.At.Add(clockSkew)) && f.IssuedFrom == "signature" {
		r.add("issued", Critical, "the canary is dated %s, in the future", stamp(f.Issued))
	}

	warn := opts.WarnBefore
	if warn == 0 {
		warn = DefaultWarnBefore
	}
	age := opts.At.Sub(f.Issued)
	if opts.MaxAge <= 0 {
		r.add("expiry", Warning, "this canary states no expiry a program can read; it was issued %s ago. Give --max-age (for example 90d) to judge whether it is fresh",
			Human(max(age, 0)))
	} else {
		exp := f.Issued.Add(opts.MaxAge)
		f.Expires = &exp
		left := exp.Sub(opts.At)
		limit := canary.FormatDuration(opts.MaxAge)
		switch {
		case left <= 0:
			r.add("expiry", Critical, "judged by age: issued %s ago, more than the --max-age of %s: the canary has not been renewed in time", Human(age), limit)
		case left <= warn:
			r.add("expiry", Warning, "judged by age: issued %s ago; it passes the --max-age of %s in %s", Human(age), limit, Human(left))
		default:
			r.add("expiry", OK, "judged by age: issued %s ago, within the --max-age of %s (%s left)", Human(max(age, 0)), limit, Human(left))
		}
	}
	if opts.Previous != nil {
		r.comparePreviousText(opts.Previous)
	}
}

// alarmWords mark the sentences whose disappearance is what a canary is
// for. Matching is case-insensitive on word starts.
var alarmWords = lazyRegexp(`(?i)\b(warrants?|subpoena|gag|national security letters?|NSLs?|FISA|court orders?|search(es)? and seizures?|seiz|wiretap|backdoor|compelled|secret orders?)`)

type foundDate struct {
	t    time.Time // midnight UTC of the date
	text string    // as written
	line string
}

var (
	monthRE   = `(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`
	monthDay  = lazyRegexp(`(?i)\b` + monthRE + `\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b`)
	dayMonth  = lazyRegexp(`(?i)\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?` + monthRE + `\.?,?\s+(\d{4})\b`)
	isoDate   = lazyRegexp(`\b(\d{4})-(\d{2})-(\d{2})\b`)
	slashDate = lazyRegexp(`\b(\d{1,2})/(\d{1,2})/(\d{4})\b`)
	issueLine = lazyRegexp(`(?i)date of issue|issued?\b|as of|today is|dated`)
)

func monthNumber(s string) time.Month {
	s = strings.ToLower(s)
	for m := time.January; m <= time.December; m++ {
		if strings.HasPrefix(strings.ToLower(m.String()), s[:3]) {
			return m
		}
	}
	return 0
}

// findDates lists every date written in the text in the forms canaries use:
// "January 5th, 2015", "January  8, 2019", "8 January 2019", "2019-01-08",
// and "08/06/2026", which is read both ways (US and European) since only
// the signature date can tell them apart.
func findDates(text string) []foundDate {
	var out []foundDate
	add := func(y, m, d int, written, line string) {
		t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if m >= 1 && m <= 12 && t.Day() == d && y >= 1990 && y <= 9999 {
			out = append(out, foundDate{t, written, line})
		}
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	for _, line := range strings.Split(text, "\n") {
		if len(line) > maxDateLine {
			continue
		}
		for _, m := range monthDay().FindAllStringSubmatch(line, -1) {
			add(atoi(m[3]), int(monthNumber(m[1])), atoi(m[2]), normalise(m[0]), line)
		}
		for _, m := range dayMonth().FindAllStringSubmatch(line, -1) {
			add(atoi(m[3]), int(monthNumber(m[2])), atoi(m[1]), normalise(m[0]), line)
		}
		for _, m := range isoDate().FindAllStringSubmatch(line, -1) {
			add(atoi(m[1]), atoi(m[2]), atoi(m[3]), m[0], line)
		}
		for _, m := range slashDate().FindAllStringSubmatch(line, -1) {
			add(atoi(m[3]), atoi(m[1]), atoi(m[2]), m[0], line)
			if m[1] != m[2] {
				add(atoi(m[3]), atoi(m[2]), atoi(m[1]), m[0], line)
			}
		}
	}
	return out
}

// issueDate finds the issue date a free-text canary states: a date on a
// line that says so ("The date of issue of this canary is ...", "As of
// ...", "Today is ..."), the reading of it closest to the signature date
// when it is ambiguous. Failing that, any date in the text within a day
// and a half of the signature counts; other dates (of bulletins, of the
// next canary) say nothing about this one.
func issueDate(text string, signed time.Time) (d *foundDate, stated bool) {
	dates := findDates(text)
	closest := func(list []foundDate) *foundDate {
		var best *foundDate
		for i := range list {
			if best == nil || absDur(list[i].t.Sub(day(signed))) < absDur(best.t.Sub(day(signed))) {
				best = &list[i]
			}
		}
		return best
	}
	for i := range dates {
		if issueLine().MatchString(dates[i].line) {
			var same []foundDate
			for _, d := range dates {
				if d.line == dates[i].line {
					same = append(same, d)
				}
			}
			return closest(same), true
		}
	}
	// "Canary issue date: see the gpg signature time." (Kicksecure): the
	// text says its issue date is the signature's, so a date elsewhere in
	// it (the `date -R` of its proof of freshness) is not read as one.
	for _, line := range strings.Split(text, "\n") {
		if len(line) <= maxDateLine && issueBySignature().MatchString(line) {
			return nil, false
		}
	}
	if best := closest(dates); best != nil && absDur(best.t.Sub(day(signed))) <= dateSlack {
		return best, false
	}
	return nil, false
}

// issueBySignature matches a line that names the signature as the issue
// date.
var issueBySignature = lazyRegexp(`(?i)(issue date|date of issue|issued)\b.*\bsignature\b`)

// maxDateLine is the longest line searched for dates: a canary's lines are
// sentences, and the regular expressions cost about a microsecond a byte,
// so a hostile megabyte-long line is not searched.
const maxDateLine = 4096

// lazyRegexp compiles expr on first use: these are needed only for
// free-text canaries, and compiling them at start-up cost every process.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

func day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
