// Package publish is the publisher's side after signing: it turns a
// publication directory (what `canary issue --out DIR` keeps) into a
// static web site. When the next canary is due is the workflow's
// business: package issue (status.go).
//
// The site needs no JavaScript and no asset from elsewhere, and every link
// is relative, so it reads the same from any web server, an onion service
// or a copy on disk (docs/PUBLISH.md).
package publish

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/atomicfile"
	"github.com/canarykit/canarykit/internal/issue"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/verify"
)

// Files of a site, besides canary.txt, its tokens and archive/NNNNNN.txt.
const (
	IndexFile  = "index.html"
	JSONFile   = "canary.json"
	FeedFile   = "feed.atom"
	KeysDir    = "keys"
	maxArchive = 100000
)

// Options say what to publish and where.
type Options struct {
	// Dir is the publication directory canary issue writes.
	Dir string
	// Site is where the site goes; empty (or Dir) writes it into Dir.
	Site string
	// Keys are the signers' public keys. The current canary must verify
	// with them, and those that signed it are published in keys/.
	Keys      openpgp.EntityList
	Threshold int
	// BaseURL is the site's public address (https://example.org/canary/),
	// for the feed and the instructions on the page; optional.
	BaseURL string
	Now     time.Time
	// Private are the paths that must not be in the site, since all of
	// it goes to the web server: the definition and its signers' key
	// files. Build refuses a site that holds one of them, or any OpenPGP
	// secret key (CheckSite), before it writes anything.
	Private []Private
}

// A Result says what Build wrote.
type Result struct {
	Canary  *canary.Canary
	Site    string
	Files   []string // written, relative to Site, in the order written
	Expired bool     // the current canary has expired: the page says so
	Notes   []string // for the publisher
}

// entry is one canary of the chain, as the page, archive and feed show it.
type entry struct {
	Canary  *canary.Canary
	File    string // relative to the site: archive/000003.txt
	Tokens  []string
	Digest  string // sha256:HEX of the signed text
	Text    string // the signed text
	Changes []change
	First   bool // nothing before it to compare with
}

type change struct {
	Kind, ID, Old, New string
}

