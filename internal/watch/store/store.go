// Package store keeps a watchdog's history in SQLite: every distinct canary
// ever seen, verbatim with its signature files, every check and every
// event, and what was alerted. It is written so that nothing is lost: WAL
// with full syncs, one transaction per batch of checks, and versioned
// migrations that never drop data.
package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/canarykit/canarykit/internal/verdict"
)

// DB is an open history database.
type DB struct {
	db   *sql.DB
	Path string
}

// DefaultPath is where the history lives: $CANARY_WATCH_DB if set, else
// $XDG_STATE_HOME/canarykit/watch.db, else ~/.local/state/canarykit/watch.db.
// History is state, not cache: it is what proves what a site published.
func DefaultPath(getenv func(string) string) (string, error) {
	if p := getenv("CANARY_WATCH_DB"); p != "" {
		return p, nil
	}
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "canarykit", "watch.db"), nil
	}
	if h := getenv("HOME"); filepath.IsAbs(h) {
		return filepath.Join(h, ".local", "state", "canarykit", "watch.db"), nil
	}
	return "", errors.New("cannot find a place for the history database: set HOME or XDG_STATE_HOME, or pass --db FILE")
}

// ErrNoDatabase is returned by OpenExisting when there is no database yet.
var ErrNoDatabase = errors.New("no history database")

// Open opens the database at path, creating it (and its directory) if
// there is no file, and upgrades its schema. A symlink is followed, so
// that SQLite's -wal and -shm files sit beside the real file. An existing
// file that is not a history (empty, not SQLite, another program's SQLite
// database) is refused, never rewritten: a new database is made only where
// there is no file.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := usablePath(path); err != nil {
		return nil, err
	}
	real, exists, err := resolvePath(path)
	if err != nil {
		return nil, err
	}
	if !exists {
		if err := createNew(ctx, real); err != nil {
			return nil, err
		}
	}
	if err := checkFile(real, path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", rwDSN(real))
	if err != nil {
		return nil, fmt.Errorf("cannot open the history database %s: %v", path, err)
	}
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot open the history database %s: %v", path, err)
	}
	// Only reads until the file is known to be a history: a foreign
	// database is left as it was.
	if _, err := checkSchema(ctx, db, path); err != nil {
		db.Close()
		return nil, err
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil || mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("%s is not a usable history database (journal mode %q, %v); is it an SQLite database made by canary watch?", path, mode, err)
	}
	if err := migrate(ctx, db, real); err != nil {
		db.Close()
		return nil, err
	}
	return &DB{db: db, Path: path}, nil
}

// OpenExisting is Open for commands that only read history or amend it:
// a missing database is an error, not a new empty one.
func OpenExisting(ctx context.Context, path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%w at %s: run canary watch first, or pass --db FILE", ErrNoDatabase, path)
		}
		return nil, err
	}
	return Open(ctx, path)
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// tsFormat is fixed width, so that times sort as text.
const tsFormat = "2006-01-02T15:04:05.000000000Z"

func ts(t time.Time) string { return t.UTC().Format(tsFormat) }

func nullTS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ts(t)
}

func parseTS(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	t, _ := time.Parse(tsFormat, s.String)
	return t
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// newID makes a target identity: 128 random bits, so that an identity is
// never reused, not even by a database restored from an old backup that
// does not know which identities were handed out since.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return hex.EncodeToString(b[:])
}

// A Target is one watched canary's identity.
type Target struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Location string    `json:"location"`
	Created  time.Time `json:"created"`
	Retired  time.Time `json:"retired,omitzero"`
}

// TargetSpec is a target as the watch list gives it.
type TargetSpec struct{ Name, Location string }

