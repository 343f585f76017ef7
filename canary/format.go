package canary

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/canarykit/canarykit/internal/freshness"
)

// FormatV1 is the format tag on the first line of every canary this
// package writes.
const FormatV1 = "canarykit/1"

// A Canary is the parsed form of a canarykit/1 text. Its JSON form is
// described by the canary JSON Schema in package schema.
type Canary struct {
	Format     string      `json:"format"`
	Issuer     Issuer      `json:"issuer"`
	Serial     uint64      `json:"serial"`
	Issued     time.Time   `json:"issued"`
	Expires    time.Time   `json:"expires"`
	Previous   string      `json:"previous,omitempty"`
	Threshold  int         `json:"threshold"`
	Signers    []string    `json:"signers"`
	Statements []Statement `json:"statements"`
	// Freshness holds the proofs that the canary was made after a moment
	// nobody could predict (canary/freshness.go, docs/FRESHNESS.md).
	Freshness []freshness.Proof `json:"freshness,omitempty"`
}

// Issuer names who makes the statements.
type Issuer struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// A Statement is one claim of the canary. Its ID stays the same from one
// canary to the next so that a reader can tell a removed or reworded
// statement from a new one.
type Statement struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Limits that keep a hostile canary from costing unbounded time or memory.
const (
	MaxTextLen     = 2000
	MaxIssuerLen   = 200
	MaxURLLen      = 2000
	MaxStatements  = 1000
	MaxSigners     = 20
	MaxCanaryBytes = 4 << 20
	// MaxSerial is 2^53-1: JSON readers that hold numbers as doubles
	// (JavaScript, jq) cannot tell larger serials apart, so their replay
	// checks would fail.
	MaxSerial = 1<<53 - 1
	// TimeLayout is how a canary writes its times (Issued, Expires):
	// RFC 3339, UTC, whole seconds.
	TimeLayout = "2006-01-02T15:04:05Z"
	// ShownTime is how canarykit shows a canary's times to a person, in
	// messages, pages and feeds: to the minute, with the zone said, since
	// a deadline read in another zone must not move. Format it with a
	// time in UTC.
	ShownTime        = "2006-01-02 15:04 UTC"
	statementsHeader = "Statements:"
)

