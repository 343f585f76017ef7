package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// This file is about the database file itself: which file a path means,
// refusing a file that is not a history, making a new database without
// ever leaving a half-made one, and writing copies (backups) under a
// temporary name that only become the copy once complete and checked.

// resolvePath says which file path means: symlinks are followed, so that
// SQLite's -wal and -shm files sit beside the real file, and every name
// of one database shares one WAL. exists is false when there is no file
// yet; then real is path in the resolved directory. A dangling symlink is
// an error: creating a database at its target would be a surprise.
func resolvePath(path string) (real string, exists bool, err error) {
	if _, err := os.Lstat(path); err == nil {
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return "", false, fmt.Errorf("history database %s: %v (a symlink to a missing file?)", path, err)
		}
		return real, true, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("history database %s: %v", path, err)
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		// The directory does not exist yet: Open creates it.
		return path, false, nil
	}
	return filepath.Join(dir, filepath.Base(path)), false, nil
}

// checkFile refuses a file that cannot be a history before SQLite sees
// it: SQLite takes a zero-length file for a new, empty database and would
// write a fresh schema over it, and a watchdog would then start over with
// no baselines. A zero-length file is what a failed copy, a full disk or
// a truncation leaves; it must be restored, not reused.
func checkFile(real, shown string) error {
	fi, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("history database %s: %v", shown, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a history database: not a regular file; check --db", shown)
	}
	if fi.Size() == 0 {
		return fmt.Errorf("%s is empty (0 bytes), not a history database: restore it from a backup (canary db backup), or remove it to start a new history", shown)
	}
	return nil
}

// checkSchema refuses an SQLite database that is not canary watch's: one
// made by another program, or an empty one. It only reads.
func checkSchema(ctx context.Context, db *sql.DB, shown string) (int, error) {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'targets'").Scan(&n); err != nil {
		return 0, fmt.Errorf("%s is not a history database (%v); is it an SQLite database made by canary watch?", shown, err)
	}
	v, err := userVersion(ctx, db)
	if err != nil {
		return 0, fmt.Errorf("%s: %v", shown, err)
	}
	if v > Version {
		return v, fmt.Errorf("%s was written by a newer canarykit (schema version %d; this one knows %d): upgrade canarykit, or use another --db", shown, v, Version)
	}
	if n == 0 || v < 1 {
		return v, fmt.Errorf("%s is an SQLite database but not canary watch's history (no targets table, schema version %d); check --db", shown, v)
	}
	return v, nil
}

// rwDSN is the DSN of a writing connection. FULL sync: a check that was
// reported is on disk, even after a power cut. Immediate transactions: a
// writer takes the lock up front, so two writers wait for each other
// (busy_timeout) instead of one failing half way with SQLITE_BUSY. The
// journal mode is set once the file is known to be a history (see Open).
func rwDSN(real string) string {
	return real + "?_pragma=busy_timeout(30000)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate"
}

// roDSN opens real read-only: SQLite's mode=ro (every write fails with
// SQLITE_READONLY, and a missing file is not created), and query_only
// on top.
func roDSN(real string) (string, error) {
	abs, err := filepath.Abs(real)
	if err != nil {
		return "", err
	}
	return "file:" + strings.ReplaceAll(filepath.ToSlash(abs), "%", "%25") + "?mode=ro&_pragma=busy_timeout(30000)&_pragma=query_only(1)", nil
}

// OpenReadOnly opens an existing history without writing to it: canary
// db check and db backup. It refuses a missing, empty or foreign file,
// and one written by a newer canarykit; an older schema is read as it is
// (it is upgraded by the next canary watch, not by a reader).
//
// SQLite's read-only mode never writes the database file. A database in
// WAL mode cannot be read without a -wal and a -shm file, so SQLite
// makes them beside the database when they are missing, and removes them
// when the last connection closes; the database's bytes and mtime do not
// change.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if err := usablePath(path); err != nil {
		return nil, err
	}
	real, exists, err := resolvePath(path)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, fmt.Errorf("%w at %s: run canary watch first, or pass --db FILE", ErrNoDatabase, path)
	}
	db, err := openRO(ctx, real, path)
	if err != nil {
		return nil, err
	}
	return &DB{db: db, Path: path}, nil
}

// roConnector tidies up after read-only connections. A read-only
// connection to a database in WAL mode makes the -wal and -shm files it
// needs when they are missing, and cannot remove them when it closes (a
// reader may not checkpoint). So when they were missing before, and the
// -wal is still empty once the last read-only connection is closed, one
// ordinary connection is opened and closed: SQLite then removes them
// itself, if no other process has the database open, and leaves them
// otherwise. An empty WAL has nothing to checkpoint: the database file
// is not written.
type roConnector struct {
	driver.Connector
	real           string
	hadWAL, hadSHM bool
}

func (c *roConnector) Close() error {
	if c.hadWAL || c.hadSHM {
		return nil
	}
	if fi, err := os.Stat(c.real + "-wal"); err != nil || fi.Size() != 0 {
		return nil
	}
	db, err := sql.Open("sqlite", c.real+"?_pragma=busy_timeout(1000)")
	if err != nil {
		return nil
	}
	var n int
	db.QueryRow("SELECT count(*) FROM sqlite_master").Scan(&n)
	db.Close()
	return nil
}

func exists(name string) bool {
	_, err := os.Lstat(name)
	return err == nil
}

func openRO(ctx context.Context, real, shown string) (*sql.DB, error) {
	if err := checkFile(real, shown); err != nil {
		return nil, err
	}
	dsn, err := roDSN(real)
	if err != nil {
		return nil, err
	}
	conn, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("cannot open the history database %s: %v", shown, err)
	}
	db := sql.OpenDB(&roConnector{Connector: conn, real: real, hadWAL: exists(real + "-wal"), hadSHM: exists(real + "-shm")})
	db.SetMaxOpenConns(4)
	if _, err := checkSchema(ctx, db, shown); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// createNew makes a new, empty history at real, which does not exist:
// the schema is written to a temporary file beside it, which is then
// linked into place, so that there is never a zero-length or half-made
// database at real (one that the next run would have to refuse). If
// another process made the database meanwhile, that one is kept.
func createNew(ctx context.Context, real string) error {
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		return fmt.Errorf("cannot create the directory for the history database: %v", err)
	}
	tmp := tempName(real)
	defer removeTemp(tmp)
	// The history is its owner's only: made 0600 whatever the umask,
	// before SQLite opens it, which then makes the -wal and -shm with the
	// database's mode.
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		err = f.Chmod(0o600)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("cannot create the history database %s: %v", real, err)
	}
	db, err := sql.Open("sqlite", rwDSN(tmp)+"&_pragma=journal_mode(WAL)")
	if err != nil {
		return fmt.Errorf("cannot create the history database %s: %v", real, err)
	}
	err = migrate(ctx, db, tmp)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncFile(tmp)
	}
	if err != nil {
		return fmt.Errorf("cannot create the history database %s: %v", real, err)
	}
	if err := placeFile(tmp, real); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("cannot create the history database %s: %v", real, err)
	}
	return nil
}

// tempName is a temporary name for file, in its directory, that no other
// run uses: ".NAME.tmp-PID-NANOSECONDS".
func tempName(file string) string {
	return filepath.Join(filepath.Dir(file), fmt.Sprintf("%s%d-%d", tempPrefix(file), os.Getpid(), time.Now().UnixNano()))
}

func tempPrefix(file string) string { return "." + filepath.Base(file) + ".tmp-" }

// removeTemp removes a temporary copy and what SQLite made beside it.
func removeTemp(tmp string) {
	for _, s := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(tmp + s)
	}
}

// staleTemp is how old a temporary copy must be to be taken for the
// leftover of a killed run: a copy being written is newer than this.
const staleTemp = time.Hour

// removeStaleTemps removes the temporary copies of file that killed runs
// left. They are never taken for the copy itself (only a complete,
// checked copy is renamed to its name); this only tidies up. Newer ones
// may be another process's copy being written, and are left alone.
func removeStaleTemps(file string) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(file), escapeGlob(tempPrefix(file))+"*"))
	for _, m := range matches {
		if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > staleTemp {
			os.Remove(m)
		}
	}
}

func escapeGlob(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(s)
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// placeFile gives the complete file tmp the name file, without replacing
// an existing file (fs.ErrExist then), and makes the name durable.
func placeFile(tmp, file string) error {
	if err := os.Link(tmp, file); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		// No hard links on this file system: rename, accepting the small
		// window in which another writer could create file.
		if _, err := os.Lstat(file); err == nil {
			return fs.ErrExist
		}
		if err := os.Rename(tmp, file); err != nil {
			return err
		}
	}
	if dir, err := os.Open(filepath.Dir(file)); err == nil {
		dir.Sync()
		dir.Close()
	}
	return nil
}

// writeCopy writes a consistent copy of db to file (VACUUM INTO reads one
// snapshot): under a temporary name in file's directory, synced, then
// opened read-only and checked (SQLite's integrity check and canarykit's
// digests), and only then linked to file. A kill at any point leaves at
// most a temporary file, never a fragment under file's name. An existing
// file is not replaced: fs.ErrExist.
func writeCopy(ctx context.Context, db *sql.DB, file string) error {
	removeStaleTemps(file)
	tmp := tempName(file)
	defer removeTemp(tmp)
	if err := vacuumInto(ctx, db, tmp); err != nil {
		return fmt.Errorf("cannot write the copy: %v", err)
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("cannot write the copy: %v", err)
	}
	if err := checkCopy(ctx, tmp); err != nil {
		return err
	}
	// Opening the copy may have made a -wal and -shm beside it; they are
	// empty (nothing wrote to it), and the copy stands alone.
	os.Remove(tmp + "-wal")
	os.Remove(tmp + "-shm")
	return placeFile(tmp, file)
}

// checkCopy opens a copy read-only and checks it.
func checkCopy(ctx context.Context, file string) error {
	c, err := openRO(ctx, file, file)
	if err != nil {
		return fmt.Errorf("the copy cannot be opened: %v", err)
	}
	problems, err := (&DB{db: c, Path: file}).Check(ctx)
	if cerr := c.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot check the copy: %v", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("the copy failed its check: %s", problems[0])
	}
	return nil
}

// vacuumInto writes a copy of db to file. query_only also stops VACUUM
// INTO, which writes only the new file: on a read-only connection it is
// lifted for that statement alone, on a connection of its own. SQLite's
// mode=ro still keeps the database itself from being written.
func vacuumInto(ctx context.Context, db *sql.DB, file string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	var qo int
	if err := conn.QueryRowContext(ctx, "PRAGMA query_only").Scan(&qo); err != nil {
		conn.Close()
		return err
	}
	if qo != 0 {
		if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 0"); err != nil {
			conn.Close()
			return err
		}
	}
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", file)
	if qo != 0 {
		if _, rerr := conn.ExecContext(context.Background(), "PRAGMA query_only = 1"); rerr != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn }) // not back to the pool
		}
	}
	conn.Close()
	return err
}

// usablePath refuses a path the SQLite driver would read as options: its
// file name ends at the first ? or #.
func usablePath(path string) error {
	if strings.ContainsAny(path, "?#") {
		return fmt.Errorf("database path %q: a path with ? or # cannot be used; choose another --db", path)
	}
	return nil
}
