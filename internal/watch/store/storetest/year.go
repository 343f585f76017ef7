// Package storetest builds large histories for benchmarks: a year of
// hourly checks for many targets, written straight into SQLite.
package storetest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/watch/store"
)

// YearStart is when a YearDB's history begins; it runs for 365 days.
var YearStart = time.Date(2025, 11, 22, 0, 0, 0, 0, time.UTC)

// YearTarget is the name of the i-th target of a YearDB.
func YearTarget(i int) string { return fmt.Sprintf("target-%04d", i) }

// YearDB returns the path of a database holding targets targets, each
// checked every hour for a year (8,760 checks) and renewing its canary
// every 30 days, with a failed check now and then. Generating a thousand
// targets' year takes a minute or more, so the file is kept in
// $TMPDIR between runs, named by the schema version that made it; the
// caller reads it or copies it, and must not write to it.
func YearDB(tb testing.TB, targets int) string {
	tb.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("canarykit-year-%d-v%d.db", targets, store.Version))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".tmp"
	os.Remove(tmp)
	start := time.Now()
	if err := writeYear(tmp, targets); err != nil {
		os.Remove(tmp)
		tb.Fatalf("generating %s: %v", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("generated %s in %s", path, time.Since(start).Round(time.Second))
	return path
}

func writeYear(path string, targets int) error {
	ctx := context.Background()
	// The schema as canarykit makes it, then the rows without a journal
	// or syncs: a file that is incomplete is never given its name.
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	db.Close()
	raw, err := sql.Open("sqlite", path+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=cache_size(-262144)")
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	prep := func(q string) *sql.Stmt {
		s, perr := tx.PrepareContext(ctx, q)
		if perr != nil && err == nil {
			err = perr
		}
		return s
	}
	insTarget := prep("INSERT INTO targets (id, name, location, created) VALUES (?, ?, ?, ?)")
	insCanary := prep(`INSERT INTO canaries (id, target_id, fingerprint, digest, body, body_sha256, kind, serial, issued, expires, issuer, signers, status, good, source, first_seen, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, 'canarykit', ?, ?, ?, 'Bench <bench@example.org>', '["0123456789ABCDEF0123456789ABCDEF01234567"]', 0, 1, ?, ?, ?)`)
	insCheck := prep(`INSERT INTO checks (target_id, at, status, soft, summary, canary_id, http_status, error_kind, duration_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	insEvent := prep("INSERT INTO events (target_id, at, type, status, message, canary_id) VALUES (?, ?, ?, ?, ?, ?)")
	insState := prep("INSERT INTO target_state (target_id, last_check, last_status, last_canary, baseline, last_change) VALUES (?, ?, 0, ?, ?, ?)")
	if err != nil {
		return err
	}
	const hours, renew = 365 * 24, 30 * 24
	stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }
	ids := make([]string, targets)
	for i := range ids {
		sum := sha256.Sum256(fmt.Appendf(nil, "target %d", i))
		ids[i] = hex.EncodeToString(sum[:16])
		if _, err := insTarget.Exec(ids[i], YearTarget(i), fmt.Sprintf("https://host-%d.example.org/canary.txt", i), stamp(YearStart)); err != nil {
			return err
		}
	}
	canaryID := func(i, serial int) int64 { return int64(serial*targets + i + 1) }
	// Hour by hour, every target in turn, as a watchdog writes them: a
	// target's checks are spread over the whole file.
	for h := range hours {
		at := YearStart.Add(time.Duration(h) * time.Hour)
		serial := h / renew
		for i, id := range ids {
			cid := canaryID(i, serial)
			url := fmt.Sprintf("https://host-%d.example.org/canary.txt", i)
			if h%renew == 0 {
				body := fmt.Appendf(nil, "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nCanary-Serial: %d\nThe organisation %d has received no warrants as of %s.\n%1200s\n-----BEGIN PGP SIGNATURE-----\n\nx\n-----END PGP SIGNATURE-----\n", serial, i, at.Format(time.DateOnly), "")
				sum := sha256.Sum256(body)
				digest := "sha256:" + hex.EncodeToString(sum[:])
				last := at.Add(renew*time.Hour - time.Hour)
				if _, err := insCanary.Exec(cid, id, hex.EncodeToString(sum[:]), digest, body, hex.EncodeToString(sum[:]), serial+1,
					stamp(at), stamp(at.Add(37*24*time.Hour)), url, stamp(at), stamp(last)); err != nil {
					return err
				}
				typ, msg := "renewed", "renewed: canary serial %d, expires %s"
				if serial == 0 {
					typ, msg = "new-canary", "first canary seen: canary serial %d, expires %s"
				}
				if _, err := insEvent.Exec(id, stamp(at), typ, 0, fmt.Sprintf(msg, serial+1, at.Add(37*24*time.Hour).Format(time.DateOnly)), cid); err != nil {
					return err
				}
			}
			// One check in 500 fails softly: the site was down for an hour.
			if (h+i)%500 == 499 {
				_, err = insCheck.Exec(id, stamp(at), 3, 1, "cannot fetch "+url+": dial tcp: connection refused", nil, 0, "network", 1000)
			} else {
				_, err = insCheck.Exec(id, stamp(at), 0, 0, fmt.Sprintf("OK: canary serial %d, expires %s", serial+1, at.Add(37*24*time.Hour).Format(time.DateOnly)), cid, 200, "", 40)
			}
			if err != nil {
				return err
			}
		}
	}
	end := YearStart.Add((hours - 1) * time.Hour)
	for i, id := range ids {
		cid := canaryID(i, (hours-1)/renew)
		if _, err := insState.Exec(id, stamp(end), cid, cid, stamp(YearStart.Add(time.Duration((hours-1)/renew*renew)*time.Hour))); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = raw.ExecContext(ctx, "PRAGMA journal_mode=WAL")
	return err
}
