// Package freshness bounds when a canary was signed. Before signing, the
// publisher collects values nobody could know in advance (a drand beacon,
// a recent Bitcoin block header, news headlines) and writes them into the
// signed text: the canary cannot be older than they are. After signing, an
// RFC 3161 time-stamp authority counter-signs the signature (package tsa):
// the canary cannot be younger than that. Every machine-checked proof is
// checked offline against constants in this package, never against
// anything fetched from the network.
package freshness

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A Kind names the source of a proof.
type Kind string

const (
	// Drand is a beacon of the League of Entropy's quicknet chain.
	Drand Kind = "drand"
	// Bitcoin is a Bitcoin block header.
	Bitcoin Kind = "bitcoin"
	// News is a headline from a feed: for people to check, never counted.
	News Kind = "news"
)

// Limits that keep a hostile canary cheap to parse and check: a drand
// signature takes milliseconds to verify, and one or two make the point.
const (
	MaxProofs   = 100
	MaxChecked  = 10 // drand and bitcoin lines
	MaxTitleLen = 300
	MaxURLLen   = 2000
)

// A Proof is one line of a canary's Freshness section. Its fields are those
// of its Kind; the others are zero.
type Proof struct {
	Kind Kind `json:"kind"`
	// Time is when the proof says it was made: the drand round's time, the
	// header's timestamp, the headline's date. It is written in the text
	// for readers and must agree with the beacon or header it comes with.
	Time time.Time `json:"time"`

	Chain     string `json:"chain,omitempty"` // drand: "quicknet"
	Round     uint64 `json:"round,omitempty"` // drand
	Signature Hex    `json:"signature,omitempty"`

	// Height is what the publisher's block API said; a header does not
	// prove its height, so it is only checked online.
	Height uint64 `json:"height,omitempty"`
	Header Hex    `json:"header,omitempty"` // bitcoin: the 80-byte header

	Feed  string `json:"feed,omitempty"`  // news: the feed's URL
	Title string `json:"title,omitempty"` // news
}

// Hex is bytes written as lowercase hex, in the text and in JSON.
type Hex []byte

func (h Hex) String() string               { return hex.EncodeToString(h) }
func (h Hex) MarshalJSON() ([]byte, error) { return json.Marshal(h.String()) }

func (h *Hex) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := parseHex(s, -1)
	*h = v
	return err
}

const timeLayout = "2006-01-02T15:04:05Z"

// Line returns the proof's line in the canary text. It does not validate;
// call Validate first.
func (p *Proof) Line() string {
	t := p.Time.UTC().Format(timeLayout)
	switch p.Kind {
	case Drand:
		return fmt.Sprintf("drand %s round %d time %s signature %s", p.Chain, p.Round, t, p.Signature)
	case Bitcoin:
		return fmt.Sprintf("bitcoin block %d time %s header %s", p.Height, t, p.Header)
	case News:
		return fmt.Sprintf("news time %s feed %s title %s", t, p.Feed, p.Title)
	}
	return string(p.Kind)
}