// The shapes of a canary's fields are the regular expressions FORMAT.md
// and the canary JSON Schema state. A counted repetition such as {0,63}
// compiles to one state per count: the four patterns as written took
// 0.3 ms of every process's start-up (5% of a cold canary verify), so the
// long ones are written with * and their lengths checked beside them.
var (
	idRE          = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`) // and at most 64 bytes: isID
	fingerprintRE = regexp.MustCompile(`^[0-9A-F]{40}([0-9A-F]{24})?$`)
	digestRE      = regexp.MustCompile(`^sha256:[0-9a-f]*$`) // and 64 digits: isDigest
	serialRE      = regexp.MustCompile(`^[1-9][0-9]*$`)      // and at most 19 digits: isSerial
)

// isID is ^[a-z0-9][a-z0-9-]{0,63}$.
func isID(s string) bool { return len(s) <= 64 && idRE.MatchString(s) }

// isDigest is ^sha256:[0-9a-f]{64}$.
func isDigest(s string) bool { return len(s) == len("sha256:")+64 && digestRE.MatchString(s) }

// IsFingerprint says whether s is a fingerprint as a canary lists it:
// uppercase hex, 40 digits (v4) or 64 (v6).
func IsFingerprint(s string) bool { return fingerprintRE.MatchString(s) }

// isSerial is ^[1-9][0-9]{0,18}$.
func isSerial(s string) bool { return len(s) <= 19 && serialRE.MatchString(s) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// all says whether every byte of s is ok (issue.go's numbered names).
func all(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// Digest returns the value a canary's Previous field must carry to name the
// canary whose text is given. text is the signed text with LF line endings
// and a final LF, which is exactly what `gpg --decrypt canary.txt` prints,
// so a reader can check the chain with sha256sum alone.
func Digest(text []byte) string {
	sum := sha256.Sum256(text)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Conclusion is the plain-language line that ends every canary, so that a
// reader who knows nothing of the format learns what a lapse means.
func Conclusion(expires time.Time) string {
	return "If no newer canary has replaced this one by " + expires.UTC().Format(TimeLayout) +
		", do not rely on the statements above: assume that they may no longer be true."
}

// Render returns the canonical canarykit/1 text of c. It is deterministic:
// Parse(Render(c)) equals c and Render(Parse(t)) equals t byte for byte.
// Render does not validate; call Validate first.
func (c *Canary) Render() []byte {
	var b bytes.Buffer
	field := func(k, v string) { b.WriteString(k + ": " + v + "\n") }
	field("Format", c.Format)
	field("Issuer", c.Issuer.Name)
	field("Issuer-URL", c.Issuer.URL)
	field("Serial", strconv.FormatUint(c.Serial, 10))
	field("Issued", c.Issued.UTC().Format(TimeLayout))
	field("Expires", c.Expires.UTC().Format(TimeLayout))
	if c.Previous != "" {
		field("Previous", c.Previous)
	}
	field("Threshold", strconv.Itoa(c.Threshold))
	for _, s := range c.Signers {
		field("Signer", s)
	}
	b.WriteString("\n" + statementsHeader + "\n")
	for _, s := range c.Statements {
		b.WriteString("[" + s.ID + "] " + s.Text + "\n")
	}
	renderFreshness(&b, c.Freshness)
	b.WriteString("\n" + Conclusion(c.Expires) + "\n")
	return b.Bytes()
}

// A FieldError says which field of a canary breaks the rules, so that a
// parser can point at its line.
type FieldError struct {
	Field string // "issuer", "serial", "statement 2", ...
	Err   error
}

func (e *FieldError) Error() string { return e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, format string, a ...any) error {
	return &FieldError{field, fmt.Errorf(format, a...)}
}

func inField(field string, err error) error {
	if err == nil {
		return nil
	}
	return &FieldError{field, err}
}

// Validate reports the first way in which c breaks the format's rules.
func (c *Canary) Validate() error {
	if c.Format != FormatV1 {
		return fieldErr("format", "format is %q, want %q", c.Format, FormatV1)
	}
	if err := c.Issuer.Validate(); err != nil {
		return err
	}
	if c.Serial < 1 {
		return fieldErr("serial", "serial %d is out of range (1 to 2^53-1)", c.Serial)
	}
	if c.Serial > MaxSerial {
		return fieldErr("serial", "serial %d is larger than 2^53-1, the largest number JSON readers agree on", c.Serial)
	}
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"issued", c.Issued}, {"expires", c.Expires}} {
		name, t := f.name, f.t
		if t.Location() != time.UTC || t.Nanosecond() != 0 || t.Year() < 1970 || t.Year() > 9999 {
			return fieldErr(name, "%s time %v must be UTC, whole seconds, between 1970 and 9999", name, t)
		}
	}
	if !c.Expires.After(c.Issued) {
		return fieldErr("expires", "expires %s is not after issued %s", c.Expires.Format(TimeLayout), c.Issued.Format(TimeLayout))
	}
	if c.Previous != "" && !isDigest(c.Previous) {
		return fieldErr("previous", "previous %q is not a sha256:<64 hex digits> digest", c.Previous)
	}
	if len(c.Signers) > MaxSigners {
		return fieldErr("signer", "%d signers; at most %d are allowed", len(c.Signers), MaxSigners)
	}
	seen := map[string]bool{}
	for i, s := range c.Signers {
		if !fingerprintRE.MatchString(s) {
			return fieldErr(fmt.Sprint("signer ", i), "signer %q is not an uppercase hex OpenPGP fingerprint", s)
		}
		if seen[s] {
			return fieldErr(fmt.Sprint("signer ", i), "signer %s is listed twice", s)
		}
		seen[s] = true
	}
	if c.Threshold < 1 || c.Threshold > MaxSigners {
		return fieldErr("threshold", "threshold %d is out of range (1 to %d)", c.Threshold, MaxSigners)
	}
	if len(c.Signers) > 0 && c.Threshold > len(c.Signers) {
		return fieldErr("threshold", "threshold %d is more than the %d signers listed", c.Threshold, len(c.Signers))
	}
	if err := CheckStatements(c.Statements); err != nil {
		return err
	}
	return checkFreshness(c.Freshness)
}

// Validate reports the first way in which i breaks the format's rules for
// an issuer; a publisher's definition is held to the same rules, so that
// what it asks for can always be issued.
func (i Issuer) Validate() error {
	if err := checkText("issuer name", i.Name, MaxIssuerLen); err != nil {
		return inField("issuer", err)
	}
	if err := checkURL(i.URL); err != nil {
		return inField("issuer-url", err)
	}
	return nil
}

// CheckStatements reports the first way in which ss breaks the format's
// rules for statements (a definition's as much as a canary's).
func CheckStatements(ss []Statement) error {
	if len(ss) == 0 {
		return fieldErr("statements", "a canary needs at least one statement")
	}
	if len(ss) > MaxStatements {
		return fieldErr("statements", "%d statements; at most %d are allowed", len(ss), MaxStatements)
	}
	ids := make(map[string]bool, len(ss))
	for i, s := range ss {
		if !isID(s.ID) {
			return fieldErr(fmt.Sprint("statement ", i), "statement %d: id %q must be 1 to 64 lowercase letters, digits or dashes, starting with a letter or digit", i+1, s.ID)
		}
		if ids[s.ID] {
			return fieldErr(fmt.Sprint("statement ", i), "statement id %q is used twice; every statement needs its own id", s.ID)
		}
		ids[s.ID] = true
		if err := checkLine("statement", s.ID, s.Text, MaxTextLen); err != nil {
			return inField(fmt.Sprint("statement ", i), err)
		}
	}
	return nil
}

// checkText enforces what keeps a line unambiguous once clearsigned: one
// line, valid UTF-8, no control characters (OpenPGP would strip trailing
// blanks, and a terminal would act on escapes), no blanks at either end.
func checkText(what, s string, max int) error { return checkLine(what, "", s, max) }

// checkLine is checkText for the item id of a kind ("statement", id): the
// label is only built for an error, not for every statement checked.
func checkLine(kind, id, s string, max int) error {
	what := kind
	if id != "" {
		what += " " + id
	}
	switch {
	case s == "":
		return fmt.Errorf("%s is empty", what)
	case len(s) > max:
		return fmt.Errorf("%s is longer than %d bytes", what, max)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s is not valid UTF-8", what)
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("%s starts or ends with blanks", what)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("%s contains the control character %U; statements are one line of plain text", what, r)
		}
	}
	return nil
}

func checkURL(u string) error {
	if err := checkText("issuer URL", u, MaxURLLen); err != nil {
		return err
	}
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return fmt.Errorf("issuer URL %q must start with https:// or http://", u)
	}
	if strings.ContainsFunc(u, unicode.IsSpace) {
		return fmt.Errorf("issuer URL %q contains blanks", u)
	}
	return nil
}

// A ParseError names the line of the canary text that is wrong.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Parse reads a canarykit/1 text: the signed text with LF line endings and
// a final LF. It accepts only the canonical form that Render writes, so that
// two different texts never mean the same canary.
func Parse(text []byte) (*Canary, error) {
	if len(text) > MaxCanaryBytes {
		return nil, &ParseError{1, fmt.Sprintf("canary is larger than %d bytes", MaxCanaryBytes)}
	}
	if !utf8.Valid(text) {
		return nil, &ParseError{1, "canary is not valid UTF-8"}
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return nil, &ParseError{1, "canary text must end with a line break"}
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	p := &parser{lines: lines, at: make(map[string]int, 16)}
	c := &Canary{}

	p.mark("format")
	c.Format = p.field("Format")
	if p.err == nil && c.Format != FormatV1 {
		return nil, &ParseError{1, fmt.Sprintf("not a %s canary (Format: %q)", FormatV1, c.Format)}
	}
	p.mark("issuer")
	c.Issuer.Name = p.field("Issuer")
	p.mark("issuer-url")
	c.Issuer.URL = p.field("Issuer-URL")
	p.mark("serial")
	if s := p.field("Serial"); p.err == nil {
		if !isSerial(s) {
			p.failAt(p.at["serial"], "serial %q must be a whole number without leading zeros", s)
		}
		c.Serial, _ = strconv.ParseUint(s, 10, 64)
	}
	p.mark("issued")
	c.Issued = p.time("Issued")
	p.mark("expires")
	c.Expires = p.time("Expires")
	if p.peek("Previous") {
		p.mark("previous")
		c.Previous = p.field("Previous")
		if p.err == nil && c.Previous == "" { // Render would drop the line
			p.failAt(p.at["previous"], "previous is empty; the first canary of a chain has no Previous line")
		}
	}
	p.mark("threshold")
	if s := p.field("Threshold"); p.err == nil {
		n, err := strconv.Atoi(s)
		if err != nil || strconv.Itoa(n) != s {
			p.failAt(p.at["threshold"], "threshold %q must be a whole number", s)
		}
		c.Threshold = n
	}
	p.mark("signer")
	for p.err == nil && p.peek("Signer") && len(c.Signers) <= MaxSigners {
		p.signerLines = append(p.signerLines, p.i+1)
		c.Signers = append(c.Signers, p.field("Signer"))
	}
	if len(c.Signers) > MaxSigners {
		p.failAt(p.signerLines[MaxSigners], "more than %d Signer lines; at most %d are allowed", MaxSigners, MaxSigners)
	}
	p.literal("")
	p.literal(statementsHeader)
	p.mark("statements")
	// At most one statement per remaining line, and at most one more than
	// allowed is read: allocated once rather than grown line by line.
	n := max(0, min(len(p.lines)-p.i, MaxStatements+1))
	c.Statements = make([]Statement, 0, n)
	p.statementLines = make([]int, 0, n)
	for p.err == nil && p.i < len(p.lines) && p.lines[p.i] != "" && len(c.Statements) <= MaxStatements {
		line := p.lines[p.i]
		id, txt, ok := strings.Cut(strings.TrimPrefix(line, "["), "] ")
		if !strings.HasPrefix(line, "[") || !ok {
			p.fail("statement must look like \"[id] text\", found %q", clip(line))
			break
		}
		p.statementLines = append(p.statementLines, p.i+1)
		c.Statements = append(c.Statements, Statement{ID: id, Text: txt})
		p.i++
	}
	if len(c.Statements) > MaxStatements {
		p.failAt(p.statementLines[MaxStatements], "more than %d statements; at most %d are allowed", MaxStatements, MaxStatements)
	}
	p.literal("")
	c.Freshness = p.freshness()
	if p.err != nil {
		return nil, p.err
	}
	if err := c.Validate(); err != nil {
		line := p.i + 1
		if fe, ok := err.(*FieldError); ok && p.lineOf(fe.Field) > 0 {
			line = p.lineOf(fe.Field)
		}
		return nil, &ParseError{line, err.Error()}
	}
	p.literal(Conclusion(c.Expires))
	if p.err == nil && p.i != len(p.lines) {
		p.fail("unexpected text after the closing sentence")
	}
	if p.err != nil {
		return nil, p.err
	}
	return c, nil
}

type parser struct {
	lines []string
	i     int
	err   *ParseError
	at    map[string]int // field name -> line number, for FieldErrors
	// The lines of the Signer and statement lines, by index: FieldErrors
	// name them "signer N" and "statement N".
	signerLines, statementLines []int
}

func (p *parser) mark(field string) { p.at[field] = p.i + 1 }

// lineOf is the line a FieldError's field was read from, or 0.
func (p *parser) lineOf(field string) int {
	if n, ok := p.at[field]; ok {
		return n
	}
	for _, l := range []struct {
		prefix string
		lines  []int
	}{{"signer ", p.signerLines}, {"statement ", p.statementLines}} {
		if rest, ok := strings.CutPrefix(field, l.prefix); ok {
			if i, err := strconv.Atoi(rest); err == nil && i >= 0 && i < len(l.lines) {
				return l.lines[i]
			}
		}
	}
	return 0
}

func (p *parser) fail(format string, a ...any) {
	if p.err == nil {
		p.err = &ParseError{p.i + 1, fmt.Sprintf(format, a...)}
	}
}

func (p *parser) failAt(line int, format string, a ...any) {
	if p.err == nil {
		p.err = &ParseError{line, fmt.Sprintf(format, a...)}
	}
}

func (p *parser) peek(key string) bool {
	return p.err == nil && p.i < len(p.lines) && strings.HasPrefix(p.lines[p.i], key+": ")
}

func (p *parser) field(key string) string {
	if p.err != nil {
		return ""
	}
	if !p.peek(key) {
		if p.i < len(p.lines) {
			p.fail("expected \"%s: ...\", found %q", key, clip(p.lines[p.i]))
		} else {
			p.fail("expected \"%s: ...\", found the end of the text", key)
		}
		return ""
	}
	v := strings.TrimPrefix(p.lines[p.i], key+": ")
	p.i++
	return v
}

func (p *parser) time(key string) time.Time {
	s := p.field(key)
	if p.err != nil {
		return time.Time{}
	}
	t, err := time.Parse(TimeLayout, s)
	if err != nil || t.Format(TimeLayout) != s {
		p.i--
		p.fail("%s %q must be an RFC 3339 UTC time like 2026-01-31T12:00:00Z", strings.ToLower(key), s)
	}
	return t
}

func (p *parser) literal(want string) {
	if p.err != nil {
		return
	}
	switch {
	case p.i >= len(p.lines):
		p.fail("expected %q, found the end of the text", clip(want))
	case p.lines[p.i] != want:
		if want == "" {
			p.fail("expected an empty line, found %q", clip(p.lines[p.i]))
		} else {
			p.fail("expected %q, found %q", clip(want), clip(p.lines[p.i]))
		}
	default:
		p.i++
	}
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// MarshalJSON writes an empty list, not null, for a canary without Signer
// lines, as the canary JSON Schema requires.
func (c Canary) MarshalJSON() ([]byte, error) {
	type plain Canary
	if c.Signers == nil {
		c.Signers = []string{}
	}
	return json.Marshal(plain(c))
}
