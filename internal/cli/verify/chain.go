package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/fetch"
	"github.com/canarykit/canarykit/internal/issue"
	"github.com/canarykit/canarykit/internal/redact"
	"github.com/canarykit/canarykit/internal/source"
	"github.com/canarykit/canarykit/internal/trust"
	"github.com/canarykit/canarykit/verify"
)

// Following the chain (issue 15). A canarykit canary names the one before
// it by the digest of its signed text (Previous:), and a published site
// keeps every canary in archive/NNNNNN.txt. When one SOURCE is verified
// without --previous, verify looks for the canary it names, in this order:
//
//  1. the last canary the reader trusted from SOURCE, remembered with --pin
//     beside the trust store (trust.LastTrustedPath), when it is this
//     canary's predecessor, this canary itself, or newer (a replay);
//  2. archive/NNNNNN.txt of serial N-1 beside SOURCE: for a file, in the
//     file's directory (and, for a file in archive/ itself, beside it); for
//     a URL, resolved against the final URL, and for a web page also
//     against the page as a directory; fetched with the same fetcher and
//     limits; it must have the digest named, and is verified with the same
//     keys;
//  3. an older remembered canary.
//
// The verdict then compares the statements with it (Options.Previous),
// and a "chain" row says which canary it was and where it came from. When
// none can be found, the "chain" row says that the statements were not
// compared, and why, and the JSON "changes" is null, not [].

// verifyChained is runVerify for a single SOURCE, following the chain.
// keep is the canary as judged (the block, or the signed file), to be
// remembered with --pin once the verdict is known (rememberTrusted).
func verifyChained(ios *cmdutil.Factory, source string, f *Options) (r *verify.Result, keep []byte) {
	if f.Previous == "-" && source == "-" {
		return verify.Unchecked("arguments", errors.New("standard input can be read only once: give SOURCE or --previous as a file or URL")), nil
	}
	opts, bad := verifyBase(ios, f)
	if bad != nil {
		return bad, nil
	}
	in, err := readInput(ios, source, f)
	if err != nil {
		return verify.Unchecked("input", err), nil
	}
	opts.Signatures = in.Sigs
	if len(f.Fresh.tokens) == 0 {
		opts.Freshness.Tokens = in.Tokens
	}
	judge := func(o verify.Options) *verify.Result {
		r := verifyInput(in, o)
		r.Source = in.Source
		return r
	}
	r = judge(opts)
	if f.Previous != "" || r.Canary == nil {
		return r, judged(in, r)
	}
	c := r.Canary
	prev, row := findPrevious(ios, source, in, c, f, opts)
	if prev != nil {
		o := opts
		o.Previous = prev
		r = judge(o)
	} else {
		r.Changes = nil // not compared
	}
	r.Add("chain", row.Status, row.Message)
	return r, judged(in, r)
}

// judged is the canary of in that r judged: a page's chosen block, or the
// file as read.
func judged(in *input, r *verify.Result) []byte {
	if in.Page {
		if b := in.Source.Block; b >= 1 && b <= len(in.Blocks) {
			return in.Blocks[b-1]
		}
		return nil
	}
	return in.Data
}

// notCompared is the row for a canary whose statements were compared with
// no previous canary.
func notCompared(why string) verify.Check {
	return verify.Check{Name: "chain", Status: verify.OK,
		Message: "statements were not compared with the previous canary: " + why + "; pass --previous FILE"}
}

// findPrevious finds the canary to compare c with, and the row that says
// which one, or, when it returns nil, why none.
func findPrevious(ios *cmdutil.Factory, source string, in *input, c *canary.Canary, f *Options, opts verify.Options) ([]byte, verify.Check) {
	last, lastC, store := rememberedCanary(ios, source)
	useLast := func() ([]byte, verify.Check) {
		return last, verify.Check{Name: "chain", Status: verify.OK,
			Message: fmt.Sprintf("compared with canary %d, the last one you trusted from %s (remembered in %s)", lastC.Serial, shown(source), trust.LastTrustedPath(store, source))}
	}
	// The reader's own last trusted canary comes first when it is this
	// one's predecessor, this one, or newer: only it shows a replay.
	if lastC != nil && lastC.Serial+1 >= c.Serial {
		return useLast()
	}
	var why verify.Check
	switch {
	case c.Previous == "" && c.Serial <= 1:
		why = verify.Check{Name: "chain", Status: verify.OK,
			Message: fmt.Sprintf("statements were not compared with a previous canary: this one (serial %d) names none; it is the start of its chain", c.Serial)}
	case c.Previous == "":
		why = notCompared(fmt.Sprintf("this canary (serial %d) names none by digest (it has no Previous: line), so it cannot be looked up", c.Serial))
	case source == "-":
		why = notCompared("standard input has no location to look for the site's archive from")
	default:
		data, row := fromArchive(source, in, c, f, opts)
		if data != nil {
			return data, row
		}
		why = row
	}
	if lastC != nil {
		// An older canary the reader trusted is still a comparison: the
		// verdict shows the gap. A mismatch in the archive stays said.
		data, row := useLast()
		if why.Status != verify.OK {
			row.Status = why.Status
			row.Message += "; " + why.Message
		}
		return data, row
	}
	return nil, why
}