// ParseLine reads one line of a Freshness section. Only the form Line
// writes is accepted, so a line means one proof and a proof one line.
func ParseLine(line string) (*Proof, error) {
	kind, rest, _ := strings.Cut(line, " ")
	var p *Proof
	var err error
	switch Kind(kind) {
	case Drand:
		p, err = parseDrand(rest)
	case Bitcoin:
		p, err = parseBitcoin(rest)
	case News:
		p, err = parseNews(rest)
	default:
		return nil, fmt.Errorf("unknown freshness proof %q; a proof line starts with drand, bitcoin or news", clip(kind))
	}
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// fields splits s into exactly n words separated by single spaces, the
// last one taking the rest of s, and checks the fixed keywords: a "" in
// keys marks a value.
func fields(s string, keys ...string) ([]string, error) {
	parts := strings.SplitN(s, " ", len(keys))
	var vals []string
	for i, k := range keys {
		if i >= len(parts) || s == "" {
			return nil, fmt.Errorf("the line ends early; expected %s", expect(keys))
		}
		switch {
		case parts[i] == "":
			return nil, fmt.Errorf("a value is missing or two blanks follow each other; the line must read %s", expect(keys))
		case k != "" && parts[i] != k:
			return nil, fmt.Errorf("expected %q, found %q; the line must read %s", k, clip(parts[i]), expect(keys))
		case k == "":
			vals = append(vals, parts[i])
		}
	}
	return vals, nil
}

func expect(keys []string) string {
	var b []string
	for _, k := range keys {
		if k == "" {
			k = "…"
		}
		b = append(b, k)
	}
	return `"` + strings.Join(b, " ") + `"`
}

func parseDrand(s string) (*Proof, error) {
	v, err := fields(s, "", "round", "", "time", "", "signature", "")
	if err != nil {
		return nil, fmt.Errorf("drand proof: %v", err)
	}
	p := &Proof{Kind: Drand, Chain: v[0]}
	if p.Round, err = parseUint("drand round", v[1], 1); err != nil {
		return nil, err
	}
	if p.Time, err = parseTime("drand", v[2]); err != nil {
		return nil, err
	}
	if p.Signature, err = parseHex(v[3], -1); err != nil {
		return nil, fmt.Errorf("drand signature: %v", err)
	}
	return p, nil
}

func parseBitcoin(s string) (*Proof, error) {
	v, err := fields(s, "block", "", "time", "", "header", "")
	if err != nil {
		return nil, fmt.Errorf("bitcoin proof: %v", err)
	}
	p := &Proof{Kind: Bitcoin}
	if p.Height, err = parseUint("bitcoin block height", v[0], 0); err != nil {
		return nil, err
	}
	if p.Time, err = parseTime("bitcoin", v[1]); err != nil {
		return nil, err
	}
	if p.Header, err = parseHex(v[2], HeaderLen); err != nil {
		return nil, fmt.Errorf("bitcoin header: %v", err)
	}
	return p, nil
}

func parseNews(s string) (*Proof, error) {
	v, err := fields(s, "time", "", "feed", "", "title", "")
	if err != nil {
		return nil, fmt.Errorf("news line: %v", err)
	}
	p := &Proof{Kind: News, Feed: v[1], Title: v[2]}
	if p.Time, err = parseTime("news", v[0]); err != nil {
		return nil, err
	}
	return p, nil
}

// parseUint takes a whole number without leading zeros, as Line writes it.
func parseUint(what, s string, min uint64) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || strconv.FormatUint(n, 10) != s || n < min {
		return 0, fmt.Errorf("%s %q must be a whole number from %d, without leading zeros", what, clip(s), min)
	}
	return n, nil
}

func parseTime(what, s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil || t.Format(timeLayout) != s {
		return time.Time{}, fmt.Errorf("%s time %q must be an RFC 3339 UTC time like 2026-01-31T12:00:00Z", what, clip(s))
	}
	return t, nil
}

