// Package trust remembers which keys signed a canary source, so that a
// canary re-issued under a new key (a hijacked domain, a swapped key file)
// does not pass quietly just because the reader was handed the new key too.
// It is trust on first use: the first signers seen for a source are pinned,
// and only the reader can accept different ones.
package trust

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/canarykit/canarykit/internal/atomicfile"
)

// An Entry is what the store knows about one source.
type Entry struct {
	// Source is the normalised source: an absolute path or a URL.
	Source string `json:"source"`
	// Fingerprints are the accepted signers' primary key fingerprints.
	Fingerprints []string `json:"fingerprints"`
	// Pinned is when these fingerprints were accepted (first use, or the
	// last `canary trust`).
	Pinned time.Time `json:"pinned"`
	// FirstSeen and LastSeen bound the verifications with --pin.
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// A Decision is how a canary's signers compare with the pin.
type Decision int

const (
	// FirstUse: nothing is pinned for the source yet.
	FirstUse Decision = iota
	// Pinned: every signer is pinned (some pinned keys may not have signed).
	Pinned
	// Changed: at least one signer is not pinned, or nobody signed.
	Changed
)

// A Verdict is a Decision with its details.
type Verdict struct {
	Decision Decision
	Entry    Entry    // the pin, unless FirstUse
	Unpinned []string // signers that are not pinned
	Absent   []string // pinned keys that did not sign
}

// A Store is the trust file, loaded. It is not safe for concurrent use,
// but any number of Stores, in any number of processes, may share a file:
// Save locks it.
type Store struct {
	path    string
	entries map[string]Entry
	dirty   map[string]change // sources changed since Open or Save, and how
}

// A change is what was done to a source's pin, so that Save can apply it
// again to a file another run changed in the meantime.
type change struct {
	op       op
	firstUse bool     // opRecord: the source was not pinned when recorded
	signers  []string // opRecord: the signers seen
}

type op int

const (
	opRecord op = iota + 1 // a verification: a first-use pin or a sighting
	opAccept               // the reader's decision: replaces the pin
	opRemove               // the reader's decision: forgets the pin
)

// A ConflictError is Save's report that another run pinned the source
// differently between this Store's Open and Save: a first use by other
// signers, or a `canary trust`. The pin on file is kept, never overwritten
// by a verification; Verdict compares this run's signers with it, and is
// Changed.
type ConflictError struct {
	Verdict Verdict
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s was pinned to %s by another run meanwhile, not %s; accept the new signers with `canary trust`",
		e.Verdict.Entry.Source, strings.Join(e.Verdict.Entry.Fingerprints, ", "), strings.Join(e.Verdict.Unpinned, ", "))
}

// file is the store on disk. The version lets a later canarykit refuse to
// misread a store it does not understand instead of dropping pins.
type file struct {
	Version int     `json:"version"`
	Sources []Entry `json:"sources"`
}

const version = 1

// DefaultPath is where the store lives: $CANARY_TRUST_STORE if set, else
// $XDG_STATE_HOME/canarykit/trust.json, else
// ~/.local/state/canarykit/trust.json. Pins are state, not configuration or
// cache: losing them silently re-opens the first-use window.
func DefaultPath(getenv func(string) string) (string, error) {
	if p := getenv("CANARY_TRUST_STORE"); p != "" {
		return p, nil
	}
	// The XDG spec says to ignore a relative XDG_STATE_HOME.
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "canarykit", "trust.json"), nil
	}
	if h := getenv("HOME"); filepath.IsAbs(h) {
		return filepath.Join(h, ".local", "state", "canarykit", "trust.json"), nil
	}
	return "", errors.New("cannot find a place for the trust store: set HOME, XDG_STATE_HOME or CANARY_TRUST_STORE")
}

// Open loads the store at path. A missing file is an empty store; a
// damaged one is an error, never silently reset, since that would forget
// every pin.
func Open(path string) (*Store, error) {
	entries, err := load(path)
	if err != nil {
		return nil, err
	}
	return &Store{path: path, entries: entries, dirty: map[string]change{}}, nil
}

