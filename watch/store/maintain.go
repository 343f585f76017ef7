package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
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
	if v != Version {
		problems = append(problems, fmt.Sprintf("schema version %d, expected %d", v, Version))
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
		(SELECT count(*) FROM checks), (SELECT count(*) FROM events), (SELECT count(*) FROM alerts)`).
		Scan(&c.Targets, &c.Canaries, &c.Checks, &c.Events, &c.Alerts)
	return c, err
}

// Backup writes a consistent copy of the database to file while it is in
// use (VACUUM INTO reads one snapshot). The copy is made under a
// temporary name and renamed when complete and checked, so that file is
// never a half-written backup. An existing file is not replaced.
func (d *DB) Backup(ctx context.Context, file string) error {
	if _, err := os.Lstat(file); err == nil {
		return fmt.Errorf("%s already exists; give a new file name, or remove it first", file)
	}
	tmp := filepath.Join(filepath.Dir(file), fmt.Sprintf(".%s.tmp-%d", filepath.Base(file), time.Now().UnixNano()))
	defer os.Remove(tmp)
	if _, err := d.db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return fmt.Errorf("cannot write the backup: %v", err)
	}
	b, err := Open(ctx, tmp)
	if err != nil {
		return fmt.Errorf("the backup cannot be opened: %v", err)
	}
	problems, err := b.Check(ctx)
	if cerr := b.db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot check the backup: %v", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("the backup failed its check: %s", problems[0])
	}
	// Opening the copy put it in WAL mode; the WAL is empty after a
	// clean close, and the renamed file stands alone.
	os.Remove(tmp + "-wal")
	os.Remove(tmp + "-shm")
	if f, err := os.Open(tmp); err == nil {
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	if err := os.Link(tmp, file); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s already exists; give a new file name, or remove it first", file)
		}
		// No hard links on this file system: rename, accepting the small
		// window in which another writer could create file.
		if err := os.Rename(tmp, file); err != nil {
			return fmt.Errorf("cannot write the backup: %v", err)
		}
	}
	if dir, err := os.Open(filepath.Dir(file)); err == nil {
		dir.Sync()
		dir.Close()
	}
	return nil
}
