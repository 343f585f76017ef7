package dashboard

import (
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// An svgEl is an element of the timeline: its attributes, its own text
// and the text of its <title> child (a tooltip).
type svgEl struct {
	Name        string
	Attr        map[string]string
	Text, Title string
}

func (e svgEl) f(t *testing.T, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(e.Attr[name], 64)
	if err != nil {
		t.Fatalf("<%s> %s=%q: %v", e.Name, name, e.Attr[name], err)
	}
	return v
}

func svgEls(t *testing.T, svg string) []svgEl {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var out []svgEl
	var stack []int
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("the timeline is not well-formed XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			e := svgEl{Name: x.Name.Local, Attr: map[string]string{}}
			for _, a := range x.Attr {
				e.Attr[a.Name.Local] = a.Value
			}
			out = append(out, e)
			stack = append(stack, len(out)-1)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			i := stack[len(stack)-1]
			out[i].Text += string(x)
			if out[i].Name == "title" && len(stack) > 1 {
				out[stack[len(stack)-2]].Title += string(x)
			}
		}
	}
}

// byClass returns the elements name of class, but the legend's (marks
// without a tooltip).
func byClass(els []svgEl, name, class string) []svgEl {
	var out []svgEl
	for _, e := range els {
		if e.Name == name && e.Attr["class"] == class && (e.Title != "" || name != "rect" || class == "future") {
			out = append(out, e)
		}
	}
	return out
}

// TestTimelineRunsToExpiry: the picture runs on to the current canary's
// expiry, so that its bar is as long as the time it has left, not a
// sliver at now; the time to come is drawn pale, and now is marked.
func TestTimelineRunsToExpiry(t *testing.T) {
	now := t0.Add(100 * day)
	for _, left := range []int{80, 20, 3} {
		cs := []*store.Canary{kc(1, t0, 60*day, true, "FPR"), kc(2, now.Add(-10*day), time.Duration(10+left)*day, true, "FPR")}
		until := horizon(cs, now)
		if !until.Equal(cs[1].Expires) {
			t.Fatalf("horizon %v, want the current canary's expiry %v", until, cs[1].Expires)
		}
		els := svgEls(t, timeline(cs, nil, now, until))
		var bar svgEl
		for _, e := range els {
			if e.Name == "rect" && strings.HasPrefix(e.Title, "canary 2:") {
				bar = e
			}
		}
		if bar.Name == "" {
			t.Fatal("no bar for canary 2")
		}
		nowLines := byClass(els, "line", "now")
		if len(nowLines) != 1 {
			t.Fatalf("%d now lines", len(nowLines))
		}
		xNow := nowLines[0].f(t, "x1")
		x0, x1 := bar.f(t, "x"), bar.f(t, "x")+bar.f(t, "width")
		if math.Abs(x1-plotRight) > 0.2 {
			t.Errorf("%d days left: the current canary's bar ends at %.1f, not at the picture's end %d", left, x1, plotRight)
		}
		// Past and future of the bar in proportion to 10 days and left days.
		if got, want := (x1-xNow)/(xNow-x0), float64(left)/10; math.Abs(got-want) > 0.05*want+0.02 {
			t.Errorf("%d days left: the bar's part after now is %.2f times its part before, want %.2f", left, got, want)
		}
		future := byClass(els, "rect", "future")
		if len(future) != 1 || math.Abs(future[0].f(t, "x")-xNow) > 0.1 || math.Abs(future[0].f(t, "x")+future[0].f(t, "width")-plotRight) > 0.2 {
			t.Errorf("%d days left: the time to come is not drawn pale from now to the end: %+v", left, future)
		}
		var label bool
		for _, e := range els {
			if e.Name == "text" && strings.HasPrefix(e.Text, "now") && strings.Contains(e.Text, stamp(now)) {
				label = true
			}
		}
		if !label {
			t.Errorf("%d days left: no label says where now is", left)
		}
	}

	// Lapsed: nothing to come, the picture ends at now.
	cs := []*store.Canary{kc(1, t0, 60*day, true, "FPR")}
	if h := horizon(cs, now); !h.Equal(now) {
		t.Errorf("horizon of a lapsed canary %v, want now", h)
	}
	els := svgEls(t, timeline(cs, nil, now, now))
	if n := len(byClass(els, "rect", "future")); n != 0 {
		t.Errorf("%d future rects in a picture that ends at now", n)
	}
	// A forgery's expiry is not the publisher's: it does not extend the
	// picture; nor does a far expiry push the past into a corner.
	forged := kc(2, now.Add(-day), 400*day, false)
	if h := horizon([]*store.Canary{cs[0], forged}, now); !h.Equal(now) {
		t.Errorf("horizon with a forgery %v, want now", h)
	}
	far := kc(2, now.Add(-day), 3650*day, true, "FPR")
	els = svgEls(t, timeline([]*store.Canary{cs[0], far}, nil, now, horizon([]*store.Canary{cs[0], far}, now)))
	xNow := byClass(els, "line", "now")[0].f(t, "x1")
	if got := (plotRight - xNow) / (xNow - plotLeft); math.Abs(got-4) > 0.05 {
		t.Errorf("a ten-year canary after 100 days of history: %.2f times as much ahead as behind, want 4 (400 days)", got)
	}
}