// rememberedCanary reads the last canary trusted from source (with --pin),
// if any, and the store it is kept beside.
func rememberedCanary(ios *cmdutil.Factory, source string) (data []byte, c *canary.Canary, store string) {
	if source == "-" {
		return nil, nil, ""
	}
	store, err := ios.TrustStorePath()
	if err != nil {
		return nil, nil, ""
	}
	data, err = trust.ReadLastTrusted(store, source)
	if err != nil || data == nil {
		return nil, nil, store
	}
	text, err := signedText(data)
	if err != nil {
		return nil, nil, store
	}
	if c, err = canary.Parse(text); err != nil {
		return nil, nil, store
	}
	return data, c, store
}

// signedText is the signed text of a canary as published: the text of a
// clearsigned block, or a canarykit text itself (detached signatures).
func signedText(data []byte) ([]byte, error) {
	if bytes.HasPrefix(data, []byte("Format: canarykit/")) {
		return data, nil
	}
	s, err := canary.Open(data)
	if err != nil {
		return nil, err
	}
	return s.Text, nil
}

// A candidate is one place the predecessor may be: a file or a URL.
type candidate struct {
	loc   string // the path, or the URL
	url   bool
	shown string // loc, as messages show it
}

// archiveCandidates lists where canary serial n may be archived, relative
// to SOURCE.
func archiveCandidates(source string, in *input, n uint64) []candidate {
	name := issue.ArchiveName(n)
	var out []candidate
	seen := map[string]bool{}
	add := func(c candidate) {
		if !seen[c.loc] {
			seen[c.loc] = true
			out = append(out, c)
		}
	}
	if !isURL(source) {
		dir := filepath.Dir(source)
		if filepath.Base(dir) == issue.ArchiveDir {
			p := filepath.Join(dir, name)
			add(candidate{loc: p, shown: p})
		}
		p := filepath.Join(dir, issue.ArchiveDir, name)
		add(candidate{loc: p, shown: p})
		return out
	}
	base, err := url.Parse(in.Source.FinalURL)
	if err != nil {
		return nil
	}
	resolve := func(b *url.URL, rel string) {
		u := b.ResolveReference(&url.URL{Path: rel})
		add(candidate{loc: u.String(), url: true, shown: redact.URL(u.String())})
	}
	if path.Base(path.Dir(base.Path+"x")) == issue.ArchiveDir {
		resolve(base, name) // a canary in archive/ itself
	}
	resolve(base, issue.ArchiveDir+"/"+name)
	if in.Page && !strings.HasSuffix(base.Path, "/") {
		// A page at /canary may be the index of /canary/.
		d := *base
		d.Path += "/"
		d.RawPath = ""
		resolve(&d, issue.ArchiveDir+"/"+name)
	}
	return out
}

// fromArchive looks for c's predecessor in the site's archive, checks it
// by digest, and verifies it with the reader's keys.
func fromArchive(source string, in *input, c *canary.Canary, f *Options, opts verify.Options) ([]byte, verify.Check) {
	cands := archiveCandidates(source, in, c.Serial-1)
	var missing, failed []string
	var mismatch *verify.Check
	for _, cand := range cands {
		data, err := readCandidate(f, cand)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				missing = append(missing, cand.shown)
			} else {
				failed = append(failed, fmt.Sprintf("%s could not be read (%s)", cand.shown, redact.Text(err.Error())))
			}
			continue
		}
		text, err := signedText(data)
		if err != nil {
			if mismatch == nil {
				mismatch = &verify.Check{Name: "chain", Status: verify.Warning,
					Message: fmt.Sprintf("%s, where the previous canary (serial %d) belongs, is not a canary (%v); statements were not compared with the previous canary; pass --previous FILE", cand.shown, c.Serial-1, err)}
			}
			continue
		}
		if got := canary.Digest(text); got != c.Previous {
			if mismatch == nil {
				mismatch = &verify.Check{Name: "chain", Status: verify.Warning,
					Message: fmt.Sprintf("%s is not the canary this one names as its previous (%s): its signed text is %s, so the archive and this canary disagree; statements were not compared with the previous canary; pass --previous FILE", cand.shown, short(c.Previous), short(got))}
			}
			continue
		}
		// The digest matches: this is the text the canary names. It must
		// also be genuine, by the reader's keys, as of its own issue.
		row := verify.Check{Name: "chain", Status: verify.OK,
			Message: fmt.Sprintf("compared with canary %d from %s (digest matches)", c.Serial-1, cand.shown)}
		if why := notGenuine(data, cand, f, opts); why != "" {
			row.Status = verify.Warning
			row.Message += "; but it does not verify with the keys you gave: " + why
		}
		return data, row
	}
	if mismatch != nil {
		return nil, *mismatch
	}
	why := fmt.Sprintf("canary %d (%s), which this one names, ", c.Serial-1, short(c.Previous))
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "is not at "+strings.Join(missing, " or "))
	}
	parts = append(parts, failed...)
	return nil, notCompared(why + strings.Join(parts, "; "))
}

