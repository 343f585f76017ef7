package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/canarykit/canarykit/internal/verdict"
)

// An Overview is a target as a dashboard lists it: its reported status,
// its last check and the canary it serves now.
type Overview struct {
	Target
	Status     verdict.Status `json:"status"` // the last reported; UNKNOWN if never checked
	LastCheck  time.Time      `json:"last_check,omitzero"`
	LastChange time.Time      `json:"last_change,omitzero"`
	// Soft says the last check failed but was not reported yet; Summary
	// is what the last check said.
	Soft     bool   `json:"soft,omitempty"`
	Summary  string `json:"summary"`
	Failures int    `json:"failures,omitempty"`
	// Current is the last canary seen, without its body or files.
	Current  *Canary `json:"current,omitempty"`
	Canaries int     `json:"canaries"`
	Events   int     `json:"events"`
}

// Overviews lists every target (or the one whose full ID is targetID) in
// one query, so that a page of ten thousand targets costs one read, not
// ten thousand: active first, then by name.
func (d *DB) Overviews(ctx context.Context, targetID string) ([]Overview, error) {
	// The last check is found through the (target_id, at) index: checks
	// are kept forever, and a scan per target would grow with them.
	q := `SELECT t.id, t.name, t.location, t.created, t.retired, coalesce(s.last_status, 3), s.last_check, s.last_change,
		coalesce(s.failures, 0), coalesce(k.soft, 0), coalesce(k.summary, ''),
		(SELECT count(*) FROM canaries x WHERE x.target_id = t.id), (SELECT count(*) FROM events e WHERE e.target_id = t.id),
		c.id, c.fingerprint, c.digest, c.kind, c.serial, c.issued, c.expires, c.issuer, c.status, c.good, c.source, c.first_seen, c.last_seen
		FROM targets t LEFT JOIN target_state s ON s.target_id = t.id
		LEFT JOIN checks k ON k.id = (SELECT id FROM checks WHERE target_id = t.id ORDER BY at DESC, id DESC LIMIT 1)
		LEFT JOIN canaries c ON c.id = s.last_canary`
	var args []any
	if targetID != "" {
		q += " WHERE t.id = ?"
		args = append(args, targetID)
	}
	rows, err := d.db.QueryContext(ctx, q+" ORDER BY t.retired IS NOT NULL, t.name, t.created", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Overview
	for rows.Next() {
		var o Overview
		var created, retired, lastCheck, lastChange sql.NullString
		var cid, serial, cstatus sql.NullInt64
		var fp, digest, kind, issuer, source sql.NullString
		var issued, expires, first, last sql.NullString
		var good sql.NullBool
		if err := rows.Scan(&o.ID, &o.Name, &o.Location, &created, &retired, &o.Status, &lastCheck, &lastChange,
			&o.Failures, &o.Soft, &o.Summary, &o.Canaries, &o.Events,
			&cid, &fp, &digest, &kind, &serial, &issued, &expires, &issuer, &cstatus, &good, &source, &first, &last); err != nil {
			return nil, err
		}
		o.Created, o.Retired, o.LastCheck, o.LastChange = parseTS(created), parseTS(retired), parseTS(lastCheck), parseTS(lastChange)
		if cid.Valid {
			o.Current = &Canary{ID: cid.Int64, TargetID: o.ID, Fingerprint: fp.String, Digest: digest.String, Kind: kind.String,
				Serial: serial.Int64, Issued: parseTS(issued), Expires: parseTS(expires), Issuer: issuer.String,
				Status: verdict.Status(cstatus.Int64), Good: good.Bool, Source: source.String, FirstSeen: parseTS(first), LastSeen: parseTS(last)}
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// FileKinds lists the kinds of the files stored beside each of a target's
// canaries ("sig", "tsr"), in the order Canary loads them, without their
// data: enough to name them, in one query per target.
func (d *DB) FileKinds(ctx context.Context, targetID string) (map[int64][]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT f.canary_id, f.kind FROM canary_files f JOIN canaries c ON c.id = f.canary_id
		WHERE c.target_id = ? ORDER BY f.canary_id, f.kind, f.seq`, targetID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return nil, err
		}
		out[id] = append(out[id], kind)
	}
	return out, rows.Err()
}
