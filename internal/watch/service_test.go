package watch

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/watch/store"
)

// The service's server bounds what a slow or idle client can hold.
func TestServerTimeouts(t *testing.T) {
	s := newServer(http.NotFoundHandler())
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 {
		t.Errorf("timeouts: read header %s, read %s, write %s, idle %s", s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout)
	}
}

// In service mode, two clients that send requests and never read the
// answers do not keep a third from the dashboard.
func TestServeSlowClients(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	s := &Service{Watcher: &Watcher{DB: db, Config: &Config{}, Parallel: 1}, Now: func() time.Time { return now }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, time.Hour, addr) }()
	defer func() {
		cancel()
		<-done
	}()
	get := func() (int, error) {
		c := &http.Client{Timeout: 5 * time.Second} // a hang detector only
		res, err := c.Get("http://" + addr + "/")
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		io.Copy(io.Discard, res.Body)
		return res.StatusCode, nil
	}
	// Wait for the server.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := get(); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.(*net.TCPConn).SetReadBuffer(1024)
		fmt.Fprint(c, strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 500))
	}
	time.Sleep(200 * time.Millisecond)
	code, err := get()
	if err != nil || code != 200 {
		t.Fatalf("a third client: %d %v", code, err)
	}
}

// The service's log (stderr under systemd, read in a terminal with
// journalctl) shows an alert channel's hostile error escaped.
func TestServiceLogEscaped(t *testing.T) {
	var b strings.Builder
	s := &Service{Log: &b}
	s.logRound(&Round{Report: &Report{}, Deliveries: []Delivery{{Target: "t", Channel: "log", Error: "\x1b[2J\u202E broken\u009b"}}})
	if strings.ContainsAny(b.String(), "\x1b\u202E\u009b") || !strings.Contains(b.String(), `\x1b[2J\u202E broken\u009B`) {
		t.Errorf("log: %q", b.String())
	}
}

// syncBuffer is a log both the rounds and the pruning write to.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// In service mode the watch list's retention is applied after the first
// round, then at most once a day, in the background: rounds go on while
// it runs.
func TestServeAppliesRetention(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	// 30 days of hourly identical checks, ending 10 days ago.
	tg, err := db.SyncTargets(ctx, []store.TargetSpec{{Name: "old", Location: "https://example.org/canary.txt"}}, now.Add(-40*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var recs []*store.Record
	for at := now.Add(-40 * 24 * time.Hour); at.Before(now.Add(-10 * 24 * time.Hour)); at = at.Add(time.Hour) {
		recs = append(recs, &store.Record{TargetID: tg[0].ID, At: at, Summary: "OK: fine", KeepValidators: true})
	}
	if err := db.Save(ctx, recs); err != nil {
		t.Fatal(err)
	}
	checks := func() int64 {
		c, err := db.Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int64(c.Checks)
	}
	if n := checks(); n != 720 {
		t.Fatalf("%d checks to start with", n)
	}

	var clock atomic.Int64
	clock.Store(now.Unix())
	log := &syncBuffer{}
	s := &Service{Watcher: &Watcher{DB: db, Config: &Config{Retention: Retention{Checks: 7 * 24 * time.Hour}}, Parallel: 1},
		Now: func() time.Time { return time.Unix(clock.Load(), 0).UTC() }, Log: log}
	rounds := func() int { return strings.Count(log.String(), " targets (") }

	// A retention that takes long does not hold up the rounds, and is
	// not started again while it runs, nor within the day.
	var calls atomic.Int32
	release := make(chan struct{})
	s.prune = func(ctx context.Context, r store.Retention, at time.Time) (store.PruneStats, error) {
		if calls.Add(1) == 1 {
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		return db.Prune(ctx, r, at)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Serve(sctx, 20*time.Millisecond, "") }()
	waitFor(t, "rounds while the retention runs", func() bool { return rounds() >= 4 })
	if n := calls.Load(); n != 1 {
		t.Fatalf("retention started %d times while it ran", n)
	}
	close(release)
	waitFor(t, "the retention", func() bool { return strings.Contains(log.String(), "canary watch: retention: removed ") })
	if n := checks(); n != 31 {
		t.Errorf("%d checks after the retention, want one a day (31 days, from noon to noon)", n)
	}
	r0 := rounds()
	waitFor(t, "more rounds", func() bool { return rounds() >= r0+3 })
	if n := calls.Load(); n != 1 {
		t.Fatalf("retention started %d times within the day", n)
	}
	// A day later, again.
	clock.Add(int64(25 * time.Hour / time.Second))
	waitFor(t, "the next day's retention", func() bool { return calls.Load() == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if problems, err := db.Check(ctx); err != nil || len(problems) > 0 {
		t.Fatalf("check after the retention: %v %v", problems, err)
	}

	// No retention in the watch list: none applied.
	s2 := &Service{Watcher: &Watcher{DB: db, Config: &Config{}, Parallel: 1}, Now: s.Now, Log: &syncBuffer{}}
	s2.prune = func(context.Context, store.Retention, time.Time) (store.PruneStats, error) {
		t.Error("retention applied without retention in the watch list")
		return store.PruneStats{}, nil
	}
	sctx, cancel = context.WithCancel(ctx)
	go func() { done <- s2.Serve(sctx, 20*time.Millisecond, "") }()
	waitFor(t, "rounds", func() bool { return strings.Count(s2.Log.(*syncBuffer).String(), " targets (") >= 2 })
	cancel()
	<-done
}
