package watch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/fetch"
	"github.com/canarykit/canarykit/verify"
	"github.com/canarykit/canarykit/watch/store"
)

// input is what reading a target yields, as canary verify reads a SOURCE
// (cmd/canary/source.go, fetch.go): the canary, or the signed blocks of a
// page, and the files published beside it.
type input struct {
	data   []byte
	blocks [][]byte // a web page's signed blocks; data is then the page
	page   bool
	sigs   [][]byte
	tokens [][]byte
	source *verify.Source
	notes  []verify.Check
	// cached is set when the server answered 304: data and the files are
	// the stored canary's.
	cached             bool
	etag, lastModified string
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

// maxTokens bounds the timestamp files read beside a canary, as verify does.
const maxTokens = 20

func (w *Watcher) read(ctx context.Context, t *Target, st *store.State, at time.Time) (*input, *failure) {
	if t.File != "" {
		return readFile(t, at)
	}
	f, err := w.fetcher(t)
	if err != nil {
		return nil, &failure{kind: failKeys, err: err}
	}
	var v *fetch.Validators
	if st.LastSeen != nil && (st.ETag != "" || st.LastModified != "") {
		v = &fetch.Validators{ETag: st.ETag, LastModified: st.LastModified}
	}
	res, err := f.Get(ctx, t.URL, v)
	if err != nil {
		var fe *fetch.Error
		switch {
		case errors.As(err, &fe) && fe.Gone():
			return nil, &failure{kind: failVanished, status: fe.Status, err: fmt.Errorf("the canary is gone: %v", err)}
		case errors.As(err, &fe):
			return nil, &failure{kind: failUnreachable, status: fe.Status, err: err}
		}
		return nil, &failure{kind: failUnreachable, err: err}
	}
	in := &input{
		data: res.Body,
		source: &verify.Source{Location: t.URL, FinalURL: res.FinalURL, Redirects: res.Redirects, Status: res.Status,
			FetchedAt: at.UTC().Truncate(time.Second), Digest: canary.Digest(res.Body)},
		etag: res.ETag, lastModified: res.LastModified,
	}
	if res.NotModified {
		// The server says the canary is the one we have: judge that one
		// again (time has moved on), without asking for its files.
		in.cached, in.data = true, st.LastSeen.Body
		in.source.Digest = canary.Digest(in.data)
		for _, f := range st.LastSeen.Files {
			if f.Kind == "sig" {
				in.sigs = append(in.sigs, f.Data)
			} else {
				in.tokens = append(in.tokens, f.Data)
			}
		}
		in.notes = append(in.notes, verify.Note("source",
			fmt.Sprintf("%s is unchanged since %s (304 Not Modified); the stored copy was judged", res.FinalURL, st.LastSeen.LastSeen.Format("2006-01-02 15:04 UTC"))))
		if fail := unsigned(res.FinalURL, in); fail != nil { // stored by an earlier version
			return nil, fail
		}
		return in, nil
	}
	in.notes = append(in.notes, verify.Note("source",
		fmt.Sprintf("fetched %s: %d, %d bytes, %s", res.FinalURL, res.Status, len(res.Body), in.source.Digest)))
	for _, s := range t.Sigs {
		sig, err := w.readSig(ctx, f, s)
		if err != nil {
			return nil, &failure{kind: failUnreachable, err: err}
		}
		in.sigs = append(in.sigs, sig)
	}
	// The files beside the canary share one timeout, so that a hostile
	// server cannot stretch a check to many.
	nctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	if fetch.IsHTML(res.ContentType, res.Body) {
		in.blocks = fetch.ExtractBlocks(res.Body)
	}
	if len(t.Sigs) == 0 && len(in.blocks) == 0 && !bytes.Contains(res.Body, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) {
		for _, ext := range []string{".asc", ".sig"} {
			if body := w.neighbour(nctx, f, res.FinalURL, ext, in); body != nil && verify.NeighbourSignature(body) == nil {
				in.sigs = append(in.sigs, body)
			}
		}
	}
	if fetch.IsHTML(res.ContentType, res.Body) && len(in.sigs) == 0 {
		in.page = true
		if len(in.blocks) == 0 {
			return nil, &failure{kind: failVanished, status: res.Status,
				err: fmt.Errorf("no signed canary on the page %s: it shows no \"-----BEGIN PGP SIGNED MESSAGE-----\" block", res.FinalURL)}
		}
	}
	if fail := unsigned(res.FinalURL, in); fail != nil {
		return nil, fail
	}
	for i := range maxTokens {
		name := canary.TokenName(res.FinalURL, i)
		token := w.neighbour(nctx, f, name, "", in)
		if token == nil {
			break
		}
		if err := verify.NeighbourToken(token); err != nil {
			in.notes = append(in.notes, verify.NotToken(name, err))
			break
		}
		in.tokens = append(in.tokens, token)
	}
	return in, nil
}

// unsigned is the failure for a canary replaced by text that nobody
// signed (a notice, an error page served as 200): the canary is gone,
// however plausible the text. It is never judged or stored as a canary,
// so it can neither start a lapse of its own nor hide one.
func unsigned(where string, in *input) *failure {
	if in.page || len(in.sigs) > 0 || bytes.Contains(in.data, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) {
		return nil
	}
	return &failure{kind: failVanished, status: in.source.Status,
		err: fmt.Errorf("%s holds %d bytes of unsigned text instead of a signed canary (no signed block, and no signature file beside it): anyone could have written it", where, len(in.data))}
}

func (w *Watcher) readSig(ctx context.Context, f *fetch.Fetcher, s string) ([]byte, error) {
	if !isURL(s) {
		b, err := canary.ReadFile(s)
		if err != nil {
			return nil, fmt.Errorf("cannot read the signature file: %v", err)
		}
		return b, nil
	}
	res, err := f.GetAny(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch the signature %s: %v", s, err)
	}
	return res.Body, nil
}

// neighbour fetches base+ext; absence (404, 410, 403) is normal and
// silent, and any other failure a note: the canary itself was read.
func (w *Watcher) neighbour(ctx context.Context, f *fetch.Fetcher, base, ext string, in *input) []byte {
	u, err := url.Parse(base)
	if err != nil {
		return nil
	}
	u.Path += ext
	u.RawPath = ""
	res, err := f.GetAny(ctx, u.String())
	var fe *fetch.Error
	switch {
	case err == nil:
		return res.Body
	case errors.As(err, &fe) && (fe.Gone() || fe.Status == 403):
		return nil
	}
	in.notes = append(in.notes, verify.Note("source",
		fmt.Sprintf("could not fetch %s, so it was not used: %v", u, err)))
	return nil
}

// readFile reads a canary on this machine and the files beside it, named
// as canary verify looks for them.
func readFile(t *Target, at time.Time) (*input, *failure) {
	data, err := canary.ReadFile(t.File)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &failure{kind: failVanished, err: fmt.Errorf("the canary file is gone: %v", err)}
	}
	if err != nil {
		return nil, &failure{kind: failUnreachable, err: fmt.Errorf("cannot read the canary: %v", err)}
	}
	in := &input{data: data, source: &verify.Source{Location: t.File, FetchedAt: at.UTC().Truncate(time.Second), Digest: canary.Digest(data)}}
	for _, s := range t.Sigs {
		b, err := canary.ReadFile(s)
		if err != nil {
			return nil, &failure{kind: failUnreachable, err: fmt.Errorf("cannot read the signature file: %v", err)}
		}
		in.sigs = append(in.sigs, b)
	}
	if len(t.Sigs) == 0 && !bytes.Contains(data, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) {
		var names []string
		for _, pattern := range []string{t.File + ".asc", t.File + ".sig", t.File + ".sig.*", t.File + ".asc.*"} {
			m, _ := filepath.Glob(globEscape(pattern))
			names = append(names, m...)
		}
		for _, n := range names {
			if b, err := canary.ReadFile(n); err == nil {
				if _, err := canary.ReadSignatures(b); err == nil {
					in.sigs = append(in.sigs, b)
				}
			}
		}
	}
	if fail := unsigned(t.File, in); fail != nil {
		return nil, fail
	}
	for i := range maxTokens {
		b, err := canary.ReadFile(canary.TokenName(t.File, i))
		if err != nil {
			break
		}
		in.tokens = append(in.tokens, b)
	}
	return in, nil
}

func globEscape(pattern string) string {
	star := strings.HasSuffix(pattern, ".*")
	if star {
		pattern = strings.TrimSuffix(pattern, "*")
	}
	pattern = strings.NewReplacer("*", `\*`, "?", `\?`, "[", `\[`, `\`, `\\`).Replace(pattern)
	if star {
		pattern += "*"
	}
	return pattern
}
