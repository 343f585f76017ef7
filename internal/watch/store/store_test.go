package store

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/canarykit/canarykit/verify"
)

var ctx = context.Background()

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// fixtures hold data as each schema version's canarykit wrote it; the
// migration test loads those up to a version, then upgrades.
var fixtures = []string{
	`INSERT INTO targets VALUES ('00112233445566778899aabbccddeeff', 'old', 'https://example.org/canary.txt', '2026-01-01T00:00:00.000000000Z', NULL);
	 INSERT INTO canaries (id, target_id, fingerprint, digest, body, body_sha256, kind, serial, status, good, source, first_seen, last_seen)
		VALUES (1, '00112233445566778899aabbccddeeff', 'fp', 'sha256:x', X'6869', '8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4', 'canarykit', 1, 0, 1, 'https://example.org/canary.txt', '2026-01-01T00:00:00.000000000Z', '2026-01-01T00:00:00.000000000Z');
	 INSERT INTO checks (target_id, at, status, summary, canary_id) VALUES ('00112233445566778899aabbccddeeff', '2026-01-01T00:00:00.000000000Z', 0, 'ok', 1);
	 INSERT INTO events (target_id, at, type, status, message, canary_id) VALUES ('00112233445566778899aabbccddeeff', '2026-01-01T00:00:00.000000000Z', 'new-canary', 0, 'first', 1);
	 INSERT INTO target_state (target_id, last_check, last_status, last_canary, baseline) VALUES ('00112233445566778899aabbccddeeff', '2026-01-01T00:00:00.000000000Z', 0, 1, 1);`,
	`INSERT INTO alerts (id, target_id, at, kind, status, payload) VALUES (1, '00112233445566778899aabbccddeeff', '2026-01-02T00:00:00.000000000Z', 'problem', 2, '{"kind":"problem"}');
	 INSERT INTO deliveries (alert_id, channel, state) VALUES (1, 'webhook-1', 'pending');
	 INSERT INTO alert_state VALUES ('00112233445566778899aabbccddeeff', 2, '2026-01-02T00:00:00.000000000Z');`,
	// Version 3 stores only strong validators; the schema is the same.
	`UPDATE target_state SET etag = '"strong"' WHERE target_id = '00112233445566778899aabbccddeeff';`,
	`INSERT INTO heartbeats (channel, sent, tried) VALUES ('webhook-1', '2026-01-03T00:00:00.000000000Z', '2026-01-03T00:00:00.000000000Z');`,
	`INSERT INTO events (target_id, at, type, status, message, canary_id) VALUES ('00112233445566778899aabbccddeeff', '2026-01-04T00:00:00.000000000Z', 'split-view', 2, 'split view', 1);`,
	// Version 6 adds an index; a retired target is what it finds.
	`INSERT INTO targets VALUES ('ffeeddccbbaa99887766554433221100', 'old', 'https://example.net/canary.txt', '2026-01-01T00:00:00.000000000Z', '2026-01-02T00:00:00.000000000Z');`,
}

