package watch

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/fetch"
	signing "github.com/canarykit/canarykit/internal/signer"
	"github.com/canarykit/canarykit/internal/socks5test"
	"github.com/canarykit/canarykit/internal/watch/alert"
	"github.com/canarykit/canarykit/internal/watch/store"
	"github.com/canarykit/canarykit/verify"
)

// viaWorld is one publisher's key and two loopback servers that serve
// different canaries, both genuinely signed with that key.
type viaWorld struct {
	dir, key string
	a, b     string // the servers' addresses
	now      time.Time
}

func newViaWorld(t *testing.T) *viaWorld {
	t.Helper()
	dir := t.TempDir()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	key, signer := newSigner(t, dir, now)
	w := &viaWorld{dir: dir, key: key, now: now}
	for i, text := range []string{"We have received no warrants.\n", "We have received no warrants. Really.\n"} {
		signed, err := signing.Sign([]byte(text), []*signing.Signer{signer}, now)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Type", "text/plain")
			rw.Write(signed)
		})}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		if i == 0 {
			w.a = ln.Addr().String()
		} else {
			w.b = ln.Addr().String()
		}
	}
	return w
}

// run checks one target, http://canary.test/canary.txt (a name only the
// proxies know), through two SOCKS5 proxies that route it to the
// addresses given ("" refuses it), and a target without via read
// directly, once per time in ats. It returns the reports and the kinds
// of the alerts sent after each run.
func (vw *viaWorld) run(t *testing.T, route1, route2 string, ats ...time.Time) ([]*Report, [][]string) {
	t.Helper()
	p1 := socks5test.Start(t, socks5test.Table(map[string]string{"canary.test:80": route1}))
	p2 := socks5test.Start(t, socks5test.Table(map[string]string{"canary.test:80": route2}))
	base := Target{Keys: []string{vw.key}, Threshold: 1, MaxAge: 30 * 24 * time.Hour, WarnBefore: DefaultWarnBefore,
		Timeout: 5 * time.Second, MaxBytes: DefaultMaxBytes, UnreachableAfter: 3, UnreachableFor: 6 * time.Hour}
	split, plain := base, base
	split.Name, split.URL, split.Via = "pub", "http://canary.test/canary.txt", []string{p1.URL(), p2.URL()}
	plain.Name, plain.URL = "plain", "http://"+vw.a+"/canary.txt"
	cfg := &Config{Alerts: Alerts{Reminder: 24 * time.Hour}, Targets: []Target{plain, split}}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ch := &alert.Command{ChannelName: "c", Run: []string{"true"}, Timeout: 5 * time.Second}
	w := &Watcher{DB: db, Config: cfg, Parallel: 2, Channels: []string{"c"}, FetchOptions: fetch.Options{PerHostInterval: time.Millisecond}}
	var reps []*Report
	var kinds [][]string
	for _, at := range ats {
		rep, err := w.Run(context.Background(), at, nil)
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
		kinds = append(kinds, sendKinds(t, w, ch, at))
	}
	return reps, kinds
}

func verdictsByName(t *testing.T, rep *Report) map[string]*Verdict {
	t.Helper()
	m := map[string]*Verdict{}
	for _, v := range rep.Targets {
		m[v.Name] = v
	}
	if len(m) != 3 || m["plain"] == nil {
		t.Fatalf("targets %v; want plain and one per vantage point of pub", m)
	}
	return m
}

func eventsOf(v *Verdict, typ string) []store.Event {
	var out []store.Event
	for _, e := range v.Events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// TestSplitView: two proxies that show different genuinely signed
// canaries of one target are a CRITICAL split-view event at each vantage
// point, naming both canaries and both vantage points, once.
func TestSplitView(t *testing.T) {
	vw := newViaWorld(t)
	reps, alerts := vw.run(t, vw.a, vw.b, vw.now, vw.now.Add(time.Hour))
	m := verdictsByName(t, reps[0])
	if v := m["plain"]; v.Status != verify.OK || v.Via != "" {
		t.Fatalf("plain: %s via %q: %s", v.Status, v.Via, v.Summary)
	}
	var vs []*Verdict
	for name, v := range m {
		if name != "plain" {
			if !strings.HasPrefix(name, "pub via socks5://127.0.0.1:") || !strings.HasSuffix(name, v.Via) {
				t.Fatalf("vantage target named %q (via %q)", name, v.Via)
			}
			vs = append(vs, v)
		}
	}
	da, db := vs[0].Result.Digest, vs[1].Result.Digest
	if da == "" || da == db {
		t.Fatalf("digests %q and %q: the servers must serve different canaries", da, db)
	}
	for _, v := range vs {
		ev := eventsOf(v, "split-view")
		if v.Status != verify.Critical || len(ev) != 1 || ev[0].Status != verify.Critical {
			t.Fatalf("%s: %s, events %+v; want CRITICAL with one split-view event", v.Name, v.Status, v.Events)
		}
		for _, want := range []string{da, db, vs[0].Via, vs[1].Via} {
			if !strings.Contains(ev[0].Message, want) || !strings.Contains(string(ev[0].Details), want) {
				t.Fatalf("%s: split-view event %q (details %s) does not name %s", v.Name, ev[0].Message, ev[0].Details, want)
			}
		}
		if len(eventsOf(v, "invalid")) != 0 {
			t.Fatalf("%s: a split view is not also an invalid canary: %+v", v.Name, v.Events)
		}
	}
	if len(alerts[0]) != 2 {
		t.Fatalf("alerts after the first run: %q; want a problem for each vantage point", alerts[0])
	}
	// The same split an hour later: still CRITICAL, and no news.
	for name, v := range verdictsByName(t, reps[1]) {
		if name != "plain" && (v.Status != verify.Critical || len(eventsOf(v, "split-view")) != 0) {
			t.Fatalf("second run: %s: %s, events %+v", name, v.Status, v.Events)
		}
	}
	if len(alerts[1]) != 0 {
		t.Fatalf("alerts after the second run: %q; want none", alerts[1])
	}
}

// TestSameViewOK: the same canary through both vantage points is OK.
func TestSameViewOK(t *testing.T) {
	vw := newViaWorld(t)
	reps, alerts := vw.run(t, vw.a, vw.a, vw.now)
	for name, v := range verdictsByName(t, reps[0]) {
		if v.Status != verify.OK || len(eventsOf(v, "split-view")) != 0 {
			t.Fatalf("%s: %s: %s, events %+v", name, v.Status, v.Summary, v.Events)
		}
	}
	if len(alerts[0]) != 0 {
		t.Fatalf("alerts: %q", alerts[0])
	}
}

// TestOneVantageDown: a vantage point that cannot reach the target is
// UNKNOWN (a soft failure at first) for that vantage point only: never a
// split view, and no alert on the first run.
func TestOneVantageDown(t *testing.T) {
	vw := newViaWorld(t)
	reps, alerts := vw.run(t, vw.a, "", vw.now)
	m := verdictsByName(t, reps[0])
	var up, down *Verdict
	for name, v := range m {
		if name == "plain" {
			continue
		}
		if len(eventsOf(v, "split-view")) != 0 {
			t.Fatalf("%s: split-view with one vantage point down: %+v", name, v.Events)
		}
		if v.Status == verify.Unknown {
			down = v
		} else {
			up = v
		}
	}
	if up == nil || down == nil || up.Status != verify.OK || !down.Soft {
		t.Fatalf("verdicts %+v; want one vantage point OK and the other UNKNOWN, soft", m)
	}
	if len(alerts[0]) != 0 {
		t.Fatalf("alerts on the first run: %q; want none", alerts[0])
	}
}
