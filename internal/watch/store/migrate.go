package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// migrations take the database from version i to i+1 (PRAGMA user_version).
// They are append-only: a released migration is never edited, since
// databases out there were made by it. migrate_test.go builds a database
// at every earlier version, with data, and checks that it upgrades.
var migrations = []string{
	// 1: targets, the canaries seen, every check and every event.
	`
CREATE TABLE targets (
	id       TEXT PRIMARY KEY,  -- random, never reused, also across restores
	name     TEXT NOT NULL,
	location TEXT NOT NULL,     -- URL or file path
	created  TEXT NOT NULL,
	retired  TEXT               -- set when the name went out of the watch list or moved
);
CREATE UNIQUE INDEX targets_active_name ON targets(name) WHERE retired IS NULL;

CREATE TABLE canaries (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	target_id   TEXT NOT NULL REFERENCES targets(id),
	fingerprint TEXT NOT NULL,  -- sha256 over body and files: what makes it distinct
	digest      TEXT NOT NULL,  -- sha256 of the signed text, as in Previous:
	body        BLOB NOT NULL,  -- exactly as published (the clearsigned block)
	body_sha256 TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('canarykit', 'free-text', 'unparsed')),
	serial      INTEGER,
	issued      TEXT,
	expires     TEXT,
	issuer      TEXT NOT NULL DEFAULT '',
	signers     TEXT NOT NULL DEFAULT '[]', -- JSON: fingerprints of the good signatures
	status      INTEGER NOT NULL,           -- the verdict when first seen
	good        INTEGER NOT NULL,           -- authentic when first seen, or accepted
	source      TEXT NOT NULL,
	first_seen  TEXT NOT NULL,
	last_seen   TEXT NOT NULL,
	expiring_noted INTEGER NOT NULL DEFAULT 0,
	expired_noted  INTEGER NOT NULL DEFAULT 0,
	UNIQUE (target_id, fingerprint)
);
CREATE INDEX canaries_digest ON canaries(target_id, digest);

-- Detached signatures and timestamp tokens published beside a canary.
CREATE TABLE canary_files (
	canary_id INTEGER NOT NULL REFERENCES canaries(id),
	kind      TEXT NOT NULL CHECK (kind IN ('sig', 'tsr')),
	seq       INTEGER NOT NULL,
	data      BLOB NOT NULL,
	sha256    TEXT NOT NULL,
	PRIMARY KEY (canary_id, kind, seq)
);

CREATE TABLE checks (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	target_id   TEXT NOT NULL REFERENCES targets(id),
	at          TEXT NOT NULL,
	status      INTEGER NOT NULL,
	soft        INTEGER NOT NULL DEFAULT 0, -- a failure not yet reported
	summary     TEXT NOT NULL,
	canary_id   INTEGER REFERENCES canaries(id),
	http_status INTEGER NOT NULL DEFAULT 0,
	error_kind  TEXT NOT NULL DEFAULT '',
	duration_ms INTEGER NOT NULL DEFAULT 0,
	detail      TEXT              -- JSON checks of a verdict that was not OK
);
CREATE INDEX checks_target ON checks(target_id, at);

CREATE TABLE event_types (name TEXT PRIMARY KEY);
INSERT INTO event_types VALUES
	('new-canary'), ('renewed'), ('expiring'), ('expired'), ('statement-removed'),
	('statement-reworded'), ('statement-added'), ('key-changed'), ('replay'),
	('vanished'), ('unreachable'), ('reachable'), ('invalid'), ('recovered'), ('accepted');

CREATE TABLE events (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	target_id TEXT NOT NULL REFERENCES targets(id),
	at        TEXT NOT NULL,
	type      TEXT NOT NULL REFERENCES event_types(name),
	status    INTEGER NOT NULL,
	message   TEXT NOT NULL,
	canary_id INTEGER REFERENCES canaries(id),
	details   TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_target ON events(target_id, at);

CREATE TABLE target_state (
	target_id     TEXT PRIMARY KEY REFERENCES targets(id),
	last_check    TEXT NOT NULL,
	last_status   INTEGER NOT NULL,          -- the last status reported (not soft)
	last_canary   INTEGER REFERENCES canaries(id),
	baseline      INTEGER REFERENCES canaries(id), -- compared with the next canary
	failures      INTEGER NOT NULL DEFAULT 0,
	failing_since TEXT,
	failure_kind  TEXT NOT NULL DEFAULT '',
	escalated     INTEGER NOT NULL DEFAULT 0,
	last_change   TEXT
);
`,
	// 2: conditional requests, and alerts that survive a crash.
	`
ALTER TABLE target_state ADD COLUMN etag TEXT NOT NULL DEFAULT '';
ALTER TABLE target_state ADD COLUMN last_modified TEXT NOT NULL DEFAULT '';

CREATE TABLE alert_state (
	target_id TEXT PRIMARY KEY REFERENCES targets(id),
	status    INTEGER NOT NULL, -- the status last alerted
	sent      TEXT NOT NULL     -- when, for reminders
);
CREATE TABLE alerts (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	target_id TEXT NOT NULL REFERENCES targets(id),
	at        TEXT NOT NULL,
	kind      TEXT NOT NULL CHECK (kind IN ('problem', 'reminder', 'resolved', 'news')),
	status    INTEGER NOT NULL,
	payload   TEXT NOT NULL
);
CREATE TABLE deliveries (
	alert_id   INTEGER NOT NULL REFERENCES alerts(id),
	channel    TEXT NOT NULL,
	state      TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	sent       TEXT,
	PRIMARY KEY (alert_id, channel)
);
CREATE INDEX deliveries_pending ON deliveries(state) WHERE state = 'pending';
`,
	// 3: validators stored before fetch kept only strong ones may be
	// weak (a Last-Modified within the second of the answer, a W/ ETag),
	// and a server with one-second file times answers 304 to them for a
	// canary replaced in that second, for ever. Forget them: each target
	// costs one full fetch, once.
	`
UPDATE target_state SET etag = '', last_modified = '';
`,
	// 4: heartbeats through every alert channel (alerts.heartbeat), so
	// that a run from cron knows when the last one went out.
	`
CREATE TABLE heartbeats (
	channel    TEXT PRIMARY KEY,
	sent       TEXT,                      -- the last heartbeat delivered; NULL: none yet
	tried      TEXT NOT NULL,             -- the last try
	failures   INTEGER NOT NULL DEFAULT 0, -- tries failed since the last delivered
	last_error TEXT NOT NULL DEFAULT ''
);
`,
	// 5: split-view events, of a target fetched through several
	// vantage points (via) that read different signed canaries.
	`
INSERT INTO event_types VALUES ('split-view');
`,
	// 6: the retired targets of a name and location, found for every new
	// target of a run: without an index the first run of a 100,000-target
	// watch list scanned the targets table 100,000 times.
	`
CREATE INDEX targets_retired ON targets(name, location, retired) WHERE retired IS NOT NULL;
`,
}