// TestMigrateFromEveryVersion builds a database at every earlier schema
// version, with the data that version wrote, and opens it: it must come
// up to date with nothing lost, a backup beside it, and pass Check.
func TestMigrateFromEveryVersion(t *testing.T) {
	if len(fixtures) != Version {
		t.Fatalf("%d fixtures for %d versions: add the data the new version writes", len(fixtures), Version)
	}
	for from := 0; from < Version; from++ {
		t.Run(fmt.Sprintf("from-v%d", from), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "watch.db")
			raw, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			for v := 0; v < from; v++ {
				for _, q := range []string{migrations[v], fixtures[v], fmt.Sprintf("PRAGMA user_version = %d", v+1)} {
					if _, err := raw.Exec(q); err != nil {
						t.Fatalf("building version %d: %v", v+1, err)
					}
				}
			}
			raw.Close()
			db, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if v, _ := userVersion(ctx, db.db); v != Version {
				t.Fatalf("version %d after open, want %d", v, Version)
			}
			if problems, err := db.Check(ctx); err != nil || len(problems) > 0 {
				t.Fatalf("check after migrating from v%d: %v %v", from, problems, err)
			}
			c, err := db.Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wantEvents := 1
			if from >= 5 { // version 5's fixture is a split-view event
				wantEvents = 2
			}
			if from >= 1 && (c.Targets != 1 || c.Canaries != 1 || c.Checks != 1 || c.Events != wantEvents) {
				t.Fatalf("data lost migrating from v%d: %+v", from, c)
			}
			if from >= 2 && c.Alerts != 1 {
				t.Fatalf("alerts lost migrating from v%d: %+v", from, c)
			}
			if from >= 1 {
				if _, err := os.Stat(fmt.Sprintf("%s.v%d.bak", path, from)); err != nil {
					t.Fatalf("no backup before upgrading: %v", err)
				}
				st, err := db.State(ctx, "00112233445566778899aabbccddeeff")
				if err != nil || st.LastSeen == nil || string(st.LastSeen.Body) != "hi" {
					t.Fatalf("state after migration: %+v %v", st, err)
				}
				// The new columns and tables work on migrated data.
				if err := db.Save(ctx, []*Record{{TargetID: "00112233445566778899aabbccddeeff", At: t0, Summary: "later", ETag: `"e"`}}); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestNewerDatabaseRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "watch.db")
	raw, _ := sql.Open("sqlite", path)
	if _, err := raw.Exec(fmt.Sprintf("PRAGMA user_version = %d", Version+1)); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err := Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "written by a newer canarykit") {
		t.Fatalf("err = %v", err)
	}
}

func TestNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "watch.db")
	os.WriteFile(path, []byte("this is not sqlite, it is a text file the user pointed --db at by mistake\n"), 0o600)
	if _, err := Open(ctx, path); err == nil {
		t.Fatal("opened a text file as a database")
	}
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), "this is not sqlite") {
		t.Fatal("the file was changed")
	}
}