// TestTimelineLapseAndExpired: a lapse (a canary ran out before the next
// came) and an expiry not renewed (the state now) are different marks,
// and the legend names both.
func TestTimelineLapseAndExpired(t *testing.T) {
	cs, events, end := history()
	els := svgEls(t, timeline(cs, events, end, end))
	closed, open := byClass(els, "rect", "lapse"), byClass(els, "rect", "lapse expired")
	if len(closed) != 2 || len(open) != 1 {
		t.Fatalf("%d lapse and %d expired marks, want 2 and 1", len(closed), len(open))
	}
	if !strings.HasPrefix(open[0].Title, "expired: no canary since 2027-07-02 12:00 UTC") {
		t.Errorf("the expired mark's tooltip: %q", open[0].Title)
	}
	if x := open[0].f(t, "x") + open[0].f(t, "width"); math.Abs(x-plotRight) > 0.2 {
		t.Errorf("the expired mark ends at %.1f, not at now", x)
	}
	legend := map[string]string{}
	for i, e := range els {
		if e.Name == "text" && e.Attr["class"] == "legend" && i > 0 {
			legend[e.Text] = els[i-1].Attr["class"]
		}
	}
	if legend["lapse: renewed late"] != "lapse" || legend["expired: not renewed"] != "lapse expired" {
		t.Errorf("the legend does not tell a lapse from an expiry: %v", legend)
	}

	// Renewed late, and valid now: a lapse, no expiry.
	now := t0.Add(100 * day)
	cs = []*store.Canary{kc(1, t0, 40*day, true, "FPR"), kc(2, t0.Add(50*day), 90*day, true, "FPR")}
	els = svgEls(t, timeline(cs, nil, now, horizon(cs, now)))
	if len(byClass(els, "rect", "lapse")) != 1 || len(byClass(els, "rect", "lapse expired")) != 0 {
		t.Errorf("renewed late: %d lapse and %d expired marks, want 1 and 0", len(byClass(els, "rect", "lapse")), len(byClass(els, "rect", "lapse expired")))
	}
}

// A label's box, as the browser would draw it: its width estimated at
// 0.62 em a character (system-ui averages about 0.55).
type box struct {
	x0, y0, x1, y1 float64
	text           string
}

func labels(t *testing.T, els []svgEl) []box {
	t.Helper()
	var out []box
	for _, e := range els {
		if e.Name != "text" {
			continue
		}
		size := e.f(t, "font-size")
		if size < 12 {
			t.Errorf("label %q is %vpx, too small to read", e.Text, size)
		}
		w := 0.62 * size * float64(len([]rune(e.Text)))
		x, y := e.f(t, "x"), e.f(t, "y")
		switch e.Attr["text-anchor"] {
		case "middle":
			x -= w / 2
		case "end":
			x -= w
		}
		out = append(out, box{x, y - 0.8*size, x + w, y + 0.25*size, e.Text})
	}
	return out
}

// TestTimelineLabelsDoNotCollide: every label is at least 12 units high
// (12.3 px at a 1200 px wide window, where the picture is 984 px wide),
// inside the picture, and clear of every other, for histories long and
// short, lapsed or valid for a long while yet.
func TestTimelineLabelsDoNotCollide(t *testing.T) {
	cs, events, end := history()
	now := t0.Add(100 * day)
	fresh := []*store.Canary{kc(1, t0, 60*day, true, "FPR"), kc(2, now.Add(-10*day), 90*day, true, "FPR")}
	young := []*store.Canary{kc(1, now.Add(-2*time.Hour), 365*day, true, "FPR")}
	for name, svg := range map[string]string{
		"history": timeline(cs, events, end, end),
		"fresh":   timeline(fresh, nil, now, horizon(fresh, now)),
		"young":   timeline(young, nil, now, horizon(young, now)),
		"lapsed":  timeline(fresh[:1], []store.Event{{At: now.Add(-time.Hour), Type: "expired", Status: verdict.Critical}}, now, now),
		"empty":   timeline(nil, nil, now, now),
	} {
		els := svgEls(t, svg)
		var vb [4]float64
		for i, f := range strings.Fields(els[0].Attr["viewBox"]) {
			vb[i], _ = strconv.ParseFloat(f, 64)
		}
		bs := labels(t, els)
		for i, a := range bs {
			if a.x0 < 0 || a.y0 < 0 || a.x1 > vb[2] || a.y1 > vb[3] {
				t.Errorf("%s: label %q (%.0f,%.0f)-(%.0f,%.0f) is outside the picture %v", name, a.text, a.x0, a.y0, a.x1, a.y1, vb)
			}
			for _, b := range bs[i+1:] {
				if a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 {
					t.Errorf("%s: labels %q and %q overlap", name, a.text, b.text)
				}
			}
		}
	}
}

// TestPageRunsToExpiry: a target's page draws its picture on to the
// current canary's expiry.
func TestPageRunsToExpiry(t *testing.T) {
	now := t0.Add(100 * day)
	c := kc(2, now.Add(-10*day), 90*day, true, "FPR")
	c.ID = 2
	d := &data{o: store.Overview{Target: store.Target{ID: strings.Repeat("ab", 16), Name: "fresh"}, Status: verdict.OK, LastCheck: now, Current: c},
		canaries: []*store.Canary{kc(1, t0, 95*day, true, "FPR"), c}}
	page := string(d.page(now))
	for _, want := range []string{`<rect class="future" `, "Timeline from 2026-01-01 to " + dateOf(c.Expires), "now: " + stamp(now),
		"the current one valid until " + stamp(c.Expires)} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
