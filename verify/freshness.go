package verify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/freshness"
	"github.com/canarykit/canarykit/internal/freshness/tsa"
)

// FreshnessOptions say how to judge proofs of when a canary was signed.
type FreshnessOptions struct {
	// Tokens are RFC 3161 timestamp files (FILE.tsr, FILE.2.tsr, ...
	// beside the canary) over its binary signature packets.
	Tokens [][]byte
	// TSARoots are the roots a TSA certificate must chain to; nil means
	// the system's roots.
	TSARoots *x509.CertPool
	// Require makes a canary without a checked, recent not-before proof
	// (drand or Bitcoin) CRITICAL.
	Require bool
	// Online confirms Bitcoin blocks through the Esplora-style BlockAPI
	// (default freshness.DefaultBitcoinURL) with Client (nil: the default).
	Online   bool
	BlockAPI string
	Client   *http.Client
}

// A FreshnessProof is the verdict on one proof of when the canary was
// signed: a proof in its text (drand, bitcoin, news) or a timestamp token
// beside it (tsa).
type FreshnessProof struct {
	Kind  string `json:"kind"`
	Claim string `json:"claim"` // what the proof says, in words
	// Bound is the moment the proof, once checked, puts on the signing
	// time: the canary was made after it (not_before) or before it
	// (not_after). Absent when the proof bounds nothing.
	Bound *time.Time `json:"bound,omitempty"`
	Side  string     `json:"side,omitempty"` // not_before or not_after
	// Result is ok, stale, contradicts, invalid, untrusted, unchecked
	// (could not be confirmed online) or reported (news: for people).
	Result  string `json:"result"`
	Message string `json:"message"`
}

// A Window is the interval the checked proofs allow for the signing time;
// a nil end is open.
type Window struct {
	NotBefore *time.Time `json:"not_before"`
	NotAfter  *time.Time `json:"not_after"`
}

// Proof results.
const (
	ProofOK          = "ok"
	ProofStale       = "stale"
	ProofContradicts = "contradicts"
	ProofInvalid     = "invalid"
	ProofUntrusted   = "untrusted"
	ProofUnchecked   = "unchecked"
	ProofReported    = "reported"
)

// checkFreshness judges the canary's freshness proofs and timestamp tokens
// and the window they leave for the signing time. sigs are the binary
// signature packets, which the tokens time-stamp. Principles: a proof
// that fails is never counted; a proof that shows the canary's dates false
// is CRITICAL; a proof that could not be checked is at worst UNKNOWN.
func (r *Result) checkFreshness(sigs []byte, c *canary.Canary, opts FreshnessOptions) {
	r.Window = &Window{}
	var nb, na *time.Time
	fresh := false // a not-before proof recent enough to speak for this canary
	later := func(t time.Time) {
		if nb == nil || t.After(*nb) {
			nb = &t
		}
	}
	earlier := func(t time.Time) {
		if na == nil || t.Before(*na) {
			na = &t
		}
	}
	for i := range c.Freshness {
		p := &c.Freshness[i]
		fp := FreshnessProof{Kind: string(p.Kind), Claim: p.Describe()}
		if !p.Counts() {
			fp.Result = ProofReported
			fp.Message = fmt.Sprintf("headline %q from %s, dated %s: for you to check; never counted as proof", p.Title, p.Feed, stamp(p.Time))
			r.addProof(fp, OK)
			continue
		}
		if err := p.Check(); err != nil {
			fp.Result = ProofInvalid
			fp.Message = fmt.Sprintf("%s: %v; the canary carries a proof of freshness that is false", p.Describe(), err)
			r.addProof(fp, Critical)
			continue
		}
		bound := p.NotBefore()
		fp.Bound, fp.Side = &bound, "not_before"
		status := OK
		var te *freshness.TimingError
		switch err := p.CheckTime(c.Issued); {
		case errors.As(err, &te) && te.Contradiction:
			fp.Result, fp.Message, status = ProofContradicts, te.Error(), Critical
		case errors.As(err, &te):
			fp.Result, fp.Message, status = ProofStale, te.Error(), Warning
		default:
			fp.Result = ProofOK
			fp.Message = fmt.Sprintf("%s is genuine: the canary was made after %s", p.Describe(), exact(bound))
			fresh = true
		}
		if p.Kind == freshness.Bitcoin && opts.Online && status != Critical {
			switch err := r.confirmBlock(p, opts); {
			case errors.Is(err, freshness.ErrNotInMainChain):
				fp.Result, fp.Message, status, fresh = ProofInvalid, err.Error()+"; its bound is not counted", Warning, false
				r.addProof(fp, status)
				continue
			case err != nil:
				r.add("freshness", Unknown, "could not confirm online that %s is in the Bitcoin main chain: %v", p.Describe(), err)
				fp.Result = ProofUnchecked
			default:
				fp.Message += "; the block is in the main chain at that height"
			}
		}
		later(bound)
		r.addProof(fp, status)
	}
	for i, tok := range opts.Tokens {
		fp := FreshnessProof{Kind: "tsa", Claim: fmt.Sprintf("timestamp token %d", i+1)}
		t, err := tsa.Verify(tok, sigs, tsa.Options{Roots: opts.TSARoots})
		switch {
		case errors.Is(err, tsa.ErrUntrusted) && opts.TSARoots == nil:
			fp.Result = ProofUntrusted
			fp.Message = fmt.Sprintf("timestamp token %d: %v; not counted: pass the TSA's root with --tsa-roots FILE to count it", i+1, err)
			r.addProof(fp, OK)
		case errors.Is(err, tsa.ErrUntrusted):
			fp.Result = ProofUntrusted
			fp.Message = fmt.Sprintf("timestamp token %d: %v (--tsa-roots); not counted", i+1, err)
			r.addProof(fp, Warning)
		case err != nil:
			fp.Result = ProofInvalid
			fp.Message = fmt.Sprintf("timestamp token %d does not hold: %v; not counted", i+1, err)
			r.addProof(fp, Warning)
		default:
			bound := t.NotAfter()
			fp.Claim, fp.Bound, fp.Side, fp.Result = t.Describe(), &bound, "not_after", ProofOK
			fp.Message = fmt.Sprintf("%s over the signatures: the canary was signed before %s", t.Describe(), exact(bound))
			status := OK
			if c.Issued.After(bound.Add(freshness.ClockTolerance)) {
				fp.Result, status = ProofContradicts, Critical
				fp.Message = fmt.Sprintf("%s: the canary claims to be issued %s, after its signatures were time-stamped: the issue date is false", t.Describe(), stamp(c.Issued))
			}
			earlier(bound)
			r.addProof(fp, status)
		}
	}
	r.Window.NotBefore, r.Window.NotAfter = nb, na
	r.judgeWindow(c, nb, na, fresh, opts)
}

