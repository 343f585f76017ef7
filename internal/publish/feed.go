package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/canarykit/canarykit/canary"
)

// The Atom feed (RFC 4287) is written by hand with encoding/xml: a handful
// of elements do not need a library. Links are relative, resolved against
// xml:base when the site's address is known, so the feed works wherever
// the site is served.

type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang      string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Base      string      `xml:"http://www.w3.org/XML/1998/namespace base,attr,omitempty"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle"`
	Updated   string      `xml:"updated"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Links     []atomLink  `xml:"link"`
	Entries   []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri"`
}

type atomLink struct {
	Rel   string `xml:"rel,attr"`
	Type  string `xml:"type,attr,omitempty"`
	Href  string `xml:"href,attr"`
	Title string `xml:"title,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// atomCDATA keeps the canary's lines as lines for a person reading the
// feed's source; encoding/xml splits any "]]>" safely.
type atomCDATA struct {
	Type string `xml:"type,attr"`
	Body string `xml:",cdata"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Published string     `xml:"published"`
	Updated   string     `xml:"updated"`
	Links     []atomLink `xml:"link"`
	Summary   atomText   `xml:"summary"`
	Content   atomCDATA  `xml:"content"`
}

// renderFeed writes one entry per canary, newest first. An entry's ID is
// the digest of its signed text, the same value the next canary's
// Previous line carries, so it never changes, even when a signer cosigns
// it later; its date is the Issued time.
func renderFeed(entries []*entry, base string) ([]byte, error) {
	cur := entries[0].Canary
	f := atomFeed{
		Lang:      "en",
		Base:      base,
		ID:        feedID(entries, base),
		Title:     "Warrant canary of " + cur.Issuer.Name,
		Subtitle:  "A new entry each time " + cur.Issuer.Name + " issues a canary. Only the signed files count: check them with gpg --verify or canary verify.",
		Updated:   cur.Issued.UTC().Format(time.RFC3339),
		Author:    atomPerson{Name: cur.Issuer.Name, URI: cur.Issuer.URL},
		Generator: "canarykit",
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: FeedFile},
			{Rel: "alternate", Type: "text/html", Href: IndexFile},
		},
	}
	for _, e := range entries {
		c := e.Canary
		file := e.File
		f.Entries = append(f.Entries, atomEntry{
			ID:        "urn:sha256:" + strings.TrimPrefix(e.Digest, "sha256:"),
			Title:     fmt.Sprintf("Canary %d of %s, valid until %s", c.Serial, c.Issuer.Name, c.Expires.UTC().Format(canary.ShownTime)),
			Published: c.Issued.UTC().Format(time.RFC3339),
			Updated:   c.Issued.UTC().Format(time.RFC3339),
			Links: []atomLink{
				{Rel: "alternate", Href: file, Title: "the signed canary (text/plain)"},
			},
			Summary: atomText{Type: "text", Body: summary(e)},
			Content: atomCDATA{Type: "text", Body: e.Text},
		})
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// summary says what a subscriber most needs: when it holds until, and
// whether any statement changed.
func summary(e *entry) string {
	c := e.Canary
	s := fmt.Sprintf("Canary %d of %s, issued %s, valid until %s. ", c.Serial, c.Issuer.Name, words(c.Issued), words(c.Expires))
	switch {
	case e.First:
		s += fmt.Sprintf("%d statements.", len(c.Statements))
	case len(e.Changes) == 0:
		s += fmt.Sprintf("All %d statements are unchanged since canary %d.", len(c.Statements), c.Serial-1)
	default:
		var parts []string
		for _, ch := range e.Changes {
			parts = append(parts, ch.Kind+" "+ch.ID)
		}
		s += fmt.Sprintf("Changed since canary %d: %s.", c.Serial-1, strings.Join(parts, ", "))
	}
	return s
}

// feedID stays the same for the life of the site: its address when
// known, otherwise a tag: URI (RFC 4151) from the issuer's domain and the
// date of the oldest canary on the site.
func feedID(entries []*entry, base string) string {
	if base != "" {
		return base + FeedFile
	}
	oldest := entries[len(entries)-1].Canary
	if u, err := url.Parse(oldest.Issuer.URL); err == nil && u.Hostname() != "" {
		return "tag:" + u.Hostname() + "," + oldest.Issued.UTC().Format("2006-01-02") + ":canary"
	}
	sum := sha256.Sum256([]byte(oldest.Issuer.Name + "\n" + oldest.Issuer.URL))
	return "urn:sha256:" + hex.EncodeToString(sum[:])
}
