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
// and returns the verdict on the best one and its index. Ties go to the
// newest canary. The other blocks are listed in a "page" check, and one
// that is worse without being older turns the verdict to WARNING, so a bad
// block is never hidden behind a good one. The reader (canary verify) and
// the watchdog share this rule so that they can never disagree on a page.
func JudgePage(blocks [][]byte, judge func([]byte) *Result) (*Result, int) {
	switch {
	case len(blocks) == 0:
		return Unchecked("page", errors.New(`no signed canary found on the page: it shows no "-----BEGIN PGP SIGNED MESSAGE-----" block in its text, <pre> or <code>; give the URL of the canary file itself`)), -1
	case len(blocks) > MaxPageBlocks:
		return Unchecked("page", fmt.Errorf("the page holds %d signed blocks, more than the %d that are judged (the block limit); give the URL of the canary file itself", len(blocks), MaxPageBlocks)), -1
	}
	results := make([]*Result, len(blocks))
	best := 0
	for i, b := range blocks {
		results[i] = judge(b)
		if better(results[i], results[best]) {
			best = i
		}
	}
	r := results[best]
	if len(results) == 1 {
		r.Add("page", OK, "the page holds one signed block; it alone was judged, and the page's other text is not signed and was ignored")
		return r, best
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
	what := "the best verdict on the page"
	if r.Canary != nil {
		what += fmt.Sprintf(", serial %d", r.Canary.Serial)
	}
	msg := fmt.Sprintf("judged block %d of %d (%s); the others: %s", best+1, len(results), what, strings.Join(others, "; "))
	if status != OK {
		msg += "; a block that is worse and not older than the one judged may be a forgery or a newer canary that fails: look at the page"
	}
	r.Add("page", status, msg)
	return r, best
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
