package dashboard

import (
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/watch/store"
)

// The timeline's geometry, in SVG user units. It is drawn for a fixed
// width and scaled by the browser, so that the same history always makes
// the same picture (the golden test relies on it).
const (
	svgWidth   = 960
	svgHeight  = 186
	plotLeft   = 96  // lane labels on the left
	plotRight  = 920 // room for the last tick label
	plotTop    = 18
	plotBottom = 128
	barY       = 26 // and barY + 18: two rows of canaries
	lapseY     = 76
	eventY     = 110 // the marks' centre
	legendY    = 165
)

// Bounds that keep the picture small for a target with thousands of
// canaries and events: canaries are drawn in groups beyond maxBars, and
// lapses and events closer together than a few pixels share one mark, its
// tooltip saying how many it stands for. The tables under the picture
// give the data itself.
const (
	maxBars     = 200
	lapseMerge  = 3.0 // px
	eventMerge  = 7.0 // px
	maxTipLines = 5
)

// A lapse is a time when no authentic canary was valid: between one
// canary's expiry and the next one's issue, or since the last one
// expired.
type lapse struct {
	From, To time.Time
}

func (l lapse) Duration() time.Duration { return l.To.Sub(l.From) }

// dated returns the canaries that state an issue date, by issue date: a
// replayed canary was seen late but was issued early.
func dated(canaries []*store.Canary) []*store.Canary {
	var out []*store.Canary
	for _, c := range canaries {
		if !c.Issued.IsZero() {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b *store.Canary) int { return a.Issued.Compare(b.Issued) })
	return out
}

// validUntil is when a canary stops covering: its expiry, or for one that
// states none (free text without max_age), the next canary's issue, or
// end: such a canary cannot lapse, and the picture does not invent a lapse.
func validUntil(list []*store.Canary, i int, end time.Time) time.Time {
	if e := list[i].Expires; !e.IsZero() {
		return e
	}
	for _, n := range list[i+1:] {
		if n.Issued.After(list[i].Issued) {
			return n.Issued
		}
	}
	return end
}

// authentic says a canary is the publisher's: it was good when first seen
// or accepted since, or at least one of the watch list's keys signed it. A
// canary that drops a statement or comes with a new key is CRITICAL, but
// still a canary, dated and signed; a forgery (no good signature) is not,
// and must not hide a lapse.
func authentic(c *store.Canary) bool { return c.Good || len(c.Signers) > 0 }

// lapses finds the times between the first canary's issue and end when no
// authentic canary was valid.
func lapses(canaries []*store.Canary, end time.Time) []lapse {
	var good []*store.Canary
	for _, c := range dated(canaries) {
		if authentic(c) {
			good = append(good, c)
		}
	}
	if len(good) == 0 {
		return nil
	}
	var out []lapse
	covered := good[0].Issued
	for i, c := range good {
		if c.Issued.After(end) {
			break
		}
		if c.Issued.After(covered) {
			out = append(out, lapse{covered, c.Issued})
		}
		if u := validUntil(good, i, end); u.After(covered) {
			covered = u
		}
	}
	if covered.Before(end) {
		out = append(out, lapse{covered, end})
	}
	return out
}

// marked says whether the picture shows an event of type typ, and by
// what kind of mark; the others (renewed, expiring, recovered, ...) are in
// the event list only. A switch, not a map, so that nothing is built at
// package init.
func marked(typ string) (kind string, ok bool) {
	switch typ {
	case "statement-removed", "statement-reworded":
		return "statement", true
	case "key-changed", "replay", "invalid":
		return "key", true
	case "vanished", "unreachable":
		return "gone", true
	case "expired":
		return "expired", true
	}
	return "", false
}

// markOf is the kind of mark of an event of type typ, "" for none.
func markOf(typ string) string {
	kind, _ := marked(typ)
	return kind
}

// span is the time the picture covers: from the first canary issued (or
// the first thing seen) to end.
func span(canaries []*store.Canary, events []store.Event, end time.Time) (time.Time, time.Time) {
	start := end
	for _, c := range canaries {
		if !c.Issued.IsZero() && c.Issued.Before(start) {
			start = c.Issued
		}
		if !c.FirstSeen.IsZero() && c.FirstSeen.Before(start) {
			start = c.FirstSeen
		}
	}
	for _, e := range events {
		if _, ok := marked(e.Type); ok && e.At.Before(start) {
			start = e.At
		}
	}
	if end.Sub(start) < 24*time.Hour {
		start = end.Add(-24 * time.Hour)
	}
	return start, end
}

