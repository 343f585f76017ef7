package watch

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/fetch"
	pgpkeys "github.com/canarykit/canarykit/internal/keys"
	signing "github.com/canarykit/canarykit/internal/signer"
	"github.com/canarykit/canarykit/internal/watch/alert"
	"github.com/canarykit/canarykit/internal/watch/store"
	"github.com/canarykit/canarykit/verify"
)

// TestRun runs a watcher over 20 targets on 10 hosts, with some of them
// down, twice: concurrency (run it with -race), soft failures, and alerts
// queued and sent.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	_, signer := newSigner(t, dir, now)
	signed, err := signing.Sign([]byte("We have received no warrants.\n"), []*signing.Signer{signer}, now)
	if err != nil {
		t.Fatal(err)
	}
	var down atomic.Bool
	cfg := &Config{Alerts: Alerts{Reminder: time.Hour}}
	for h := range 10 {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.200.%d:0", 10+h))
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if h < 2 && down.Load() {
				http.Error(w, "down", http.StatusNotImplemented) // not retried: keeps the test fast
				return
			}
			if !strings.HasSuffix(r.URL.Path, ".txt") {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			w.Write(signed)
		})}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		for i := range 2 {
			cfg.Targets = append(cfg.Targets, Target{Name: fmt.Sprintf("h%d-%d", h, i), URL: fmt.Sprintf("http://%s/%d.txt", ln.Addr(), i),
				Keys: []string{filepath.Join(dir, "k.pub.asc")}, Threshold: 1, MaxAge: 30 * 24 * time.Hour, WarnBefore: DefaultWarnBefore,
				Timeout: 5 * time.Second, MaxBytes: DefaultMaxBytes, UnreachableAfter: 2, UnreachableFor: time.Hour})
		}
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got []string
	ch := &alert.Command{ChannelName: "c", Run: []string{"true"}, Timeout: 5 * time.Second}
	w := &Watcher{DB: db, Config: cfg, Parallel: 4, Channels: []string{"c"}, Progress: func(done, total int) {},
		// The test asks each host three times in a few seconds.
		FetchOptions: fetch.Options{PerHostInterval: time.Millisecond}}
	rep, err := w.Run(context.Background(), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != verify.OK || len(rep.Targets) != 20 {
		t.Fatalf("first run: %s, %d targets", rep.Status, len(rep.Targets))
	}
	for _, v := range rep.Targets {
		if len(v.Events) != 1 || v.Events[0].Type != "new-canary" || v.Events[0].ID == 0 {
			t.Fatalf("%s: events %+v", v.Name, v.Events)
		}
	}
	down.Store(true)
	for i, at := range []time.Time{now.Add(time.Hour), now.Add(3 * time.Hour)} {
		rep, err = w.Run(context.Background(), at, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range rep.Targets {
			failing := strings.HasPrefix(v.Name, "h0-") || strings.HasPrefix(v.Name, "h1-")
			switch {
			case !failing && v.Status != verify.OK:
				t.Fatalf("run %d: %s is %s: %s", i+2, v.Name, v.Status, v.Summary)
			case failing && (v.Status != verify.Unknown || v.Soft != (i == 0)):
				t.Fatalf("run %d: %s is %s (soft %v): %s", i+2, v.Name, v.Status, v.Soft, v.Summary)
			case failing && i == 1 && (len(v.Events) != 1 || v.Events[0].Type != "unreachable"):
				t.Fatalf("run 3: %s events %+v", v.Name, v.Events)
			}
		}
		d, err := w.SendAlerts(context.Background(), []alert.Channel{ch}, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range d {
			got = append(got, fmt.Sprintf("%s %s %s", x.Kind, x.Target, x.Error))
		}
	}
	// No alert for the soft failures of run 2; one per failing target in
	// run 3, delivered.
	if len(got) != 4 {
		t.Fatalf("alerts: %q", got)
	}
	for _, a := range got {
		if !strings.HasPrefix(a, "problem h0-") && !strings.HasPrefix(a, "problem h1-") || !strings.HasSuffix(a, " ") {
			t.Fatalf("alerts: %q", got)
		}
	}
}

// newSigner makes a publisher's key, valid from an hour before now, and
// writes it to dir/k.pub.asc (and the secret key to dir/k.sec.asc).
func newSigner(t *testing.T, dir string, now time.Time) (pub string, signer *signing.Signer) {
	t.Helper()
	secret, public, _, err := pgpkeys.GenerateKey("T <t@example.org>", nil, 0, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	pub = filepath.Join(dir, "k.pub.asc")
	if err := os.WriteFile(filepath.Join(dir, "k.sec.asc"), secret, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, public, 0o644); err != nil {
		t.Fatal(err)
	}
	signer, err = signing.ReadSigner(filepath.Join(dir, "k.sec.asc"))
	if err != nil {
		t.Fatal(err)
	}
	return pub, signer
}

// sendKinds sends the alerts queued at at through ch and returns the
// kind of each sent.
func sendKinds(t *testing.T, w *Watcher, ch alert.Channel, at time.Time) []string {
	t.Helper()
	d, err := w.SendAlerts(context.Background(), []alert.Channel{ch}, at)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, x := range d {
		kinds = append(kinds, x.Kind)
	}
	return kinds
}
