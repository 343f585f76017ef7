package issue

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/atomicfile"
	"github.com/canarykit/canarykit/internal/freshness"
)

// addFreshness collects the proofs d asks for, checked as a reader will
// check them, and writes them into the canary. A source that fails is an
// error unless the definition marks it optional; a note says what was left
// out.
func addFreshness(d *Definition, out *Issued) error {
	if d.Freshness.Empty() {
		return nil
	}
	ps, notes, err := freshness.Collect(context.Background(), d.Freshness, nil, out.Canary.Issued)
	if err != nil {
		return err
	}
	out.Canary.Freshness = ps
	out.Notes = append(out.Notes, notes...)
	if err := out.Canary.Validate(); err != nil {
		return err
	}
	out.Text = out.Canary.Render()
	return nil
}

// stampFreshness asks the definition's time-stamp authorities for tokens
// over the signed canary's signature packets.
func stampFreshness(d *Definition, out *Issued) error {
	if d.Freshness == nil || len(d.Freshness.TSA) == 0 {
		return nil
	}
	s, err := canary.Open(out.Signed)
	if err != nil {
		return err
	}
	tokens, notes, err := freshness.Stamp(context.Background(), d.Freshness, d.Dir, nil, s.Signatures, out.Canary.Issued, out.Canary.Freshness)
	out.Tokens = tokens
	out.Notes = append(out.Notes, notes...)
	return err
}

// writeTokens writes the timestamp tokens beside the archive copy of serial
// and beside dir/canary.txt, before the canary itself is replaced, and
// removes the tokens of a previous canary beyond the new ones, so that a
// reader never finds a token that belongs to another canary once
// canary.txt is in place.
func writeTokens(dir string, serial uint64, tokens [][]byte) error {
	adir := filepath.Join(dir, ArchiveDir)
	if len(tokens) > 0 {
		if err := os.MkdirAll(adir, 0o755); err != nil {
			return err
		}
	}
	for i, t := range tokens {
		if err := atomicfile.Write(filepath.Join(adir, canary.TokenName(ArchiveName(serial), i)), t, 0o644); err != nil {
			return err
		}
		if err := atomicfile.Write(filepath.Join(dir, canary.TokenName(CurrentFile, i)), t, 0o644); err != nil {
			return err
		}
	}
	stale, err := filepath.Glob(filepath.Join(dir, CurrentFile+".*tsr"))
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for i := range tokens {
		keep[filepath.Join(dir, canary.TokenName(CurrentFile, i))] = true
	}
	for _, p := range stale {
		if !keep[p] && isTokenName(filepath.Base(p)) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

func isTokenName(name string) bool {
	rest, ok := strings.CutPrefix(name, CurrentFile+".")
	if !ok {
		return false
	}
	if rest == "tsr" {
		return true
	}
	n, ok := strings.CutSuffix(rest, ".tsr")
	i, err := strconv.Atoi(n)
	return ok && err == nil && i >= 2 && strconv.Itoa(i) == n
}
