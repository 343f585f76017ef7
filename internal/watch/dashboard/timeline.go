package dashboard

import (
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// The timeline's geometry, in SVG user units. It is drawn for a fixed
// width and scaled by the browser, so that the same history always makes
// the same picture (the golden test relies on it). In a window 1200 px
// wide the page's column is 984 px: a unit is 1.025 px, and the labels,
// 12 and 13 units, are 12.3 px and more.
const (
	svgWidth   = 960
	plotLeft   = 96  // lane labels on the left
	plotRight  = 920 // room for the last tick label
	plotTop    = 26  // the now label above
	plotBottom = 136
	barY       = 34 // and barY + 18: two rows of canaries
	lapseY     = 84
	eventY     = 118 // the marks' centre
	legendY    = 174 // the first row of the legend
	legendRow  = 22
	laneSize   = 13 // font sizes
	labelSize  = 12
	// charWidth is a generous width of a character of the labels, in em
	// (system-ui averages about 0.55), to lay out the legend and the now
	// label without overlaps.
	charWidth = 0.62
)

// maxAhead bounds the time to come that the picture shows, beyond which a
// canary's bar is cut at the picture's end (its tooltip has its expiry):
// a canary valid for ten years must not squeeze the history into a corner.
// The picture shows at least a year ahead, or as much as it shows behind.
const maxAhead = 400 * 24 * time.Hour

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
	// Open marks the lapse that runs to the end: the last canary
	// expired and was not renewed, which is the state now, not history.
	Open bool
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
			out = append(out, lapse{From: covered, To: c.Issued})
		}
		if u := validUntil(good, i, end); u.After(covered) {
			covered = u
		}
	}
	if covered.Before(end) {
		out = append(out, lapse{From: covered, To: end, Open: true})
	}
	return out
}