func load(path string) (map[string]Entry, error) {
	entries := map[string]Entry{}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return entries, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the trust store: %v", err)
	}
	damaged := func(why string) error {
		// why may quote the file (a fingerprint, a key): keep it short.
		if len(why) > 200 {
			why = strings.ToValidUTF8(why[:197], "") + "..."
		}
		return fmt.Errorf("trust store %s is damaged (%s); it holds the keys you pinned, so it is never reset automatically: repair it, or move it away to start over (every source is then pinned again on first use)", path, why)
	}
	// The version first, so that a newer store is not called damaged.
	var v struct{ Version int }
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, damaged(err.Error())
	}
	if v.Version == 0 {
		return nil, damaged("it has no version")
	}
	if v.Version != version {
		return nil, fmt.Errorf("trust store %s has version %d; this canarykit reads version %d: upgrade canarykit", path, v.Version, version)
	}
	var f file
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, damaged(err.Error())
	}
	for _, e := range f.Sources {
		if e.Source == "" || len(e.Fingerprints) == 0 {
			return nil, damaged("an entry has no source or no fingerprints")
		}
		for _, fp := range e.Fingerprints {
			if _, ok := normFingerprint(fp); !ok {
				return nil, damaged(fmt.Sprintf("%q is not a fingerprint", fp))
			}
		}
		if _, dup := entries[e.Source]; dup {
			return nil, damaged(fmt.Sprintf("%q is listed twice", e.Source))
		}
		// Check compares the upper-case form: a hand-written lower-case
		// fingerprint must not make the pinned key look changed.
		e.Fingerprints = normAll(e.Fingerprints)
		entries[e.Source] = e
	}
	return entries, nil
}

// Path is the file the store reads and writes.
func (s *Store) Path() string { return s.path }

// Lookup returns the pin for source.
func (s *Store) Lookup(source string) (Entry, bool) {
	e, ok := s.entries[Normalize(source)]
	return e, ok
}

// Entries returns every pin, sorted by source.
func (s *Store) Entries() []Entry {
	list := make([]Entry, 0, len(s.entries))
	for _, e := range s.entries {
		list = append(list, e)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Source < list[j].Source })
	return list
}

// Check compares the primary fingerprints of a canary's good signers with
// the pin for source. Any signer that is not pinned makes it Changed, even
// beside pinned ones: a key the reader never accepted must not count
// towards a canary's signers. A pinned key that did not sign is only
// reported, since co-signers do not all sign every canary.
func (s *Store) Check(source string, fingerprints []string) Verdict {
	e, ok := s.entries[Normalize(source)]
	if !ok {
		return Verdict{Decision: FirstUse}
	}
	return check(e, fingerprints)
}

// check is Check against the pin e.
func check(e Entry, fingerprints []string) Verdict {
	v := Verdict{Decision: Pinned, Entry: e}
	signed := normAll(fingerprints)
	for _, fp := range signed {
		if !slices.Contains(e.Fingerprints, fp) {
			v.Unpinned = append(v.Unpinned, fp)
		}
	}
	for _, fp := range e.Fingerprints {
		if !slices.Contains(signed, fp) {
			v.Absent = append(v.Absent, fp)
		}
	}
	if len(v.Unpinned) > 0 || len(signed) == 0 {
		v.Decision = Changed
	}
	return v
}

// Record notes a verification: on first use it pins fingerprints; later it
// updates LastSeen. It refuses signers that are not pinned: only Accept,
// the reader's explicit decision, changes a pin.
func (s *Store) Record(source string, fingerprints []string, now time.Time) error {
	fps := normAll(fingerprints)
	if len(fps) == 0 {
		return errors.New("no signer to pin")
	}
	now = now.UTC().Truncate(time.Second)
	key := Normalize(source)
	e, ok := s.entries[key]
	if !ok {
		s.set(Entry{Source: key, Fingerprints: fps, Pinned: now, FirstSeen: now, LastSeen: now},
			change{op: opRecord, firstUse: true, signers: fps})
		return nil
	}
	if v := s.Check(source, fps); v.Decision != Pinned {
		return fmt.Errorf("%s is pinned to %s, not %s; accept the new signers with `canary trust`", key, strings.Join(e.Fingerprints, ", "), strings.Join(v.Unpinned, ", "))
	}
	e.LastSeen = now
	c := change{op: opRecord, signers: fps}
	if prev, ok := s.dirty[key]; ok && prev.op == opAccept {
		c = prev // a sighting after this run's own Accept: save the Accept
	} else if ok && prev.firstUse {
		c.firstUse = true
	}
	s.set(e, c)
	return nil
}

// Accept replaces the pin for source with fingerprints, the reader having
// decided to trust them, and returns the fingerprints pinned before.
func (s *Store) Accept(source string, fingerprints []string, now time.Time) (previous []string, err error) {
	fps := normAll(fingerprints)
	if len(fps) == 0 {
		return nil, errors.New("no signer to pin")
	}
	now = now.UTC().Truncate(time.Second)
	key := Normalize(source)
	e, ok := s.entries[key]
	if !ok {
		e = Entry{Source: key, FirstSeen: now}
	}
	previous = e.Fingerprints
	e.Fingerprints, e.Pinned, e.LastSeen = fps, now, now
	s.set(e, change{op: opAccept})
	return previous, nil
}

