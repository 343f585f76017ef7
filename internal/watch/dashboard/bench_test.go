package dashboard

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// BenchmarkWrite writes the dashboard of 1,000 targets with three
// canaries and a few events each, the second time over the first (the
// archive is there already), as every round of a service does:
//
//	go test ./internal/watch/dashboard -run '^$' -bench Write -benchtime 3x
func BenchmarkWrite(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "w.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	specs := make([]store.TargetSpec, 1000)
	for i := range specs {
		specs[i] = store.TargetSpec{Name: fmt.Sprintf("t%04d", i), Location: fmt.Sprintf("https://h%d.example/canary.txt", i)}
	}
	ids, err := db.SyncTargets(ctx, specs, t0)
	if err != nil {
		b.Fatal(err)
	}
	for k := range 3 {
		var recs []*store.Record
		when := t0.Add(time.Duration(k) * 30 * day)
		for _, id := range ids {
			body := fmt.Appendf(nil, "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\ncanary %s %d\n%2000s\n-----BEGIN PGP SIGNATURE-----\n\nx\n-----END PGP SIGNATURE-----\n", id.ID, k, "")
			recs = append(recs, &store.Record{TargetID: id.ID, At: when, Status: verdict.OK, HardStatus: verdict.OK, Summary: "ok",
				Canary: &store.Canary{Body: body, Digest: fmt.Sprint(k), Kind: "free-text", Issued: when, Expires: when.Add(37 * day), Status: verdict.OK, Good: true, Source: "x", Signers: []string{"FPR"}},
				Events: []store.Event{{Type: "renewed", Status: verdict.OK, Message: "renewed"}}})
		}
		if err := db.Save(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	out := filepath.Join(dir, "dash")
	if err := Write(ctx, db, out, t0.Add(90*day)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := Write(ctx, db, out, t0.Add(91*day)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/1000, "ms/target")
}
