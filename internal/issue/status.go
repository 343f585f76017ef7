package issue

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/verdict"
)

// DefaultWarnBefore is how long before the next canary is due a publisher
// is warned: two weeks, so that a deadline on a weekend or a holiday is
// seen with working days to spare.
const DefaultWarnBefore = 14 * 24 * time.Hour

// StatusOptions say whose schedule to judge, and when.
type StatusOptions struct {
	Def        *Definition
	Dir        string // the publication directory
	At         time.Time
	WarnBefore time.Duration
}

// A Status tells a publisher where they stand: when the next canary is
// due, and whether the keys and timestamp certificates will still work
// then. Its Status is the exit code: 1 inside the warning window, 2 once
// overdue.
type Status struct {
	Status   verdict.Status  `json:"status"`
	Summary  string          `json:"summary"`
	At       time.Time       `json:"at"`
	Serial   uint64          `json:"serial"`
	Issued   time.Time       `json:"issued"`
	Due      time.Time       `json:"due"`
	Expires  time.Time       `json:"expires"`
	DaysLeft int             `json:"days_left"` // until Due, rounded down; negative once overdue
	Checks   []verdict.Check `json:"checks"`
	Keys     []KeyStatus     `json:"keys"`
	TSA      []CertStatus    `json:"tsa"`
}

// KeyStatus is one configured signer.
type KeyStatus struct {
	Signer      string     `json:"signer"` // as the definition names it
	Fingerprint string     `json:"fingerprint,omitempty"`
	CanSign     bool       `json:"can_sign"`
	Expires     *time.Time `json:"expires"` // nil: never
}

// CertStatus is a time-stamp authority certificate: from a token beside
// the canary, or a roots file of the definition.
type CertStatus struct {
	File     string    `json:"file"`
	Subject  string    `json:"subject"`
	NotAfter time.Time `json:"not_after"`
}

// Check judges the publication directory o.Dir against the definition's
// schedule. An error means it could not judge at all (no canary yet, an
// unreadable file): never an all-clear.
func Check(o StatusOptions) (*Status, error) {
	if o.WarnBefore <= 0 {
		o.WarnBefore = DefaultWarnBefore
	}
	at := o.At.UTC()
	c, _, err := ReadCurrent(o.Dir)
	if err != nil {
		return nil, err
	}
	if c == nil {
		if _, err := os.Stat(o.Dir); err != nil {
			return nil, fmt.Errorf("%s: %v; give the publication directory canary issue writes (--out)", o.Dir, errors.Unwrap(err))
		}
		return nil, fmt.Errorf("%s has no %s: no canary has been issued there yet; run canary issue --out %s", o.Dir, CurrentFile, o.Dir)
	}
	due := c.Issued.Add(time.Duration(o.Def.Cadence))
	s := &Status{At: at, Serial: c.Serial, Issued: c.Issued, Due: due, Expires: c.Expires,
		DaysLeft: int(math.Floor(due.Sub(at).Hours() / 24)), Keys: []KeyStatus{}, TSA: []CertStatus{}}
	s.schedule(c, at, o.WarnBefore)
	s.keys(o, at, due)
	s.tokens(o, at, due)
	if _, err := os.Stat(filepath.Join(o.Dir, DraftFile)); err == nil {
		s.add("draft", verdict.OK, filepath.Join(o.Dir, DraftFile)+" is waiting for its signers; publish it with canary issue --from once enough have signed")
	}
	for _, ch := range s.Checks {
		s.Status = verdict.Worse(s.Status, ch.Status)
	}
	s.Summary = s.Status.String() + ": " + s.Checks[0].Message
	if s.Status != verdict.OK && s.Checks[0].Status == verdict.OK {
		for _, ch := range s.Checks {
			if ch.Status == s.Status {
				s.Summary = s.Status.String() + ": " + ch.Message
				break
			}
		}
	}
	return s, nil
}

func (s *Status) add(name string, st verdict.Status, msg string) {
	s.Checks = append(s.Checks, verdict.Check{Name: name, Status: st, Message: msg})
}

