package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/canarykit/canarykit/internal/verdict"
)

func queueAlert(ctx context.Context, tx *sql.Tx, targetID string, at time.Time, a *Alert) error {
	res, err := tx.ExecContext(ctx, "INSERT INTO alerts (target_id, at, kind, status, payload) VALUES (?, ?, ?, ?, ?)",
		targetID, ts(at), a.Kind, int(a.Status), string(a.Payload))
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	for _, ch := range a.Channels {
		if _, err := tx.ExecContext(ctx, "INSERT INTO deliveries (alert_id, channel, state) VALUES (?, ?, 'pending')", id, ch); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO alert_state (target_id, status, sent) VALUES (?1, ?2, ?3)
		ON CONFLICT (target_id) DO UPDATE SET status = ?2, sent = ?3`, targetID, int(a.Alerted), ts(at))
	return err
}

// A Delivery is one alert waiting to go out on one channel.
type Delivery struct {
	AlertID  int64
	Channel  string
	Attempts int
	At       time.Time // when the alert was raised
	Status   verdict.Status
	Payload  []byte
}

// Pending lists the deliveries not yet made, oldest first.
func (d *DB) Pending(ctx context.Context) ([]Delivery, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT d.alert_id, d.channel, d.attempts, a.at, a.status, a.payload
		FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE d.state = 'pending' ORDER BY d.alert_id, d.channel`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var dl Delivery
		var at sql.NullString
		var payload string
		if err := rows.Scan(&dl.AlertID, &dl.Channel, &dl.Attempts, &at, &dl.Status, &payload); err != nil {
			return nil, err
		}
		dl.At, dl.Payload = parseTS(at), []byte(payload)
		out = append(out, dl)
	}
	return out, rows.Err()
}

// Delivered records the outcome of one try: err nil is sent; giveUp
// makes a failure final.
func (d *DB) Delivered(ctx context.Context, dl Delivery, at time.Time, err error, giveUp bool) error {
	state, msg, sent := "sent", "", any(ts(at))
	if err != nil {
		state, msg, sent = "pending", err.Error(), nil
		if giveUp {
			state = "failed"
		}
	}
	_, e := d.db.ExecContext(ctx, `UPDATE deliveries SET state = ?, attempts = attempts + 1, last_error = ?, sent = ? WHERE alert_id = ? AND channel = ?`,
		state, msg, sent, dl.AlertID, dl.Channel)
	return e
}
