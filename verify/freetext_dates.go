package verify

import (
	"strconv"
	"strings"
	"time"
)

// Dates a free-text canary states about itself besides its issue date: the
// period it attests to (Canary Watch's "Period: Sep 03 to Sep 10, 2017"),
// the deadline of the next one ("I will update this canary by April 12,
// 2023", "Expires: 2024-08-19", "updated every 90 days", a list of
// re-signing dates) and its "Status:". docs/VERIFICATION.md, "Dates in
// free-text canaries", gives every rule with an example.
//
// Every search here is bounded like findDates: lines over maxDateLine bytes
// are not read, and the regular expressions are RE2 (linear).

// A Period is the interval a canary attests to: "During this period, X has
// received...". It says nothing about the time after To.
type Period struct {
	From time.Time `json:"from"` // midnight UTC of its first day
	To   time.Time `json:"to"`   // midnight UTC of its last day
	Text string    `json:"text"` // the Period: line's value, as written
}

// end is the end of the period's last day.
func (p *Period) end() time.Time { return p.To.Add(24 * time.Hour) }

// length is how long the period is, its last day included.
func (p *Period) length() time.Duration { return p.end().Sub(p.From) }

// defaultPeriodCadence is how long a canary that attests to a period too
// short to say (under a day) is taken to hold after it without --max-age.
const defaultPeriodCadence = 30 * 24 * time.Hour

var (
	periodLine = lazyRegexp(`(?i)^\s*period\s*:\s*(.*?)\s*$`)
	periodSep  = lazyRegexp(`(?i)\s+(?:to|through|thru|until|till|-|–|—)\s+`)
	monthYear  = lazyRegexp(`(?i)^` + monthRE + `\.?,?\s+(\d{4})$`)
	monthNoYr  = lazyRegexp(`(?i)^` + monthRE + `\.?\s+(\d{1,2})(?:st|nd|rd|th)?$`)
	dayNoYr    = lazyRegexp(`(?i)^(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?` + monthRE + `$`)
	statusLine = lazyRegexp(`(?i)^\s*status\s*:\s*(.*?)\s*$`)
	allClear   = lazyRegexp(`(?i)^(?:all\s+(?:good|clear|ok|okay|fine|quiet)|ok|okay|clear|green|good|fine|normal|nominal|nothing\s+to\s+report|no\s+changes?)[.!]?$`)
)

// lines yields the text's lines that are short enough to search.
func searchable(text string) []string {
	all := strings.Split(text, "\n")
	out := all[:0:0]
	for _, l := range all {
		if len(l) > maxDateLine {
			l = "" // kept in place, so that list items follow their heading
		}
		out = append(out, strings.TrimRight(l, "\r"))
	}
	return out
}

// findPeriod reads the first "Period:" line: nil and "" when there is
// none, nil and the line when it cannot be read as an interval.
func findPeriod(text string) (*Period, string) {
	for _, line := range searchable(text) {
		m := periodLine().FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if p := parsePeriod(m[1]); p != nil {
			return p, ""
		}
		return nil, strings.TrimSpace(line)
	}
	return nil, ""
}

// A periodEnd is one side of a period: a day, or a whole month.
type periodEnd struct {
	first, last time.Time
	year        bool // the year was written
	month, day  int
}

func readPeriodEnd(s string) *periodEnd {
	s = strings.Trim(strings.TrimSpace(s), ".")
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	if m := monthYear().FindStringSubmatch(s); m != nil {
		y, mo := atoi(m[2]), monthNumber(m[1])
		first := time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC)
		return &periodEnd{first: first, last: first.AddDate(0, 1, -1), year: true}
	}
	if ds := findDates(s); len(ds) > 0 && len(ds[0].text) >= len(s)-1 {
		return &periodEnd{first: ds[0].t, last: ds[0].t, year: true}
	}
	if m := monthNoYr().FindStringSubmatch(s); m != nil {
		return &periodEnd{month: int(monthNumber(m[1])), day: atoi(m[2])}
	}
	if m := dayNoYr().FindStringSubmatch(s); m != nil {
		return &periodEnd{month: int(monthNumber(m[2])), day: atoi(m[1])}
	}
	return nil
}

