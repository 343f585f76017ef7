package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/watch/alert"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// fakeChannel records what it is sent, and fails while fail is set.
type fakeChannel struct {
	name string
	mu   sync.Mutex
	fail bool
	got  []*alert.Message
}

func (c *fakeChannel) Name() string { return c.name }

func (c *fakeChannel) Send(ctx context.Context, m *alert.Message, payload []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return errors.New("550 the mailbox is full")
	}
	c.got = append(c.got, m)
	return nil
}

func (c *fakeChannel) sent() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

// A heartbeat goes through every channel once per alerts.heartbeat; the
// time of the last one is kept in the history, so that the next process
// (a run from cron) knows it; one that fails is the watchdog's own
// failure (the delivery-failure metric) and is tried again next round.
func TestHeartbeats(t *testing.T) {
	dir := t.TempDir()
	dbPath, prom := filepath.Join(dir, "w.db"), filepath.Join(dir, "canary.prom")
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	a, b := &fakeChannel{name: "a"}, &fakeChannel{name: "b", fail: true}
	cfg := &Config{Alerts: Alerts{Heartbeat: 7 * 24 * time.Hour}}
	round := func(at time.Time) *Round {
		t.Helper()
		// A new process each time, as from cron.
		db, err := store.Open(context.Background(), dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		s := &Service{Watcher: &Watcher{DB: db, Config: cfg, Parallel: 1, Channels: []string{"a", "b"}},
			Channels: []alert.Channel{a, b}, Now: func() time.Time { return at }, MetricsFile: prom}
		r, err := s.Round(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	beats := func(r *Round) (ok, failed []string) {
		for _, d := range r.Heartbeats {
			if d.Kind != "heartbeat" {
				t.Errorf("delivery %+v", d)
			}
			if d.Error != "" {
				failed = append(failed, d.Channel)
			} else {
				ok = append(ok, d.Channel)
			}
		}
		return ok, failed
	}
	r := round(t0)
	if ok, failed := beats(r); strings.Join(ok, ",") != "a" || strings.Join(failed, ",") != "b" {
		t.Fatalf("first round: delivered %v, failed %v", ok, failed)
	}
	if m := a.got[0]; m.Kind != "heartbeat" || !strings.Contains(m.Summary, "every 1w") || !strings.Contains(m.Text(), "alerts reach you on this channel") {
		t.Errorf("heartbeat %+v", m)
	}
	if b, _ := os.ReadFile(prom); !strings.Contains(string(b), `canary_alert_delivery_failures_total{channel="b"} 1`) {
		t.Errorf("the failed heartbeat is not counted:\n%s", b)
	}
	// An hour later: a is not due; b, which failed, is tried again.
	b.fail = false
	if ok, failed := beats(round(t0.Add(time.Hour))); strings.Join(ok, ",") != "b" || failed != nil {
		t.Fatalf("an hour later: delivered %v, failed %v", ok, failed)
	}
	if ok, failed := beats(round(t0.Add(24 * time.Hour))); ok != nil || failed != nil {
		t.Fatalf("a day later: delivered %v, failed %v", ok, failed)
	}
	// A week after each one was delivered.
	if ok, _ := beats(round(t0.Add(7 * 24 * time.Hour))); strings.Join(ok, ",") != "a" {
		t.Fatalf("a week later: delivered %v", ok)
	}
	if ok, _ := beats(round(t0.Add(7*24*time.Hour + time.Hour))); strings.Join(ok, ",") != "b" {
		t.Fatalf("a week and an hour later: delivered %v", ok)
	}
	if a.sent() != 2 || b.sent() != 2 {
		t.Errorf("sent %d on a, %d on b", a.sent(), b.sent())
	}
	// No heartbeat without alerts.heartbeat.
	cfg.Alerts.Heartbeat = 0
	if r := round(t0.Add(30 * 24 * time.Hour)); len(r.Heartbeats) != 0 {
		t.Errorf("heartbeats without alerts.heartbeat: %+v", r.Heartbeats)
	}
}
