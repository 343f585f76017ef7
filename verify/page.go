package verify

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// MaxPageBlocks bounds the signed blocks judged on one web page: an
// archive page holds a few dozen, and each costs a signature check.
const MaxPageBlocks = 100

// JudgePage judges the signed blocks found on one web page (the current
// canary, an archive of older ones, a forgery slipped in), each with judge,
// and returns the verdict on the newest block that a key you gave signed,
// and its index: an older genuine canary shown below a newer one (a
// "current and previous" page) must never stand in for it, or a tripped
// canary would pass on its predecessor's merit. Among blocks of the same
// age the worse verdict is judged. When no block carries a good signature
// by a given key, the best verdict is judged (none is OK then). The other
// blocks are listed in a "page" check, and one that is worse without being
// older turns the verdict to WARNING, so a bad block is never hidden
// behind a good one. The reader (canary verify) and the watchdog share
// this rule so that they can never disagree on a page.
func JudgePage(blocks [][]byte, judge func([]byte) *Result) (*Result, int) {
	results, best := judgeBlocks(blocks, judge)
	if best < 0 {
		return results[0], -1
	}
	return pageVerdict(results, best), best
}

// JudgePageAll is JudgePage that also returns every block's verdict, for
// the watchdog, which keeps every genuinely signed block it sees. The
// verdicts of the other blocks are not changed by the page check.
func JudgePageAll(blocks [][]byte, judge func([]byte) *Result) (*Result, int, []*Result) {
	results, best := judgeBlocks(blocks, judge)
	if best < 0 {
		return results[0], -1, nil
	}
	return pageVerdict(results, best), best, results
}

func judgeBlocks(blocks [][]byte, judge func([]byte) *Result) ([]*Result, int) {
	switch {
	case len(blocks) == 0:
		return []*Result{Unchecked("page", errors.New(`no signed canary found on the page: it shows no "-----BEGIN PGP SIGNED MESSAGE-----" block in its text, <pre> or <code>; give the URL of the canary file itself`))}, -1
	case len(blocks) > MaxPageBlocks:
		return []*Result{Unchecked("page", fmt.Errorf("the page holds %d signed blocks, more than the %d that are judged (the block limit); give the URL of the canary file itself", len(blocks), MaxPageBlocks))}, -1
	}
	results := make([]*Result, len(blocks))
	best := -1
	for i, b := range blocks {
		results[i] = judge(b)
		if results[i].Genuine() && (best < 0 || newerBlock(results[i], results[best])) {
			best = i
		}
	}
	if best < 0 {
		best = 0
		for i := range results {
			if better(results[i], results[best]) {
				best = i
			}
		}
	}
	return results, best
}

func pageVerdict(results []*Result, best int) *Result {
	r := results[best]
	if len(results) == 1 {
		r.AddNote("page", "the page holds one signed block; it alone was judged, and the page's other text is not signed and was ignored")
		return r
	}
	status := OK
	var others []string
	for i, o := range results {
		if i == best {
			continue
		}
		desc := fmt.Sprintf("block %d %s", i+1, o.Status)
		if o.Canary != nil {
			desc += fmt.Sprintf(" (serial %d)", o.Canary.Serial)
		}
		if Worse(o.Status, r.Status) != r.Status && !older(o, r) {
			status = Warning
			desc += ": " + o.Summary
		}
		others = append(others, desc)
	}
	what := "the best verdict on the page; no block is signed by a key you gave"
	if r.Genuine() {
		what = "the newest canary on the page signed by a key you gave"
	}
	if r.Canary != nil {
		what += fmt.Sprintf(", serial %d", r.Canary.Serial)
	}
	msg := fmt.Sprintf("judged block %d of %d (%s); the others: %s", best+1, len(results), what, strings.Join(others, "; "))
	if status != OK {
		msg += "; a block that is worse and not older than the one judged may be a forgery or a newer canary that fails: look at the page"
	}
	if status == OK {
		r.AddNote("page", msg) // which block was judged: it informs
	} else {
		r.Add("page", status, msg)
	}
	return r
}

// better orders the blocks of a page: a better status first, then the
// newer canary.
func better(a, b *Result) bool {
	if a.Status != b.Status {
		return Worse(a.Status, b.Status) == b.Status
	}
	if a.Canary != nil && b.Canary != nil && a.Canary.Serial != b.Canary.Serial {
		return a.Canary.Serial > b.Canary.Serial
	}
	return a.Issued().After(b.Issued())
}

// newerBlock orders the genuine blocks of a page: the newer canary first
// (a higher serial; for free text a later date), and among blocks of the
// same age the worse verdict, since two different canaries of one age
// cannot both be the publisher's current word.
func newerBlock(a, b *Result) bool {
	if older(b, a) {
		return true
	}
	if older(a, b) {
		return false
	}
	if a.Canary != nil && b.Canary != nil || a.FreeText != nil && b.FreeText != nil {
		return Worse(a.Status, b.Status) != b.Status
	}
	if !a.Issued().Equal(b.Issued()) {
		return a.Issued().After(b.Issued())
	}
	return Worse(a.Status, b.Status) != b.Status
}

// Genuine says whether at least one signature on the canary is good and
// by a key the reader gave: the publisher (or one of its signers) made
// it, whatever else is wrong with it.
func (r *Result) Genuine() bool {
	for _, s := range r.Signatures {
		if s.Status == SigGood {
			return true
		}
	}
	return false
}

// older is true when o is provably an earlier canary than r: a lower
// serial, or for free text an earlier date. Such a block on an archive
// page is expected to be expired.
func older(o, r *Result) bool {
	if o.Canary != nil && r.Canary != nil {
		return o.Canary.Serial < r.Canary.Serial
	}
	if o.FreeText != nil && r.FreeText != nil {
		return o.FreeText.Issued.Before(r.FreeText.Issued)
	}
	return false
}

// Issued is when the judged canary was issued (the zero time when it could
// not be read).
func (r *Result) Issued() time.Time {
	switch {
	case r.Canary != nil:
		return r.Canary.Issued
	case r.FreeText != nil:
		return r.FreeText.Issued
	}
	return time.Time{}
}
