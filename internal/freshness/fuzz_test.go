package freshness

import (
	"strings"
	"testing"

	"github.com/canarykit/canarykit/internal/corpustest"
)

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{drandLine, bitcoinLine, newsLine, "drand", "news time x feed y title z",
		strings.Replace(bitcoinLine, "block 881423", "block 0", 1)} {
		f.Add(s)
	}
	// The real canaries, whole, and a few hundred of their distinct lines,
	// as a freshness section could hold them (all 2500 would take CI's
	// whole fuzzing time to replay).
	lines := map[string]bool{}
	for _, file := range corpustest.Files(f, 64<<10) {
		f.Add(string(file.Data))
		for _, line := range strings.Split(string(file.Data), "\n") {
			if len(lines) < 300 && !lines[line] {
				lines[line] = true
				f.Add(line)
			}
		}
	}
	f.Fuzz(func(t *testing.T, line string) {
		p, err := ParseLine(line)
		if err != nil {
			return
		}
		// Only the canonical form is accepted, and what is accepted is
		// valid and safe to check and describe.
		if got := p.Line(); got != line {
			t.Fatalf("Line(ParseLine(s)) != s:\n%q\n%q", got, line)
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParseLine accepted an invalid proof: %v", err)
		}
		if strings.HasPrefix(line, "-") || strings.TrimSpace(line) != line || strings.ContainsAny(line, "\n\r\t\x00") {
			t.Fatalf("accepted a line the canary format forbids: %q", line)
		}
		_ = p.Check()
		_ = p.Describe()
	})
}

func FuzzParseFeed(f *testing.F) {
	for _, s := range []string{rssFeed, atomFeed, rdfFeed, "<rss/>", "<feed><entry><title>a</title><updated>2024-01-01T00:00:00Z</updated></entry></feed>"} {
		f.Add([]byte(s))
	}
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := ParseFeed(data)
		if err != nil {
			return
		}
		for i, it := range items {
			// Every headline must fit a canary line as it is.
			if err := checkTitle(it.Title); err != nil {
				t.Fatalf("item %d title %q: %v", i, it.Title, err)
			}
			if it.Time.Location().String() != "UTC" || it.Time.Nanosecond() != 0 {
				t.Fatalf("item %d time %v", i, it.Time)
			}
			if i > 0 && it.Time.After(items[i-1].Time) {
				t.Fatalf("items not newest first")
			}
			p := Proof{Kind: News, Time: it.Time, Feed: "https://n.example/f", Title: it.Title}
			if _, err := ParseLine(p.Line()); err != nil {
				t.Fatalf("a feed item makes an unparsable line: %v", err)
			}
		}
	})
}
