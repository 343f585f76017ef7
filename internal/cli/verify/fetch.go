package verify

import (
	"github.com/canarykit/canarykit/internal/source"
	"github.com/canarykit/canarykit/verify"
)

// isURL is source.IsURL, for code where a variable is named source.
func isURL(s string) bool { return source.IsURL(s) }

// verifyInput judges what readInput found. A web page may hold several
// signed blocks (the current canary, an archive of older ones, a forgery
// slipped in): each is judged on its own, and the verdict is the best
// one, ties going to the highest serial. The others are listed, and one
// that is worse without being older turns the verdict to WARNING, so a
// bad block is never hidden behind a good one.
func verifyInput(in *input, opts verify.Options) *verify.Result {
	var r *verify.Result
	switch {
	case !in.Page:
		r = verify.Verify(in.Data, opts)
	default:
		var best int
		r, best = verify.JudgePage(in.Blocks, func(b []byte) *verify.Result { return verify.Verify(b, opts) })
		in.Source.Block = best + 1
	}
	for _, n := range in.Notes {
		r.AddCheck(n) // a note (INFO) stays one
	}
	return r
}
