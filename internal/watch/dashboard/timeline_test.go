package dashboard

import (
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/store"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.svg")

func kc(serial int64, issued time.Time, life time.Duration, good bool, signers ...string) *store.Canary {
	c := &store.Canary{Kind: "canarykit", Serial: serial, Issued: issued, Good: good, Signers: signers, Status: verdict.OK}
	if life > 0 {
		c.Expires = issued.Add(life)
	}
	if !good {
		c.Status = verdict.Critical
	}
	return c
}

func TestLapses(t *testing.T) {
	end := t0.Add(100 * day)
	for _, tc := range []struct {
		name     string
		canaries []*store.Canary
		want     string
	}{
		{"none", nil, ""},
		{"renewed in time", []*store.Canary{kc(1, t0, 40*day, true), kc(2, t0.Add(30*day), 80*day, true)}, ""},
		{"late, then lapsed", []*store.Canary{kc(1, t0, 40*day, true), kc(2, t0.Add(50*day), 30*day, true)}, "40-50 80-100"},
		// Seen out of order: a replayed old canary sorts by its issue date.
		{"out of order", []*store.Canary{kc(2, t0.Add(50*day), 60*day, true), kc(1, t0, 40*day, true)}, "40-50"},
		// A forgery covers nothing; a tripped canary signed by a known key does.
		{"forgery", []*store.Canary{kc(1, t0, 40*day, true), kc(2, t0.Add(35*day), 90*day, false)}, "40-100"},
		{"tripped", []*store.Canary{kc(1, t0, 40*day, true), kc(2, t0.Add(35*day), 90*day, false, "FPR")}, ""},
		// No expiry stated: covered until the next canary, or end.
		{"free text", []*store.Canary{kc(1, t0, 0, true), kc(2, t0.Add(70*day), 0, true)}, ""},
		{"inside another", []*store.Canary{kc(1, t0, 90*day, true), kc(2, t0.Add(10*day), 10*day, true)}, "90-100"},
		{"issued after end", []*store.Canary{kc(1, t0, 90*day, true), kc(2, t0.Add(120*day), 10*day, true)}, "90-100"},
	} {
		var got []string
		for _, l := range lapses(tc.canaries, end) {
			got = append(got, fmt.Sprintf("%d-%d", l.From.Sub(t0)/day, l.To.Sub(t0)/day))
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%s: lapses %q, want %q", tc.name, g, tc.want)
		}
	}
}

// history is a year and a half of a quarterly canary: renewed late once,
// a statement removed, a key change and a forgery, then vanished and
// lapsed. Its events carry markup, as a hostile canary's would.
func history() ([]*store.Canary, []store.Event, time.Time) {
	var cs []*store.Canary
	issued := []int{0, 85, 190, 270, 360, 450}
	for i, d := range issued {
		cs = append(cs, kc(int64(i+1), t0.Add(time.Duration(d)*day), 97*day, i != 3, "FPR"))
	}
	cs[3].Signers = nil // the forgery
	cs[4].Good, cs[4].Status = false, verdict.Critical
	ev := func(d int, typ string, s verdict.Status, msg string) store.Event {
		return store.Event{At: t0.Add(time.Duration(d) * day), Type: typ, Status: s, Message: msg}
	}
	events := []store.Event{
		ev(0, "new-canary", verdict.OK, "first canary seen"),
		ev(183, "expired", verdict.Critical, "expired"),
		ev(190, "renewed", verdict.OK, "renewed"),
		ev(270, "invalid", verdict.Critical, "a new canary that fails: <bad> signature & more"),
		ev(360, "statement-removed", verdict.Critical, `statement "no-gag" was REMOVED; it said: "</title><script>x</script>"`),
		ev(361, "key-changed", verdict.Critical, "signed by ABCD"),
		ev(500, "unreachable", verdict.Unknown, "could not check for 2 days\x1b[31m"),
		ev(520, "vanished", verdict.Warning, "the canary has vanished"),
		ev(547, "expired", verdict.Critical, "the last canary seen expired"),
	}
	return cs, events, t0.Add(560 * day)
}

