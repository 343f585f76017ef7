package watch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/fetch"
	"github.com/canarykit/canarykit/internal/source"
	"github.com/canarykit/canarykit/internal/watch/store"
	"github.com/canarykit/canarykit/verify"
)

// input is what reading a target yields: package source reads it, as it
// does for canary verify (the canary, or the signed blocks of a page, and
// the files published beside it).
type input struct {
	*source.Input
	// cached is set when the server answered 304: Data and the files are
	// the stored canary's.
	cached bool
}

// failure is a check that read no canary.
type failure struct {
	kind   string // unreachable, vanished or keys
	status int    // HTTP status, if any
	err    error
}

func (f *failure) Error() string { return f.err.Error() }

const (
	failUnreachable = "unreachable"
	failVanished    = "vanished"
	failKeys        = "keys"
)

// setupError is the watchdog's own failure to make a target's fetcher
// (its proxy), told apart from the target's failures by errors.As.
type setupError struct{ err error }

func (e *setupError) Error() string { return e.err.Error() }
func (e *setupError) Unwrap() error { return e.err }

// read reads t through package source. What is the watchdog's own is
// here: the validators of the stored canary and the stored copy judged
// again on 304, the failure kinds source's errors map to, and a canary
// replaced by no signed canary (a page without a block, unsigned text),
// which the watchdog calls vanished (see package source).
func (w *Watcher) read(ctx context.Context, t *Target, st *store.State, at time.Time) (*input, *failure) {
	src := t.File
	var v *fetch.Validators
	if src == "" {
		src = t.URL
		if st.LastSeen != nil && (st.ETag != "" || st.LastModified != "") {
			v = &fetch.Validators{ETag: st.ETag, LastModified: st.LastModified}
		}
	}
	got, err := source.Read(ctx, src, source.Options{
		Fetcher: func() (*fetch.Fetcher, error) {
			f, err := w.fetcher(t)
			if err != nil {
				return nil, &setupError{err}
			}
			return f, nil
		},
		Timeout:    t.Timeout,
		Sigs:       t.Sigs,
		Now:        at,
		Validators: v,
	})
	if err != nil {
		return nil, failureOf(t, err)
	}
	in := &input{Input: got}
	if in.NotModified {
		// The server says the canary is the one we have: judge that one
		// again (time has moved on), without asking for its files.
		in.cached, in.Data = true, st.LastSeen.Body
		in.Source.Digest = canary.Digest(in.Data)
		for _, f := range st.LastSeen.Files {
			if f.Kind == "sig" {
				in.Sigs = append(in.Sigs, f.Data)
			} else {
				in.Tokens = append(in.Tokens, f.Data)
			}
		}
		in.Notes = append(in.Notes, verify.Note("source",
			fmt.Sprintf("%s is unchanged since %s (304 Not Modified); the stored copy was judged", in.Source.FinalURL, st.LastSeen.LastSeen.Format(canary.ShownTime))))
	}
	where := t.File
	if where == "" {
		where = in.Source.FinalURL
	}
	if in.Page && len(in.Blocks) == 0 {
		return nil, &failure{kind: failVanished, status: in.Source.Status,
			err: fmt.Errorf("no signed canary on the page %s: it shows no \"-----BEGIN PGP SIGNED MESSAGE-----\" block", where)}
	}
	if fail := unsigned(where, in); fail != nil { // on 304: stored by an earlier version
		return nil, fail
	}
	return in, nil
}

// failureOf maps source's typed errors to the watchdog's failure kinds: a
// canary that is gone (a missing file, 404, 410) has vanished; the
// watchdog's own proxy that cannot be used is its own failure (keys, as
// for the keys it could not get); anything else (network, I/O, a server
// error, a limit, a signature that cannot be read) could not be checked.
func failureOf(t *Target, err error) *failure {
	var se *source.Error
	var setup *setupError
	var many *source.TooManyError
	switch {
	case errors.As(err, &setup):
		return &failure{kind: failKeys, err: setup}
	case errors.As(err, &many):
		return &failure{kind: failUnreachable, err: fmt.Errorf("%v with sigs: in the watch list", many)}
	case !errors.As(err, &se):
		return &failure{kind: failUnreachable, err: err}
	case se.Kind == source.Gone && !se.Signature && t.File != "":
		return &failure{kind: failVanished, err: fmt.Errorf("the canary file is gone: %v", se.Err)}
	case se.Kind == source.Gone && !se.Signature:
		return &failure{kind: failVanished, status: se.Status, err: fmt.Errorf("the canary is gone: %v", se.Err)}
	}
	return &failure{kind: failUnreachable, status: se.Status, err: se}
}

// unsigned is the failure for a canary replaced by text that nobody
// signed (a notice, an error page served as 200): the canary is gone,
// however plausible the text. It is never judged or stored as a canary,
// so it can neither start a lapse of its own nor hide one.
func unsigned(where string, in *input) *failure {
	if in.Page || len(in.Sigs) > 0 || bytes.Contains(in.Data, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) {
		return nil
	}
	return &failure{kind: failVanished, status: in.Source.Status,
		err: fmt.Errorf("%s holds %d bytes of unsigned text instead of a signed canary (no signed block, and no signature file beside it): anyone could have written it", where, len(in.Data))}
}
