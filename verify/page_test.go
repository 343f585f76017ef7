package verify

import (
	"bytes"
	"testing"
	"time"
)

func TestJudgePage(t *testing.T) {
	a, _ := keys(t)
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