// wellFormed parses an SVG as XML: it must be, and its text must come
// out as the text that went in.
func wellFormed(t *testing.T, svg string) (titles []string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var in string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return titles
		}
		if err != nil {
			t.Fatalf("the timeline is not well-formed XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			in = x.Name.Local
			if x.Name.Local == "script" || x.Name.Local == "foreignObject" {
				t.Fatalf("the timeline holds a <%s>", x.Name.Local)
			}
		case xml.CharData:
			if in == "title" {
				titles = append(titles, string(x))
			}
		}
	}
}

func TestTimelineGolden(t *testing.T) {
	cs, events, end := history()
	svg := timeline(cs, events, end, end)
	if again := timeline(cs, events, end, end); again != svg {
		t.Fatal("the timeline differs from one rendering to the next")
	}
	titles := wellFormed(t, svg)
	joined := strings.Join(titles, "\n")
	for _, want := range []string{
		`statement "no-gag" was REMOVED; it said: "</title><script>x</script>"`, // text, not markup
		`could not check for 2 days\x1b[31m`,                                    // no control characters: escaped as the command line does
		"lapse: no valid canary from 2026-07-02 12:00 UTC to 2026-07-10 12:00 UTC (8 days)",
		"lapse: no valid canary from 2026-10-15 12:00 UTC to 2026-12-27 12:00 UTC (73 days)", // the forgery covers nothing
		"expired: no canary since 2027-07-02 12:00 UTC (13 days up to now): the last one was not renewed",
		"canary 4: issued 2026-09-28 12:00 UTC, valid until 2027-01-03 12:00 UTC; no good signature",
		"2 events:\n2026-12-27 12:00 UTC CRITICAL statement-removed",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("no tooltip holds %q", want)
		}
	}
	golden := filepath.Join("testdata", "timeline.golden.svg")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, []byte(svg+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./internal/watch/dashboard -run Golden -update writes it)", err)
	}
	if svg+"\n" != string(want) {
		t.Errorf("the timeline differs from %s (if the change is meant, rerun with -update and look at it):\n%s", golden, svg)
	}
}

// TestTimelineBounded draws ten years of a canary renewed every day, late
// one day in nine, with an event every few hours: the picture must stay
// small, and still account for every lapse and event in its words.
func TestTimelineBounded(t *testing.T) {
	var cs []*store.Canary
	var events []store.Event
	d := t0
	for i := range 3650 {
		if i%9 == 8 {
			d = d.Add(3 * time.Hour) // late: a three-hour lapse
		}
		cs = append(cs, kc(int64(i+1), d, day, true, "FPR"))
		d = d.Add(day)
	}
	for i := range 20000 {
		events = append(events, store.Event{At: t0.Add(time.Duration(i) * 4 * time.Hour), Type: "unreachable", Status: verdict.Unknown, Message: "down"})
	}
	end := d.Add(day)
	svg := timeline(cs, events, end, end)
	wellFormed(t, svg)
	if len(svg) > 150_000 {
		t.Errorf("the timeline of 3650 canaries and 20000 events is %d bytes", len(svg))
	}
	if n := strings.Count(svg, `<rect class="bar`); n > maxBars+(plotRight-plotLeft)/int(lapseMerge) {
		t.Errorf("%d bars", n)
	}
	if n := strings.Count(svg, `<rect class="lapse"`); n == 0 || n > (plotRight-plotLeft)/int(lapseMerge)+1 {
		t.Errorf("%d lapse marks", n)
	}
	if !strings.Contains(svg, "3650 dated canaries; 406 lapse(s), 51 days in all") || !strings.Contains(svg, "events marked: 20000 unreachable") {
		t.Errorf("the description does not account for everything: %s", svg[:min(len(svg), 600)])
	}
	if !strings.Contains(svg, " lapses from ") || !strings.Contains(svg, "and ") {
		t.Error("no mark says it stands for several lapses or events")
	}
	t.Logf("%d bytes", len(svg))
}
