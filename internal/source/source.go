// Package source reads a canary where it is published, for canary verify
// (cmd/canary) and the watchdog (package watch) alike: a file, - for
// standard input, or a URL, which may be a canary file or a web page with
// signed blocks on it; and, beside it, its detached signatures and
// timestamp tokens, named the usual ways:
//
//	FILE.asc, FILE.sig, FILE.sig.NAME, FILE.asc.NAME  (files: all of them)
//	URL.asc, URL.sig                                  (URLs: a URL lists nothing)
//	FILE.tsr, FILE.2.tsr, ... / URL.tsr, URL.2.tsr, ...
//
// Signatures are looked for only when none are given and the canary is
// not clearsigned; timestamp tokens always, up to the first one missing
// (or, for a URL, the first one that is not a token). A file found beside
// a URL is used only if it is what its name claims
// (verify.NeighbourSignature, verify.NeighbourToken): sites answer any
// path with their start page.
//
// Limits: at most MaxNeighbourSignatures signature files beside a file
// (more is a *TooManyError, not a guess), MaxTokens timestamp tokens, and
// one timeout (Options.Timeout) shared by all the files fetched beside a
// URL, so that a hostile server cannot stretch a read to many timeouts.
//
// What the fetch was (the final URL, status, size, digest, redirects) is an
// INFO note (verify.Note), and so is a fetch over plain HTTP and a file
// beside the canary that could not be fetched: they are facts about the
// read, never a verdict. A failure to read the canary itself is an *Error,
// whose Kind tells a canary that is gone (a missing file, 404, 410) from one
// that could not be read (network, I/O, a server error, a limit) and from a
// source that cannot be used as given. Callers classify it with errors.As
// (*Error, *TooManyError, and the *fetch.Error inside), never by its text.
//
// A conditional GET: with Options.Validators, a server that answers 304
// gives an Input with NotModified set and nothing else read; what to judge
// then is the caller's (the watchdog judges its stored copy).
//
// This is the one place that says where canary verify and the watchdog
// (package watch) differ on purpose. They read alike, and differ only after
// Read, on the same Input or *Error:
//
//   - A web page with no signed block (Input.Page set, Input.Blocks empty):
//     canary verify says UNKNOWN ("no signed canary found on the page"),
//     a reader's answer about what it was shown; the watchdog calls the
//     canary vanished, since a page that had one no longer shows it.
//   - Unsigned text (not clearsigned, no page, no signature found beside
//     it): canary verify judges it and says why it is not signed; the
//     watchdog calls the canary vanished and never stores the text, so
//     that a notice cannot stand in for it.
//   - Gone (Error.Kind): canary verify says UNKNOWN; the watchdog calls
//     the canary vanished. Unreachable and BadInput: UNKNOWN for both, and
//     for the watchdog a soft failure, reported only after several in a
//     row (unreachable_after, unreachable_for).
//   - 304 Not Modified (Input.NotModified): canary verify never asks; the
//     watchdog judges the canary and files it stored.
//   - Too many signature files (*TooManyError): both refuse; canary verify
//     says to give the right ones with --sig, the watchdog with sigs: in
//     the watch list.
package source

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/fetch"
	"github.com/canarykit/canarykit/verify"
)

// MaxNeighbourSignatures bounds the signature files read beside a file:
// real canaries have one per signer, at most a handful.
const MaxNeighbourSignatures = 64

// A TooManyError is why a file was not read: more than
// MaxNeighbourSignatures files beside it look like its signatures. Its
// message ends "give the right ones": each caller says how (canary verify
// --sig, a watch target's sigs:).
type TooManyError struct {
	File string
	N    int // the files found
}

func (e *TooManyError) Error() string {
	return fmt.Sprintf("%d files beside %s look like its signatures (%s.sig.*, ...), more than the %d read beside a canary; give the right ones",
		e.N, e.File, e.File, MaxNeighbourSignatures)
}

// MaxTokens bounds the timestamp files read beside a canary.
const MaxTokens = 20

// DefaultTimeout is the time shared by the files fetched beside a URL
// when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Kind says why a source could not be read.
type Kind int

