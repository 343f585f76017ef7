package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

var pruneNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// fillChecks gives each of targets hourly checks over days days before
// pruneNow: all OK with one summary, except on the fifth day back, when
// hours 3 to 5 are CRITICAL (and hour 4 says something else).
func fillChecks(t testing.TB, db *DB, targets, days int) []Target {
	t.Helper()
	ctx := context.Background()
	var specs []TargetSpec
	for i := range targets {
		specs = append(specs, TargetSpec{Name: fmt.Sprintf("t%d", i), Location: fmt.Sprintf("https://t%d.example/c.txt", i)})
	}
	ts0 := pruneNow.Add(-time.Duration(days) * 24 * time.Hour)
	tgs, err := db.SyncTargets(ctx, specs, ts0)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ins, err := tx.Prepare("INSERT INTO checks (target_id, at, status, summary) VALUES (?, ?, ?, ?)")
	if err != nil {
		t.Fatal(err)
	}
	flap := pruneNow.Add(-5 * 24 * time.Hour).Truncate(24 * time.Hour)
	for _, tg := range tgs {
		for at := ts0.Truncate(time.Hour); at.Before(pruneNow); at = at.Add(time.Hour) {
			status, summary := 0, "OK: fine"
			if d := at.Sub(flap); d >= 3*time.Hour && d < 6*time.Hour {
				status, summary = 2, "CRITICAL: statement removed"
				if d >= 4*time.Hour && d < 5*time.Hour {
					summary = "CRITICAL: key changed"
				}
			}
			if _, err := ins.Exec(tg.ID, ts(at), status, summary); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tx.Exec("INSERT INTO events (target_id, at, type, status, message) VALUES (?, ?, 'new-canary', 0, 'x')", tg.ID, ts(ts0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return tgs
}

func countChecks(t testing.TB, db *DB, where string, args ...any) int {
	t.Helper()
	var n int
	if err := db.db.QueryRow("SELECT count(*) FROM checks WHERE "+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tgs := fillChecks(t, db, 2, 10)
	before := countChecks(t, db, "1")
	st, err := db.Prune(ctx, Retention{Checks: 3 * 24 * time.Hour, Batch: 7}, pruneNow)
	if err != nil {
		t.Fatal(err)
	}
	// Cutoff: the start of the day 3 days back. Days before it keep one
	// check each, the flapping day three; the days after keep them all.
	cutoff := ts(pruneNow.Add(-3 * 24 * time.Hour).Truncate(24 * time.Hour))
	for _, tg := range tgs {
		old := countChecks(t, db, "target_id = ? AND at < ?", tg.ID, cutoff)
		if old != 7+2 { // 7 days (the first partial), the flapping day has 3 outcomes
			t.Errorf("%s: %d old checks kept, want 9", tg.Name, old)
		}
		if recent := countChecks(t, db, "target_id = ? AND at >= ?", tg.ID, cutoff); recent != 3*24+12 {
			t.Errorf("%s: %d recent checks, want every one", tg.Name, recent)
		}
		// The check kept of a day is its first.
		var first string
		db.db.QueryRow("SELECT min(at) FROM checks WHERE target_id = ? AND status = 0", tg.ID).Scan(&first)
		if first != ts(pruneNow.Add(-10*24*time.Hour)) {
			t.Errorf("%s: first check now %s", tg.Name, first)
		}
	}
	after := countChecks(t, db, "1")
	if int64(before-after) != st.Removed || st.Batches < 2 || st.Targets != 2 {
		t.Errorf("stats %+v, removed %d", st, before-after)
	}
	var events int
	db.db.QueryRow("SELECT count(*) FROM events").Scan(&events)
	if events != 2 {
		t.Errorf("%d events left", events)
	}
	// Again: nothing more to do.
	if st, err := db.Prune(ctx, Retention{Checks: 3 * 24 * time.Hour}, pruneNow); err != nil || st.Removed != 0 {
		t.Errorf("second prune %+v %v", st, err)
	}
	if st, err := db.Prune(ctx, Retention{}, pruneNow); err != nil || st.Removed != 0 || st.Targets != 0 {
		t.Errorf("no retention: %+v %v", st, err)
	}
	if p, err := db.Check(ctx); err != nil || len(p) != 0 {
		t.Errorf("check: %v %v", p, err)
	}
}

const pruneChildEnv = "CANARY_PRUNE_CHILD_DB"

// TestPruneChild is not a test: TestPruneKilled runs it in a child
// process, to kill it.
func TestPruneChild(t *testing.T) {
	path := os.Getenv(pruneChildEnv)
	if path == "" {
		t.Skip("only run by TestPruneKilled")
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("pruning")
	if _, err := db.Prune(context.Background(), Retention{Checks: 2 * 24 * time.Hour, Batch: 50}, pruneNow); err != nil {
		t.Fatal(err)
	}
	db.Close()
	fmt.Println("done")
}

// kill -9 during pruning leaves a sound database, and pruning again
// finishes the job with the same result.
func TestPruneKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "watch.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	fillChecks(t, db, 100, 60)
	before := countChecks(t, db, "1")
	db.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPruneChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), pruneChildEnv+"="+path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := ro.QueryRow("SELECT count(*) FROM checks").Scan(&n); err == nil && n < before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the child removed nothing in 30s")
		}
		time.Sleep(2 * time.Millisecond)
	}
	ro.Close()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("the child finished before it was killed; make the history larger")
	}
	rdb, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := rdb.Check(ctx); err != nil || len(p) != 0 {
		t.Fatalf("db check after kill -9: %v %v", p, err)
	}
	rdb.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mid := countChecks(t, db, "1")
	if _, err := db.Prune(ctx, Retention{Checks: 2 * 24 * time.Hour}, pruneNow); err != nil {
		t.Fatal(err)
	}
	cutoff := ts(pruneNow.Add(-2 * 24 * time.Hour).Truncate(24 * time.Hour))
	// 58 old days with one check (the first partial), the flapping day
	// with 3; the last 2.5 days kept whole.
	want := 100 * (58 + 2 + 2*24 + 12)
	if got := countChecks(t, db, "1"); got != want || mid <= want || mid >= before {
		t.Errorf("checks: %d before, %d after the kill, %d at the end, want %d", before, mid, got, want)
	}
	if old := countChecks(t, db, "at < ?", cutoff); old != 100*60 {
		t.Errorf("%d old checks", old)
	}
	if p, err := db.Check(ctx); err != nil || len(p) != 0 {
		t.Errorf("check: %v %v", p, err)
	}
}
