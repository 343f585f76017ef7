package freshness

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A FeedItem is a headline and its date, as read from a feed.
type FeedItem struct {
	Title string
	Time  time.Time
}

// feedDoc covers the three feed formats in use by element names alone
// (encoding/xml matches local names when a tag gives no namespace):
// RSS 2.0 (rss/channel/item), RSS 1.0 (rdf:RDF/item) and Atom
// (feed/entry).
type feedDoc struct {
	XMLName xml.Name
	Channel struct {
		Items []feedEntry `xml:"item"`
	} `xml:"channel"`
	Items   []feedEntry `xml:"item"`
	Entries []feedEntry `xml:"entry"`
}

type feedEntry struct {
	Title     string `xml:"title"`
	PubDate   string `xml:"pubDate"`   // RSS 2.0
	Date      string `xml:"date"`      // RSS 1.0 dc:date
	Published string `xml:"published"` // Atom
	Updated   string `xml:"updated"`   // Atom
}

// maxFeedBytes bounds a feed download; news sites' feeds are tens of KiB.
const maxFeedBytes = 4 << 20

// ParseFeed reads an RSS or Atom feed and returns its items that have a
// title and a readable date, newest first.
func ParseFeed(data []byte) ([]FeedItem, error) {
	if len(data) > maxFeedBytes {
		return nil, fmt.Errorf("the feed is larger than %d bytes", maxFeedBytes)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charsetReader
	var doc feedDoc
	if err := d.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not an RSS or Atom feed: %v", err)
	}
	switch doc.XMLName.Local {
	case "rss", "RDF", "feed":
	default:
		return nil, fmt.Errorf("not an RSS or Atom feed: the document is a <%s>", clip(doc.XMLName.Local))
	}
	var out []FeedItem
	for _, list := range [][]feedEntry{doc.Channel.Items, doc.Items, doc.Entries} {
		for _, e := range list {
			title := cleanTitle(e.Title)
			t, ok := feedTime(e)
			if title == "" || !ok {
				continue
			}
			out = append(out, FeedItem{Title: title, Time: t})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out, nil
}

// charsetReader accepts the encodings feeds still declare besides UTF-8.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
		b, err := io.ReadAll(io.LimitReader(r, maxFeedBytes))
		if err != nil {
			return nil, err
		}
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
		}
		return strings.NewReader(string(rs)), nil
	}
	return nil, fmt.Errorf("the feed's encoding %q is not supported; use a UTF-8 feed", clip(label))
}

func feedTime(e feedEntry) (time.Time, bool) {
	for _, s := range []string{e.Published, e.Updated, e.Date} {
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
			return fit(t)
		}
	}
	if t, ok := parseRFC822(e.PubDate); ok {
		return fit(t)
	}
	return time.Time{}, false
}

func fit(t time.Time) (time.Time, bool) {
	t = t.UTC().Truncate(time.Second)
	return t, t.Year() >= 1970 && t.Year() <= 9999
}

// zones are the named zones RFC 822 allows; Go would read an unknown
// abbreviation as UTC and be hours off.
var zones = map[string]string{
	"UT": "+0000", "GMT": "+0000", "UTC": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
}

// parseRFC822 reads RSS dates, which follow RFC 822 loosely: with or
// without the weekday, two- or four-digit years, named or numeric zones.
func parseRFC822(s string) (time.Time, bool) {
	f := strings.Fields(s)
	if len(f) > 0 && strings.HasSuffix(f[0], ",") {
		f = f[1:]
	}
	if len(f) != 5 {
		return time.Time{}, false
	}
	if z, ok := zones[strings.ToUpper(f[4])]; ok {
		f[4] = z
	}
	v := strings.Join(f, " ")
	for _, layout := range []string{"2 Jan 2006 15:04:05 -0700", "2 Jan 06 15:04:05 -0700", "2 Jan 2006 15:04 -0700", "2 January 2006 15:04:05 -0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// cleanTitle makes a headline one line of plain text that fits a canary:
// blanks collapsed, characters a canary may not hold dropped, cut to
// MaxTitleLen at a character boundary.
func cleanTitle(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case badRune(r) || unicode.Is(unicode.Cf, r) && r != '\u200d':
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	t := b.String()
	if len(t) > MaxTitleLen {
		cut := MaxTitleLen
		for cut > 0 && !utf8.RuneStart(t[cut]) {
			cut--
		}
		t = strings.TrimSpace(t[:cut])
	}
	return t
}

// fetchNews gets a feed and returns its newest n headlines as proofs.
func fetchNews(ctx context.Context, client *http.Client, feed string, n int) ([]Proof, error) {
	if err := checkURL(feed); err != nil {
		return nil, fmt.Errorf("news feed: %v", err)
	}
	body, err := get(ctx, client, feed, maxFeedBytes)
	if err != nil {
		return nil, err
	}
	items, err := ParseFeed(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", feed, err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s: the feed has no item with both a title and a date", feed)
	}
	var out []Proof
	for _, it := range items[:min(n, len(items))] {
		out = append(out, Proof{Kind: News, Time: it.Time, Feed: feed, Title: it.Title})
	}
	return out, nil
}