// SyncTargets returns the identities of specs, in order, making new ones
// as needed. A target is its name and its location together: when the
// location of a name changes, the old target is retired with its history
// and a new one begins, so that one site's history is never shown as
// another's. When a name goes back to a location it had, the retired
// target of that name and location (the one retired last) is active
// again, with its history and baseline, instead of a new one. Targets
// missing from specs are left as they are (a watch list may be split, or
// run with --target).
func (d *DB) SyncTargets(ctx context.Context, specs []TargetSpec, at time.Time) ([]Target, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	active := map[string]Target{}
	rows, err := tx.QueryContext(ctx, "SELECT id, name, location, created FROM targets WHERE retired IS NULL")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t Target
		var created sql.NullString
		if err := rows.Scan(&t.ID, &t.Name, &t.Location, &created); err != nil {
			rows.Close()
			return nil, err
		}
		t.Created = parseTS(created)
		active[t.Name] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Target, len(specs))
	for i, s := range specs {
		t, ok := active[s.Name]
		if ok && t.Location == s.Location {
			out[i] = t
			continue
		}
		if ok {
			if _, err := tx.ExecContext(ctx, "UPDATE targets SET retired = ? WHERE id = ?", ts(at), t.ID); err != nil {
				return nil, err
			}
		}
		// A name that moves back to where it was is that old target
		// again, with its history and baseline: a new identity would
		// have no baseline, and a statement dropped meanwhile would pass
		// as a new canary. Of several, the one retired last.
		var created sql.NullString
		err := tx.QueryRowContext(ctx, retiredTarget, s.Name, s.Location).Scan(&t.ID, &created)
		switch {
		case err == nil:
			t = Target{ID: t.ID, Name: s.Name, Location: s.Location, Created: parseTS(created)}
			if _, err := tx.ExecContext(ctx, "UPDATE targets SET retired = NULL WHERE id = ?", t.ID); err != nil {
				return nil, err
			}
		case errors.Is(err, sql.ErrNoRows):
			t = Target{ID: newID(), Name: s.Name, Location: s.Location, Created: at}
			if _, err := tx.ExecContext(ctx, "INSERT INTO targets (id, name, location, created) VALUES (?, ?, ?, ?)", t.ID, t.Name, t.Location, ts(at)); err != nil {
				return nil, err
			}
		default:
			return nil, err
		}
		active[s.Name] = t
		out[i] = t
	}
	return out, tx.Commit()
}

// retiredTarget finds the target a name had at a location, the one
// retired last. It runs once for every new target of a run, so it must
// be a search of the targets_retired index (migration 5), never a scan:
// a first run of 100,000 targets scanned the table 100,000 times.
const retiredTarget = `SELECT id, created FROM targets WHERE name = ? AND location = ? AND retired IS NOT NULL
	ORDER BY retired DESC, created DESC LIMIT 1`

// FindTarget finds a target by name (the active one, else the one retired
// last) or by its ID or a prefix of it of 8 or more digits.
func (d *DB) FindTarget(ctx context.Context, nameOrID string) (*Target, error) {
	var t Target
	var c, r sql.NullString
	err := d.db.QueryRowContext(ctx, `SELECT id, name, location, created, retired FROM targets
		WHERE name = ?1 OR (length(?1) >= 8 AND substr(id, 1, length(?1)) = lower(?1))
		ORDER BY name = ?1 DESC, retired IS NOT NULL, retired DESC LIMIT 1`, nameOrID).Scan(&t.ID, &t.Name, &t.Location, &c, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("no target %q in %s; canary history (without a target) lists them", nameOrID, d.Path)
	}
	if err != nil {
		return nil, err
	}
	t.Created, t.Retired = parseTS(c), parseTS(r)
	return &t, nil
}