// Remove forgets source, so that its next verification with --pin is a
// first use again.
func (s *Store) Remove(source string) (Entry, bool) {
	key := Normalize(source)
	e, ok := s.entries[key]
	if ok {
		delete(s.entries, key)
		s.dirty[key] = change{op: opRemove}
	}
	return e, ok
}

func (s *Store) set(e Entry, c change) {
	s.entries[e.Source] = e
	s.dirty[e.Source] = c
}

// Save writes the changes made through s. Another canarykit may have
// saved since Open (cron jobs verifying different sources, a `canary
// trust`), so Save takes an exclusive lock on STORE.lock for the whole
// read-modify-write: it re-reads the file under the lock, applies only
// this run's changes to it, writes a temporary file in the same directory,
// syncs it, renames it over the store and syncs the directory, then
// unlocks. A crash at any point leaves the old store or the new one, never
// a mix; readers need no lock.
//
// Changes are applied to the file as re-read, with their own rules: a
// removal or a `canary trust` (Accept) is the reader's decision and wins;
// a verification (Record) never replaces a pin. If another run pinned the
// source meanwhile, a verification by the same signers only updates
// LastSeen, and one by other signers is not saved: Save saves the other
// changes and returns a *ConflictError (a key change). A sighting of a pin
// that the reader removed meanwhile is dropped.
func (s *Store) Save() error {
	if len(s.dirty) == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("cannot create the trust store's directory: %v", err)
	}
	unlock, err := lock(s.path)
	if err != nil {
		return fmt.Errorf("cannot lock the trust store: %v", err)
	}
	defer unlock()
	current, err := load(s.path)
	if err != nil {
		return err
	}
	var conflicts []error
	for key, c := range s.dirty {
		mine, ok := s.entries[key]
		theirs, pinned := current[key]
		switch {
		case c.op == opRemove:
			delete(current, key)
		case c.op == opAccept && ok:
			if pinned && theirs.FirstSeen.Before(mine.FirstSeen) {
				mine.FirstSeen = theirs.FirstSeen
			}
			current[key] = mine
		case c.op != opRecord || !ok:
			// Not reached: Record and Accept leave an entry.
		case !pinned:
			if c.firstUse {
				current[key] = mine
			}
		default:
			v := check(theirs, c.signers)
			if v.Decision != Pinned {
				conflicts = append(conflicts, &ConflictError{Verdict: v})
				continue
			}
			if mine.LastSeen.After(theirs.LastSeen) {
				theirs.LastSeen = mine.LastSeen
			}
			current[key] = theirs
		}
	}
	f := file{Version: version, Sources: []Entry{}}
	for _, e := range current {
		f.Sources = append(f.Sources, e)
	}
	sort.Slice(f.Sources, func(i, j int) bool { return f.Sources[i].Source < f.Sources[j].Source })
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(s.path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("cannot write the trust store: %v", err)
	}
	s.entries = current
	s.dirty = map[string]change{}
	return errors.Join(conflicts...)
}

// Normalize names a source the same way however it was typed: a URL
// without its fragment (which never reaches the server) and with a
// lower-case scheme and host, or a file's absolute path.
func Normalize(source string) string {
	if u, err := url.Parse(source); err == nil && (strings.EqualFold(u.Scheme, "https") || strings.EqualFold(u.Scheme, "http")) && u.Host != "" {
		u.Scheme = strings.ToLower(u.Scheme)
		u.Host = strings.ToLower(u.Host)
		u.Fragment, u.RawFragment = "", ""
		return u.String()
	}
	if abs, err := filepath.Abs(source); err == nil {
		return abs
	}
	return filepath.Clean(source)
}

func normFingerprint(fp string) (string, bool) {
	fp = strings.ToUpper(fp)
	if len(fp) != 40 && len(fp) != 64 {
		return "", false
	}
	if _, err := hex.DecodeString(fp); err != nil {
		return "", false
	}
	return fp, true
}

// normAll upper-cases and de-duplicates, keeping the order given; anything
// that is not a fingerprint is dropped (a signature by an unknown key has
// none to pin).
func normAll(fps []string) []string {
	var out []string
	for _, fp := range fps {
		if n, ok := normFingerprint(fp); ok && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
