package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/watch/store/storetest"
)

// BenchmarkHistoryYear runs canary history TARGET, in process (opening
// the database included), on a database holding a year of hourly checks
// for 1,000 targets (8.76 million check rows). The goal (issue 18): under
// 100 ms. The database is generated once and kept in $TMPDIR
// (storetest.YearDB):
//
//	go test ./cmd/canary -run '^$' -bench HistoryYear -benchtime 20x
func BenchmarkHistoryYear(b *testing.B) {
	path := storetest.YearDB(b, 1000)
	var out, errb bytes.Buffer
	ios := &streams{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(string) string { return "" }, Now: time.Now}
	b.ResetTimer()
	for range b.N {
		out.Reset()
		if code := run([]string{"history", "--db", path, storetest.YearTarget(500)}, ios); code != 0 || !strings.Contains(out.String(), "canary serial 13") {
			b.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/op")
}