// readCandidate reads the archived canary at cand; absence is
// fs.ErrNotExist.
func readCandidate(f *Options, cand candidate) ([]byte, error) {
	if !cand.url {
		return canary.ReadFile(cand.loc)
	}
	fetcher, err := f.Web.Get()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.Web.Limit)
	defer cancel()
	res, err := fetcher.Get(ctx, cand.loc, nil)
	switch {
	case err == nil:
		return res.Body, nil
	case source.Absent(err):
		return nil, fs.ErrNotExist
	}
	return nil, err
}

// notGenuine verifies the predecessor with the reader's keys as of its
// own issue (it may have expired since: that is not its fault), and says
// why it is not authentic, or "".
func notGenuine(data []byte, cand candidate, f *Options, opts verify.Options) string {
	text, _ := signedText(data)
	p, err := canary.Parse(text)
	if err != nil {
		return err.Error()
	}
	o := verify.Options{Keys: opts.Keys, Threshold: opts.Threshold, At: p.Issued, WarnBefore: opts.WarnBefore}
	if bytes.Equal(text, data) {
		// Published with detached signatures: they sit beside it.
		o.Signatures = archivedSignatures(f, cand)
	}
	r := verify.Verify(data, o)
	if r.Status == verify.OK || r.Status == verify.Warning {
		return ""
	}
	return r.Summary
}

// archivedSignatures finds the detached signatures beside an archived
// canary, as for SOURCE.
func archivedSignatures(f *Options, cand candidate) [][]byte {
	if !cand.url {
		sigs, _ := source.NeighbourSignatures(cand.loc)
		return sigs
	}
	fetcher, err := f.Web.Get()
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.Web.Limit)
	defer cancel()
	sigs, _ := source.FetchSignatures(ctx, fetcher, cand.loc)
	return sigs
}

// readPreviousFlag reads --previous: a file, - for standard input, or a
// URL (a canary file, or a web page with one signed block).
func readPreviousFlag(ios *cmdutil.Factory, f *Options) ([]byte, error) {
	switch {
	case f.Previous == "-":
		return source.ReadStdin(ios.In)
	case source.IsURL(f.Previous):
		fetcher, err := f.Web.Get()
		if err != nil {
			return nil, err
		}
		res, err := fetcher.Get(context.Background(), f.Previous, nil)
		if err != nil {
			return nil, err
		}
		if fetch.IsHTML(res.ContentType, res.Body) {
			switch blocks := fetch.ExtractBlocks(res.Body); len(blocks) {
			case 1:
				return blocks[0], nil
			case 0:
				return nil, fmt.Errorf("%s is a web page with no signed canary on it", redact.URL(f.Previous))
			default:
				return nil, fmt.Errorf("%s is a web page with %d signed blocks; give the URL of the canary you trusted itself", redact.URL(f.Previous), len(blocks))
			}
		}
		return res.Body, nil
	}
	return canary.ReadFile(f.Previous)
}

// rememberTrusted keeps the canary judged as the last one trusted from
// source, with --pin, once it verified, so that the next run compares
// with it (findPrevious). It adds a "remembered" row, or a warning when
// it could not.
func rememberTrusted(ios *cmdutil.Factory, r *verify.Result, source string, keep []byte, f *Options) {
	if !f.Pin || source == "-" || r.Canary == nil || keep == nil {
		return
	}
	if r.Status != verify.OK && r.Status != verify.Warning {
		return // only a canary that verified is trusted
	}
	store, err := ios.TrustStorePath()
	if err != nil {
		return // checkPin said so
	}
	// Never step back: a newer canary remembered meanwhile stays.
	if _, c, _ := rememberedCanary(ios, source); c != nil && c.Serial > r.Canary.Serial {
		return
	}
	if err := trust.WriteLastTrusted(store, source, keep); err != nil {
		r.Add("remembered", verify.Warning, fmt.Sprintf("could not remember this canary for the next run: %v", err))
		return
	}
	r.Add("remembered", verify.OK, fmt.Sprintf("this canary (serial %d) is remembered as the last one you trusted from %s, in %s; the next verify of this source compares with it",
		r.Canary.Serial, shown(source), trust.LastTrustedPath(store, source)))
}

// shown is SOURCE as messages show it.
func shown(source string) string {
	if isURL(source) {
		return redact.URL(source)
	}
	return source
}

// short abbreviates a digest as verify's messages do.
func short(digest string) string {
	if len(digest) > 19 {
		return digest[:19] + "…"
	}
	return digest
}
