package dashboard

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/watch/store"
	"github.com/canarykit/canarykit/internal/watch/store/storetest"
)

// BenchmarkTargetPageYear serves the page of one target of a database
// holding a year of hourly checks for 1,000 targets (8.76 million check
// rows), as canary dashboard --serve does for every request. The goal
// (issue 18): under 100 ms. The database is generated once and kept in
// $TMPDIR (storetest.YearDB):
//
//	go test ./internal/watch/dashboard -run '^$' -bench TargetPageYear -benchtime 20x
func BenchmarkTargetPageYear(b *testing.B) {
	ctx := context.Background()
	db, err := store.OpenReadOnly(ctx, storetest.YearDB(b, 1000))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	t, err := db.FindTarget(ctx, storetest.YearTarget(500))
	if err != nil {
		b.Fatal(err)
	}
	at := storetest.YearStart.Add(365 * 24 * time.Hour)
	b.ResetTimer()
	for range b.N {
		body, _, err := serve(ctx, db, "/targets/"+t.ID+".html", at)
		if err != nil || !bytes.Contains(body, []byte(storetest.YearTarget(500))) {
			b.Fatalf("page of %d bytes, %v", len(body), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/page")
}