// parsePeriod reads "Sep 03 to Sep 10, 2017", "January, 2016",
// "2016-01-01 - 2016-03-31": the year may be written once, at the end.
func parsePeriod(v string) *Period {
	if len(v) > 200 {
		return nil
	}
	parts := periodSep().Split(v, -1)
	var from, to *periodEnd
	switch len(parts) {
	case 1:
		from = readPeriodEnd(parts[0])
		if from == nil || !from.year || from.first.Equal(from.last) {
			return nil // one day is not a period
		}
		to = from
	case 2:
		from, to = readPeriodEnd(parts[0]), readPeriodEnd(parts[1])
		if from == nil || to == nil || !to.year {
			return nil
		}
		if !from.year {
			y := to.last.Year()
			t := time.Date(y, time.Month(from.month), from.day, 0, 0, 0, 0, time.UTC)
			if t.After(to.last) {
				t = time.Date(y-1, time.Month(from.month), from.day, 0, 0, 0, 0, time.UTC)
			}
			if t.Day() != from.day {
				return nil
			}
			from = &periodEnd{first: t, last: t, year: true}
		}
	default:
		return nil
	}
	p := &Period{From: from.first, To: to.last, Text: normalise(v)}
	if p.To.Before(p.From) || p.From.Year() < 1990 {
		return nil
	}
	return p
}

// findStatus returns the value of a "Status:" line, if any.
func findStatus(text string) (string, bool) {
	for _, line := range searchable(text) {
		if m := statusLine().FindStringSubmatch(line); m != nil {
			return m[1], true
		}
	}
	return "", false
}

// A deadline is the bound a canary states on itself.
type deadline struct {
	t       time.Time     // the moment it lapses
	line    string        // the line it was read from, as written
	written string        // the date as written, or the cadence
	cadence bool          // from "updated every N ..."
	grace   time.Duration // then, the grace after it
	within  bool          // "the next ... within N weeks"
	window  string        // "in the first two weeks of May 2019": the window as read
	clamped string        // a date that is not a real one, as written
	before  bool          // a stated expiry before the signature
}

var (
	// deadlineLine: a line that says when the next canary is due or when
	// this one stops holding. A past update ("the last update was on
	// ...") is not one.
	deadlineLine = lazyRegexp(`(?i)\bnext\s+(?:\w+\s+){0,4}?(?:update|canary|canaries|statement|one|renewal|issue|publication|version|signature)s?\b|\bwill\s+(?:be\s+)?(?:\w+\s+)?(?:updated?|renew(?:ed)?|publish(?:ed)?|refresh(?:ed)?|re-?issued?|re-?signed?|replaced|posted)\b|\b(?:expires?|expiry|expiration|lapses?)\b|\b(?:valid|good)\s+(?:until|through|thru|till|to)\b`)
	// cadenceLine: "updated every 90 days", "re-signed each month",
	// "the next canary statement within 4 weeks".
	cadenceLine  = lazyRegexp(`(?i)\b(?:updated?|renew(?:ed)?|publish(?:ed)?|refresh(?:ed)?|re-?issued?|re-?signed?|signed|replaced|posted)\s+(?:\w+\s+){0,3}?(?:every|each|once\s+(?:a|per|every))\s+(?:(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+)?(days?|weeks?|months?|quarters?|years?)\b|\bnext\s+(?:\w+\s+){0,4}?within\s+(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(days?|weeks?|months?|years?)\b`)
	lenientISO   = lazyRegexp(`\b(\d{4})-(\d{2})-(\d{2})\b`)
	lenientMonth = lazyRegexp(`(?i)\b` + monthRE + `\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b`)
	lenientDay   = lazyRegexp(`(?i)\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?` + monthRE + `\.?,?\s+(\d{4})\b`)
	// listDate is a list item that is only a date, the year perhaps left
	// out: "* February 1", "- 2024-08-19".
	listItem = lazyRegexp(`^\s*(?:[-*•+]|\d{1,2}[.)])?\s*(.{3,40}?)\s*[.;,]?\s*$`)
)