// Version is the schema version this canarykit writes.
var Version = len(migrations)

// migrate brings the database to Version. Each step runs in its own
// immediate transaction, so a crash leaves the database at a whole
// version, and two processes never migrate at once. A database with
// data is first copied beside itself (DB.vN.bak), so that a failed or
// unwanted upgrade can be undone by hand.
func migrate(ctx context.Context, db *sql.DB, path string) error {
	v, err := userVersion(ctx, db)
	if err != nil {
		return err
	}
	if v > Version {
		return fmt.Errorf("%s was written by a newer canarykit (schema version %d; this one knows %d): upgrade canarykit, or use another --db", path, v, Version)
	}
	if v > 0 && v < Version && path != ":memory:" {
		if err := backupBeforeUpgrade(ctx, db, path, v); err != nil {
			return err
		}
	}
	for v < Version {
		if err := step(ctx, db, v); err != nil {
			return fmt.Errorf("cannot upgrade %s from schema version %d to %d: %v", path, v, v+1, err)
		}
		if v, err = userVersion(ctx, db); err != nil {
			return err
		}
	}
	return nil
}

// backupBeforeUpgrade makes sure DB.vN.bak is a complete copy of the
// database at version v. The copy is written under a temporary name and
// only renamed to DB.vN.bak once synced and checked (writeCopy), so that
// a kill during the backup never leaves a fragment under the backup's
// name. A DB.vN.bak that is not a sound copy at version v (the fragment
// an older canarykit left when it was killed while writing it directly)
// is moved aside to DB.vN.bak.incomplete and written again.
func backupBeforeUpgrade(ctx context.Context, db *sql.DB, path string, v int) error {
	bak := fmt.Sprintf("%s.v%d.bak", path, v)
	if _, err := os.Lstat(bak); err == nil {
		if soundBackup(ctx, bak, v) {
			return nil
		}
		if err := os.Rename(bak, bak+".incomplete"); err != nil {
			return fmt.Errorf("cannot back up %s before upgrading it: %s is not a complete backup and cannot be moved aside: %v", path, bak, err)
		}
	}
	if err := writeCopy(ctx, db, bak); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("cannot back up %s before upgrading it: %v", path, err)
	}
	return nil
}

// soundBackup says whether file is a complete copy of a history at
// version v; it only reads file.
func soundBackup(ctx context.Context, file string, v int) bool {
	b, err := openRO(ctx, file, file)
	if err != nil {
		return false
	}
	defer b.Close()
	got, err := userVersion(ctx, b)
	if err != nil || got != v {
		return false
	}
	var ok string
	return b.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&ok) == nil && ok == "ok"
}

func userVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("cannot read the database's schema version: %v", err)
	}
	return v, nil
}

// step applies migration from if the database is still at that version:
// another process may have upgraded it meanwhile.
func step(ctx context.Context, db *sql.DB, from int) error {
	tx, err := db.BeginTx(ctx, nil) // immediate: see the DSN
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v != from {
		return nil
	}
	if _, err := tx.ExecContext(ctx, migrations[from]); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", from+1)); err != nil {
		return err
	}
	return tx.Commit()
}
