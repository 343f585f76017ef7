package publish

import (
	"bytes"
	"encoding/json"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/canarykit/canarykit/internal/browsertest"
)

// These tests open the site as readers do: in a real browser (Debian's
// chromium, headless) and a real feed reader (Python's feedparser). They
// skip when the tool is missing, except under CI, which installs both
// (.ci/run).

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

func TestSiteInChromium(t *testing.T) {
	bin := browsertest.Chromium(t)
	_, dir, keys := chain(t, 3)
	res, err := Build(Options{Dir: dir, Keys: keys, Now: t0.Add(181 * day)})
	if err != nil {
		t.Fatal(err)
	}
	// The check must be able to fail: a page with a script error and a
	// blocked style is caught.
	bad := filepath.Join(t.TempDir(), "bad.html")
	os.WriteFile(bad, []byte(`<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"><style>p{}</style><title>x</title></head><body><p>x</p></body></html>`), 0o644)
	if _, console := browsertest.Browse(t, bin, bad, "--dump-dom"); len(console) == 0 {
		t.Fatal("a page that violates its CSP raised no console message; the console check is blind")
	}

	for _, page := range []string{"index.html", "archive/index.html"} {
		file := filepath.Join(dir, page)
		dom, console := browsertest.Browse(t, bin, file, "--dump-dom")
		if len(console) > 0 {
			t.Errorf("%s: console messages:\n%s", page, strings.Join(console, "\n"))
		}
		if !bytes.Contains(dom, []byte("</html>")) {
			t.Fatalf("%s: no DOM dumped: %.200s", page, dom)
		}
		// Every relative link leads to a file of the site.
		links := 0
		for _, m := range hrefRE.FindAllSubmatch(dom, -1) {
			href := string(m[1])
			if strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "#") {
				continue
			}
			u, err := url.Parse(href)
			if err != nil || u.Scheme != "" {
				t.Errorf("%s: link %q is not relative", page, href)
				continue
			}
			target := filepath.Join(filepath.Dir(file), filepath.FromSlash(u.Path))
			if fi, err := os.Stat(target); err != nil || fi.IsDir() {
				t.Errorf("%s: link %q leads nowhere (%s)", page, href, target)
			}
			links++
		}
		if links < 4 {
			t.Errorf("%s: only %d relative links", page, links)
		}
		if page == "index.html" {
			for _, want := range []string{
				"We have not received any warrant. &lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; \"quotes\"",
				"Wednesday 19 May 2027, 12:00 UTC", "Tuesday 24 August 2027, 12:00 UTC",
				`href="canary.txt"`, `href="archive/index.html"`,
			} {
				if !bytes.Contains(dom, []byte(want)) {
					t.Errorf("index.html as chromium reads it lacks %q", want)
				}
			}
		}
	}

	shot := filepath.Join(t.TempDir(), "index.png")
	browsertest.Browse(t, bin, filepath.Join(dir, "index.html"), "--screenshot="+shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// A page that rendered has text: many distinct colours, not a blank.
	colours := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[r>>8<<16|g>>8<<8|bl>>8] = true
		}
	}
	if b.Dx() != 1000 || len(colours) < 20 {
		t.Errorf("screenshot %v with %d colours looks blank", b, len(colours))
	}
	if d := os.Getenv("CANARY_SCREENSHOTS"); d != "" {
		data, _ := os.ReadFile(shot)
		os.WriteFile(filepath.Join(d, "canary-index.png"), data, 0o644)
	}
	_ = res
}

// feedparser returns a python3 that has feedparser, if any.
func feedparser(t *testing.T) string {
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import feedparser").Run() == nil {
			return py
		}
	}
	browsertest.Need(t, "python3 with feedparser (Debian: python3-feedparser)", false)
	return ""
}

const parseFeed = `
import feedparser, json, sys
d = feedparser.parse(sys.argv[1])
print(json.dumps({
  "bozo": bool(d.bozo), "error": str(d.get("bozo_exception", "")), "version": d.get("version", ""),
  "title": d.feed.get("title", ""), "id": d.feed.get("id", ""), "updated": d.feed.get("updated", ""),
  "entries": [{"id": e.get("id"), "title": e.get("title"), "link": e.get("link"), "updated": e.get("updated"),
               "summary": e.get("summary"), "content": e["content"][0]["value"] if e.get("content") else ""}
              for e in d.entries]}))
`

type parsedFeed struct {
	Bozo    bool   `json:"bozo"`
	Error   string `json:"error"`
	Version string `json:"version"`
	Title   string `json:"title"`
	ID      string `json:"id"`
	Updated string `json:"updated"`
	Entries []struct {
		ID, Title, Link, Updated, Summary, Content string
	} `json:"entries"`
}

func readFeed(t *testing.T, py, file string) parsedFeed {
	t.Helper()
	out, err := exec.Command(py, "-c", parseFeed, file).Output()
	if err != nil {
		t.Fatalf("feedparser: %v", err)
	}
	var f parsedFeed
	if err := json.Unmarshal(out, &f); err != nil {
		t.Fatalf("feedparser output %s: %v", out, err)
	}
	return f
}

func TestFeedParser(t *testing.T) {
	py := feedparser(t)
	_, dir, keys := chain(t, 3)
	if _, err := Build(Options{Dir: dir, Keys: keys, BaseURL: "https://example.org/canary/", Now: t0.Add(181 * day)}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "feed.atom")
	f := readFeed(t, py, file)
	if f.Bozo || f.Version != "atom10" {
		t.Fatalf("feedparser: bozo %v (%s), version %q", f.Bozo, f.Error, f.Version)
	}
	if f.Title != "Warrant canary of Example & <Org>" || f.ID != "https://example.org/canary/feed.atom" || f.Updated != "2027-05-19T12:00:00Z" {
		t.Errorf("feed: %+v", f)
	}
	if len(f.Entries) != 3 {
		t.Fatalf("%d entries", len(f.Entries))
	}
	e := f.Entries[0]
	if e.Link != "https://example.org/canary/archive/000003.txt" || !strings.HasPrefix(e.ID, "urn:sha256:") ||
		e.Updated != "2027-05-19T12:00:00Z" || !strings.Contains(e.Title, "Canary 3 of Example & <Org>") ||
		!strings.Contains(e.Summary, "removed no-gag") || !strings.Contains(e.Content, "\n[no-warrants] "+hostile+"\n") {
		t.Errorf("newest entry: %+v", e)
	}
	// The check must be able to fail: a cut-off feed is not well-formed.
	data, _ := os.ReadFile(file)
	cut := filepath.Join(t.TempDir(), "cut.atom")
	os.WriteFile(cut, data[:len(data)/2], 0o644)
	if g := readFeed(t, py, cut); !g.Bozo {
		t.Error("feedparser took a cut-off feed as well-formed; the check is blind")
	}
}