// A Canary is one distinct canary as it was published.
type Canary struct {
	ID       int64  `json:"id"`
	TargetID string `json:"target_id"`
	// Fingerprint makes a canary distinct: its body and files. Digest is
	// the signed text's, as a canarykit canary's Previous: names it.
	Fingerprint string    `json:"fingerprint"`
	Digest      string    `json:"digest"`
	Body        []byte    `json:"-"`
	Files       []File    `json:"-"`
	Kind        string    `json:"kind"` // canarykit, free-text or unparsed
	Serial      int64     `json:"serial,omitempty"`
	Issued      time.Time `json:"issued,omitzero"`
	Expires     time.Time `json:"expires,omitzero"`
	Issuer      string    `json:"issuer,omitempty"`
	Signers     []string  `json:"signers"`
	// Status is the verdict when it was first seen; Good says it was
	// authentic then (OK or WARNING) or was accepted since.
	Status        verdict.Status `json:"status"`
	Good          bool           `json:"good"`
	Source        string         `json:"source"`
	FirstSeen     time.Time      `json:"first_seen"`
	LastSeen      time.Time      `json:"last_seen"`
	ExpiringNoted bool           `json:"-"`
	ExpiredNoted  bool           `json:"-"`
}

// A File is a detached signature or a timestamp token published beside a
// canary.
type File struct {
	Kind string // "sig" or "tsr"
	Data []byte
}

