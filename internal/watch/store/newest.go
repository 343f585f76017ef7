package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// newest loads the newest genuine canary of a target: of every canary
// ever seen with at least one good signature by the watch list's keys,
// the one with the highest serial, else (free text) the latest issue
// date. It is what an older canary is compared with to be called a
// replay, and what a canary that vanished lapses with: a canary that
// failed its checks (a statement removed, say) is still the publisher's
// newest word, so it is never the baseline, but it is the newest.
func (d *DB) newest(ctx context.Context, targetID string) (*Canary, error) {
	c, err := scanCanary(d.db.QueryRowContext(ctx, "SELECT "+canaryCols+` FROM canaries
		WHERE target_id = ? AND signers != '[]'
		ORDER BY serial IS NULL, serial DESC, issued IS NULL, issued DESC, id DESC LIMIT 1`, targetID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the newest canary of target %s: %v", targetID, err)
	}
	return c, nil
}

// saveAlso stores the other genuinely signed canaries a check saw (the
// older blocks of a page), so that every distinct canary is kept; they
// change nothing else in the target's state.
func saveAlso(ctx context.Context, tx *sql.Tx, r *Record) error {
	for _, c := range r.Also {
		if c.Fingerprint == "" {
			c.Fingerprint = MakeFingerprint(c.Body, c.Files)
		}
		err := tx.QueryRowContext(ctx, "SELECT id FROM canaries WHERE target_id = ? AND fingerprint = ?", r.TargetID, c.Fingerprint).Scan(&c.ID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if err := insertCanary(ctx, tx, r.TargetID, c, r.At); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if _, err := tx.ExecContext(ctx, "UPDATE canaries SET last_seen = max(last_seen, ?) WHERE id = ?", ts(r.At), c.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
