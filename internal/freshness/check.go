package freshness

import (
	"fmt"
	"time"
)

// Tolerances, documented in docs/FRESHNESS.md.
const (
	// ClockTolerance is how far a publisher's clock, or the delay between
	// taking the issue time and fetching the proofs (a passphrase prompt),
	// may put a proof after the canary's Issued time.
	ClockTolerance = 5 * time.Minute
	// DrandMaxAge is how much older than Issued a drand round may be and
	// still speak for this canary: canarykit fetches the latest round
	// (3 s old at most) just before signing.
	DrandMaxAge = 10 * time.Minute
	// BitcoinMaxAge is how much older than Issued a block's header time may
	// be. A block 3 deep is 30 minutes old on average; 3 blocks take more
	// than 2 hours about once in 2000 times, and miners' clocks add
	// minutes.
	BitcoinMaxAge = 2 * time.Hour
)

// Counts says whether the proof is machine-checkable: news is for people.
func (p *Proof) Counts() bool { return p.Kind == Drand || p.Kind == Bitcoin }

// Check verifies the proof offline, against the constants in this
// package: the drand signature against quicknet's public key, the Bitcoin
// header's proof of work against its own target and MinDifficulty. News
// cannot be checked by a machine and is never an error here.
func (p *Proof) Check() error {
	if err := p.Validate(); err != nil {
		return err
	}
	switch p.Kind {
	case Drand:
		return chains[p.Chain].verify(p.Round, p.Signature)
	case Bitcoin:
		h, _ := ParseHeader(p.Header)
		return h.CheckWork()
	}
	return nil
}

// NotBefore is the earliest moment a text holding the proof can have been
// written, once Check has passed: the drand round's time, or the header's
// time less the leeway miners have. It is zero for news.
func (p *Proof) NotBefore() time.Time {
	switch p.Kind {
	case Drand:
		return p.Time
	case Bitcoin:
		return p.Time.Add(-BitcoinLeeway)
	}
	return time.Time{}
}

// MaxAge is how much older than the canary a proof of this kind may be and
// still say something about when the canary was made.
func (p *Proof) MaxAge() time.Duration {
	if p.Kind == Bitcoin {
		return BitcoinMaxAge
	}
	return DrandMaxAge
}

// A TimingError says that a genuine proof does not fit the time a canary
// claims.
type TimingError struct {
	// Contradiction is set when the proof shows the claimed time is false
	// (the canary says it was made before the proof existed); otherwise
	// the proof is merely too old to say anything about this canary.
	Contradiction bool
	Msg           string
}

func (e *TimingError) Error() string { return e.Msg }

// Describe names the proof for a reader: "drand quicknet round 123 (2026-…)".
func (p *Proof) Describe() string {
	t := p.Time.Format("2006-01-02 15:04:05 UTC")
	switch p.Kind {
	case Drand:
		return fmt.Sprintf("drand %s round %d (%s)", p.Chain, p.Round, t)
	case Bitcoin:
		h, err := ParseHeader(p.Header)
		if err != nil {
			return "bitcoin block (damaged header)"
		}
		return fmt.Sprintf("bitcoin block %d %s… (header time %s)", p.Height, h.Hash()[:16], t)
	}
	return fmt.Sprintf("news %q (%s, %s)", p.Title, p.Feed, t)
}

// CheckTime says whether a checked proof fits a canary issued at issued.
// It returns a *TimingError or nil.
func (p *Proof) CheckTime(issued time.Time) error {
	if !p.Counts() {
		return nil
	}
	nb := p.NotBefore()
	if nb.After(issued.Add(ClockTolerance)) {
		why := "was published"
		if p.Kind == Bitcoin {
			why = fmt.Sprintf("was mined no earlier than %s less %s of leeway, i.e.", p.Time.Format(stampLayout), BitcoinLeeway)
		}
		return &TimingError{true, fmt.Sprintf("%s %s %s, after the canary says it was issued (%s): the issue date is false, or the clock was wrong",
			p.Describe(), why, nb.Format(stampLayout), issued.Format(stampLayout))}
	}
	if age := issued.Sub(p.Time); age > p.MaxAge() {
		return &TimingError{false, fmt.Sprintf("%s is %s older than the canary (issued %s); it shows only that the canary was made after %s, not that it is recent",
			p.Describe(), age.Round(time.Minute), issued.Format(stampLayout), nb.Format(stampLayout))}
	}
	return nil
}

const stampLayout = "2006-01-02 15:04:05 UTC"
