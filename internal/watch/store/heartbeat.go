package store

import (
	"context"
	"database/sql"
	"time"
)

// A Heartbeat is what is known of one alert channel's heartbeats.
type Heartbeat struct {
	Channel   string
	Sent      time.Time // the last one delivered; zero when none was
	Tried     time.Time // the last try
	Failures  int       // tries failed since the last delivered
	LastError string
}

// Heartbeats is every channel's heartbeat state, by channel name.
func (d *DB) Heartbeats(ctx context.Context) (map[string]Heartbeat, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT channel, sent, tried, failures, last_error FROM heartbeats")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Heartbeat{}
	for rows.Next() {
		var h Heartbeat
		var sent, tried sql.NullString
		if err := rows.Scan(&h.Channel, &sent, &tried, &h.Failures, &h.LastError); err != nil {
			return nil, err
		}
		h.Sent, h.Tried = parseTS(sent), parseTS(tried)
		out[h.Channel] = h
	}
	return out, rows.Err()
}

// HeartbeatTried records one try of channel's heartbeat at at: err nil
// is delivered.
func (d *DB) HeartbeatTried(ctx context.Context, channel string, at time.Time, err error) error {
	if err == nil {
		_, e := d.db.ExecContext(ctx, `INSERT INTO heartbeats (channel, sent, tried) VALUES (?1, ?2, ?2)
			ON CONFLICT (channel) DO UPDATE SET sent = ?2, tried = ?2, failures = 0, last_error = ''`, channel, ts(at))
		return e
	}
	_, e := d.db.ExecContext(ctx, `INSERT INTO heartbeats (channel, tried, failures, last_error) VALUES (?1, ?2, 1, ?3)
		ON CONFLICT (channel) DO UPDATE SET tried = ?2, failures = failures + 1, last_error = ?3`, channel, ts(at), err.Error())
	return e
}