// windowRE: "in the first fourteen days of December 2021", "within the
// first two weeks of May 2019", "in the first fortnight of March 2015"
// (Qubes, Namecoin, reifr.net), the sentence perhaps wrapped over lines.
var windowRE = lazyRegexp(`(?i)\b(?:(?:with)?in\s+the\s+)?first\s+(?:(\d{1,2}|[a-z]+)\s+)?(days?|weeks?|fortnight)\s+of\s+` + monthRE + `\.?,?\s+(\d{4})\b`)

// monthWindowRE: "by the end of March 2022", and "in March 2022" right
// after a word that says the next one comes then ("published in March
// 2022"), so that a month named for another reason is not read as one.
var monthWindowRE = lazyRegexp(`(?i)\b(?:(?:by|before|at)\s+the\s+end\s+of|(?:publish(?:ed)?|updated?|renew(?:ed)?|release[ds]?|post(?:ed)?|issued?|due|expected|scheduled|planned|comes?|coming)\s+(in|during))\s+` + monthRE + `\.?,?\s+(\d{4})\b`)

// windowDeadline reads a publication window stated on lines[0] and the
// two lines after it (a deadline line with no date on it): its deadline
// is the end of the window's last day, like a stated date's.
func windowDeadline(lines []string) *deadline {
	var b strings.Builder
	for i, l := range lines {
		if i > 2 || (i > 0 && strings.TrimSpace(l) == "") {
			break
		}
		b.WriteString(strings.TrimSpace(l))
		b.WriteByte(' ')
	}
	joined := normalise(b.String())
	var first, end time.Time
	var written string
	var at []int
	if m := windowRE().FindStringSubmatchIndex(joined); m != nil {
		sub := func(k int) string {
			if m[2*k] < 0 {
				return ""
			}
			return joined[m[2*k]:m[2*k+1]]
		}
		n := 1
		if w := sub(1); w != "" {
			v, ok := numberWords[strings.ToLower(w)]
			if !ok {
				var err error
				if v, err = strconv.Atoi(w); err != nil {
					return nil
				}
			}
			n = v
		}
		if sub(1) == "" && strings.HasSuffix(strings.ToLower(sub(2)), "s") {
			return nil // "the first days of May": how many is not said
		}
		days := n
		switch u := strings.ToLower(sub(2)); {
		case strings.HasPrefix(u, "week"):
			days = 7 * n
		case u == "fortnight":
			if sub(1) != "" {
				return nil
			}
			days = 14
		}
		y, _ := strconv.Atoi(sub(4))
		if days < 1 || days > 31 || y < 1990 {
			return nil
		}
		first = time.Date(y, monthNumber(sub(3)), 1, 0, 0, 0, 0, time.UTC)
		end = first.AddDate(0, 0, days)
		if last := first.AddDate(0, 1, 0); end.After(last) {
			end = last
		}
		written = joined[m[0]:m[1]]
		if !strings.HasPrefix(strings.ToLower(written), "in") && !strings.HasPrefix(strings.ToLower(written), "within") {
			written = "in the " + written
		}
		at = m
	} else if m := monthWindowRE().FindStringSubmatchIndex(joined); m != nil {
		y, _ := strconv.Atoi(joined[m[6]:m[7]])
		if y < 1990 {
			return nil
		}
		first = time.Date(y, monthNumber(joined[m[4]:m[5]]), 1, 0, 0, 0, 0, time.UTC)
		end = first.AddDate(0, 1, 0)
		written = joined[m[0]:m[1]]
		if m[2] >= 0 { // "published in March 2022": the window is the month
			written = joined[m[2]:m[1]]
		}
		at = m
	} else {
		return nil
	}
	quote := strings.TrimRight(joined[:at[1]], ",;:")
	return &deadline{t: end, line: quote, written: written, window: written}
}

var numberWords = map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
	"eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30}

