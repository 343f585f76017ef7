package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// A database written before fetch kept only strong validators may hold a
// Last-Modified from within the second of its answer: sent again, a server
// with one-second file times answers 304 for a canary replaced in that
// second, for ever. The upgrade forgets every stored validator.
func TestUpgradeForgetsWeakValidators(t *testing.T) {
	path := filepath.Join(t.TempDir(), "watch.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for v := 0; v < 2; v++ {
		for _, q := range []string{migrations[v], fixtures[v], fmt.Sprintf("PRAGMA user_version = %d", v+1)} {
			if _, err := raw.Exec(q); err != nil {
				t.Fatalf("building version %d: %v", v+1, err)
			}
		}
	}
	if _, err := raw.Exec(`UPDATE target_state SET etag = 'W/"5f-1700000000"', last_modified = 'Tue, 24 Nov 2026 12:00:00 GMT'`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.State(ctx, "00112233445566778899aabbccddeeff")
	if err != nil {
		t.Fatal(err)
	}
	if st.ETag != "" || st.LastModified != "" {
		t.Fatalf("validators kept across the upgrade: %q %q", st.ETag, st.LastModified)
	}
}