func (s *Status) schedule(c *canary.Canary, at time.Time, warn time.Duration) {
	due, exp := s.Due, c.Expires
	switch {
	case !at.Before(exp):
		s.add("schedule", verdict.Critical, fmt.Sprintf("canary %d expired on %s, %s ago: readers now see it as lapsed; issue a new one now",
			c.Serial, dayOf(exp), span(at.Sub(exp))))
	case !at.Before(due):
		s.add("schedule", verdict.Critical, fmt.Sprintf("the next canary is overdue: it was due on %s, %s ago; issue it now, before canary %d expires on %s (in %s)",
			dayOf(due), span(at.Sub(due)), c.Serial, dayOf(exp), span(exp.Sub(at))))
	case !at.Before(due.Add(-warn)):
		s.add("schedule", verdict.Warning, fmt.Sprintf("the next canary is due on %s, in %s%s; issue it now",
			dayOf(due), span(due.Sub(at)), weekend(due)))
	default:
		s.add("schedule", verdict.OK, fmt.Sprintf("the next canary is due on %s, in %s%s; canary %d is valid until %s",
			dayOf(due), span(due.Sub(at)), weekend(due), c.Serial, dayOf(exp)))
	}
}

// keys checks that enough signers can sign the next canary on the day it
// is due.
func (s *Status) keys(o StatusOptions, at, due time.Time) {
	ableNow, ableDue := 0, 0
	for _, ref := range o.Def.Signers {
		ks := KeyStatus{Signer: ref.Key}
		sg, err := o.Def.OpenSigner(ref, true)
		if err != nil {
			s.Keys = append(s.Keys, ks)
			s.add("key", verdict.Unknown, fmt.Sprintf("cannot read signer %s: %v", ref.Key, err))
			continue
		}
		ks.Fingerprint = sg.Fingerprint()
		exp, ok := sg.Expiry(at)
		ks.CanSign = ok
		if !exp.IsZero() {
			ks.Expires = &exp
		}
		s.Keys = append(s.Keys, ks)
		switch {
		case !ok:
			s.add("key", verdict.Critical, fmt.Sprintf("key %s (%s) cannot sign now: it has expired, been revoked or is not a signing key", ks.Fingerprint, ref.Key))
			continue
		case exp.IsZero():
			s.add("key", verdict.OK, fmt.Sprintf("key %s (%s) does not expire", ks.Fingerprint, ref.Key))
		case !exp.After(due):
			s.add("key", verdict.Warning, fmt.Sprintf("key %s (%s) expires on %s, before the next canary is due; extend it (gpg --quick-set-expire) and republish the public key, or configure a new signer", ks.Fingerprint, ref.Key, dayOf(exp)))
		case !exp.After(at.Add(o.WarnBefore)):
			s.add("key", verdict.Warning, fmt.Sprintf("key %s (%s) expires on %s, in %s; extend it and republish the public key", ks.Fingerprint, ref.Key, dayOf(exp), span(exp.Sub(at))))
		default:
			s.add("key", verdict.OK, fmt.Sprintf("key %s (%s) expires on %s", ks.Fingerprint, ref.Key, dayOf(exp)))
		}
		ableNow++
		if exp.IsZero() || exp.After(due) {
			ableDue++
		}
	}
	switch {
	case ableNow < o.Def.Threshold:
		s.add("threshold", verdict.Critical, fmt.Sprintf("only %d of the signers can sign now; the next canary needs %d", ableNow, o.Def.Threshold))
	case ableDue < o.Def.Threshold:
		s.add("threshold", verdict.Warning, fmt.Sprintf("only %d of the signers can still sign on %s, when the next canary is due; it needs %d", ableDue, dayOf(due), o.Def.Threshold))
	}
}

