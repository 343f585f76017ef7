// Package dashboard renders a watchdog's history as static web pages: an
// index of every watched canary with its status, and a page per target
// with the canary's statements, a timeline picture (inline SVG made here,
// no script, nothing fetched), its events and links to every canary
// stored, as files gpg can check. It only reads the history.
package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/redact"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// Bounds on a target page, so that one with thousands of canaries and
// events stays readable and small: the newest rows are listed, and the
// page says how many more there are. Every canary is still in the archive.
const (
	maxCanaryRows = 100
	maxLapseRows  = 100
	maxEventRows  = 200
)

// archiveDir names a target's directory of canaries as canary archive
// export does, so that the two can share one directory.
func archiveDir(t store.Target) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 {
			return '_'
		}
		return r
	}, t.Name) + "-" + t.ID[:8]
}

// archiveFiles names a canary's files as canary archive export does: the
// nth canary of a target is NNNNNN.txt, its detached signatures (kinds
// "sig") .sig, .sig.2, ... and its timestamp tokens .tsr, .2.tsr, ...
func archiveFiles(n int, kinds []string) (txt string, others []string) {
	txt = fmt.Sprintf("%06d.txt", n)
	sigs, tsrs := 0, 0
	for _, k := range kinds {
		if k == "sig" {
			name := txt + ".sig"
			if sigs > 0 {
				name = fmt.Sprintf("%s.sig.%d", txt, sigs+1)
			}
			sigs++
			others = append(others, name)
		} else {
			others = append(others, canary.TokenName(txt, tsrs))
			tsrs++
		}
	}
	return txt, others
}

// A row is one target on the index.
type row struct {
	store.Overview
	Label string // the status as text: colour is never the only sign
	Class string
	Page  string
}

type indexPage struct {
	common
	Active, Retired []row
	Counts          []count
	Soft            int
	Look            []row // not OK: what needs a look
}

type count struct {
	Label, Class string
	N            int
}

type common struct {
	At  time.Time
	CSS template.CSS
	CSP string
}

func newRow(o store.Overview) row {
	// The location as recorded may carry a basic-auth password or a
	// ?key=: the dashboard shows it redacted (package redact).
	o.Location = redact.URL(o.Location)
	r := row{Overview: o, Label: o.Status.String(), Class: statusClass(o.Status), Page: "targets/" + o.ID + ".html"}
	switch {
	case o.LastCheck.IsZero():
		r.Label, r.Class = "NOT CHECKED", "unknown"
	case o.Soft:
		r.Label, r.Class = "UNKNOWN?", "unknown"
	}
	return r
}

// index renders the list of every target, the worst first.
func index(list []store.Overview, at time.Time) []byte {
	p := &indexPage{common: newCommon(at)}
	n := map[verdict.Status]int{}
	for _, o := range list {
		r := newRow(o)
		if !o.Retired.IsZero() {
			p.Retired = append(p.Retired, r)
			continue
		}
		p.Active = append(p.Active, r)
		if o.LastCheck.IsZero() {
			continue // added to the watch list, not checked yet: nothing to say
		}
		n[o.Status]++
		if o.Soft {
			p.Soft++
		}
		if o.Status != verdict.OK || o.Soft {
			p.Look = append(p.Look, r)
		}
	}
	worstFirst := func(a, b row) int {
		if d := rank(b.Status) - rank(a.Status); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	}
	slices.SortStableFunc(p.Active, worstFirst)
	slices.SortStableFunc(p.Look, worstFirst)
	for _, s := range []verdict.Status{verdict.Critical, verdict.Unknown, verdict.Warning, verdict.OK} {
		p.Counts = append(p.Counts, count{s.String(), statusClass(s), n[s]})
	}
	return render(indexTemplate(), p)
}

// A targetPage is one target's page.
type targetPage struct {
	common
	row
	Current     *store.Canary
	CurrentN    int
	FirstWhy    []reason // why Current was not good when first seen
	Why         []reason // why the target is CRITICAL
	Issuer      string
	Statements  []canary.Statement
	Text        string // the signed text, when it has no statements to list
	Timeline    template.HTML
	CurrentFile string
	Canaries    []canaryRow
	Total       int
	MoreRows    int
	Lapses      []lapse
	MoreLapses  int
	Events      []store.Event
	MoreEvents  int
	Link        string // the location, when it is a web address
}

