package freshness

import (
	"encoding/asn1"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Default API bases, used when a source gives no url. Any service with the
// same API works, including a self-hosted mirror: only the answers'
// cryptography is trusted, never the server.
const (
	DefaultDrandURL   = "https://api.drand.sh"
	DefaultBitcoinURL = "https://mempool.space/api"
	DefaultDepth      = 3
	DefaultNewsItems  = 3
	MaxDepth          = 6
	MaxFeeds          = 10
	MaxNewsItems      = 10
	MaxTSAs           = 5
)

// Config is the freshness section of a canary definition. A source that is
// not optional must deliver, or the canary is not issued.
type Config struct {
	Drand   *DrandConfig   `yaml:"drand"`
	Bitcoin *BitcoinConfig `yaml:"bitcoin"`
	News    *NewsConfig    `yaml:"news"`
	TSA     []TSAConfig    `yaml:"tsa"`
	// Client is what Collect and Stamp ask the sources and TSAs with when
	// they are given none: the command sets it to its fetch.Fetcher's
	// Client, so that these requests take the command's proxy and limits.
	// Without either, nothing is asked: there is no default client. It is
	// not part of a definition.
	Client *http.Client `yaml:"-" json:"-"`
}

// DrandConfig asks for the latest drand quicknet beacon.
type DrandConfig struct {
	URL      string `yaml:"url"`
	Optional bool   `yaml:"optional"`
}

// BitcoinConfig asks for the header of a block Depth blocks below the tip,
// from an Esplora-style block API.
type BitcoinConfig struct {
	URL      string `yaml:"url"`
	Depth    int    `yaml:"depth"`
	Optional bool   `yaml:"optional"`
}

// NewsConfig asks for the newest Items headlines of each feed.
type NewsConfig struct {
	Feeds    []string `yaml:"feeds"`
	Items    int      `yaml:"items"`
	Optional bool     `yaml:"optional"`
}

// TSAConfig names an RFC 3161 time-stamp authority.
type TSAConfig struct {
	URL string `yaml:"url"`
	// Roots is a PEM file of the roots the TSA's certificate must chain
	// to, relative to the definition; empty means the system's roots.
	Roots string `yaml:"roots"`
	// Policy is a TSA policy OID to request and require.
	Policy   string `yaml:"policy"`
	Optional bool   `yaml:"optional"`
}

// Empty says whether the section asks for nothing.
func (c *Config) Empty() bool {
	return c == nil || c.Drand == nil && c.Bitcoin == nil && c.News == nil && len(c.TSA) == 0
}

// Validate checks what the definition schema cannot express, and fills in
// defaults.
func (c *Config) Validate() error {
	if c == nil {
		return nil
	}
	if d := c.Drand; d != nil {
		if d.URL == "" {
			d.URL = DefaultDrandURL
		}
		if err := checkURL(d.URL); err != nil {
			return fmt.Errorf("freshness.drand.url: %v", err)
		}
	}
	if b := c.Bitcoin; b != nil {
		if b.URL == "" {
			b.URL = DefaultBitcoinURL
		}
		if err := checkURL(b.URL); err != nil {
			return fmt.Errorf("freshness.bitcoin.url: %v", err)
		}
		if b.Depth == 0 {
			b.Depth = DefaultDepth
		}
		if b.Depth < 1 || b.Depth > MaxDepth {
			return fmt.Errorf("freshness.bitcoin.depth %d: use 1 to %d; deeper blocks are too old to prove much", b.Depth, MaxDepth)
		}
	}
	if n := c.News; n != nil {
		if len(n.Feeds) == 0 || len(n.Feeds) > MaxFeeds {
			return fmt.Errorf("freshness.news.feeds: list 1 to %d feed URLs", MaxFeeds)
		}
		for i, f := range n.Feeds {
			if err := checkURL(f); err != nil {
				return fmt.Errorf("freshness.news.feeds[%d]: %v", i, err)
			}
		}
		if n.Items == 0 {
			n.Items = DefaultNewsItems
		}
		if n.Items < 1 || n.Items > MaxNewsItems {
			return fmt.Errorf("freshness.news.items %d: use 1 to %d", n.Items, MaxNewsItems)
		}
	}
	if len(c.TSA) > MaxTSAs {
		return fmt.Errorf("freshness.tsa: at most %d time-stamp authorities", MaxTSAs)
	}
	for i, t := range c.TSA {
		if err := checkURL(t.URL); err != nil {
			return fmt.Errorf("freshness.tsa[%d].url: %v", i, err)
		}
		if t.Policy != "" {
			if _, err := ParseOID(t.Policy); err != nil {
				return fmt.Errorf("freshness.tsa[%d].policy: %v", i, err)
			}
		}
	}
	return nil
}

// ParseOID reads a dotted object identifier such as 1.2.3.4.
func ParseOID(s string) (asn1.ObjectIdentifier, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, fmt.Errorf("%q is not an OID like 1.3.6.1.4.1.4146.2.3", s)
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || strconv.Itoa(n) != p {
			return nil, fmt.Errorf("%q is not an OID like 1.3.6.1.4.1.4146.2.3", s)
		}
		oid[i] = n
	}
	return oid, nil
}