func (r *Result) addProof(fp FreshnessProof, s Status) {
	name := "freshness"
	if fp.Kind == "tsa" {
		name = "timestamp"
	}
	r.Freshness = append(r.Freshness, fp)
	r.add(name, s, "%s", fp.Message)
}

func (r *Result) confirmBlock(p *freshness.Proof, opts FreshnessOptions) error {
	api := opts.BlockAPI
	if api == "" {
		api = freshness.DefaultBitcoinURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), freshness.SourceTimeout)
	defer cancel()
	return freshness.CheckMainChain(ctx, opts.Client, api, p)
}

// judgeWindow checks that the proofs agree with one another and with the
// signature dates, and says what the window is.
func (r *Result) judgeWindow(c *canary.Canary, nb, na *time.Time, fresh bool, opts FreshnessOptions) {
	tol := freshness.ClockTolerance
	ok := true
	if nb != nil && na != nil && nb.After(na.Add(tol)) {
		r.add("window", Critical, "the proofs contradict each other: the canary was made after %s, yet time-stamped at %s; one of them is false", exact(*nb), exact(*na))
		ok = false
	}
	for _, s := range r.Signatures {
		if s.Status != SigGood {
			continue
		}
		switch {
		case nb != nil && s.Created.Before(nb.Add(-tol)):
			r.add("window", Critical, "%s's signature is dated %s, before the canary could have been made (after %s): the signature date is false", signerName(s), exact(s.Created), exact(*nb))
			ok = false
		case na != nil && s.Created.After(na.Add(tol)):
			r.add("window", Critical, "%s's signature is dated %s, after it was time-stamped (%s): the signature date is false", signerName(s), exact(s.Created), exact(*na))
			ok = false
		}
	}
	if !ok {
		return
	}
	switch {
	case nb != nil && na != nil:
		r.add("window", OK, "signed between %s", span(*nb, *na))
	case nb != nil:
		r.add("window", OK, "signed after %s; no timestamp token bounds it from above (it could be backdated)", minute(*nb, false))
	case na != nil:
		r.add("window", OK, "signed before %s; no proof in the text shows it was not signed long in advance", minute(*na, true))
	default:
		r.note("window", "the canary carries no machine-checkable proof of when it was signed")
	}
	if opts.Require && !fresh {
		r.add("window", Critical, "you require freshness (--require-freshness), but no checked proof shows this canary was made around its issue date: nothing rules out that it was signed in advance")
	}
}

// span writes a window as a person reads it, to the minute, rounded
// outwards so that the printed window still holds the exact one:
// "2026-11-21 11:58 and 12:03 UTC".
func span(from, to time.Time) string {
	a, b := minute(from, false), minute(to, true)
	if a[:10] == b[:10] {
		return strings.TrimSuffix(a, " UTC") + " and " + b[11:]
	}
	return strings.TrimSuffix(a, " UTC") + " and " + b
}

// exact writes a bound to the second: drand rounds are 3 seconds apart.
func exact(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

func minute(t time.Time, up bool) string {
	t = t.UTC()
	m := t.Truncate(time.Minute)
	if up && !m.Equal(t) {
		m = m.Add(time.Minute)
	}
	return m.Format(canary.ShownTime)
}