type canaryRow struct {
	N      int
	C      *store.Canary
	File   string
	Others []string
}

// data is what a target page is made from; load reads it.
type data struct {
	o        store.Overview
	canaries []*store.Canary // all, oldest first: their place is their file number
	events   []store.Event
	kinds    map[int64][]string // the kinds of each canary's files
}

// load reads a target's history in three queries: the files' contents
// are read only when written.
func load(ctx context.Context, db *store.DB, o store.Overview) (*data, error) {
	d := &data{o: o}
	var err error
	if d.canaries, err = db.Canaries(ctx, o.ID); err != nil {
		return nil, err
	}
	if d.events, err = db.Events(ctx, o.ID, 0); err != nil {
		return nil, err
	}
	// Recorded before fetch redacted its messages, an event may quote a
	// URL with its credentials.
	for i := range d.events {
		d.events[i].Message = redact.Text(d.events[i].Message)
	}
	if d.kinds, err = db.FileKinds(ctx, o.ID); err != nil {
		return nil, err
	}
	return d, nil
}

// page renders a target's page as of at: the timeline's now is then, or
// when the target was retired.
func (d *data) page(at time.Time) []byte {
	end := at
	if r := d.o.Retired; !r.IsZero() && r.Before(end) {
		end = r
	}
	p := &targetPage{common: newCommon(at), row: newRow(d.o)}
	if u := p.Location; strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		p.Link = u
	}
	if d.o.Current != nil {
		for i, c := range d.canaries {
			if c.ID == d.o.Current.ID {
				p.Current, p.CurrentN = c, i+1
			}
		}
	}
	if c := p.Current; c != nil {
		p.CurrentFile = fmt.Sprintf("../archive/%s/%06d.txt", archiveDir(d.o.Target), p.CurrentN)
		p.Issuer, p.Statements, p.Text = content(c, slices.Contains(d.kinds[c.ID], "sig"))
		if !c.Good {
			p.FirstWhy = firstSeenReasons(d.events, c)
		}
	}
	p.Why = statusReasons(d.events, d.o)
	// The picture of a target still watched runs on to its canary's
	// expiry; a retired one's ends when it was retired.
	until := end
	if d.o.Retired.IsZero() {
		until = horizon(d.canaries, end)
	}
	p.Timeline = trusted(timeline(d.canaries, d.events, end, until))
	p.Total = len(d.canaries)
	for i := len(d.canaries) - 1; i >= 0; i-- {
		if len(p.Canaries) == maxCanaryRows {
			p.MoreRows = i + 1
			break
		}
		c := d.canaries[i]
		txt, others := archiveFiles(i+1, d.kinds[c.ID])
		dir := "../archive/" + archiveDir(d.o.Target) + "/"
		for k := range others {
			others[k] = dir + others[k]
		}
		p.Canaries = append(p.Canaries, canaryRow{N: i + 1, C: c, File: dir + txt, Others: others})
	}
	gaps := lapses(d.canaries, end)
	for i := len(gaps) - 1; i >= 0; i-- {
		if len(p.Lapses) == maxLapseRows {
			p.MoreLapses = i + 1
			break
		}
		p.Lapses = append(p.Lapses, gaps[i])
	}
	for i := len(d.events) - 1; i >= 0; i-- {
		if len(p.Events) == maxEventRows {
			p.MoreEvents = i + 1
			break
		}
		p.Events = append(p.Events, d.events[i])
	}
	return render(targetTemplate(), p)
}

// content returns what a canary says: for a canarykit canary its issuer
// and statements, else its signed text. Only signed text is ever shown:
// text around a clearsigned block is not the publisher's word.
func content(c *store.Canary, detached bool) (issuer string, statements []canary.Statement, text string) {
	signed := c.Body
	if !detached {
		s, err := canary.Open(c.Body)
		if err != nil {
			return "", nil, ""
		}
		signed = s.Text
	}
	if c.Kind == "canarykit" {
		if p, err := canary.Parse(signed); err == nil {
			return p.Issuer.Name, p.Statements, ""
		}
	}
	return "", nil, string(signed)
}

