package watch

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/fetch"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/watch/alert"
	"github.com/canarykit/canarykit/internal/watch/store"
	"github.com/canarykit/canarykit/verify"
)

// TestNewTargetDownRaisesOneAlert: a target that cannot be reached from
// its very first check raises nothing while the failure is soft (a site
// being down is not news), and one problem alert when it escalates.
func TestNewTargetDownRaisesOneAlert(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ln, err := net.Listen("tcp", "127.0.201.10:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusNotImplemented) // not retried: keeps the test fast
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	cfg := &Config{Alerts: Alerts{Reminder: 24 * time.Hour}, Targets: []Target{{Name: "new", URL: fmt.Sprintf("http://%s/canary.txt", ln.Addr()),
		Threshold: 1, MaxAge: 30 * 24 * time.Hour, WarnBefore: DefaultWarnBefore,
		Timeout: 5 * time.Second, MaxBytes: DefaultMaxBytes, UnreachableAfter: 2, UnreachableFor: time.Hour}}}
	cfg.Targets[0].Keys = []string{writeKey(t, dir)}
	db, err := store.Open(context.Background(), filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ch := &alert.Command{ChannelName: "c", Run: []string{"true"}, Timeout: 5 * time.Second}
	w := &Watcher{DB: db, Config: cfg, Parallel: 1, Channels: []string{"c"},
		FetchOptions: fetch.Options{PerHostInterval: time.Millisecond}}
	var got [][]string
	for _, at := range []time.Time{now, now.Add(time.Hour), now.Add(2 * time.Hour)} {
		rep, err := w.Run(context.Background(), at, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v := rep.Targets[0]; v.Status != verify.Unknown {
			t.Fatalf("%s: %s: %s", at, v.Status, v.Summary)
		}
		got = append(got, sendKinds(t, w, ch, at))
	}
	if len(got[0]) != 0 || len(got[1]) != 1 || got[1][0] != "problem" || len(got[2]) != 0 {
		t.Fatalf("alerts per run: %q; want none for the soft failure, one problem when it escalates, then none", got)
	}
}

// writeKey writes a public key to dir and returns its file.
func writeKey(t *testing.T, dir string) string {
	t.Helper()
	_, public, _, err := keys.GenerateKey("T <t@example.org>", nil, 0, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "k.pub.asc")
	if err := os.WriteFile(f, public, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}
