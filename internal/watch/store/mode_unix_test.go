//go:build unix

package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/canarykit/canarykit/verify"
)

// The history holds what the watchdog watches, and errors that may quote
// a target's location: the database and its -wal and -shm are its owner's
// only, whatever the umask.
func TestNewDatabaseMode(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state", "watch.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ids, err := db.SyncTargets(ctx, []TargetSpec{{Name: "a", Location: "https://example.org/canary.txt"}}, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Save(ctx, []*Record{{TargetID: ids[0].ID, At: at, Status: verify.OK, HardStatus: verify.OK, Summary: "ok"}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(f), m)
		}
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("directory: %v %v", fi.Mode(), err)
	}
}
