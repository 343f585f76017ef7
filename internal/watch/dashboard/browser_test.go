package dashboard

import (
	"bytes"
	"context"
	"html"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/canarykit/canarykit/internal/browsertest"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// TestDashboardInChromium opens the dashboard as a reader does, in
// Debian's chromium, headless, as publish/browser_test.go opens the
// publisher's site: a screenshot of each page must show a rendered page,
// the statements and dates must be in the DOM as chromium reads it, every
// relative link must lead to a file, and there must be no console message
// at all (chromium logs script errors and Content-Security-Policy
// violations as INFO:CONSOLE lines on stderr). It skips without chromium,
// except under CI. CANARY_SCREENSHOTS=DIR keeps the screenshots.
func TestDashboardInChromium(t *testing.T) {
	bin := browsertest.Chromium(t)
	f := newFixture(t)
	dir := t.TempDir()
	if err := Write(context.Background(), f.db, dir, at); err != nil {
		t.Fatal(err)
	}
	// The console check must be able to fail: a page whose inline style
	// its policy does not allow raises a message.
	bad := filepath.Join(t.TempDir(), "bad.html")
	os.WriteFile(bad, []byte(`<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Security-Policy" content="`+csp()+
		`"><style>p{}</style><title>x</title></head><body><svg><rect style="fill:red" width="9" height="9"/></svg></body></html>`), 0o644)
	if _, console := browsertest.Browse(t, bin, bad, "--dump-dom"); len(console) == 0 {
		t.Fatal("a page that violates its CSP raised no console message; the console check is blind")
	}

	pages := map[string][]string{
		"index.html": {"example-org", "down-org", "CRITICAL", "UNKNOWN?", "NOT CHECKED",
			`<time datetime="2026-07-20T12:00:00Z">2026-07-20 12:00</time>`, "Retired targets"},
		filepath.Join("targets", f.org.ID+".html"): {
			"No warrants. &lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; \"quotes\" &lt;/svg&gt;&lt;title&gt;",
			`<time datetime="2026-10-25T12:00:00Z">2026-10-25 12:00 UTC</time>`, // valid until
			"serial 3", "Example &amp; &lt;Org&gt; states:",
			"<svg class=\"timeline\"", "Timeline from 2026-01-01 to 2026-11-22", "13 days",
			"statement \"no-gag\" was REMOVED; it said: \"No gag orders. &lt;b&gt;bold&lt;/b&gt;\"",
		},
	}
	for page, wants := range pages {
		file := filepath.Join(dir, page)
		dom, console := browsertest.Browse(t, bin, file, "--dump-dom")
		if len(console) > 0 {
			t.Errorf("%s: console messages:\n%s", page, strings.Join(console, "\n"))
		}
		if !bytes.Contains(dom, []byte("</html>")) {
			t.Fatalf("%s: no DOM dumped: %.200s", page, dom)
		}
		if n := checkLinks(t, file, dom); n < 5 {
			t.Errorf("%s: only %d relative links", page, n)
		}
		for _, want := range wants {
			if !bytes.Contains(dom, []byte(want)) {
				t.Errorf("%s as chromium reads it lacks %q", page, want)
			}
		}
		if bytes.Contains(dom, []byte("<script")) {
			t.Errorf("%s as chromium reads it holds a script element", page)
		}

		shot := filepath.Join(t.TempDir(), "shot.png")
		browsertest.Browse(t, bin, file, "--screenshot="+shot)
		r, err := os.Open(shot)
		if err != nil {
			t.Fatalf("%s: no screenshot: %v", page, err)
		}
		img, err := png.Decode(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		// A page that rendered has text and a picture: many colours, and
		// the timeline's lapse red (light scheme) on the target's page.
		colours := map[uint32]bool{}
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y += 2 {
			for x := b.Min.X; x < b.Max.X; x += 2 {
				r, g, bl, _ := img.At(x, y).RGBA()
				colours[r>>8<<16|g>>8<<8|bl>>8] = true
			}
		}
		if b.Dx() != 1000 || len(colours) < 20 {
			t.Errorf("%s: screenshot %v with %d colours looks blank", page, b, len(colours))
		}
		if strings.HasPrefix(page, "targets") && !colours[0xa10f0f] {
			t.Errorf("%s: the screenshot shows no lapse (#a10f0f)", page)
		}
		if d := os.Getenv("CANARY_SCREENSHOTS"); d != "" {
			data, _ := os.ReadFile(shot)
			os.WriteFile(filepath.Join(d, "dashboard-"+strings.TrimSuffix(filepath.Base(page), ".html")+".png"), data, 0o644)
		}
	}
}

// TestTimelineInChromiumAt1200 lays the timeline out in chromium in a
// window 1200 px wide, as an operator's browser does, and measures every
// label of the picture with the browser's own fonts: each must be at
// least 12 px high, inside the picture, and clear of every other. The
// page is measured by a script added to a copy of it, without its
// Content-Security-Policy (the dashboard itself has no script).
func TestTimelineInChromiumAt1200(t *testing.T) {
	bin := browsertest.Chromium(t)
	f := newFixture(t)
	dir := t.TempDir()
	if err := Write(context.Background(), f.db, dir, at); err != nil {
		t.Fatal(err)
	}
	org, err := os.ReadFile(filepath.Join(dir, "targets", f.org.ID+".html"))
	if err != nil {
		t.Fatal(err)
	}
	now := t0.Add(100 * day)
	c := kc(2, now.Add(-10*day), 90*day, true, "FPR")
	c.ID = 2
	fresh := (&data{o: store.Overview{Target: store.Target{ID: strings.Repeat("ab", 16), Name: "fresh"}, Status: verdict.OK, LastCheck: now, Current: c},
		canaries: []*store.Canary{kc(1, t0, 95*day, true, "FPR"), c}}).page(now)
	cs, events, end := history()
	hist := bytes.Replace(org, []byte(string(org[bytes.Index(org, []byte("<svg class=\"timeline\"")):bytes.Index(org, []byte("</svg>"))+6])),
		[]byte(timeline(cs, events, end, end)), 1)
	const measure = `<script>
const svg = document.querySelector("svg.timeline"), r = svg.getBoundingClientRect();
const scale = r.width / svg.viewBox.baseVal.width, out = [["svg", r.left, r.top, r.right, r.bottom, 0].join("\t")];
for (const t of svg.querySelectorAll("text")) {
  const b = t.getBoundingClientRect();
  out.push([t.textContent, b.left, b.top, b.right, b.bottom, parseFloat(getComputedStyle(t).fontSize) * scale].join("\t"));
}
const pre = document.createElement("pre"); pre.id = "boxes"; pre.textContent = out.join("\n"); document.body.appendChild(pre);
</script>`
	cspMeta := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy"[^>]*>`)
	for name, page := range map[string][]byte{"example-org": org, "fresh": fresh, "history": hist} {
		page = cspMeta.ReplaceAll(page, nil)
		page = bytes.Replace(page, []byte("</body>"), []byte(measure+"</body>"), 1)
		file := filepath.Join(t.TempDir(), name+".html")
		os.WriteFile(file, page, 0o644)
		dom, _ := browsertest.Browse(t, bin, file, "--window-size=1200,2200", "--dump-dom")
		m := regexp.MustCompile(`(?s)<pre id="boxes">(.*?)</pre>`).FindSubmatch(dom)
		if m == nil {
			t.Fatalf("%s: the measuring script wrote nothing: %.300s", name, dom)
		}
		type rect struct {
			label          string
			x0, y0, x1, y1 float64
			px             float64
		}
		var rs []rect
		for _, line := range strings.Split(html.UnescapeString(string(m[1])), "\n") {
			f := strings.Split(line, "\t")
			if len(f) != 6 {
				t.Fatalf("%s: %q", name, line)
			}
			r := rect{label: f[0]}
			for i, p := range []*float64{&r.x0, &r.y0, &r.x1, &r.y1, &r.px} {
				*p, _ = strconv.ParseFloat(f[i+1], 64)
			}
			rs = append(rs, r)
		}
		pic := rs[0]
		if w := pic.x1 - pic.x0; w < 900 || w > 1100 {
			t.Errorf("%s: at 1200 px the picture is %.0f px wide", name, w)
		}
		for i, a := range rs[1:] {
			if a.px < 12 {
				t.Errorf("%s: label %q is %.1f px high at 1200 px", name, a.label, a.px)
			}
			if a.x0 < pic.x0 || a.x1 > pic.x1 || a.y0 < pic.y0 || a.y1 > pic.y1 {
				t.Errorf("%s: label %q (%.0f,%.0f)-(%.0f,%.0f) is outside the picture (%.0f,%.0f)-(%.0f,%.0f)", name, a.label, a.x0, a.y0, a.x1, a.y1, pic.x0, pic.y0, pic.x1, pic.y1)
			}
			for _, b := range rs[i+2:] {
				if a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 {
					t.Errorf("%s: labels %q and %q overlap at 1200 px", name, a.label, b.label)
				}
			}
		}
		t.Logf("%s: %d labels, the picture %.0f px wide", name, len(rs)-1, pic.x1-pic.x0)
		if d := os.Getenv("CANARY_SCREENSHOTS"); d != "" {
			os.WriteFile(file, cspMeta.ReplaceAll(bytes.Replace(page, []byte(measure), nil, 1), nil), 0o644)
			browsertest.Browse(t, bin, file, "--window-size=1200,2200", "--screenshot="+filepath.Join(d, "timeline-"+name+"-1200.png"))
		}
	}
}