// cadenceGrace is the slack after a stated cadence: a tenth of it, at
// least a day and at most a week ("updated every 90 days": 97 days).
func cadenceGrace(d time.Duration) time.Duration {
	return min(max(d/10, 24*time.Hour), 7*24*time.Hour)
}

// clampedDates reads the full dates on a line, a day past the end of its
// month read as the month's last day (and reported as written).
func clampedDates(line string) (out []foundDate, bad []string) {
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	add := func(y, m, d int, written string) {
		if m < 1 || m > 12 || d < 1 || d > 31 || y < 1990 || y > 9999 {
			return
		}
		last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if d > last {
			bad = append(bad, written)
			d = last
		}
		out = append(out, foundDate{time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), written, line})
	}
	for _, m := range lenientMonth().FindAllStringSubmatch(line, -1) {
		add(atoi(m[3]), int(monthNumber(m[1])), atoi(m[2]), normalise(m[0]))
	}
	for _, m := range lenientDay().FindAllStringSubmatch(line, -1) {
		add(atoi(m[3]), int(monthNumber(m[2])), atoi(m[1]), normalise(m[0]))
	}
	for _, m := range lenientISO().FindAllStringSubmatch(line, -1) {
		add(atoi(m[1]), atoi(m[2]), atoi(m[3]), m[0])
	}
	for _, m := range slashDate().FindAllStringSubmatch(line, -1) {
		add(atoi(m[3]), atoi(m[1]), atoi(m[2]), m[0])
		if m[1] != m[2] {
			add(atoi(m[3]), atoi(m[2]), atoi(m[1]), m[0])
		}
	}
	return out, bad
}