type scale struct{ start, end time.Time }

func (s scale) x(t time.Time) float64 {
	if t.Before(s.start) {
		t = s.start
	}
	if t.After(s.end) {
		t = s.end
	}
	return plotLeft + float64(t.Sub(s.start))/float64(s.end.Sub(s.start))*(plotRight-plotLeft)
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// text escapes text for an SVG element or attribute inside an HTML page:
// each line through verdict.Display, as the pages' other text (a canary's
// text may hold control, invisible and direction-changing characters and
// bytes that are not UTF-8), then as HTML. A tooltip's own line breaks
// are kept; a message's are escaped before it is put in (timeline).
func text(s string) string { return html.EscapeString(displayLines(s)) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func dateOf(t time.Time) string { return t.UTC().Format("2006-01-02") }

// timeline draws a target's history as an SVG picture: one bar per canary
// from its issue to its expiry (alternating between two rows, since a
// canary is renewed before it expires), the lapses, and the events that
// matter, each with a tooltip; under them a time axis and a legend. It is
// deterministic: the same history and end make the same bytes.
func timeline(canaries []*store.Canary, events []store.Event, end time.Time) string {
	start, end := span(canaries, events, end)
	sc := scale{start, end}
	var b strings.Builder
	list := dated(canaries)
	gaps := lapses(canaries, end)
	var evs []store.Event
	for _, e := range events {
		if _, ok := marked(e.Type); ok && !e.At.After(end) {
			evs = append(evs, e)
		}
	}
	slices.SortStableFunc(evs, func(a, b store.Event) int { return a.At.Compare(b.At) })

	fmt.Fprintf(&b, `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-labelledby="timeline-title timeline-desc">`+"\n", svgWidth, svgHeight)
	fmt.Fprintf(&b, `<title id="timeline-title">Timeline from %s to %s</title>`+"\n", dateOf(start), dateOf(end))
	fmt.Fprintf(&b, `<desc id="timeline-desc">%s</desc>`+"\n", text(describe(list, gaps, evs, start, end)))

	// Lanes and their labels.
	lanes := []struct {
		label string
		y     float64
	}{{"Canaries", barY + 16}, {"Lapses", lapseY + 7}, {"Events", eventY}}
	for _, l := range lanes {
		fmt.Fprintf(&b, `<text class="lane" x="8" y="%s">%s</text>`+"\n", num(l.y+4), l.label)
	}
	fmt.Fprintf(&b, `<text class="asof" x="%d" y="12">as of %s</text>`+"\n", plotRight, stamp(end))
	fmt.Fprintf(&b, `<rect class="plot" x="%d" y="%d" width="%d" height="%d"/>`+"\n", plotLeft, plotTop, plotRight-plotLeft, plotBottom-plotTop)
	ticks(&b, sc)

	// Canaries: one bar each, or beyond maxBars groups of them; a group
	// ends where a lapse wide enough to see begins, so that its bar never
	// hides one.
	per := max((len(list)+maxBars-1)/maxBars, 1)
	for i, k := 0, 0; i < len(list); k++ {
		to := validUntil(list, i, end)
		j := i + 1
		for j < len(list) && j-i < per && sc.x(list[j].Issued)-sc.x(to) < lapseMerge {
			if u := validUntil(list, j, end); u.After(to) {
				to = u
			}
			j++
		}
		group, from := list[i:j], list[i].Issued
		bad, open := 0, false
		for _, c := range group {
			if c.Expires.IsZero() {
				open = true
			}
			if !authentic(c) {
				bad++
			}
		}
		i = j
		x0, x1 := sc.x(from), sc.x(to)
		w := max(x1-x0, 1.5)
		y := float64(barY)
		if k%2 == 1 {
			y += 18
		}
		class := "bar"
		switch {
		case bad == len(group):
			class += " bad"
		case open:
			class += " open"
		}
		var tip string
		if len(group) == 1 {
			tip = canaryTip(group[0])
		} else {
			tip = fmt.Sprintf("%d canaries issued from %s to %s", len(group), stamp(group[0].Issued), stamp(group[len(group)-1].Issued))
			if bad > 0 {
				tip += fmt.Sprintf(", %d of them without a good signature", bad)
			}
		}
		fmt.Fprintf(&b, `<rect class="%s" x="%s" y="%s" width="%s" height="14"><title>%s</title></rect>`+"\n", class, num(x0), num(y), num(w), text(tip))
	}

	// Lapses, those that begin within a few pixels of each other as one
	// mark: frequent short lapses show as a dotted line, not as one long
	// lapse.
	for i := 0; i < len(gaps); {
		j := i + 1
		for j < len(gaps) && sc.x(gaps[j].From)-sc.x(gaps[i].From) < lapseMerge {
			j++
		}
		group := gaps[i:j]
		x0, x1 := sc.x(group[0].From), sc.x(group[len(group)-1].To)
		tip := lapseTip(group[0])
		if len(group) > 1 {
			var total time.Duration
			for _, g := range group {
				total += g.Duration()
			}
			tip = fmt.Sprintf("%d lapses from %s to %s, %s in all", len(group), stamp(group[0].From), stamp(group[len(group)-1].To), human(total))
		}
		fmt.Fprintf(&b, `<rect class="lapse" x="%s" y="%d" width="%s" height="14"><title>%s</title></rect>`+"\n", num(x0), lapseY, num(max(x1-x0, 1.5)), text(tip))
		i = j
	}

	// Events, merged when their marks would overlap.
	for i := 0; i < len(evs); {
		j := i + 1
		for j < len(evs) && sc.x(evs[j].At)-sc.x(evs[i].At) < eventMerge {
			j++
		}
		group := evs[i:j]
		worst, kind := group[0].Status, markOf(group[0].Type)
		for _, e := range group[1:] {
			if rank(e.Status) > rank(worst) {
				worst, kind = e.Status, markOf(e.Type)
			}
		}
		var lines []string
		if len(group) > 1 {
			lines = append(lines, fmt.Sprintf("%d events:", len(group)))
		}
		for k, e := range group {
			if k == maxTipLines {
				lines = append(lines, fmt.Sprintf("and %d more", len(group)-k))
				break
			}
			lines = append(lines, fmt.Sprintf("%s %s %s: %s", stamp(e.At), e.Status, e.Type, verdict.Display(clip(e.Message, 200))))
		}
		fmt.Fprintf(&b, `<g class="ev %s"><title>%s</title>%s</g>`+"\n", statusClass(worst), text(strings.Join(lines, "\n")), mark(kind, sc.x(group[0].At), eventY))
		i = j
	}

	legend(&b)
	b.WriteString("</svg>")
	return b.String()
}

// ticks draws the time axis, with steps a reader counts in: days, weeks,
// months, quarters or years, at most about eight labels.
func ticks(b *strings.Builder, sc scale) {
	d := sc.end.Sub(sc.start)
	type step struct {
		days, months int
		layout       string
	}
	steps := []step{{1, 0, "Jan 2"}, {7, 0, "Jan 2"}, {0, 1, "Jan 2006"}, {0, 3, "Jan 2006"}, {0, 6, "Jan 2006"},
		{0, 12, "2006"}, {0, 24, "2006"}, {0, 60, "2006"}, {0, 120, "2006"}, {0, 600, "2006"}}
	st := steps[len(steps)-1]
	for _, s := range steps {
		length := time.Duration(s.days)*24*time.Hour + time.Duration(s.months)*30*24*time.Hour
		if d/length <= 8 {
			st = s
			break
		}
	}
	s := sc.start.UTC()
	var t time.Time
	if st.months == 0 {
		t = time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, time.UTC)
		if st.days == 7 { // weeks start on Monday
			t = t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
		}
	} else {
		m := (int(s.Month()) - 1) / min(st.months, 12) * min(st.months, 12)
		t = time.Date(s.Year(), time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)
		if st.months > 12 {
			t = time.Date(s.Year()-s.Year()%(st.months/12), 1, 1, 0, 0, 0, 0, time.UTC)
		}
	}
	for ; !t.After(sc.end); t = t.AddDate(0, st.months, st.days) {
		if t.Before(sc.start) {
			continue
		}
		x := num(sc.x(t))
		fmt.Fprintf(b, `<line class="tick" x1="%s" y1="%d" x2="%s" y2="%d"/><text class="axis" x="%s" y="%d">%s</text>`+"\n",
			x, plotTop, x, plotBottom+4, x, plotBottom+18, t.Format(st.layout))
	}
	fmt.Fprintf(b, `<line class="now" x1="%d" y1="%d" x2="%d" y2="%d"/>`+"\n", plotRight, plotTop-4, plotRight, plotBottom+4)
}

func mark(kind string, x, y float64) string {
	switch kind {
	case "statement": // diamond
		return fmt.Sprintf(`<path d="M%s %sl7 7-7 7-7-7z"/>`, num(x), num(y-7))
	case "key": // triangle
		return fmt.Sprintf(`<path d="M%s %sl7 13h-14z"/>`, num(x), num(y-7))
	case "gone": // circle
		return fmt.Sprintf(`<circle cx="%s" cy="%s" r="6"/>`, num(x), num(y))
	}
	return fmt.Sprintf(`<rect x="%s" y="%s" width="11" height="11"/>`, num(x-5.5), num(y-5.5)) // expired: square
}

func legend(b *strings.Builder) {
	items := []struct{ class, kind, label string }{
		{"", "", "canary valid"}, {"lapse", "", "lapse"}, {"ev critical", "statement", "statement removed or reworded"},
		{"ev critical", "key", "new key, replay, invalid"}, {"ev warning", "gone", "vanished or unreachable"}, {"ev critical", "expired", "expired"},
	}
	x := float64(plotLeft)
	for _, it := range items {
		switch {
		case it.kind != "":
			fmt.Fprintf(b, `<g class="%s">%s</g>`, it.class, mark(it.kind, x+6, legendY+6))
		case it.class == "lapse":
			fmt.Fprintf(b, `<rect class="lapse" x="%s" y="%d" width="12" height="12"/>`, num(x), legendY)
		default:
			fmt.Fprintf(b, `<rect class="bar" x="%s" y="%d" width="12" height="12"/>`, num(x), legendY)
		}
		fmt.Fprintf(b, `<text class="legend" x="%s" y="%d">%s</text>`+"\n", num(x+17), legendY+10, it.label)
		x += 17 + 6.4*float64(len(it.label)) + 18
	}
}

// describe is the picture in words, for readers who cannot see it.
func describe(list []*store.Canary, gaps []lapse, evs []store.Event, start, end time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From %s to %s: %d dated canaries", dateOf(start), dateOf(end), len(list))
	if len(gaps) == 0 {
		b.WriteString(", and no lapse")
	} else {
		var total time.Duration
		longest := gaps[0]
		for _, g := range gaps {
			total += g.Duration()
			if g.Duration() > longest.Duration() {
				longest = g
			}
		}
		fmt.Fprintf(&b, "; %d lapse(s), %s in all, the longest from %s to %s", len(gaps), human(total), stamp(longest.From), stamp(longest.To))
		if last := gaps[len(gaps)-1]; !last.To.Before(end) {
			fmt.Fprintf(&b, "; lapsed since %s", stamp(last.From))
		}
	}
	counts := map[string]int{}
	var types []string
	for _, e := range evs {
		if counts[e.Type] == 0 {
			types = append(types, e.Type)
		}
		counts[e.Type]++
	}
	if len(types) > 0 {
		b.WriteString("; events marked:")
		for i, t := range types {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, " %d %s", counts[t], t)
		}
	}
	b.WriteString(". The tables below give the same data, newest first.")
	return b.String()
}