// horizon is how far the picture of a target still watched runs: to the
// expiry of the publisher's canary valid now (the latest, when several
// are), or to now when none is. A forgery's expiry is not the publisher's.
func horizon(canaries []*store.Canary, now time.Time) time.Time {
	until := now
	for _, c := range canaries {
		if authentic(c) && !c.Issued.IsZero() && !c.Issued.After(now) && c.Expires.After(until) {
			until = c.Expires
		}
	}
	return until
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
func text(s string) string { return html.EscapeString(verdict.DisplayLines(s)) }

func stamp(t time.Time) string { return t.UTC().Format(canary.ShownTime) }

func dateOf(t time.Time) string { return t.UTC().Format("2006-01-02") }

// timeline draws a target's history as an SVG picture: one bar per canary
// from its issue to its expiry (alternating between two rows, since a
// canary is renewed before it expires), the lapses, and the events that
// matter, each with a tooltip; under them a time axis and a legend. Time
// runs from the first thing seen to until (horizon: the current canary's
// expiry), with now marked and the time to come drawn pale; lapses and
// events end at now. It is deterministic: the same history, now and until
// make the same bytes.
func timeline(canaries []*store.Canary, events []store.Event, now, until time.Time) string {
	start, _ := span(canaries, events, now)
	if ahead := max(now.Sub(start), maxAhead); until.Sub(now) > ahead {
		until = now.Add(ahead)
	}
	if until.Before(now) {
		until = now
	}
	sc := scale{start, until}
	var b strings.Builder
	list := dated(canaries)
	gaps := lapses(canaries, now)
	var evs []store.Event
	for _, e := range events {
		if _, ok := marked(e.Type); ok && !e.At.After(now) {
			evs = append(evs, e)
		}
	}
	slices.SortStableFunc(evs, func(a, b store.Event) int { return a.At.Compare(b.At) })

	var key strings.Builder
	height := legend(&key)
	fmt.Fprintf(&b, `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-labelledby="timeline-title timeline-desc">`+"\n", svgWidth, height)
	fmt.Fprintf(&b, `<title id="timeline-title">Timeline from %s to %s</title>`+"\n", dateOf(start), dateOf(until))
	fmt.Fprintf(&b, `<desc id="timeline-desc">%s</desc>`+"\n", text(describe(list, gaps, evs, start, now, until)))
	// The pattern of an expiry not renewed: red stripes, unlike a lapse's
	// solid red, so that the state now does not read as past history.
	b.WriteString(`<defs><pattern id="timeline-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect class="hatch" width="3" height="6"/></pattern></defs>` + "\n")

	// Lanes and their labels.
	lanes := []struct {
		label string
		y     float64
	}{{"Canaries", barY + 16}, {"Lapses", lapseY + 7}, {"Events", eventY}}
	for _, l := range lanes {
		fmt.Fprintf(&b, `<text class="lane" x="8" y="%s" font-size="%d">%s</text>`+"\n", num(l.y+4), laneSize, l.label)
	}
	fmt.Fprintf(&b, `<rect class="plot" x="%d" y="%d" width="%d" height="%d"/>`+"\n", plotLeft, plotTop, plotRight-plotLeft, plotBottom-plotTop)
	ticks(&b, sc)

	// Canaries: one bar each, or beyond maxBars groups of them; a group
	// ends where a lapse wide enough to see begins, so that its bar never
	// hides one. A canary without a stated expiry covers until now at
	// most: what comes next is not known.
	per := max((len(list)+maxBars-1)/maxBars, 1)
	for i, k := 0, 0; i < len(list); k++ {
		to := validUntil(list, i, now)
		j := i + 1
		for j < len(list) && j-i < per && sc.x(list[j].Issued)-sc.x(to) < lapseMerge {
			if u := validUntil(list, j, now); u.After(to) {
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

	// The time to come, veiled: the current canary's bar runs on to its
	// expiry, pale. The veil lets the pointer through to the bar's tooltip.
	xNow := sc.x(now)
	if until.After(now) {
		fmt.Fprintf(&b, `<rect class="future" x="%s" y="%d" width="%s" height="%d"/>`+"\n", num(xNow), plotTop, num(plotRight-xNow), plotBottom-plotTop)
	}

	// Lapses, those that begin within a few pixels of each other as one
	// mark: frequent short lapses show as a dotted line, not as one long
	// lapse. The open one, an expiry not renewed, has its own mark.
	closed := gaps
	if n := len(gaps); n > 0 && gaps[n-1].Open {
		closed = gaps[:n-1]
	}
	for i := 0; i < len(closed); {
		j := i + 1
		for j < len(closed) && sc.x(closed[j].From)-sc.x(closed[i].From) < lapseMerge {
			j++
		}
		group := closed[i:j]
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
	if len(closed) < len(gaps) {
		g := gaps[len(gaps)-1]
		x0 := sc.x(g.From)
		fmt.Fprintf(&b, `<rect class="lapse expired" x="%s" y="%d" width="%s" height="14"><title>%s</title></rect>`+"\n", num(x0), lapseY, num(max(xNow-x0, 1.5)), text(lapseTip(g)))
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

	// Now: a line across the lanes, and its label above the plot, kept
	// inside the picture.
	fmt.Fprintf(&b, `<line class="now" x1="%s" y1="%d" x2="%s" y2="%d"/>`+"\n", num(xNow), plotTop-4, num(xNow), plotBottom+4)
	label := "now: " + stamp(now)
	w := labelWidth(label)
	anchor := "middle"
	switch {
	case xNow+w/2 > svgWidth-4:
		anchor = "end"
	case xNow-w/2 < 4:
		anchor = "start"
	}
	fmt.Fprintf(&b, `<text class="asof" x="%s" y="%d" font-size="%d" text-anchor="%s">%s</text>`+"\n", num(xNow), plotTop-8, labelSize, anchor, label)

	b.WriteString(key.String())
	b.WriteString("</svg>")
	return b.String()
}

// labelWidth is a generous estimate of the width of a label of the
// picture (labelSize), for laying labels out clear of each other.
func labelWidth(s string) float64 {
	return charWidth * labelSize * float64(len([]rune(s)))
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
		fmt.Fprintf(b, `<line class="tick" x1="%s" y1="%d" x2="%s" y2="%d"/><text class="axis" x="%s" y="%d" font-size="%d" text-anchor="middle">%s</text>`+"\n",
			x, plotTop, x, plotBottom+4, x, plotBottom+18, labelSize, t.Format(st.layout))
	}
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

// legend writes the legend, in rows as wide as the picture allows, and
// returns the picture's height.
func legend(b *strings.Builder) int {
	items := []struct{ class, kind, label string }{
		{"bar", "", "canary valid"}, {"bar ahead", "", "to come"},
		{"lapse", "", "lapse: renewed late"}, {"lapse expired", "", "expired: not renewed"},
		{"ev critical", "statement", "statement removed or reworded"}, {"ev critical", "key", "new key, replay, invalid"},
		{"ev warning", "gone", "vanished or unreachable"}, {"ev critical", "expired", "found expired"},
	}
	x, y := float64(plotLeft), legendY
	for _, it := range items {
		w := 17 + labelWidth(it.label)
		if x > plotLeft && x+w > svgWidth-8 {
			x, y = plotLeft, y+legendRow
		}
		if it.kind != "" {
			fmt.Fprintf(b, `<g class="%s">%s</g>`, it.class, mark(it.kind, x+6, float64(y+6)))
		} else {
			fmt.Fprintf(b, `<rect class="%s" x="%s" y="%d" width="12" height="12"/>`, it.class, num(x), y)
		}
		fmt.Fprintf(b, `<text class="legend" x="%s" y="%d" font-size="%d">%s</text>`+"\n", num(x+17), y+10, labelSize, it.label)
		x += w + 18
	}
	return y + 12 + 10
}

// describe is the picture in words, for readers who cannot see it.
func describe(list []*store.Canary, gaps []lapse, evs []store.Event, start, end, until time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From %s to %s: %d dated canaries", dateOf(start), dateOf(end), len(list))
	if until.After(end) {
		fmt.Fprintf(&b, ", the current one valid until %s", stamp(until))
	}
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
		if last := gaps[len(gaps)-1]; last.Open {
			fmt.Fprintf(&b, "; expired since %s, not renewed", stamp(last.From))
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
	if l.Open {
		return fmt.Sprintf("expired: no canary since %s (%s up to now): the last one was not renewed", stamp(l.From), human(l.Duration()))
	}
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