func TestIdentityNeverReused(t *testing.T) {
	db, err := Open(ctx, filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := db.SyncTargets(ctx, []TargetSpec{{"ex", "https://example.org/canary.txt"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := db.SyncTargets(ctx, []TargetSpec{{"ex", "https://example.org/canary.txt"}}, t0.Add(time.Hour))
	if again[0].ID != a[0].ID {
		t.Fatal("the same target got a new identity")
	}
	// The name now points elsewhere: a new target; the old history stays
	// with the old identity.
	moved, _ := db.SyncTargets(ctx, []TargetSpec{{"ex", "https://other.example/canary.txt"}}, t0.Add(2*time.Hour))
	if moved[0].ID == a[0].ID {
		t.Fatal("a target at another location took over the old identity")
	}
	found, err := db.FindTarget(ctx, "ex")
	if err != nil || found.ID != moved[0].ID {
		t.Fatalf("FindTarget = %+v, %v; want the active one", found, err)
	}
	old, err := db.FindTarget(ctx, a[0].ID[:10])
	if err != nil || old.ID != a[0].ID || old.Retired.IsZero() {
		t.Fatalf("FindTarget by ID prefix = %+v, %v", old, err)
	}
	// An identity is never handed out twice, also by a database restored
	// from a backup that does not know the identities made since.
	seen := map[string]bool{a[0].ID: true, moved[0].ID: true}
	for i := range 200 {
		ids, err := db.SyncTargets(ctx, []TargetSpec{{fmt.Sprintf("t%d", i), "x"}}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if seen[ids[0].ID] || len(ids[0].ID) != 32 {
			t.Fatalf("identity %q reused or malformed", ids[0].ID)
		}
		seen[ids[0].ID] = true
	}
}

func TestSaveAndState(t *testing.T) {
	db, err := Open(ctx, filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids, _ := db.SyncTargets(ctx, []TargetSpec{{"ex", "u"}}, t0)
	id := ids[0].ID
	c := &Canary{Body: []byte("canary 1"), Files: []File{{"sig", []byte("s")}, {"tsr", []byte("t")}}, Digest: "d1", Kind: "canarykit",
		Serial: 1, Expires: t0.Add(30 * 24 * time.Hour), Signers: []string{"AA"}, Status: verify.OK, Good: true, Source: "u"}
	rec := &Record{TargetID: id, At: t0, Status: verify.OK, HardStatus: verify.OK, Summary: "ok", Canary: c, NewBaseline: true, Changed: true,
		Events: []Event{{Type: "new-canary", Message: "first"}}, ETag: `"1"`,
		Alert: &Alert{Kind: "problem", Status: verify.Warning, Payload: []byte(`{"kind":"problem"}`), Channels: []string{"a", "b"}, Alerted: verify.Warning}}
	if err := db.Save(ctx, []*Record{rec}); err != nil {
		t.Fatal(err)
	}
	if c.ID == 0 || rec.Events[0].ID == 0 || rec.Events[0].CanaryID != c.ID {
		t.Fatalf("IDs not filled in: canary %d, event %+v", c.ID, rec.Events[0])
	}
	st, err := db.State(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.LastSeen == nil || st.Baseline == nil || st.LastSeen.ID != c.ID || len(st.LastSeen.Files) != 2 || st.ETag != `"1"` ||
		st.Alerted == nil || *st.Alerted != verify.Warning || !st.LastChange.Equal(t0) {
		t.Fatalf("state = %+v", st)
	}
	// The same canary again is not stored twice; a failed check keeps the
	// canary and the validators.
	again := &Canary{Body: []byte("canary 1"), Files: c.Files, Digest: "d1", Kind: "canarykit", Status: verify.OK}
	if err := db.Save(ctx, []*Record{{TargetID: id, At: t0.Add(time.Hour), Canary: again, KeepValidators: true, NoteExpiring: true},
		{TargetID: id, At: t0.Add(2 * time.Hour), Status: verify.Unknown, Soft: true, Failures: 1, FailingSince: t0.Add(2 * time.Hour),
			FailureKind: "unreachable", KeepValidators: true}}); err != nil {
		t.Fatal(err)
	}
	if again.ID != c.ID {
		t.Fatalf("the same canary was stored twice (%d, %d)", c.ID, again.ID)
	}
	st, _ = db.State(ctx, id)
	if st.LastSeen.ID != c.ID || st.Failures != 1 || st.ETag != `"1"` || !st.LastSeen.ExpiringNoted || !st.LastSeen.LastSeen.Equal(t0.Add(time.Hour)) {
		t.Fatalf("state after a failure = %+v, last seen %+v", st, st.LastSeen)
	}
	p, _ := db.Pending(ctx)
	if len(p) != 2 {
		t.Fatalf("pending = %+v", p)
	}
	db.Delivered(ctx, p[0], t0, nil, false)
	db.Delivered(ctx, p[1], t0, fmt.Errorf("refused"), false)
	if p, _ = db.Pending(ctx); len(p) != 1 || p[0].Channel != "b" || p[0].Attempts != 1 {
		t.Fatalf("pending after one delivery = %+v", p)
	}
	if problems, err := db.Check(ctx); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
	// Damage is found.
	db.db.Exec("UPDATE canaries SET body = 'forged' WHERE id = ?", c.ID)
	if problems, _ := db.Check(ctx); len(problems) != 1 || !strings.Contains(problems[0], "no longer matches") {
		t.Fatalf("check on a changed canary: %v", problems)
	}
}

func TestBackup(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(ctx, filepath.Join(dir, "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SyncTargets(ctx, []TargetSpec{{"ex", "u"}}, t0)
	b := filepath.Join(dir, "b.db")
	if err := db.Backup(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, b); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second backup to the same file: %v", err)
	}
	bdb, err := OpenExisting(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	if c, _ := bdb.Count(ctx); c.Targets != 1 {
		t.Fatalf("backup holds %+v", c)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "tmp") {
			t.Fatalf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "watch.db")
	l, err := Acquire(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to the open file, so a second Acquire in this
	// process conflicts as a second process would.
	_, err = Acquire(ctx, path, false)
	if e, ok := err.(*ErrLocked); !ok || e.PID != os.Getpid() {
		t.Fatalf("second lock: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := Acquire(wctx, path, true); err == nil {
		t.Fatal("--wait got a held lock")
	}
	done := make(chan error)
	go func() {
		l2, err := Acquire(ctx, path, true)
		if err == nil {
			l2.Release()
		}
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	l.Release()
	if err := <-done; err != nil {
		t.Fatalf("waiting for the lock: %v", err)
	}
}

// TestKillWhileWriting kills a process that writes history as fast as it
// can with SIGKILL, several times: every batch it reported as written must
// be there, and the database must pass Check.
func TestKillWhileWriting(t *testing.T) {
	if os.Getenv("STORE_CRASH_CHILD") != "" {
		crashChild(os.Getenv("STORE_CRASH_CHILD"))
		return
	}
	if testing.Short() {
		t.Skip("kills child processes")
	}
	path := filepath.Join(t.TempDir(), "watch.db")
	committed := 0
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillWhileWriting$")
		cmd.Env = append(os.Environ(), "STORE_CRASH_CHILD="+path)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		seen := 0
		deadline := time.Now().Add(time.Duration(300+100*round) * time.Millisecond)
		for lines.Scan() {
			if n, err := strconv.Atoi(strings.TrimPrefix(lines.Text(), "committed ")); err == nil {
				seen = n
			}
			if time.Now().After(deadline) && seen > committed {
				break
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if seen <= committed {
			t.Fatalf("round %d: the child wrote nothing", round)
		}
		committed = seen
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		problems, err := db.Check(ctx)
		c, _ := db.Count(ctx)
		db.Close()
		if err != nil || len(problems) > 0 {
			t.Fatalf("round %d: check after kill -9: %v %v", round, problems, err)
		}
		if c.Checks < committed || c.Events < committed {
			t.Fatalf("round %d: %d checks and %d events on disk, but %d were reported written", round, c.Checks, c.Events, committed)
		}
		committed = c.Checks
	}
}

// crashChild writes batches of records until it is killed, saying after
// each commit how many checks the database holds.
func crashChild(path string) {
	db, err := Open(ctx, path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	ids, err := db.SyncTargets(ctx, []TargetSpec{{"a", "u"}, {"b", "v"}}, t0)
	if err != nil {
		os.Exit(1)
	}
	c, _ := db.Count(ctx)
	n := c.Checks
	for i := 0; ; i++ {
		var batch []*Record
		for j := range 20 {
			id := ids[j%2].ID
			body := []byte(fmt.Sprintf("canary %d %d", i, j))
			batch = append(batch, &Record{TargetID: id, At: t0.Add(time.Duration(i) * time.Minute), Status: verify.OK, Summary: "ok",
				Canary: &Canary{Body: body, Digest: string(body), Kind: "unparsed", Status: verify.OK, Source: "u"},
				Events: []Event{{Type: "renewed", Message: "again"}}, NewBaseline: true})
		}
		if err := db.Save(ctx, batch); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		n += len(batch)
		fmt.Printf("committed %d\n", n)
	}
}

// A heartbeat's last delivery survives failures after it, and reopening.
func TestHeartbeats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "watch.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if hb, err := db.Heartbeats(ctx); err != nil || len(hb) != 0 {
		t.Fatalf("a new database: %v %v", hb, err)
	}
	if err := db.HeartbeatTried(ctx, "mail", t0, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.HeartbeatTried(ctx, "mail", t0.Add(time.Hour), fmt.Errorf("550 refused")); err != nil {
		t.Fatal(err)
	}
	if err := db.HeartbeatTried(ctx, "hook", t0, fmt.Errorf("500")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hb, err := db.Heartbeats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m := hb["mail"]; !m.Sent.Equal(t0) || !m.Tried.Equal(t0.Add(time.Hour)) || m.Failures != 1 || m.LastError != "550 refused" {
		t.Errorf("mail: %+v", m)
	}
	if h := hb["hook"]; !h.Sent.IsZero() || h.Failures != 1 {
		t.Errorf("hook: %+v", h)
	}
	if err := db.HeartbeatTried(ctx, "mail", t0.Add(2*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	hb, _ = db.Heartbeats(ctx)
	if m := hb["mail"]; !m.Sent.Equal(t0.Add(2*time.Hour)) || m.Failures != 0 || m.LastError != "" {
		t.Errorf("mail after delivery: %+v", m)
	}
}
