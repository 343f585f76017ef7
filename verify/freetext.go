package verify

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/canarykit/canarykit/internal/duration"
)

// FreeText is the verdict's view of a canary written by hand (Qubes,
// Riseup, a personal page): the signed text as it is, and the dates it was
// judged by (docs/VERIFICATION.md, "Dates in free-text canaries").
type FreeText struct {
	Text string `json:"text"`
	// Template names the template the text was read as ("Canary Watch
	// (Status:, Period:)", "Qubes-style ...", ...), if one was recognised.
	Template string `json:"template,omitempty"`
	// Issued is the date the text states when one is recognised near the
	// signature date, else the signature time; for a canary that attests
	// to a Period, the end of the period (it says nothing of the time
	// after), unless it was signed before then.
	Issued     time.Time `json:"issued"`
	IssuedFrom string    `json:"issued_from"` // "text", "period" or "signature"
	TextDate   string    `json:"text_date,omitempty"`
	// Period is the interval the text attests to ("Period: A to B").
	Period *Period `json:"period,omitempty"`
	// Deadline is the bound the text states on itself: the date its next
	// update is due by or it expires ("I will update this canary by
	// ..."), or Issued plus the cadence it states ("updated every 90
	// days") and a grace; DeadlineFrom quotes the line it was read from.
	Deadline     *time.Time `json:"deadline,omitempty"`
	DeadlineFrom string     `json:"deadline_from,omitempty"`
	// Expires is the effective deadline: the earliest of Deadline, Issued
	// plus the reader's --max-age, and (without --max-age) the end of the
	// Period plus its own length; absent when nothing bounds it.
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
	period, badPeriod := findPeriod(f.Text)
	if f.Template = template(f.Text, period != nil); f.Template != "" {
		for i := range r.Checks {
			if r.Checks[i].Name == "format" {
				r.Checks[i].Message = "a free-text canary (not in the canarykit format), read as the " + f.Template + " template: shown as signed, judged by its dates"
			}
		}
	}
	var signed time.Time
	for _, s := range r.Signatures {
		if s.Status == SigGood && (signed.IsZero() || s.Created.Before(signed)) {
			signed = s.Created
		}
	}
	if signed.IsZero() {
		return // no good signature: nothing dates the text
	}
	if status, ok := findStatus(f.Text); ok {
		if allClear().MatchString(status) {
			r.add("status", OK, "the canary's status reads %s", strconv.Quote(status))
		} else {
			r.add("status", Warning, "the canary's status reads %s, not an all-clear: read what it says", strconv.Quote(status))
		}
	}
	if badPeriod != "" {
		r.add("period", Warning, "the period this canary covers could not be read: %s; it is dated by its signature", strconv.Quote(badPeriod))
	}
	warn := opts.WarnBefore
	if warn == 0 {
		warn = DefaultWarnBefore
	}
	// cadence is how long a canary that attests to a period holds after
	// it: the reader's --max-age, else the period's own length.
	var cadence time.Duration
	f.Issued, f.IssuedFrom = signed, "signature"
	if period != nil {
		f.Period = period
		cadence = opts.MaxAge
		if cadence <= 0 {
			cadence = period.length()
			if cadence < 24*time.Hour {
				cadence = defaultPeriodCadence
			}
		}
		end := period.end()
		switch late := signed.Sub(end); {
		case late < -dateSlack:
			r.add("issued", Warning, "the text covers the period %s, but it was signed on %s, before that period ended; judged from the signature",
				period.Text, stamp(signed))
		case late > cadence:
			f.Issued, f.IssuedFrom, f.TextDate = end, "period", period.Text
			r.add("issued", Warning, "the text covers only the period %s, which ended %s before it was signed on %s: it does not rule out an order received since",
				period.Text, Human(late), stamp(signed))
		default:
			f.Issued, f.IssuedFrom, f.TextDate = end, "period", period.Text
			r.add("issued", OK, "covers the period %s (the Period: line), signed %s; judged from the end of that period", period.Text, stamp(signed))
		}
	} else {
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
	}
	if f.Issued.After(opts.At.Add(clockSkew)) && f.IssuedFrom == "signature" {
		r.add("issued", Critical, "the canary is dated %s, in the future", stamp(f.Issued))
	}
	r.judgeFreeTextExpiry(opts, signed, cadence, warn)
	if opts.Previous != nil {
		r.comparePreviousText(opts.Previous)
	}
}

