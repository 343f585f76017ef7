package store

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/verify"
)

// Issue 12 item 5: a name moved away and back is its old target again,
// with its baseline, not a new target with none.
func TestMoveBackReusesTarget(t *testing.T) {
	db, err := Open(ctx, filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first, err := db.SyncTargets(ctx, []TargetSpec{{"ex", "https://a.example/canary.txt"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("canary with two statements")
	if err := db.Save(ctx, []*Record{{TargetID: first[0].ID, At: t0, Status: verify.OK, Summary: "ok", NewBaseline: true,
		Canary: &Canary{Body: body, Digest: "d", Kind: "unparsed", Status: verify.OK, Good: true, Source: "a"}}}); err != nil {
		t.Fatal(err)
	}
	moved, err := db.SyncTargets(ctx, []TargetSpec{{"ex", "https://b.example/canary.txt"}}, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if moved[0].ID == first[0].ID {
		t.Fatal("a new location kept the old identity")
	}
	back, err := db.SyncTargets(ctx, []TargetSpec{{"ex", "https://a.example/canary.txt"}}, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if back[0].ID != first[0].ID {
		t.Fatalf("moving back made target %s, want the old %s", back[0].ID, first[0].ID)
	}
	if !back[0].Created.Equal(t0) {
		t.Fatalf("created %v, want %v", back[0].Created, t0)
	}
	st, err := db.State(ctx, back[0].ID)
	if err != nil || st.Baseline == nil || !bytes.Equal(st.Baseline.Body, body) {
		t.Fatalf("baseline after moving back: %+v %v", st, err)
	}
	list, _ := db.Targets(ctx)
	active := 0
	for _, s := range list {
		if s.Retired.IsZero() {
			active++
			if s.ID != first[0].ID {
				t.Fatalf("active target %s, want %s", s.ID, first[0].ID)
			}
		} else if s.ID != moved[0].ID {
			t.Fatalf("retired target %s, want %s", s.ID, moved[0].ID)
		}
	}
	if active != 1 || len(list) != 2 {
		t.Fatalf("targets: %+v", list)
	}
	// Again: stable, nothing new.
	again, _ := db.SyncTargets(ctx, []TargetSpec{{"ex", "https://a.example/canary.txt"}}, t0.Add(3*time.Hour))
	if again[0].ID != first[0].ID {
		t.Fatal("identity changed on a later sync")
	}
}

// Of several retired targets with the name and location, the one retired
// last comes back (an older canarykit made a new one each time).
func TestMoveBackMostRecentlyRetired(t *testing.T) {
	db, err := Open(ctx, filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`INSERT INTO targets VALUES ('aa000000000000000000000000000000', 'ex', 'u1', '2026-01-01T00:00:00.000000000Z', '2026-02-01T00:00:00.000000000Z')`,
		`INSERT INTO targets VALUES ('bb000000000000000000000000000000', 'ex', 'u1', '2026-03-01T00:00:00.000000000Z', '2026-04-01T00:00:00.000000000Z')`,
		`INSERT INTO targets VALUES ('cc000000000000000000000000000000', 'ex', 'u1', '2026-05-01T00:00:00.000000000Z', '2026-03-15T00:00:00.000000000Z')`,
		`INSERT INTO targets VALUES ('dd000000000000000000000000000000', 'ex', 'u2', '2026-04-01T00:00:00.000000000Z', NULL)`,
	} {
		if _, err := db.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.SyncTargets(ctx, []TargetSpec{{"ex", "u1"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].ID != "bb000000000000000000000000000000" {
		t.Fatalf("reactivated %s, want the one retired last", got[0].ID)
	}
	var retired sql.NullString
	db.db.QueryRow("SELECT retired FROM targets WHERE id = 'dd000000000000000000000000000000'").Scan(&retired)
	if !retired.Valid {
		t.Fatal("the active target of the name was not retired")
	}
}

// Issue 12 item 9: the lock is the file's, whatever name reaches it.
func TestLockThroughOtherNames(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "watch.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	l, err := Acquire(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	sym := filepath.Join(dir, "link.db")
	if err := os.Symlink("watch.db", sym); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "hard.db") // another directory
	if err := os.Link(path, other); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	for _, p := range []string{sym, other} {
		_, err := Acquire(ctx, p, false)
		if e, ok := err.(*ErrLocked); !ok || e.PID != os.Getpid() {
			t.Fatalf("lock through %s: %v", p, err)
		}
	}
}

// A database made by Acquire is a history already, not an empty file.
func TestAcquireMakesDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "watch.db")
	l, err := Acquire(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}

// Opened through a symlink, SQLite's -wal and -shm sit beside the real
// file, where every other name finds them.
func TestOpenThroughSymlink(t *testing.T) {
	real := filepath.Join(t.TempDir(), "watch.db")
	ldir := t.TempDir()
	sym := filepath.Join(ldir, "link.db")
	db, err := Open(ctx, real)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	os.Symlink(real, sym)
	db, err = Open(ctx, sym)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SyncTargets(ctx, []TargetSpec{{"ex", "u"}}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(real + "-wal"); err != nil {
		t.Fatalf("no WAL beside the real file: %v", err)
	}
	if _, err := os.Stat(sym + "-wal"); err == nil {
		t.Fatal("a WAL beside the symlink")
	}
	if db.Path != sym {
		t.Fatalf("Path %q, want the name given", db.Path)
	}
}

// buildV1 makes a database at schema version 1 with data, as an older
// canarykit wrote it.
func buildV1(t *testing.T, path string) {
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{migrations[0], fixtures[0], "PRAGMA user_version = 1"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 12 item 10: a fragment of a pre-upgrade backup that a killed run
// left under the backup's name is not kept as the backup, and a leftover
// temporary copy is never taken for it.
func TestUpgradeBackupAfterKill(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "watch.db")
	buildV1(t, path)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bak := path + ".v1.bak"
	// What an older canarykit killed in VACUUM INTO left.
	if err := os.WriteFile(bak, whole[:len(whole)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	// What this one, killed before the rename, leaves.
	stale := filepath.Join(dir, ".watch.db.v1.bak.tmp-1-1")
	fresh := filepath.Join(dir, ".watch.db.v1.bak.tmp-2-2")
	os.WriteFile(stale, whole[:4096], 0o600)
	os.WriteFile(fresh, whole[:4096], 0o600)
	old := time.Now().Add(-2 * staleTemp)
	os.Chtimes(stale, old, old)

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if !soundBackup(ctx, bak, 1) {
		t.Fatal("the backup is not a sound copy at version 1")
	}
	b, err := OpenReadOnly(ctx, bak)
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.Count(ctx)
	b.Close()
	if err != nil || c.Targets != 1 || c.Canaries != 1 {
		t.Fatalf("the backup holds %+v %v", c, err)
	}
	if got, _ := os.ReadFile(bak + ".incomplete"); !bytes.Equal(got, whole[:len(whole)/2]) {
		t.Fatal("the fragment was not moved aside")
	}
	if _, err := os.Stat(stale); err == nil {
		t.Fatal("a stale temporary copy was left")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatal("a temporary copy that may be another run's was removed")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") && e.Name() != filepath.Base(fresh) {
			t.Fatalf("temporary file left behind: %s", e.Name())
		}
	}
}

// writeCopy never leaves anything under the copy's name when it fails.
func TestCopyFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(ctx, filepath.Join(dir, "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	b := filepath.Join(dir, "b.db")
	if err := db.Backup(cctx, b); err == nil {
		t.Fatal("backup with a canceled context succeeded")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() == "b.db" || strings.Contains(e.Name(), "tmp") {
			t.Fatalf("left behind: %s", e.Name())
		}
	}
}

// Issue 12 item 11: an empty file, a text file and another program's
// SQLite database are refused by every way of opening, and left as they
// were.
func TestEmptyAndForeignRefused(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	text := filepath.Join(dir, "text.db")
	os.WriteFile(text, []byte("not a database\n"), 0o600)
	short := filepath.Join(dir, "short.db")
	os.WriteFile(short, []byte("SQLite format 3\x00"), 0o600)
	foreign := filepath.Join(dir, "foreign.db")
	raw, _ := sql.Open("sqlite", foreign)
	if _, err := raw.Exec("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('mine')"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	blank := filepath.Join(dir, "blank.db") // SQLite, no tables
	raw, _ = sql.Open("sqlite", blank)
	raw.Exec("PRAGMA page_size = 4096; VACUUM")
	raw.Close()

	opens := map[string]func(string) error{
		"Open":         func(p string) error { d, err := Open(ctx, p); closeIf(d); return err },
		"OpenExisting": func(p string) error { d, err := OpenExisting(ctx, p); closeIf(d); return err },
		"OpenReadOnly": func(p string) error { d, err := OpenReadOnly(ctx, p); closeIf(d); return err },
		"OpenToAmend": func(p string) error {
			d, l, err := OpenToAmend(ctx, p)
			closeIf(d)
			l.Release()
			return err
		},
		"Acquire+Open": func(p string) error {
			l, err := Acquire(ctx, p, false)
			if err != nil {
				return err
			}
			d, err := Open(ctx, p)
			closeIf(d)
			l.Release()
			return err
		},
	}
	for _, p := range []string{empty, text, short, foreign, blank} {
		before, _ := os.ReadFile(p)
		if p == blank && len(before) == 0 {
			t.Fatal("blank database not made")
		}
		for name, open := range opens {
			err := open(p)
			if err == nil {
				t.Errorf("%s accepted %s", name, filepath.Base(p))
				continue
			}
			msg := err.Error()
			if !strings.Contains(msg, p) || strings.Contains(msg, "\n") {
				t.Errorf("%s %s: the error does not name the file on one line: %v", name, filepath.Base(p), err)
			}
			if p == empty && !strings.Contains(msg, "empty (0 bytes)") {
				t.Errorf("%s: %v", name, err)
			}
			if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
				t.Errorf("%s changed %s", name, filepath.Base(p))
			}
		}
		for _, s := range []string{"-wal", "-shm", "-journal"} {
			if _, err := os.Stat(p + s); err == nil {
				t.Errorf("%s%s left behind", filepath.Base(p), s)
			}
		}
	}
	// A missing file: only Open and Acquire make a new database.
	missing := filepath.Join(dir, "missing.db")
	for _, name := range []string{"OpenExisting", "OpenReadOnly", "OpenToAmend"} {
		if err := opens[name](missing); err == nil || !strings.Contains(err.Error(), "no history database") {
			t.Errorf("%s on a missing file: %v", name, err)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatalf("%s made %s", name, missing)
		}
	}
}

func closeIf(d *DB) {
	if d != nil {
		d.Close()
	}
}

// OpenReadOnly writes nothing: the database's bytes and mtime stay, no
// -wal or -shm is left, an older schema is not upgraded, and a write
// fails.
func TestReadOnlyWritesNothing(t *testing.T) {
	for _, name := range []string{"current", "v1"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "watch.db")
			if name == "v1" {
				buildV1(t, path)
			} else {
				db, err := Open(ctx, path)
				if err != nil {
					t.Fatal(err)
				}
				db.SyncTargets(ctx, []TargetSpec{{"ex", "u"}}, t0)
				db.Close()
			}
			old := time.Now().Add(-time.Hour).Truncate(time.Second)
			os.Chtimes(path, old, old)
			before, _ := os.ReadFile(path)
			db, err := OpenReadOnly(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			problems, err := db.Check(ctx)
			if err != nil || len(problems) > 0 {
				t.Fatalf("check: %v %v", problems, err)
			}
			if _, err := db.Count(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.Backup(ctx, filepath.Join(dir, "copy.db")); err != nil {
				t.Fatalf("backup of a read-only database: %v", err)
			}
			if _, err := db.db.Exec("INSERT INTO targets VALUES ('x', 'x', 'x', 'x', NULL)"); err == nil {
				t.Fatal("a write went through")
			}
			if _, err := db.db.Exec("PRAGMA query_only = 0; INSERT INTO targets VALUES ('x', 'x', 'x', 'x', NULL)"); err == nil {
				t.Fatal("a write went through mode=ro")
			}
			v, _ := db.SchemaVersion(ctx)
			db.Close()
			if want := map[string]int{"current": Version, "v1": 1}[name]; v != want {
				t.Fatalf("schema version %d, want %d", v, want)
			}
			after, _ := os.ReadFile(path)
			fi, _ := os.Stat(path)
			if !bytes.Equal(before, after) || !fi.ModTime().Equal(old) {
				t.Fatalf("the database changed (bytes equal: %v, mtime %v, was %v)", bytes.Equal(before, after), fi.ModTime(), old)
			}
			for _, s := range []string{"-wal", "-shm"} {
				if _, err := os.Stat(path + s); err == nil {
					fi, _ := os.Stat(path + s)
					t.Fatalf("%s left behind (%d bytes)", s, fi.Size())
				}
			}
		})
	}
}

func TestOpenToAmendBesideWatchdog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "watch.db")
	l, err := Acquire(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	// The same name: allowed, SQLite orders the writes.
	d, l2, err := OpenToAmend(ctx, path)
	if err != nil {
		t.Fatalf("amend beside a watchdog: %v", err)
	}
	if l2 != nil {
		t.Fatal("got the lock a watchdog holds")
	}
	d.Close()
	// A second name: refused.
	hard := filepath.Join(t.TempDir(), "hard.db")
	if err := os.Link(path, hard); err != nil {
		t.Skip(err)
	}
	if _, _, err := OpenToAmend(ctx, hard); err == nil || !strings.Contains(err.Error(), "2 hard links") {
		t.Fatalf("amend through a hard link beside a watchdog: %v", err)
	}
	if _, err := os.Stat(hard + "-wal"); err == nil {
		t.Fatal("a second WAL was made")
	}
}