func canaryTip(c *store.Canary) string {
	name := "canary"
	if c.Kind == "canarykit" {
		name = fmt.Sprintf("canary %d", c.Serial)
	}
	s := fmt.Sprintf("%s: issued %s", name, stamp(c.Issued))
	if c.Expires.IsZero() {
		s += ", no expiry stated"
	} else {
		s += ", valid until " + stamp(c.Expires)
	}
	switch {
	case !authentic(c):
		s += fmt.Sprintf("; no good signature: not the publisher's (%s when first seen)", c.Status)
	case !c.Good:
		s += fmt.Sprintf("; %s when first seen", c.Status)
	}
	return s
}

func lapseTip(l lapse) string {
	return fmt.Sprintf("lapse: no valid canary from %s to %s (%s)", stamp(l.From), stamp(l.To), human(l.Duration()))
}

// human writes a duration as a person would say it.
func human(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d >= 2*day:
		return fmt.Sprintf("%d days", int(d/day))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	}
	return fmt.Sprintf("%d minutes", int(d/time.Minute))
}

// clip cuts s after n characters, a byte that is not UTF-8 counting as
// one and kept as it is, so that verdict.Display shows it as \xff.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	k := 0
	for i := range s {
		if k == n {
			return s[:i] + "…"
		}
		k++
	}
	return s
}

// rank orders statuses for a reader: CRITICAL before UNKNOWN, as the
// watchdog's exit code does.
func rank(s verdict.Status) int {
	switch s {
	case verdict.Critical:
		return 3
	case verdict.Unknown:
		return 2
	case verdict.Warning:
		return 1
	}
	return 0
}

func statusClass(s verdict.Status) string { return strings.ToLower(s.String()) }