// judgeFreeTextExpiry judges a free-text canary's freshness by the
// earliest of the bounds that apply: the deadline the text states on
// itself (which binds whatever --max-age says), the reader's --max-age,
// which can only make it stricter, and, for a canary that attests to a
// period and without --max-age, the end of the period plus its length.
func (r *Result) judgeFreeTextExpiry(opts Options, signed time.Time, cadence time.Duration, warn time.Duration) {
	f := r.FreeText
	at := opts.At
	age := at.Sub(f.Issued)
	// A canary renewed more often than the warning window allows is
	// warned of in the last quarter of its span: a weekly canary is not
	// always "due".
	warnFor := func(exp time.Time) time.Duration {
		return min(warn, exp.Sub(f.Issued)/4)
	}
	stated := findDeadline(f.Text, f.Issued, signed)
	if stated != nil {
		t := stated.t
		f.Deadline, f.DeadlineFrom = &t, stated.line
		if stated.clamped != "" {
			r.add("deadline", Warning, "the text states %s, which is not a real date, in %s; read as the latest day it can mean, %s",
				stated.clamped, strconv.Quote(stated.line), t.Add(-24*time.Hour).Format("2006-01-02"))
		}
	}
	var exp time.Time
	defer func() {
		if !exp.IsZero() {
			f.Expires, r.expires = &exp, exp
		}
	}()
	switch {
	case stated != nil && stated.before && stated.window != "":
		exp = stated.t
		r.add("expiry", Critical, "the text says the next canary comes %s (%s), a window that ended on %s, before it was signed on %s: it had lapsed when it was signed",
			stated.window, strconv.Quote(stated.line), stamp(stated.t), stamp(signed))
		return
	case stated != nil && stated.before:
		exp = stated.t
		r.add("expiry", Critical, "the text says it expires on %s (%s), before it was signed on %s: it had lapsed when it was signed",
			stated.written, strconv.Quote(stated.line), stamp(signed))
		return
	case opts.MaxAge > 0 && (stated == nil || f.Issued.Add(opts.MaxAge).Before(stated.t)):
		exp = f.Issued.Add(opts.MaxAge)
		what := "issued"
		if f.IssuedFrom == "period" {
			what = "its period ended"
		}
		also := ""
		if stated != nil {
			also = fmt.Sprintf("; the text itself gives until %s (%s)", stamp(stated.t), strconv.Quote(stated.line))
		}
		left := exp.Sub(at)
		limit := duration.Format(opts.MaxAge)
		switch {
		case left <= 0:
			r.add("expiry", Critical, "judged by age: %s %s ago, more than the --max-age of %s: the canary has not been renewed in time%s", what, Human(age), limit, also)
		case left <= warnFor(exp):
			r.add("expiry", Warning, "judged by age: %s %s ago; it passes the --max-age of %s in %s%s", what, Human(age), limit, Human(left), also)
		default:
			r.add("expiry", OK, "judged by age: %s %s ago, within the --max-age of %s (%s left)%s", what, Human(max(age, 0)), limit, Human(left), also)
		}
		return
	case stated != nil && (f.Period == nil || !f.Period.end().Add(cadence).Before(stated.t)):
		exp = stated.t
		var due string
		if stated.cadence {
			every := "every"
			if stated.within {
				every = "within"
			}
			due = fmt.Sprintf("the text says the next canary comes %s %s (%s): it is due by %s, a grace of %s included",
				every, stated.written, strconv.Quote(stated.line), stamp(exp), Human(stated.grace))
		} else if stated.window != "" {
			due = fmt.Sprintf("the text says the next canary comes %s (%s): it is due by the end of that window, %s",
				stated.window, strconv.Quote(stated.line), stamp(exp))
		} else {
			due = fmt.Sprintf("the text says the next canary is due by %s (%s)", stated.written, strconv.Quote(stated.line))
		}
		left := exp.Sub(at)
		switch {
		case left <= 0:
			r.add("expiry", Critical, "%s; that was %s ago: the canary has lapsed", due, Human(-left))
		case left <= warnFor(exp):
			r.add("expiry", Warning, "%s, in %s; a renewal is due", due, Human(left))
		default:
			r.add("expiry", OK, "%s (%s left)", due, Human(left))
		}
		return
	case f.Period != nil:
		exp = f.Period.end().Add(cadence)
		since := at.Sub(f.Period.end())
		left := exp.Sub(at)
		how := fmt.Sprintf("judged by its period (%s): the next one is due %s after it ended, by %s", f.Period.Text, Human(cadence), stamp(exp))
		switch {
		case left <= 0:
			r.add("expiry", Critical, "%s; the period ended %s ago: the canary has not been renewed in time", how, Human(since))
		case left <= warnFor(exp):
			r.add("expiry", Warning, "%s, in %s; a renewal is due", how, Human(left))
		default:
			r.add("expiry", OK, "%s (%s left)", how, Human(left))
		}
		return
	}
	r.add("expiry", Warning, "this canary states no expiry a program can read; it was issued %s ago. Give --max-age (for example 90d) to judge whether it is fresh",
		Human(max(age, 0)))
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
