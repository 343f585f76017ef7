package dashboard

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canarykit/canarykit/internal/browsertest"
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
