package store

import (
	"path/filepath"
	"strings"
	"testing"
)

// queryPlan is SQLite's EXPLAIN QUERY PLAN of q, a line per step.
func queryPlan(t *testing.T, db *DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestQueriesUseIndexes: the queries that run once per target of a run,
// or that read one target of a long history, search an index. A scan
// costs nothing in a test and minutes at 100,000 targets (bench/RESULTS.md),
// so the plan is checked rather than the time.
func TestQueriesUseIndexes(t *testing.T) {
	db, err := Open(ctx, filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		name, q string
		args    []any
	}{
		{"retired target", retiredTarget, []any{"a", "https://a.example/"}},
		{"a target's canaries", targetCanaries, []any{"a"}},
		{"a target's events", targetEvents, []any{"a"}},
		{"a target's checks", targetChecks, []any{"a", 10}},
	} {
		plan := queryPlan(t, db, tc.q, tc.args...)
		if strings.Contains(plan, "SCAN ") || !strings.Contains(plan, "USING INDEX") && !strings.Contains(plan, "USING COVERING INDEX") {
			t.Errorf("%s: the plan scans a table:\n%s", tc.name, plan)
		}
	}
}