// listDates reads the list under a deadline line that holds no date:
// items that are a date each, with or without a year; a year-less one is
// its next occurrence after issued.
func listDates(lines []string, issued time.Time) []foundDate {
	var out []foundDate
	for i, l := range lines {
		if i >= 24 || (strings.TrimSpace(l) == "" && len(out) > 0) {
			break
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		m := listItem().FindStringSubmatch(l)
		if m == nil {
			break
		}
		if ds, _ := clampedDates(m[1]); len(ds) > 0 {
			out = append(out, foundDate{ds[0].t, ds[0].text, strings.TrimSpace(l)})
			continue
		}
		e := readPeriodEnd(m[1])
		if e == nil || e.year {
			break
		}
		y := issued.Year()
		t := time.Date(y, time.Month(e.month), e.day, 0, 0, 0, 0, time.UTC)
		if !t.After(day(issued)) {
			t = time.Date(y+1, time.Month(e.month), e.day, 0, 0, 0, 0, time.UTC)
		}
		if t.Day() != e.day {
			break
		}
		out = append(out, foundDate{t, normalise(m[1]), strings.TrimSpace(l)})
	}
	return out
}

// ownSlot is how long before a listed re-signing date a canary may be
// signed and still be that date's canary, not the one before it.
const ownSlot = 7 * 24 * time.Hour

// findDeadline reads the earliest bound the text states on itself, issued
// being its issue date and signed its signature time.
func findDeadline(text string, issued, signed time.Time) *deadline {
	var best *deadline
	consider := func(d *deadline) {
		if best == nil || d.t.Before(best.t) {
			best = d
		}
	}
	lines := searchable(text)
	for i, line := range lines {
		if line == "" {
			continue
		}
		if m := cadenceLine().FindStringSubmatch(line); m != nil {
			n, unit, within := m[1], m[2], false
			if m[3] != "" || m[4] != "" {
				n, unit, within = m[3], m[4], true
			}
			if d, ok := cadenceOf(n, unit, issued); ok {
				written := strings.ToLower(unit)
				if n != "" {
					written = n + " " + written
				}
				consider(&deadline{t: issued.Add(d + cadenceGrace(d)), line: strings.TrimSpace(line), written: written, cadence: true, grace: cadenceGrace(d), within: within})
			}
			continue
		}
		if !deadlineLine().MatchString(line) {
			continue
		}
		dates, bad := clampedDates(line)
		list := false
		if len(dates) == 0 {
			// A publication window: due by its end, as a date is; one
			// that ended before the issue date and the signature is a
			// stated expiry already past when it was signed.
			if d := windowDeadline(lines[i:]); d != nil {
				switch {
				case d.t.After(day(issued)):
					consider(d)
				case d.t.Before(signed.Add(-dateSlack)):
					d.before = true
					consider(d)
				}
				continue
			}
			dates, list = listDates(lines[i+1:], issued), true
		}
		if len(dates) == 0 {
			continue
		}
		// The first date after the issue date (past this canary's own
		// slot, in a list of several); all before the signature: a
		// stated expiry already past when it was signed.
		var next *foundDate
		for j := range dates {
			t := dates[j].t
			if !t.After(day(issued)) || (len(dates) > 1 && t.Sub(day(issued)) <= ownSlot) {
				continue
			}
			if next == nil || t.Before(next.t) {
				next = &dates[j]
			}
		}
		quote := strings.TrimSpace(line)
		if list && next != nil {
			quote += " " + next.line
		}
		switch {
		case next != nil:
			d := &deadline{t: next.t.Add(24 * time.Hour), line: quote, written: next.text}
			for _, b := range bad {
				if b == next.text {
					d.clamped = b
				}
			}
			consider(d)
		case !list && dates[len(dates)-1].t.Add(24*time.Hour).Before(signed.Add(-dateSlack)):
			last := dates[len(dates)-1]
			consider(&deadline{t: last.t.Add(24 * time.Hour), line: quote, written: last.text, before: true})
		}
	}
	return best
}

// cadenceOf reads "90 days", "4 months", "month" as a duration from issued.
func cadenceOf(n, unit string, issued time.Time) (time.Duration, bool) {
	k := 1
	if n != "" {
		if v, ok := numberWords[strings.ToLower(n)]; ok {
			k = v
		} else if v, err := strconv.Atoi(n); err == nil {
			k = v
		}
	}
	if k <= 0 {
		return 0, false
	}
	var t time.Time
	switch u := strings.TrimSuffix(strings.ToLower(unit), "s"); u {
	case "day":
		t = issued.AddDate(0, 0, k)
	case "week":
		t = issued.AddDate(0, 0, 7*k)
	case "month":
		t = issued.AddDate(0, k, 0)
	case "quarter":
		t = issued.AddDate(0, 3*k, 0)
	case "year":
		t = issued.AddDate(k, 0, 0)
	default:
		return 0, false
	}
	return t.Sub(issued), true
}

// Templates of hand-written canaries, named in the format check so that a
// reader knows why the dates were read as they were.
var (
	qubesTitle    = lazyRegexp(`(?im)^\s*-+=+\[\s*.*\bcanary\s+\d+\s*\]=+-+\s*$|^\s*#*\s*statements\s*$`)
	proofFresh    = lazyRegexp(`(?im)^\s*#*\s*proof\s+of\s+freshness\s*$`)
	effAsOf       = lazyRegexp(`(?i)\bas\s+of\b[^,\n]{3,40},[^\n]{0,200}?\b(?:has|have)\s+(?:not|never)\s+(?:received|been)`)
	riseupResign  = lazyRegexp(`(?i)\bre-?signed\s+on\s+the\s+following\s+dates\b`)
	canaryWatchRE = lazyRegexp(`(?im)^\s*(?:status|period)\s*:`)
)

// template names the template the text follows, or "".
func template(text string, hasPeriod bool) string {
	var head strings.Builder
	for _, l := range searchable(text) {
		head.WriteString(l)
		head.WriteByte('\n')
	}
	t := head.String()
	switch {
	case hasPeriod || canaryWatchRE().MatchString(t):
		return "Canary Watch (Status:, Period:)"
	case qubesTitle().MatchString(t) && proofFresh().MatchString(t):
		return "Qubes-style (numbered statements, proof of freshness)"
	case riseupResign().MatchString(t):
		return "Riseup-style (a list of re-signing dates)"
	case effAsOf().MatchString(t):
		return `EFF ("As of DATE, ... has not received")`
	}
	return ""
}