// archiveNameRE matches the canaries of archive/; compiled on first use,
// like the templates, not at package init.
var archiveNameRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9]{6,19}\.txt$`)
})

// Build writes the site for the canary now published in o.Dir. It refuses
// a canary that does not verify with o.Keys, so that the page never shows
// a forged or broken canary as the current one. Every file is written
// atomically; index.html last, so that it never links to a file not yet
// there.
func Build(o Options) (*Result, error) {
	if o.Site == "" {
		o.Site = o.Dir
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.BaseURL != "" && !strings.HasSuffix(o.BaseURL, "/") {
		o.BaseURL += "/"
	}
	if o.BaseURL != "" && !strings.HasPrefix(o.BaseURL, "https://") && !strings.HasPrefix(o.BaseURL, "http://") {
		return nil, fmt.Errorf("--base-url %q must start with https:// or http://", o.BaseURL)
	}
	if err := CheckSite(o.Site, o.Private); err != nil {
		return nil, err
	}
	curPath := filepath.Join(o.Dir, issue.CurrentFile)
	data, err := canary.ReadFile(curPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s has no %s: issue a canary first (canary issue --out %s)", o.Dir, issue.CurrentFile, o.Dir)
	}
	if err != nil {
		return nil, err
	}
	res := &Result{Site: o.Site}
	r := verify.Verify(data, verify.Options{Keys: o.Keys, Threshold: o.Threshold, At: o.Now})
	for _, c := range r.Checks {
		switch {
		case c.Name == "expiry" && c.Status == verdict.Critical:
			res.Expired = true
		case c.Name == "expiry":
		case c.Status == verdict.Critical || c.Status == verdict.Unknown:
			return nil, fmt.Errorf("%s does not verify with the definition's signer keys (%s: %s); nothing was published", curPath, c.Name, c.Message)
		case c.Status == verdict.Warning:
			res.Notes = append(res.Notes, c.Name+": "+c.Message)
		}
	}
	if r.Canary == nil {
		return nil, fmt.Errorf("%s is not a canarykit canary; nothing was published", curPath)
	}
	res.Canary = r.Canary
	if res.Expired {
		res.Notes = append(res.Notes, fmt.Sprintf("the current canary expired on %s; the page says so. Issue a new one: canary issue --out %s",
			r.Canary.Expires.Format(canary.ShownTime), o.Dir))
	}
	entries, err := readChain(o.Dir, data, r.Canary)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(o.Dir, issue.DraftFile)); err == nil && o.Site == o.Dir {
		res.Notes = append(res.Notes, fmt.Sprintf("%s is an unsigned draft: do not copy it to the web server (or publish with --site DIR)", filepath.Join(o.Dir, issue.DraftFile)))
	}
	w := &writer{site: o.Site, res: res}
	if o.Site != o.Dir {
		w.copyPublished(o.Dir, entries)
	}
	keys := w.keys(o.Keys, r.Canary)
	js, err := json.MarshalIndent(r.Canary, "", "  ")
	if err != nil {
		return nil, err
	}
	// Every file shows the text it quotes (the issuer, statements, the
	// signers' user IDs, the signed canary) by the one escaping rule:
	// a control character, an invisible or a direction-changing one is
	// written as a visible escape (\x1b, \u202E) in the pages and the
	// feed, and as a \u escape, the same string to a JSON reader, in
	// canary.json (docs/SECURITY.md).
	w.write(JSONFile, verdict.EscapeJSON(append(js, '\n')))
	feed, err := renderFeed(entries, o.BaseURL)
	if err != nil {
		return nil, err
	}
	w.write(FeedFile, []byte(verdict.DisplayLines(string(feed))))
	p := newPage(entries, keys, data, o, res.Expired)
	w.write(filepath.Join(issue.ArchiveDir, IndexFile), []byte(verdict.DisplayLines(string(p.render(archiveTemplate())))))
	w.write(IndexFile, []byte(verdict.DisplayLines(string(p.render(indexTemplate())))))
	if w.err != nil {
		return nil, w.err
	}
	return res, nil
}

// readChain reads the archive and the current canary, newest first, each
// with its statement changes from the one before it.
func readChain(dir string, current []byte, cur *canary.Canary) ([]*entry, error) {
	adir := filepath.Join(dir, issue.ArchiveDir)
	names, err := os.ReadDir(adir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	bySerial := map[uint64]*entry{}
	for _, de := range names {
		if !archiveNameRE().MatchString(de.Name()) || !de.Type().IsRegular() {
			continue
		}
		if len(bySerial) >= maxArchive {
			return nil, fmt.Errorf("%s holds more than %d canaries", adir, maxArchive)
		}
		p := filepath.Join(adir, de.Name())
		b, err := canary.ReadFile(p)
		if err != nil {
			return nil, err
		}
		e, err := newEntry(b, filepath.ToSlash(filepath.Join(issue.ArchiveDir, de.Name())))
		if err != nil {
			return nil, fmt.Errorf("%s: %v; move it out of the archive or restore it", p, err)
		}
		if e.File != filepath.ToSlash(filepath.Join(issue.ArchiveDir, issue.ArchiveName(e.Canary.Serial))) {
			return nil, fmt.Errorf("%s holds serial %d; it belongs in %s", p, e.Canary.Serial, issue.ArchiveName(e.Canary.Serial))
		}
		e.Tokens = tokens(adir, de.Name(), issue.ArchiveDir)
		bySerial[e.Canary.Serial] = e
	}
	// The current canary is always listed, even when the archive lacks it
	// (a directory that was copied without its archive).
	if e, ok := bySerial[cur.Serial]; !ok || e.Digest != canary.Digest(mustOpen(current)) {
		e, err := newEntry(current, issue.CurrentFile)
		if err != nil {
			return nil, err
		}
		e.Tokens = tokens(dir, issue.CurrentFile, "")
		bySerial[cur.Serial] = e
	}
	var out []*entry
	for _, e := range bySerial {
		if e.Canary.Serial <= cur.Serial {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Canary.Serial > out[j].Canary.Serial })
	for i, e := range out {
		if i+1 < len(out) && out[i+1].Canary.Serial+1 == e.Canary.Serial && e.Canary.Previous == out[i+1].Digest {
			e.Changes = diff(out[i+1].Canary.Statements, e.Canary.Statements)
		} else {
			e.First = true
		}
	}
	return out, nil
}

func newEntry(data []byte, file string) (*entry, error) {
	s, err := canary.Open(data)
	if err != nil {
		return nil, err
	}
	c, err := canary.Parse(s.Text)
	if err != nil {
		return nil, fmt.Errorf("not a canarykit canary: %v", err)
	}
	return &entry{Canary: c, File: file, Digest: canary.Digest(s.Text), Text: string(s.Text)}, nil
}

func mustOpen(data []byte) []byte {
	s, err := canary.Open(data)
	if err != nil {
		return nil
	}
	return s.Text
}

// tokens lists the timestamp files beside file in dir, as paths relative
// to the site (under prefix).
func tokens(dir, file, prefix string) []string {
	var out []string
	for i := 0; i < 20; i++ {
		name := canary.TokenName(file, i)
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			break
		}
		out = append(out, filepath.ToSlash(filepath.Join(prefix, name)))
	}
	return out
}

// diff compares statements by ID, as readers do.
func diff(old, cur []canary.Statement) []change {
	var out []change
	now := map[string]string{}
	for _, s := range cur {
		now[s.ID] = s.Text
	}
	was := map[string]bool{}
	for _, s := range old {
		was[s.ID] = true
		switch t, ok := now[s.ID]; {
		case !ok:
			out = append(out, change{Kind: "removed", ID: s.ID, Old: s.Text})
		case t != s.Text:
			out = append(out, change{Kind: "reworded", ID: s.ID, Old: s.Text, New: t})
		}
	}
	for _, s := range cur {
		if !was[s.ID] {
			out = append(out, change{Kind: "added", ID: s.ID, New: s.Text})
		}
	}
	return out
}

// writer writes site files atomically and stops at the first error.
type writer struct {
	site string
	res  *Result
	err  error
}

func (w *writer) write(rel string, data []byte) {
	if w.err != nil {
		return
	}
	p := filepath.Join(w.site, rel)
	if w.err = os.MkdirAll(filepath.Dir(p), 0o755); w.err != nil {
		return
	}
	if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, data) {
		w.res.Files = append(w.res.Files, filepath.ToSlash(rel))
		return
	}
	if w.err = atomicfile.Write(p, data, 0o644); w.err == nil {
		w.res.Files = append(w.res.Files, filepath.ToSlash(rel))
	}
}

// copyPublished copies the signed files into a separate site directory:
// the archive first, then the current canary's tokens, then the canary,
// so that a reader never finds a canary without its tokens. Tokens of an
// earlier canary beyond the new ones are removed.
func (w *writer) copyPublished(dir string, entries []*entry) {
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.File == issue.CurrentFile {
			continue
		}
		for _, f := range append([]string{e.File}, e.Tokens...) {
			w.copy(dir, f)
		}
	}
	cur := tokens(dir, issue.CurrentFile, "")
	for _, f := range cur {
		w.copy(dir, f)
	}
	if w.err == nil {
		stale, _ := filepath.Glob(filepath.Join(w.site, issue.CurrentFile+".*tsr"))
		keep := map[string]bool{}
		for _, f := range cur {
			keep[filepath.Join(w.site, f)] = true
		}
		for _, p := range stale {
			if !keep[p] {
				if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
					w.err = err
				}
			}
		}
	}
	w.copy(dir, issue.CurrentFile)
}

func (w *writer) copy(dir, rel string) {
	if w.err != nil {
		return
	}
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		w.err = err
		return
	}
	w.write(rel, b)
}

// A pubKey is a signer's key as the page shows it.
type pubKey struct {
	Fingerprint string
	Name        string // the primary user ID, if any
	File        string // keys/FPR.asc, if published
}

// keys publishes the public keys of the canary's signers, and only their
// public part: Serialize never writes secret key material.
func (w *writer) keys(el openpgp.EntityList, c *canary.Canary) []pubKey {
	var out []pubKey
	for _, fp := range c.Signers {
		k := pubKey{Fingerprint: fp}
		for _, e := range el {
			if keys.Fingerprint(e.PrimaryKey.Fingerprint) != fp {
				continue
			}
			if _, id := e.PrimaryIdentity(time.Time{}, nil); id != nil {
				k.Name = id.Name
			}
			var b bytes.Buffer
			aw, err := armor.EncodeWithChecksumOption(&b, "PGP PUBLIC KEY BLOCK", nil, true)
			if err == nil {
				err = e.Serialize(aw)
			}
			if err == nil {
				err = aw.Close()
			}
			if err != nil {
				w.err = err
				return nil
			}
			b.WriteByte('\n')
			k.File = KeysDir + "/" + fp + ".asc"
			w.write(k.File, b.Bytes())
			break
		}
		out = append(out, k)
	}
	return out
}