// tokens reports the certificates that timestamps depend on: the TSA
// certificates in the current canary's tokens, and the roots files the
// definition checks new tokens against. An expired root stops the next
// issue; an expiring TSA certificate is the TSA's to replace, but worth
// knowing before the day.
func (s *Status) tokens(o StatusOptions, at, due time.Time) {
	for i := 0; i < 20; i++ {
		name := canary.TokenName(CurrentFile, i)
		p := filepath.Join(o.Dir, name)
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil {
			s.add("tsa", verdict.Unknown, fmt.Sprintf("cannot read %s: %v", p, err))
			continue
		}
		ts, err := timestamp.ParseResponse(b)
		if err != nil {
			s.add("tsa", verdict.Warning, fmt.Sprintf("%s is not a readable RFC 3161 timestamp: %v", p, err))
			continue
		}
		for _, cert := range signingCerts(ts.Certificates) {
			s.cert(p, cert, at, due, false)
		}
	}
	if o.Def.Freshness == nil {
		return
	}
	for _, t := range o.Def.Freshness.TSA {
		if t.Roots == "" {
			continue
		}
		p := t.Roots
		if !filepath.IsAbs(p) {
			p = filepath.Join(o.Def.Dir, p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			s.add("tsa", verdict.Unknown, fmt.Sprintf("cannot read the TSA roots of %s: %v", t.URL, err))
			continue
		}
		for rest := b; ; {
			var blk *pem.Block
			if blk, rest = pem.Decode(rest); blk == nil {
				break
			}
			if cert, err := x509.ParseCertificate(blk.Bytes); err == nil {
				s.cert(p, cert, at, due, !t.Optional)
			}
		}
	}
}

func (s *Status) cert(file string, c *x509.Certificate, at, due time.Time, stops bool) {
	s.TSA = append(s.TSA, CertStatus{File: file, Subject: c.Subject.String(), NotAfter: c.NotAfter.UTC()}) // for JSON
	who := fmt.Sprintf("TSA certificate %q in %s", shortDN(c.Subject.String()), file)
	switch {
	case !c.NotAfter.After(at) && stops:
		s.add("tsa", verdict.Critical, fmt.Sprintf("%s expired on %s; the next issue will fail: get the TSA's current root", who, dayOf(c.NotAfter)))
	case !c.NotAfter.After(at):
		s.add("tsa", verdict.Warning, fmt.Sprintf("%s expired on %s; new timestamps need the TSA's current certificate", who, dayOf(c.NotAfter)))
	case !c.NotAfter.After(due) || !c.NotAfter.After(at.Add(14*24*time.Hour)):
		s.add("tsa", verdict.Warning, fmt.Sprintf("%s expires on %s, before the next canary is due or within two weeks; check that the TSA's new certificate chains to your roots", who, dayOf(c.NotAfter)))
	default:
		s.add("tsa", verdict.OK, fmt.Sprintf("%s expires on %s", who, dayOf(c.NotAfter)))
	}
}

// signingCerts picks the time-stamping certificates among a token's
// certificates (a token may carry its whole chain).
func signingCerts(certs []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range certs {
		for _, u := range c.ExtKeyUsage {
			if u == x509.ExtKeyUsageTimeStamping {
				out = append(out, c)
			}
		}
	}
	if len(out) == 0 && len(certs) > 0 {
		return certs[:1]
	}
	return out
}

func shortDN(dn string) string {
	for _, part := range strings.Split(dn, ",") {
		if v, ok := strings.CutPrefix(part, "CN="); ok {
			return v
		}
	}
	return dn
}

// day writes a date with its weekday: a deadline is a day of the week to
// the person who has to meet it.
func dayOf(t time.Time) string { return t.UTC().Format("Mon 2006-01-02 15:04 UTC") }

// weekend warns of a deadline on a Saturday or Sunday, the most common
// way a canary lapses.
func weekend(t time.Time) string {
	switch t.UTC().Weekday() {
	case time.Saturday, time.Sunday:
		return " (a " + t.UTC().Weekday().String() + ": plan to issue it on the working day before)"
	}
	return ""
}

func span(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	}
	return "moments"
}
