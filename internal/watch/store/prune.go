package store

import (
	"context"
	"fmt"
	"time"
)

// Retention thins the history (docs/WATCH.md, Retention). Canaries,
// their files, events and alerts are never removed: only checks, and of
// checks only repeats. Checks older than Checks (counted back from now,
// then to the start of that UTC day) are thinned to the first of each
// run of identical ones in a day: one check per target, UTC day, status,
// soft, summary and canary. A day on which a target was OK all day
// keeps one row; one on which it flapped keeps one row per distinct
// outcome. Zero Checks keeps every check.
type Retention struct {
	Checks time.Duration
	// Batch bounds the rows one transaction removes (default 10,000),
	// so that a watchdog writing beside it waits at most that long.
	Batch int
}

// PruneStats says what Prune did.
type PruneStats struct {
	Targets int   // targets looked at
	Removed int64 // checks removed
	Batches int   // transactions committed
}

// DefaultPruneBatch is Retention.Batch's default.
const DefaultPruneBatch = 10_000

// thinnable selects, for one target, the checks before the cutoff that
// repeat an earlier check of the same day: the ones Prune removes.
const thinnable = `SELECT id FROM checks WHERE target_id = ?1 AND at < ?2 AND id NOT IN (
	SELECT min(id) FROM checks WHERE target_id = ?1 AND at < ?2
	GROUP BY substr(at, 1, 10), status, soft, summary, canary_id)`

// Prune applies r to every target's history, one target after the
// other, in transactions of at most r.Batch removed rows each. Killed at
// any point, it leaves a sound database (each transaction is SQLite's,
// all or nothing), and running it again goes on where it stopped: the
// check kept of each day and outcome is always the first, whichever rows
// are gone already. ctx stops it between transactions.
func (d *DB) Prune(ctx context.Context, r Retention, now time.Time) (PruneStats, error) {
	var st PruneStats
	if r.Checks <= 0 {
		return st, nil
	}
	batch := r.Batch
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	cutoff := ts(now.UTC().Add(-r.Checks).Truncate(24 * time.Hour))
	var ids []string
	rows, err := d.db.QueryContext(ctx, "SELECT id FROM targets ORDER BY id")
	if err != nil {
		return st, fmt.Errorf("prune: %v", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return st, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	for _, id := range ids {
		st.Targets++
		for {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			n, err := d.pruneBatch(ctx, id, cutoff, batch)
			if err != nil {
				return st, fmt.Errorf("prune: %v", err)
			}
			if n == 0 {
				break
			}
			st.Removed += n
			st.Batches++
			if n < int64(batch) {
				break
			}
		}
	}
	return st, nil
}

func (d *DB) pruneBatch(ctx context.Context, targetID, cutoff string, batch int) (int64, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "DELETE FROM checks WHERE id IN ("+thinnable+" LIMIT ?3)", targetID, cutoff, batch)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	return n, tx.Commit()
}