// parseHex takes lowercase hex only, so that one value has one spelling;
// n < 0 accepts any length.
func parseHex(s string, n int) (Hex, error) {
	if strings.ToLower(s) != s {
		return nil, fmt.Errorf("%q must be lowercase hex", clip(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not hex", clip(s))
	}
	if n >= 0 && len(b) != n {
		return nil, fmt.Errorf("%d bytes, want %d", len(b), n)
	}
	return b, nil
}

// Validate reports the first way in which p breaks the format's rules. It
// checks that the proof is well formed and that its Time agrees with its
// round or header; whether it is genuine is Check's business.
func (p *Proof) Validate() error {
	t := p.Time
	if t.Location() != time.UTC || t.Nanosecond() != 0 || t.Year() < 1970 || t.Year() > 9999 {
		return fmt.Errorf("%s proof time %v must be UTC, whole seconds, between 1970 and 9999", p.Kind, t)
	}
	switch p.Kind {
	case Drand:
		c, ok := chains[p.Chain]
		if !ok {
			return fmt.Errorf("drand chain %q is unknown; canarykit knows %s", clip(p.Chain), chainNames())
		}
		if p.Round == 0 || p.Round > maxRound {
			return fmt.Errorf("drand round %d is out of range (1 to %d)", p.Round, uint64(maxRound))
		}
		if len(p.Signature) != c.sigLen {
			return fmt.Errorf("drand %s signature is %d bytes, want %d", p.Chain, len(p.Signature), c.sigLen)
		}
		if want := c.RoundTime(p.Round); !t.Equal(want) {
			return fmt.Errorf("drand %s round %d was published at %s, not %s", p.Chain, p.Round, want.Format(timeLayout), t.Format(timeLayout))
		}
		if p.Height != 0 || p.Header != nil || p.Feed != "" || p.Title != "" {
			return fmt.Errorf("drand proof has fields of another kind")
		}
	case Bitcoin:
		h, err := ParseHeader(p.Header)
		if err != nil {
			return err
		}
		if !t.Equal(h.Time) {
			return fmt.Errorf("bitcoin header is dated %s, not %s", h.Time.Format(timeLayout), t.Format(timeLayout))
		}
		if p.Height > maxHeight {
			return fmt.Errorf("bitcoin block height %d is out of range (0 to %d)", p.Height, uint64(maxHeight))
		}
		if p.Chain != "" || p.Round != 0 || p.Signature != nil || p.Feed != "" || p.Title != "" {
			return fmt.Errorf("bitcoin proof has fields of another kind")
		}
	case News:
		if err := checkURL(p.Feed); err != nil {
			return fmt.Errorf("news feed: %v", err)
		}
		if err := checkTitle(p.Title); err != nil {
			return err
		}
		if p.Chain != "" || p.Round != 0 || p.Signature != nil || p.Height != 0 || p.Header != nil {
			return fmt.Errorf("news line has fields of another kind")
		}
	default:
		return fmt.Errorf("unknown freshness proof kind %q", clip(string(p.Kind)))
	}
	return nil
}

// CheckLimits enforces the section's size limits.
func CheckLimits(ps []Proof) error {
	if len(ps) > MaxProofs {
		return fmt.Errorf("%d freshness proofs; at most %d are allowed", len(ps), MaxProofs)
	}
	n := 0
	for i := range ps {
		if ps[i].Counts() {
			n++
		}
	}
	if n > MaxChecked {
		return fmt.Errorf("%d drand and bitcoin proofs; at most %d are allowed", n, MaxChecked)
	}
	return nil
}

// ValidateAll checks a whole Freshness section.
func ValidateAll(ps []Proof) error {
	if err := CheckLimits(ps); err != nil {
		return err
	}
	for i := range ps {
		if err := ps[i].Validate(); err != nil {
			return fmt.Errorf("freshness proof %d: %w", i+1, err)
		}
	}
	return nil
}

// checkTitle keeps a headline to one line a terminal shows as it is: no
// control characters, no bidirectional overrides that could make it read
// differently from its bytes, no blanks at the ends (OpenPGP strips them).
func checkTitle(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("news title is empty")
	case len(s) > MaxTitleLen:
		return fmt.Errorf("news title is longer than %d bytes", MaxTitleLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("news title is not valid UTF-8")
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("news title starts or ends with blanks")
	}
	for _, r := range s {
		if badRune(r) {
			return fmt.Errorf("news title contains the character %U, which is not allowed in a canary", r)
		}
	}
	return nil
}

func badRune(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' ||
		r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' || r == '\ufeff' || r == utf8.RuneError
}

func checkURL(u string) error {
	switch {
	case u == "" || len(u) > MaxURLLen:
		return fmt.Errorf("URL must be 1 to %d bytes", MaxURLLen)
	case !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://"):
		return fmt.Errorf("URL %q must start with https:// or http://", clip(u))
	case !utf8.ValidString(u) || strings.ContainsFunc(u, func(r rune) bool { return unicode.IsSpace(r) || badRune(r) }):
		return fmt.Errorf("URL %q contains blanks or control characters", clip(u))
	}
	return nil
}

func clip(s string) string {
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