const (
	// Gone: the canary is not there (a missing file, 404, 410).
	Gone Kind = iota + 1
	// Unreachable: it could not be read or fetched (I/O, network, a server
	// error, a fetch limit), which says nothing about the canary.
	Unreachable
	// BadInput: the source or its options cannot be used as given (too
	// many signature files beside it, a --sig file that cannot be read,
	// standard input too large).
	BadInput
)

func (k Kind) String() string {
	switch k {
	case Gone:
		return "gone"
	case Unreachable:
		return "unreachable"
	case BadInput:
		return "bad input"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// An Error is why Read read no canary. Its message is one line for a
// person; Err is the cause (a *fetch.Error for a failed fetch, which
// errors.As finds through the Error).
type Error struct {
	Kind   Kind
	Status int // the HTTP status, if any
	// Signature is set when what could not be read is a signature given
	// in Options.Sigs, not the canary.
	Signature bool
	Err       error
	msg       string
}

func (e *Error) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

func newError(kind Kind, err error, format string, a ...any) *Error {
	return &Error{Kind: kind, Err: err, msg: fmt.Sprintf(format, a...)}
}

// Options are how Read reads.
type Options struct {
	// Fetcher gives the fetcher for URLs, asked on first use (a run of
	// canary verify shares one). Its error is returned as BadInput.
	Fetcher func() (*fetch.Fetcher, error)
	// Timeout is shared by the files fetched beside a URL; 0 is
	// DefaultTimeout.
	Timeout time.Duration
	// Sigs are the detached signatures given (files or URLs); when there
	// are any, none are looked for beside the canary.
	Sigs []string
	// Stdin is read for the source "-".
	Stdin io.Reader
	// Now is the time of the read, recorded in the Source.
	Now time.Time
	// Validators make the GET of a URL conditional.
	Validators *fetch.Validators
}

// Input is what reading a source yields.
type Input struct {
	// Data is the canary as published (for a page, the page).
	Data   []byte
	Sigs   [][]byte
	Tokens [][]byte
	Source *verify.Source
	// Page is set for a web page judged by its signed blocks, which
	// Blocks holds (none, if it shows none). A page that has a detached
	// signature is judged whole, as the bytes it signs.
	Page   bool
	Blocks [][]byte
	// Notes are INFO checks about the read, to add to the verdict.
	Notes []verify.Check
	// NotModified: the server answered 304 to Options.Validators; Data,
	// Sigs and Tokens are empty.
	NotModified bool
	// ETag and LastModified are the answer's strong validators.
	ETag, LastModified string
}

// IsURL says whether a source is a URL rather than a file.
func IsURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// clearsigned says whether data holds a clearsigned block.
func clearsigned(data []byte) bool {
	return bytes.Contains(data, []byte("-----BEGIN PGP SIGNED MESSAGE-----"))
}

// Read reads the canary at src, a file, "-" or a URL, and what is
// published beside it.
func Read(ctx context.Context, src string, o Options) (*Input, error) {
	if IsURL(src) {
		return readURL(ctx, src, o)
	}
	var data []byte
	var err error
	if src == "-" {
		if data, err = ReadStdin(o.Stdin); err != nil {
			return nil, newError(BadInput, err, "cannot read the canary: %v", err)
		}
	} else if data, err = canary.ReadFile(src); err != nil {
		kind := Unreachable
		if errors.Is(err, fs.ErrNotExist) {
			kind = Gone
		} else if st, serr := os.Stat(src); serr == nil && st.Size() > canary.MaxCanaryBytes {
			kind = BadInput
		}
		return nil, newError(kind, err, "cannot read the canary: %v", err)
	}
	in := &Input{
		Data:   data,
		Source: &verify.Source{Location: src, FetchedAt: o.Now.UTC().Truncate(time.Second), Digest: canary.Digest(data)},
	}
	if err := in.given(ctx, o); err != nil {
		return nil, err
	}
	if src == "-" {
		return in, nil
	}
	if len(o.Sigs) == 0 && !clearsigned(data) {
		if in.Sigs, err = NeighbourSignatures(src); err != nil {
			return nil, newError(BadInput, err, "%v", err)
		}
	}
	for i := range MaxTokens {
		name := canary.TokenName(src, i)
		b, err := canary.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return nil, newError(Unreachable, err, "cannot read %s: %v", name, err)
		}
		in.Tokens = append(in.Tokens, b)
	}
	return in, nil
}

// given reads the signatures in o.Sigs, files or URLs.
func (in *Input) given(ctx context.Context, o Options) error {
	for _, s := range o.Sigs {
		if !IsURL(s) {
			sig, err := canary.ReadFile(s)
			if err != nil {
				e := newError(BadInput, err, "cannot read the signature file: %v", err)
				e.Signature = true
				return e
			}
			in.Sigs = append(in.Sigs, sig)
			continue
		}
		f, err := fetcher(o)
		if err != nil {
			return err
		}
		res, err := f.GetAny(ctx, s)
		if err != nil {
			e := newError(Unreachable, err, "cannot fetch the signature %s: %v", s, err)
			e.Signature = true
			var fe *fetch.Error
			if errors.As(err, &fe) {
				e.Status = fe.Status
			}
			return e
		}
		in.Sigs = append(in.Sigs, res.Body)
	}
	return nil
}

func fetcher(o Options) (*fetch.Fetcher, error) {
	if o.Fetcher == nil {
		return nil, newError(BadInput, nil, "cannot fetch a URL here")
	}
	f, err := o.Fetcher()
	if err != nil {
		return nil, newError(BadInput, err, "%v", err)
	}
	return f, nil
}

// readURL fetches src, tells a canary text from a web page, and finds the
// detached signatures and timestamp tokens published beside it.
func readURL(ctx context.Context, src string, o Options) (*Input, error) {
	f, err := fetcher(o)
	if err != nil {
		return nil, err
	}
	res, err := f.Get(ctx, src, o.Validators)
	if err != nil {
		e := &Error{Kind: Unreachable, Err: err}
		var fe *fetch.Error
		if errors.As(err, &fe) {
			e.Status = fe.Status
			switch {
			case fe.Gone():
				e.Kind = Gone
			case fe.Kind == fetch.KindUsage:
				e.Kind = BadInput
			}
		}
		return nil, e
	}
	in := &Input{
		Data: res.Body,
		Source: &verify.Source{Location: src, FinalURL: res.FinalURL, Redirects: res.Redirects, Status: res.Status,
			FetchedAt: o.Now.UTC().Truncate(time.Second), Digest: canary.Digest(res.Body)},
		NotModified: res.NotModified,
		ETag:        res.ETag, LastModified: res.LastModified,
	}
	if res.NotModified {
		return in, nil
	}
	in.Notes = append(in.Notes, fetchedNote(in.Source, len(res.Body)))
	if plainHTTP(res) {
		in.Notes = append(in.Notes, verify.Note("source",
			"fetched over plain HTTP: the signatures are checked just the same, but anyone on the network path sees which canary you read and could serve you an older one; use https:// if the site has it"))
	}
	if err := in.given(ctx, o); err != nil {
		return nil, err
	}
	// The files beside the canary share one timeout.
	nctx, cancel := context.WithTimeout(ctx, cmp.Or(o.Timeout, DefaultTimeout))
	defer cancel()
	html := fetch.IsHTML(res.ContentType, res.Body)
	var blocks [][]byte
	if html {
		blocks = fetch.ExtractBlocks(res.Body)
	}
	// As for files: a canary that is not clearsigned may be signed by
	// URL.asc or URL.sig.
	if len(o.Sigs) == 0 && len(blocks) == 0 && !clearsigned(res.Body) {
		sigs, notes := FetchSignatures(nctx, f, res.FinalURL)
		in.Sigs = append(in.Sigs, sigs...)
		in.Notes = append(in.Notes, notes...)
	}
	// A detached signature covers the bytes as served, so a page that has
	// one is judged whole; otherwise a page is judged by its signed blocks.
	if html && len(in.Sigs) == 0 {
		in.Page, in.Blocks = true, blocks
	}
	// Timestamp tokens: URL.tsr, URL.2.tsr, ... up to the first one
	// missing or not a token (a site that answers any path with its start
	// page has none).
	for i := range MaxTokens {
		name := canary.TokenName(res.FinalURL, i)
		token, note := Neighbour(nctx, f, name, "")
		if note != nil {
			in.Notes = append(in.Notes, *note)
		}
		if token == nil {
			break
		}
		if err := verify.NeighbourToken(token); err != nil {
			in.Notes = append(in.Notes, verify.NotToken(name, err))
			break
		}
		in.Tokens = append(in.Tokens, token)
	}
	return in, nil
}

// FetchSignatures fetches the detached signatures published beside the
// URL base, base.asc and base.sig, keeping those that are signatures, and
// the notes for those that could not be fetched.
func FetchSignatures(ctx context.Context, f *fetch.Fetcher, base string) ([][]byte, []verify.Check) {
	var sigs [][]byte
	var notes []verify.Check
	for _, ext := range []string{".asc", ".sig"} {
		body, note := Neighbour(ctx, f, base, ext)
		if note != nil {
			notes = append(notes, *note)
		}
		if body != nil && verify.NeighbourSignature(body) == nil {
			sigs = append(sigs, body)
		}
	}
	return sigs, notes
}

// Neighbour fetches the file published at base+ext (added to the path, not
// the query). Absence (404, 410, and 403, which some stores answer for a
// missing file) is normal and silent; any other failure becomes a note,
// not a verdict: the canary itself was read.
func Neighbour(ctx context.Context, f *fetch.Fetcher, base, ext string) ([]byte, *verify.Check) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, nil
	}
	u.Path += ext
	u.RawPath = ""
	res, err := f.GetAny(ctx, u.String())
	switch {
	case err == nil:
		return res.Body, nil
	case Absent(err):
		return nil, nil
	}
	note := verify.Note("source", fmt.Sprintf("could not fetch %s, so it was not used: %v", u, err))
	return nil, &note
}

