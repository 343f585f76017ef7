package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Check looks for damage: SQLite's own integrity and foreign key checks,
// then canarykit's: every stored canary and file still has the digest it
// was stored with, so that the archive is what was published. It returns
// one line per problem; none means the database is sound.
func (d *DB) Check(ctx context.Context) ([]string, error) {
	var problems []string
	rows, err := d.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, fmt.Errorf("cannot check the database: %v", err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		if s != "ok" {
			problems = append(problems, "sqlite: "+s)
		}
	}
	rows.Close()
	rows, err = d.db.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			rows.Close()
			return nil, err
		}
		problems = append(problems, fmt.Sprintf("%s row %d refers to a missing %s row", table, rowid.Int64, parent))
	}
	rows.Close()
	v, err := userVersion(ctx, d.db)
	if err != nil {
		return nil, err
	}
	// An older version is not damage: a database opened read-only is not
	// upgraded, and the next canary watch upgrades it.
	if v < 1 || v > Version {
		problems = append(problems, fmt.Sprintf("schema version %d, expected 1 to %d", v, Version))
	}
	rows, err = d.db.QueryContext(ctx, "SELECT id, body, body_sha256 FROM canaries")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var body []byte
		var want string
		if err := rows.Scan(&id, &body, &want); err != nil {
			rows.Close()
			return nil, err
		}
		if sha(body) != want {
			problems = append(problems, fmt.Sprintf("canary %d: its text no longer matches the SHA-256 it was stored with", id))
		}
	}
	rows.Close()
	rows, err = d.db.QueryContext(ctx, "SELECT canary_id, kind, seq, data, sha256 FROM canary_files")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var kind string
		var seq int
		var data []byte
		var want string
		if err := rows.Scan(&id, &kind, &seq, &data, &want); err != nil {
			return nil, err
		}
		if sha(data) != want {
			problems = append(problems, fmt.Sprintf("canary %d: %s file %d no longer matches the SHA-256 it was stored with", id, kind, seq))
		}
	}
	return problems, rows.Err()
}

// Counts says how much history there is, for reports.
type Counts struct {
	Targets, Canaries, Checks, Events, Alerts int
}

// Count counts the rows of each kind.
func (d *DB) Count(ctx context.Context) (Counts, error) {
	var c Counts
	err := d.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM targets), (SELECT count(*) FROM canaries),
		(SELECT count(*) FROM checks), (SELECT count(*) FROM events)`).
		Scan(&c.Targets, &c.Canaries, &c.Checks, &c.Events)
	if err != nil {
		return c, err
	}
	// A database opened read-only may be at schema version 1, before
	// alerts were kept.
	var n int
	if err := d.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alerts'").Scan(&n); err != nil || n == 0 {
		return c, err
	}
	err = d.db.QueryRowContext(ctx, "SELECT count(*) FROM alerts").Scan(&c.Alerts)
	return c, err
}

// Backup writes a consistent copy of the database to file while it is in
// use (VACUUM INTO reads one snapshot). The copy is made under a
// temporary name in file's directory, synced, opened read-only and
// checked, and only then linked to file, so that file is never a
// half-written backup, not even after a kill. An existing file is not
// replaced. Backup works on a database opened with OpenReadOnly.
func (d *DB) Backup(ctx context.Context, file string) error {
	if _, err := os.Lstat(file); err == nil {
		return fmt.Errorf("%s already exists; give a new file name, or remove it first", file)
	}
	if err := writeCopy(ctx, d.db, file); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; give a new file name, or remove it first", file)
		}
		return fmt.Errorf("cannot write the backup %s: %v", file, err)
	}
	return nil
}

// SchemaVersion is the database's schema version: Version, or less for a
// database opened read-only that the next canary watch will upgrade.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) { return userVersion(ctx, d.db) }
