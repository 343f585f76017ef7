package freshness

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"
)

const rssFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Example News</title>
<item><title>Older story</title><pubDate>Mon, 14 Oct 2024 09:00:00 GMT</pubDate></item>
<item><title>  Central bank
   holds rates &amp; markets	rally  </title><pubDate>Mon, 14 Oct 2024 16:58:00 +0000</pubDate></item>
<item><title>No date here</title></item>
<item><title></title><pubDate>Mon, 14 Oct 2024 17:00:00 GMT</pubDate></item>
<item><title>East coast story</title><pubDate>14 Oct 24 12:30:00 EDT</pubDate></item>
<item><title>Bad date</title><pubDate>yesterday</pubDate></item>
</channel></rss>`

const atomFeed = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Example</title>
<entry><title type="text">Atom first</title><updated>2024-10-14T17:01:02+02:00</updated></entry>
<entry><title>Atom published wins</title><published>2024-10-14T15:00:00Z</published><updated>2024-10-14T16:00:00Z</updated></entry>
</feed>`

const rdfFeed = `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>RDF</title></channel>
<item><title>RDF item</title><dc:date>2024-10-14T12:00:00Z</dc:date></item>
</rdf:RDF>`

func TestParseFeed(t *testing.T) {
	utc := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v.UTC() }
	for _, tc := range []struct {
		name, feed string
		want       []FeedItem
	}{
		{"rss", rssFeed, []FeedItem{
			{"Central bank holds rates & markets rally", utc("2024-10-14T16:58:00Z")},
			{"East coast story", utc("2024-10-14T16:30:00Z")},
			{"Older story", utc("2024-10-14T09:00:00Z")},
		}},
		{"atom", atomFeed, []FeedItem{
			{"Atom first", utc("2024-10-14T15:01:02Z")},
			{"Atom published wins", utc("2024-10-14T15:00:00Z")},
		}},
		{"rdf", rdfFeed, []FeedItem{{"RDF item", utc("2024-10-14T12:00:00Z")}}},
		{"latin-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><item><title>Caf\xe9</title><pubDate>Mon, 14 Oct 2024 09:00:00 GMT</pubDate></item></channel></rss>",
			[]FeedItem{{"Café", utc("2024-10-14T09:00:00Z")}}},
	} {
		got, err := ParseFeed([]byte(tc.feed))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %d items %+v, want %d", tc.name, len(got), got, len(tc.want))
			continue
		}
		for i := range got {
			if got[i].Title != tc.want[i].Title || !got[i].Time.Equal(tc.want[i].Time) || got[i].Time.Location() != time.UTC {
				t.Errorf("%s item %d: got %+v, want %+v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}

func TestParseFeedRejects(t *testing.T) {
	for feed, want := range map[string]string{
		"":                             "not an RSS or Atom feed",
		"<html><body>hi</body></html>": "is a <html>",
		"<rss><channel>":               "not an RSS or Atom feed",
		`<?xml version="1.0" encoding="Shift_JIS"?><rss/>`:                                                 "encoding",
		`<!DOCTYPE rss [<!ENTITY a "aaaa">]><rss><channel><item><title>&a;</title></item></channel></rss>`: "not an RSS or Atom feed",
	} {
		if _, err := ParseFeed([]byte(feed)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFeed(%.40q): got %v, want %q", feed, err, want)
		}
	}
	if _, err := ParseFeed(make([]byte, maxFeedBytes+1)); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("huge feed: %v", err)
	}
}

func TestCleanTitle(t *testing.T) {
	for in, want := range map[string]string{
		"  a \n\t b  ":           "a b",
		"evil\u202eelbat":        "evilelbat",
		"zero\u200bwidth":        "zerowidth",
		"family 👨\u200d👩\u200d👧": "family 👨\u200d👩\u200d👧",
		"bell\a":                 "bell",
		"bad \xff utf8":          "bad utf8",
		"\u00a0nbsp\u3000":       "nbsp",
	} {
		got := cleanTitle(in)
		if got != want {
			t.Errorf("cleanTitle(%q) = %q, want %q", in, got, want)
		}
		if err := checkTitle(got); err != nil {
			t.Errorf("cleanTitle(%q) = %q fails checkTitle: %v", in, got, err)
		}
	}
	long := strings.Repeat("é", MaxTitleLen) // 2 bytes each
	got := cleanTitle(long)
	if len(got) > MaxTitleLen || checkTitle(got) != nil || !strings.HasPrefix(long, got) {
		t.Errorf("long title cut to %d bytes: %v", len(got), checkTitle(got))
	}
}

func TestFetchNews(t *testing.T) {
	srv := ft.Feeds(map[string]string{"/rss.xml": rssFeed, "/empty.xml": "<rss><channel></channel></rss>"})
	defer srv.Close()
	ps, err := fetchNews(context.Background(), srv.Client(), srv.URL+"/rss.xml", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Title != "Central bank holds rates & markets rally" || ps[0].Feed != srv.URL+"/rss.xml" || ps[1].Title != "East coast story" {
		t.Fatalf("got %+v", ps)
	}
	for _, p := range ps {
		if err := p.Validate(); err != nil {
			t.Error(err)
		}
		back, err := ParseLine(p.Line())
		if err != nil || back.Title != p.Title {
			t.Errorf("round trip of %q: %v", p.Line(), err)
		}
	}
	if _, err := fetchNews(context.Background(), http.DefaultClient, srv.URL+"/empty.xml", 2); err == nil || !strings.Contains(err.Error(), "no item") {
		t.Errorf("empty feed: %v", err)
	}
	if _, err := fetchNews(context.Background(), http.DefaultClient, srv.URL+"/missing.xml", 2); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("missing feed: %v", err)
	}
}