// MakeFingerprint names a canary by its body and files.
func MakeFingerprint(body []byte, files []File) string {
	h := sha256.New()
	fmt.Fprintf(h, "body %d\n", len(body))
	h.Write(body)
	for _, f := range files {
		fmt.Fprintf(h, "\n%s %d\n", f.Kind, len(f.Data))
		h.Write(f.Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

const canaryCols = `id, target_id, fingerprint, digest, body, kind, serial, issued, expires, issuer, signers, status, good, source, first_seen, last_seen, expiring_noted, expired_noted`

type scanner interface{ Scan(...any) error }

func scanCanary(s scanner) (*Canary, error) {
	var c Canary
	var serial sql.NullInt64
	var issued, expires, first, last sql.NullString
	var signers string
	if err := s.Scan(&c.ID, &c.TargetID, &c.Fingerprint, &c.Digest, &c.Body, &c.Kind, &serial, &issued, &expires, &c.Issuer,
		&signers, &c.Status, &c.Good, &c.Source, &first, &last, &c.ExpiringNoted, &c.ExpiredNoted); err != nil {
		return nil, err
	}
	c.Serial = serial.Int64
	c.Issued, c.Expires, c.FirstSeen, c.LastSeen = parseTS(issued), parseTS(expires), parseTS(first), parseTS(last)
	if err := json.Unmarshal([]byte(signers), &c.Signers); err != nil {
		return nil, fmt.Errorf("canary %d: damaged signer list: %v", c.ID, err)
	}
	return &c, nil
}

// Canary loads one canary with its files.
func (d *DB) Canary(ctx context.Context, id int64) (*Canary, error) {
	c, err := scanCanary(d.db.QueryRowContext(ctx, "SELECT "+canaryCols+" FROM canaries WHERE id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("cannot read canary %d: %v", id, err)
	}
	return c, d.loadFiles(ctx, c)
}

func (d *DB) loadFiles(ctx context.Context, c *Canary) error {
	rows, err := d.db.QueryContext(ctx, "SELECT kind, data FROM canary_files WHERE canary_id = ? ORDER BY kind, seq", c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.Kind, &f.Data); err != nil {
			return err
		}
		c.Files = append(c.Files, f)
	}
	return rows.Err()
}

// CanaryByDigest finds the earliest canary of a target with a signed text
// digest, or nil.
func (d *DB) CanaryByDigest(ctx context.Context, targetID, digest string) (*Canary, error) {
	c, err := scanCanary(d.db.QueryRowContext(ctx, "SELECT "+canaryCols+" FROM canaries WHERE target_id = ? AND digest = ? ORDER BY id LIMIT 1", targetID, digest))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, err
}

// Canaries lists a target's canaries, oldest first, without their bodies'
// files.
// The queries canary history TARGET makes, named so that
// TestQueriesUseIndexes can check that they search an index: at a year of
// hourly checks for 1,000 targets a scan of checks is 8.76 million rows.
const (
	targetCanaries = "SELECT " + canaryCols + " FROM canaries WHERE target_id = ? ORDER BY id"
	targetEvents   = "SELECT id, target_id, at, type, status, message, canary_id, details FROM events WHERE target_id = ? ORDER BY id DESC"
	targetChecks   = "SELECT at, status, soft, summary, canary_id FROM checks WHERE target_id = ? ORDER BY id DESC LIMIT ?"
)

func (d *DB) Canaries(ctx context.Context, targetID string) ([]*Canary, error) {
	rows, err := d.db.QueryContext(ctx, targetCanaries, targetID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Canary
	for rows.Next() {
		c, err := scanCanary(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// State is what the history says about a target before a check.
type State struct {
	LastCheck  time.Time
	LastStatus verdict.Status // the last status reported (a soft failure is not)
	LastChange time.Time
	// LastSeen is the canary served at the last successful check;
	// Baseline the one the next canary is compared with (the last good
	// or accepted one). Both have their files. Newest is the newest
	// canary ever seen with a good signature by the watch list's keys
	// (without its files), whatever its verdict was: an older one served
	// after it is a replay, and a canary that vanished lapses with it.
	LastSeen, Baseline, Newest *Canary
	// Failures counts checks in a row that could not read a canary,
	// since FailingSince; Escalated says they were reported.
	Failures     int
	FailingSince time.Time
	FailureKind  string
	Escalated    bool
	// ETag and LastModified make the next fetch conditional.
	ETag, LastModified string
	// Alerted is the status last alerted and when; nil if none.
	Alerted     *verdict.Status
	AlertedSent time.Time
}

// State loads a target's state; a target never checked has a zero State
// with LastStatus OK and LastCheck zero.
func (d *DB) State(ctx context.Context, targetID string) (*State, error) {
	st := &State{}
	var lastCheck, since, change sql.NullString
	var lastCanary, baseline sql.NullInt64
	err := d.db.QueryRowContext(ctx, `SELECT last_check, last_status, last_canary, baseline, failures, failing_since, failure_kind, escalated, last_change, etag, last_modified
		FROM target_state WHERE target_id = ?`, targetID).Scan(&lastCheck, &st.LastStatus, &lastCanary, &baseline, &st.Failures, &since,
		&st.FailureKind, &st.Escalated, &change, &st.ETag, &st.LastModified)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("cannot read the state of target %s: %v", targetID, err)
	}
	st.LastCheck, st.FailingSince, st.LastChange = parseTS(lastCheck), parseTS(since), parseTS(change)
	if lastCanary.Valid {
		if st.LastSeen, err = d.Canary(ctx, lastCanary.Int64); err != nil {
			return nil, err
		}
	}
	if baseline.Valid {
		if lastCanary.Valid && baseline.Int64 == lastCanary.Int64 {
			st.Baseline = st.LastSeen
		} else if st.Baseline, err = d.Canary(ctx, baseline.Int64); err != nil {
			return nil, err
		}
	}
	if st.Newest, err = d.newest(ctx, targetID); err != nil {
		return nil, err
	}
	var status int
	var sent sql.NullString
	err = d.db.QueryRowContext(ctx, "SELECT status, sent FROM alert_state WHERE target_id = ?", targetID).Scan(&status, &sent)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, err
	default:
		s := verdict.Status(status)
		st.Alerted, st.AlertedSent = &s, parseTS(sent)
	}
	return st, nil
}

// An Event is something that happened to a target's canary.
type Event struct {
	ID       int64           `json:"id"`
	TargetID string          `json:"target_id"`
	At       time.Time       `json:"at"`
	Type     string          `json:"type"`
	Status   verdict.Status  `json:"status"`
	Message  string          `json:"message"`
	CanaryID int64           `json:"canary_id,omitempty"`
	Details  json.RawMessage `json:"details,omitempty"`
}

// A Record is everything one check writes; Save writes it whole or not
// at all.
type Record struct {
	TargetID string
	At       time.Time
	Status   verdict.Status
	// Soft marks a failure not reported yet: HardStatus, the status
	// recorded as the target's, stays the last one reported.
	Soft       bool
	HardStatus verdict.Status
	Summary    string
	Detail     []byte // JSON
	HTTPStatus int
	ErrorKind  string
	Duration   time.Duration
	// Canary is the canary judged, new (ID 0) or known; nil when none
	// was read. Save sets its ID.
	Canary *Canary
	// NoteExpiring and NoteExpired mark the canary's expiry events as
	// sent, so that each is sent once per canary.
	NoteExpiring, NoteExpired bool
	// NewBaseline makes Canary the baseline for the next comparison.
	NewBaseline bool
	// Also are other canaries seen in this check (the older signed
	// blocks of a page), stored if new; they change no state.
	Also    []*Canary
	Events  []Event // CanaryID 0 means this record's canary
	Changed bool    // the reported status changed: sets last_change

	Failures     int
	FailingSince time.Time
	FailureKind  string
	Escalated    bool
	// KeepValidators leaves the stored ETag and Last-Modified alone.
	KeepValidators     bool
	ETag, LastModified string

	Alert *Alert
}

// An Alert is queued with a delivery per channel, in the same
// transaction as the check that raised it, so that a crash between the
// check and the sending loses nothing: the next run sends it.
type Alert struct {
	Kind     string // problem, reminder, resolved, news
	Status   verdict.Status
	Payload  []byte // JSON
	Channels []string
	// Sets the alert state: the status now alerted.
	Alerted verdict.Status
}

// Save writes records in one transaction.
func (d *DB) Save(ctx context.Context, recs []*Record) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot write history: %v", err)
	}
	defer tx.Rollback()
	for _, r := range recs {
		if err := save(ctx, tx, r); err != nil {
			return fmt.Errorf("cannot write the history of target %s: %v", r.TargetID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cannot write history: %v", err)
	}
	return nil
}

func save(ctx context.Context, tx *sql.Tx, r *Record) error {
	var canaryID any
	if c := r.Canary; c != nil {
		if c.ID == 0 {
			if c.Fingerprint == "" {
				c.Fingerprint = MakeFingerprint(c.Body, c.Files)
			}
			err := tx.QueryRowContext(ctx, "SELECT id FROM canaries WHERE target_id = ? AND fingerprint = ?", r.TargetID, c.Fingerprint).Scan(&c.ID)
			if errors.Is(err, sql.ErrNoRows) {
				if err := insertCanary(ctx, tx, r.TargetID, c, r.At); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE canaries SET last_seen = max(last_seen, ?),
			expiring_noted = expiring_noted OR ?, expired_noted = expired_noted OR ? WHERE id = ?`,
			ts(r.At), r.NoteExpiring, r.NoteExpired, c.ID); err != nil {
			return err
		}
		canaryID = c.ID
	}
	if err := saveAlso(ctx, tx, r); err != nil {
		return err
	}
	detail := any(nil)
	if r.Detail != nil {
		detail = string(r.Detail)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO checks (target_id, at, status, soft, summary, canary_id, http_status, error_kind, duration_ms, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.TargetID, ts(r.At), int(r.Status), r.Soft, r.Summary, canaryID, r.HTTPStatus, r.ErrorKind,
		r.Duration.Milliseconds(), detail); err != nil {
		return err
	}
	for i := range r.Events {
		e := &r.Events[i]
		cid := any(nil)
		switch {
		case e.CanaryID != 0:
			cid = e.CanaryID
		case canaryID != nil:
			cid = canaryID
			e.CanaryID = r.Canary.ID
		}
		details := e.Details
		if len(details) == 0 {
			details = json.RawMessage("{}")
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO events (target_id, at, type, status, message, canary_id, details) VALUES (?, ?, ?, ?, ?, ?, ?)",
			r.TargetID, ts(r.At), e.Type, int(e.Status), e.Message, cid, string(details))
		if err != nil {
			return fmt.Errorf("event %s: %v", e.Type, err)
		}
		e.ID, _ = res.LastInsertId()
		e.TargetID, e.At = r.TargetID, r.At
	}
	// The state row: last_canary and baseline only move forward with a
	// canary; a failed check keeps them.
	if _, err := tx.ExecContext(ctx, `INSERT INTO target_state (target_id, last_check, last_status) VALUES (?, ?, ?)
		ON CONFLICT (target_id) DO NOTHING`, r.TargetID, ts(r.At), int(r.HardStatus)); err != nil {
		return err
	}
	set := `last_check = ?, last_status = ?, failures = ?, failing_since = ?, failure_kind = ?, escalated = ?`
	args := []any{ts(r.At), int(r.HardStatus), r.Failures, nullTS(r.FailingSince), r.FailureKind, r.Escalated}
	if canaryID != nil {
		set += ", last_canary = ?"
		args = append(args, canaryID)
		if r.NewBaseline {
			set += ", baseline = ?"
			args = append(args, canaryID)
		}
	}
	if r.Changed {
		set += ", last_change = ?"
		args = append(args, ts(r.At))
	}
	if !r.KeepValidators {
		set += ", etag = ?, last_modified = ?"
		args = append(args, r.ETag, r.LastModified)
	}
	args = append(args, r.TargetID)
	if _, err := tx.ExecContext(ctx, "UPDATE target_state SET "+set+" WHERE target_id = ?", args...); err != nil {
		return err
	}
	if a := r.Alert; a != nil {
		if err := queueAlert(ctx, tx, r.TargetID, r.At, a); err != nil {
			return err
		}
	}
	return nil
}

func insertCanary(ctx context.Context, tx *sql.Tx, targetID string, c *Canary, at time.Time) error {
	if c.Signers == nil {
		c.Signers = []string{}
	}
	signers, _ := json.Marshal(c.Signers)
	var serial any
	if c.Kind == "canarykit" {
		serial = c.Serial
	}
	c.FirstSeen, c.LastSeen, c.TargetID = at, at, targetID
	res, err := tx.ExecContext(ctx, `INSERT INTO canaries (target_id, fingerprint, digest, body, body_sha256, kind, serial, issued, expires, issuer, signers, status, good, source, first_seen, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, targetID, c.Fingerprint, c.Digest, c.Body, sha(c.Body), c.Kind, serial,
		nullTS(c.Issued), nullTS(c.Expires), c.Issuer, string(signers), int(c.Status), c.Good, c.Source, ts(at), ts(at))
	if err != nil {
		return fmt.Errorf("canary: %v", err)
	}
	if c.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	seq := map[string]int{}
	for _, f := range c.Files {
		if _, err := tx.ExecContext(ctx, "INSERT INTO canary_files (canary_id, kind, seq, data, sha256) VALUES (?, ?, ?, ?, ?)",
			c.ID, f.Kind, seq[f.Kind], f.Data, sha(f.Data)); err != nil {
			return fmt.Errorf("canary file: %v", err)
		}
		seq[f.Kind]++
	}
	return nil
}

// Accept makes the target's last seen canary its baseline, marked good:
// the reader checked a change (a new key, a reworded statement) with the
// publisher. It records an accepted event.
func (d *DB) Accept(ctx context.Context, t *Target, at time.Time, note string) (*Canary, error) {
	st, err := d.State(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	if st.LastSeen == nil {
		return nil, fmt.Errorf("target %s has no canary yet: nothing to accept", t.Name)
	}
	c := st.LastSeen
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "UPDATE canaries SET good = 1 WHERE id = ?", c.ID); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE target_state SET baseline = ? WHERE target_id = ?", c.ID, t.ID); err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("canary %s accepted as the new baseline", c.Fingerprint[:12])
	if note != "" {
		msg += ": " + note
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO events (target_id, at, type, status, message, canary_id) VALUES (?, ?, 'accepted', 0, ?, ?)",
		t.ID, ts(at), msg, c.ID); err != nil {
		return nil, err
	}
	return c, tx.Commit()
}

// Events lists a target's events, oldest first; limit > 0 keeps the last
// limit events.
func (d *DB) Events(ctx context.Context, targetID string, limit int) ([]Event, error) {
	q := targetEvents
	args := []any{targetID}
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at sql.NullString
		var cid sql.NullInt64
		var details string
		if err := rows.Scan(&e.ID, &e.TargetID, &at, &e.Type, &e.Status, &e.Message, &cid, &details); err != nil {
			return nil, err
		}
		e.At, e.CanaryID, e.Details = parseTS(at), cid.Int64, json.RawMessage(details)
		out = append(out, e)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, rows.Err()
}

// A Check is one recorded check.
type Check struct {
	At       time.Time      `json:"at"`
	Status   verdict.Status `json:"status"`
	Soft     bool           `json:"soft,omitempty"`
	Summary  string         `json:"summary"`
	CanaryID int64          `json:"canary_id,omitempty"`
}

// Checks lists a target's last limit checks, oldest first.
func (d *DB) Checks(ctx context.Context, targetID string, limit int) ([]Check, error) {
	rows, err := d.db.QueryContext(ctx, targetChecks, targetID, max(limit, 1))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Check
	for rows.Next() {
		var c Check
		var at sql.NullString
		var cid sql.NullInt64
		if err := rows.Scan(&at, &c.Status, &c.Soft, &c.Summary, &cid); err != nil {
			return nil, err
		}
		c.At, c.CanaryID = parseTS(at), cid.Int64
		out = append(out, c)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, rows.Err()
}

// A Summary is a target with its latest state, for listings.
type Summary struct {
	Target
	LastCheck time.Time      `json:"last_check,omitzero"`
	Status    verdict.Status `json:"status"`
	Canaries  int            `json:"canaries"`
	Events    int            `json:"events"`
}

// Targets lists every target, active first, then by name.
func (d *DB) Targets(ctx context.Context) ([]Summary, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT t.id, t.name, t.location, t.created, t.retired, s.last_check, coalesce(s.last_status, 3),
		(SELECT count(*) FROM canaries c WHERE c.target_id = t.id), (SELECT count(*) FROM events e WHERE e.target_id = t.id)
		FROM targets t LEFT JOIN target_state s ON s.target_id = t.id ORDER BY t.retired IS NOT NULL, t.name, t.created`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var s Summary
		var c, r, l sql.NullString
		if err := rows.Scan(&s.ID, &s.Name, &s.Location, &c, &r, &l, &s.Status, &s.Canaries, &s.Events); err != nil {
			return nil, err
		}
		s.Created, s.Retired, s.LastCheck = parseTS(c), parseTS(r), parseTS(l)
		out = append(out, s)
	}
	return out, rows.Err()
}

// EachCanary calls fn for every stored canary, with its files, target by
// target, oldest first.
func (d *DB) EachCanary(ctx context.Context, targetID string, fn func(*Target, *Canary) error) error {
	q := "SELECT id, name, location, created, retired FROM targets"
	var args []any
	if targetID != "" {
		q += " WHERE id = ?"
		args = append(args, targetID)
	}
	rows, err := d.db.QueryContext(ctx, q+" ORDER BY name, created", args...)
	if err != nil {
		return err
	}
	var targets []Target
	for rows.Next() {
		var t Target
		var c, r sql.NullString
		if err := rows.Scan(&t.ID, &t.Name, &t.Location, &c, &r); err != nil {
			rows.Close()
			return err
		}
		t.Created, t.Retired = parseTS(c), parseTS(r)
		targets = append(targets, t)
	}
	rows.Close()
	for i := range targets {
		list, err := d.Canaries(ctx, targets[i].ID)
		if err != nil {
			return err
		}
		for _, c := range list {
			if err := d.loadFiles(ctx, c); err != nil {
				return err
			}
			if err := fn(&targets[i], c); err != nil {
				return err
			}
		}
	}
	return nil
}

// CanaryByFingerprint finds a target's canary by its fingerprint, or nil.
func (d *DB) CanaryByFingerprint(ctx context.Context, targetID, fingerprint string) (*Canary, error) {
	c, err := scanCanary(d.db.QueryRowContext(ctx, "SELECT "+canaryCols+" FROM canaries WHERE target_id = ? AND fingerprint = ?", targetID, fingerprint))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, err
}
