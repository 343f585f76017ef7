package store_test

import (
	"context"
	"math"
	"testing"

	"github.com/canarykit/canarykit/internal/watch/store"
	"github.com/canarykit/canarykit/internal/watch/store/storetest"
)

// BenchmarkHistoryYear makes the queries canary history TARGET makes
// (opening the database included) on a database holding a year of hourly
// checks for 1,000 targets (8.76 million check rows). The goal (issue
// 18): under 100 ms. It lives here, not beside the command, because the
// queries are what grows with the history; the rendering does not. The
// database is generated once and kept in $TMPDIR (storetest.YearDB):
//
//	go test ./internal/watch/store -run '^$' -bench HistoryYear -benchtime 20x
func BenchmarkHistoryYear(b *testing.B) {
	ctx := context.Background()
	path := storetest.YearDB(b, 1000)
	b.ResetTimer()
	for range b.N {
		db, err := store.OpenReadOnly(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		t, err := db.FindTarget(ctx, storetest.YearTarget(500))
		if err != nil {
			b.Fatal(err)
		}
		canaries, err := db.Canaries(ctx, t.ID)
		if err != nil || len(canaries) == 0 {
			b.Fatalf("%d canaries, %v", len(canaries), err)
		}
		if _, err := db.Events(ctx, t.ID, 0); err != nil {
			b.Fatal(err)
		}
		checks, err := db.Checks(ctx, t.ID, math.MaxInt32)
		if err != nil || len(checks) < 8000 {
			b.Fatalf("%d checks, %v", len(checks), err)
		}
		db.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/op")
}
