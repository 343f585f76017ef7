package cli

import (
	"fmt"
	"path/filepath"

	"github.com/canarykit/canarykit/canary"
	issuing "github.com/canarykit/canarykit/internal/issue"
)

// freshnessNotes tells the publisher, on standard error, which optional
// freshness sources were left out, where the timestamp files are, and that
// drafts carry no proofs.
func freshnessNotes(io *streams, def *issuing.Definition, res *issuing.Issued, draft bool) {
	if draft {
		if !def.Freshness.Empty() {
			fmt.Fprintln(io.Err, "note: freshness proofs are collected only when canary issue signs; this draft carries none")
		}
		return
	}
	for _, n := range res.Notes {
		fmt.Fprintln(io.Err, "note: "+n)
	}
	for i := range res.Tokens {
		fmt.Fprintf(io.Err, "Timestamp: %s (publish it beside the canary)\n", filepath.Join(filepath.Dir(res.Path), canary.TokenName(issuing.CurrentFile, i)))
	}
}