// Write writes the dashboard of every target under dir as of at:
// dir/index.html, dir/targets/ID.html, and every stored canary under
// dir/archive/ as canary archive export writes it. Every file is written
// whole or not at all; index.html last, so that it never links to a page
// not there yet. A canary file already there is kept: canaries never
// change, and one with other content is an error, as for export.
//
// A file is written under a hidden temporary name and renamed into place
// (writeFile); the temporary files a write killed half-way left are
// removed by the next (cleanStale).
//
// Targets are written by a few workers at once: writing a file safely
// costs a disk sync, and ten thousand of them one after the other would
// take longer than the round of checks.
func Write(ctx context.Context, db *store.DB, dir string, at time.Time) error {
	writing.Lock()
	defer writing.Unlock()
	list, err := db.Overviews(ctx, "")
	if err != nil {
		return fmt.Errorf("cannot read the history: %v", err)
	}
	for _, sub := range []string{"targets", "archive"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	now := time.Now()
	cleanStale(dir, now)
	cleanStale(filepath.Join(dir, "targets"), now)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan store.Overview)
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range work {
				if err := writeTarget(ctx, db, dir, o, at); err != nil {
					cancel(err)
				}
			}
		}()
	}
feed:
	for _, o := range list {
		select {
		case work <- o:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "index.html"), index(list, at))
}

const writers = 4

func writeTarget(ctx context.Context, db *store.DB, dir string, o store.Overview, at time.Time) error {
	d, err := load(ctx, db, o)
	if err != nil {
		return fmt.Errorf("cannot read the history of %s: %v", o.Name, err)
	}
	sub := filepath.Join(dir, "archive", archiveDir(o.Target))
	cleanStale(sub, time.Now()) // this worker's alone: no other writes there
	if err := d.archive(ctx, db, sub); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "targets", o.ID+".html"), d.page(at))
}

// archive writes the canaries not yet in sub. A canary's signatures and
// tokens are written before it, so that a canary file there has its
// companions: the next run skips it without reading it back.
func (d *data) archive(ctx context.Context, db *store.DB, sub string) error {
	if len(d.canaries) == 0 {
		return nil
	}
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return err
	}
	for i, c := range d.canaries {
		txt := filepath.Join(sub, fmt.Sprintf("%06d.txt", i+1))
		if _, err := os.Stat(txt); err == nil {
			continue
		}
		full, err := db.Canary(ctx, c.ID)
		if err != nil {
			return err
		}
		name, others := archiveFiles(i+1, kindsOf(full))
		for k, f := range full.Files {
			if err := put(filepath.Join(sub, others[k]), f.Data); err != nil {
				return err
			}
		}
		if err := put(filepath.Join(sub, name), full.Body); err != nil {
			return err
		}
	}
	return nil
}

func kindsOf(c *store.Canary) []string {
	var out []string
	for _, f := range c.Files {
		out = append(out, f.Kind)
	}
	return out
}

// put writes a file of the archive once: the same content again is fine,
// other content an error, since an archive must never change under its
// reader.
func put(file string, data []byte) error {
	old, err := os.ReadFile(file)
	switch {
	case err == nil && bytes.Equal(old, data):
		return nil
	case err == nil:
		return fmt.Errorf("%s already exists with other content; write the dashboard into another directory", file)
	case !os.IsNotExist(err):
		return err
	}
	return writeFile(file, data)
}

// archiveFile returns the file of a target's archive named name
// (NNNNNN.txt, NNNNNN.txt.sig, ...), for the server.
func archiveFile(ctx context.Context, db *store.DB, canaries []*store.Canary, name string) ([]byte, bool, error) {
	var n int
	if _, err := fmt.Sscanf(name, "%06d.txt", &n); err != nil || n < 1 || n > len(canaries) {
		return nil, false, nil
	}
	c, err := db.Canary(ctx, canaries[n-1].ID)
	if err != nil {
		return nil, false, err
	}
	txt, others := archiveFiles(n, kindsOf(c))
	if name == txt {
		return c.Body, true, nil
	}
	for k, o := range others {
		if name == o {
			return c.Files[k].Data, true, nil
		}
	}
	return nil, false, nil
}