// Absent says whether a fetch error means the file is not there: 404,
// 410, or 403, which some stores answer for a missing file.
func Absent(err error) bool {
	var fe *fetch.Error
	return errors.As(err, &fe) && (fe.Gone() || fe.Status == 403)
}

func fetchedNote(s *verify.Source, n int) verify.Check {
	msg := fmt.Sprintf("fetched %s at %s: %d, %s, %s", s.FinalURL, s.FetchedAt.Format(canary.ShownTime), s.Status, sizeText(n), s.Digest)
	if len(s.Redirects) > 0 {
		msg += fmt.Sprintf("; redirected from %s", strings.Join(s.Redirects, " → "))
	}
	return verify.Note("source", msg)
}

func sizeText(n int) string {
	if n < 10<<10 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func plainHTTP(res *fetch.Response) bool {
	for _, u := range append(append([]string{res.URL}, res.Redirects...), res.FinalURL) {
		if strings.HasPrefix(strings.ToLower(u), "http://") {
			return true
		}
	}
	return false
}

// NeighbourSignatures finds the detached OpenPGP signatures published next
// to a file the usual ways: FILE.asc, FILE.sig, and one per signer as
// FILE.sig.NAME or FILE.asc.NAME (Qubes, Namecoin). Files that are not
// OpenPGP signatures (signify's FILE.sig, say) are skipped; more than
// MaxNeighbourSignatures candidates is a *TooManyError.
func NeighbourSignatures(file string) ([][]byte, error) {
	var names []string
	for _, pattern := range []string{file + ".asc", file + ".sig", file + ".sig.*", file + ".asc.*"} {
		m, err := filepath.Glob(globEscape(pattern))
		if err != nil {
			return nil, err
		}
		names = append(names, m...)
	}
	if len(names) > MaxNeighbourSignatures {
		return nil, &TooManyError{File: file, N: len(names)}
	}
	var sigs [][]byte
	for _, n := range names {
		data, err := canary.ReadFile(n)
		if err != nil {
			continue
		}
		if _, err := canary.ReadSignatures(data); err != nil {
			continue
		}
		sigs = append(sigs, data)
	}
	return sigs, nil
}

// globEscape quotes the glob metacharacters of a file name, keeping the
// final "*" of the pattern.
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

// ReadStdin reads a canary from r, up to canary.MaxCanaryBytes.
func ReadStdin(r io.Reader) ([]byte, error) {
	if r == nil {
		r = os.Stdin
	}
	data, err := canary.ReadAtMost(r, "standard input", canary.MaxCanaryBytes)
	if tooLarge := (*canary.TooLargeError)(nil); errors.As(err, &tooLarge) {
		return nil, fmt.Errorf("standard input is larger than %d bytes; a canary is a few KiB", canary.MaxCanaryBytes)
	}
	return data, err
}
