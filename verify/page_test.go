package verify

import (
	"bytes"
	"testing"
	"time"
)

func TestJudgePage(t *testing.T) {
	a, _ := twoKeys(t)
	day := 24 * time.Hour
	old := mk(t, 1, t0, nil, statements(), a)
	cur := mk(t, 2, t0.Add(90*day), old, statements(), a)
	forged := bytes.Replace(mk(t, 3, t0.Add(91*day), cur, statements(), a), []byte("no warrant"), []byte("a warrant"), 1)
	at := t0.Add(95 * day)
	judge := func(b []byte) *Result { return Verify(b, Options{Keys: a.public, At: at}) }

	// An archive page: the expired older canary does not spoil the verdict.
	r, best := JudgePage([][]byte{old, cur}, judge)
	if best != 1 || r.Status != OK || check(r, "page").Status != OK {
		t.Fatalf("archive page: best %d, %s, %+v", best, r.Status, check(r, "page"))
	}
	// A forged newer block is never hidden behind the good one.
	r, best = JudgePage([][]byte{cur, forged}, judge)
	if best != 0 || r.Status != Warning || check(r, "page").Status != Warning {
		t.Fatalf("forged block: best %d, %s, %+v", best, r.Status, check(r, "page"))
	}
	// Nothing to judge, or too much: could not check.
	if r, best := JudgePage(nil, judge); best != -1 || r.Status != Unknown {
		t.Fatalf("empty page: %d %s", best, r.Status)
	}
	many := make([][]byte, MaxPageBlocks+1)
	if r, best := JudgePage(many, judge); best != -1 || r.Status != Unknown {
		t.Fatalf("too many blocks: %d %s", best, r.Status)
	}
}

// A "current and previous" page whose current canary dropped a statement:
// the page is judged by its newest genuine block, never by the older one
// that still passes, for the reader with --previous as for the watchdog.
func TestJudgePageNewestGenuine(t *testing.T) {
	a, b := twoKeys(t)
	day := 24 * time.Hour
	old := mk(t, 1, t0, nil, statements(), a)
	tripped := mk(t, 2, t0.Add(30*day), old, statements()[:1], a)
	at := t0.Add(31 * day)
	judge := func(data []byte) *Result { return Verify(data, Options{Keys: a.public, At: at, Previous: old}) }
	for _, page := range [][][]byte{{tripped, old}, {old, tripped}} {
		r, best, all := JudgePageAll(page, judge)
		if r.Canary == nil || r.Canary.Serial != 2 || r.Status != Critical || check(r, "statements").Status != Critical {
			t.Fatalf("judged %v (best %d): %s", r.Canary, best, r.Summary)
		}
		if len(all) != 2 || !all[0].Genuine() || !all[1].Genuine() {
			t.Fatalf("every block's verdict: %d", len(all))
		}
	}
	// A newer block signed by a key nobody gave is not the publisher's:
	// the genuine one is judged, and the other is pointed out.
	foreign := mk(t, 3, t0.Add(30*day), old, statements(), b)
	r, best := JudgePage([][]byte{old, foreign}, func(data []byte) *Result { return Verify(data, Options{Keys: a.public, At: at}) })
	if best != 0 || r.Status != Warning {
		t.Fatalf("foreign newer block: best %d, %s: %s", best, r.Status, r.Summary)
	}
}
