// Package watch is the watchdog: it checks every canary in a watch list,
// compares each verdict with the history (package store) to find what
// changed, records everything, and decides what to alert. A site being
// down is never reported as a dead canary, and a failed alert is retried.
package watch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/canarykit/canarykit/internal/fetch"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/alert"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// A Watcher checks the targets of a watch list.
type Watcher struct {
	DB     *store.DB
	Config *Config
	// Parallel bounds the hosts checked at once; targets on one host are
	// checked one after the other, and fetch spaces their requests.
	Parallel int
	// FetchOptions are the base for every Fetcher (UserAgent, RootCAs);
	// each target's proxy, timeout and size limit are set on top.
	FetchOptions fetch.Options
	// Channels are the alert channels' names; alerts are queued for them.
	Channels []string
	// Progress, if set, is told how far a run has got.
	Progress func(done, total int)

	mu       sync.Mutex
	keyCache map[string]*keySet
	fetchers map[fetcherKey]*fetch.Fetcher
}

// A Report is the outcome of one run.
type Report struct {
	At       time.Time      `json:"at"`
	Status   verdict.Status `json:"status"`
	Targets  []*Verdict     `json:"targets"`
	Duration time.Duration  `json:"-"`
}

// Worst is the overall status: the most severe of the targets'.
func (r *Report) worst() verdict.Status {
	s := verdict.OK
	for _, v := range r.Targets {
		s = verdict.Worse(s, v.Status)
	}
	return s
}

// saveBatch and saveEvery bound how long results wait to be written: a
// transaction per check would cost a disk sync each, and 10,000 of them
// would take minutes.
const (
	saveBatch = 200
	saveEvery = 200 * time.Millisecond
)

// Run checks targets (every target of the watch list when nil) as of at,
// and records the outcome. It returns an error only when history could
// not be written: a verdict that is not recorded must not be reported as
// if it were. When ctx is cancelled, checks under way finish being
// recorded and the report holds the targets done.
func (w *Watcher) Run(ctx context.Context, at time.Time, only []string) (*Report, error) {
	start := time.Now()
	w.mu.Lock()
	// Keys are resolved once per run, so that a key updated in its WKD
	// or file is picked up by the next run of a service.
	w.keyCache = map[string]*keySet{}
	if w.fetchers == nil {
		w.fetchers = map[fetcherKey]*fetch.Fetcher{}
	}
	w.mu.Unlock()

	targets := w.Config.Targets
	if len(only) > 0 {
		targets = nil
		for _, t := range w.Config.Targets {
			if slices.Contains(only, t.Name) {
				targets = append(targets, t)
			}
		}
		for _, n := range only {
			if !slices.ContainsFunc(targets, func(t Target) bool { return t.Name == n }) {
				return nil, fmt.Errorf("no target %q in the watch list", n)
			}
		}
	}
	targets, of := vantages(targets)
	specs := make([]store.TargetSpec, len(targets))
	for i, t := range targets {
		specs[i] = store.TargetSpec{Name: t.Name, Location: t.Location()}
	}
	ids, err := w.DB.SyncTargets(ctx, specs, at)
	if err != nil {
		return nil, fmt.Errorf("cannot record the targets: %v", err)
	}

	// Group by host: one worker per host, so that one slow or polite host
	// never holds up the others.
	var groups [][]int
	byHost := map[string]int{}
	for i, t := range targets {
		h := hostOf(&t)
		g, ok := byHost[h]
		if !ok || h == "" {
			g = len(groups)
			byHost[h] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}

	verdicts := make([]*Verdict, len(targets))
	recs := make(chan *store.Record, saveBatch)
	saved := make(chan error, 1)
	go func() { saved <- w.writer(recs) }()

	work := make(chan []int)
	var wg sync.WaitGroup
	var done int
	var doneMu sync.Mutex
	var stateErr error
	for range max(w.Parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range work {
				for len(g) > 0 {
					if ctx.Err() != nil {
						break
					}
					// The vantage points of one target are read
					// one after the other, then compared.
					n := 1
					for of != nil && n < len(g) && of[g[n]] == of[g[0]] {
						n++
					}
					unit := g[:n]
					g = g[n:]
					var ps []*pending
					var at1 []int
					for _, i := range unit {
						st, err := w.DB.State(context.WithoutCancel(ctx), ids[i].ID)
						if err != nil {
							doneMu.Lock()
							stateErr = err
							doneMu.Unlock()
							continue
						}
						if p := w.read1(ctx, &targets[i], ids[i], st, at); p != nil {
							ps = append(ps, p)
							at1 = append(at1, i)
						}
					}
					splitViews(ps)
					for k, p := range ps {
						i := at1[k]
						v, rec := w.conclude(ctx, p, at)
						// The same backing array: Save fills in the events' IDs.
						v.Events = rec.Events
						if v.Events == nil {
							v.Events = []store.Event{}
						}
						verdicts[i] = v
						recs <- rec
						doneMu.Lock()
						done++
						if w.Progress != nil {
							w.Progress(done, len(targets))
						}
						doneMu.Unlock()
					}
				}
			}
		}()
	}
feed:
	for _, g := range groups {
		select {
		case work <- g:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(recs)
	if err := <-saved; err != nil {
		return nil, err
	}
	if stateErr != nil {
		return nil, stateErr
	}
	rep := &Report{At: at, Duration: time.Since(start)}
	for _, v := range verdicts {
		if v != nil {
			rep.Targets = append(rep.Targets, v)
		}
	}
	rep.Status = rep.worst()
	return rep, nil
}

// writer saves records in batches until recs is closed. After a failed
// save it keeps draining, so that the checkers never block, and returns
// the first error.
func (w *Watcher) writer(recs <-chan *store.Record) error {
	var batch []*store.Record
	var first error
	flush := func() {
		if len(batch) == 0 {
			return
		}
		// Not cancellable: a batch that was checked is written whole,
		// even while the service is stopping.
		if err := w.DB.Save(context.Background(), batch); err != nil && first == nil {
			first = err
		}
		batch = batch[:0]
	}
	tick := time.NewTicker(saveEvery)
	defer tick.Stop()
	for {
		select {
		case r, ok := <-recs:
			if !ok {
				flush()
				return first
			}
			batch = append(batch, r)
			if len(batch) >= saveBatch {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// vantages makes one target of each vantage point of a target with via,
// named "NAME via VANTAGE", each with its own history: a vantage point
// that cannot read the canary is judged by the rules for an unreachable
// target, on its own. of maps each target made to the one it was made
// of; it is nil, and ts is returned as it is, when no target has via.
func vantages(ts []Target) (out []Target, of []int) {
	if !slices.ContainsFunc(ts, func(t Target) bool { return len(t.Via) > 0 }) {
		return ts, nil
	}
	for i, t := range ts {
		if len(t.Via) == 0 {
			out, of = append(out, t), append(of, i)
			continue
		}
		for _, via := range t.Via {
			u := t
			u.Via, u.Vantage = nil, vantageLabel(via)
			u.Name = t.Name + " via " + u.Vantage
			u.Proxy, u.Direct = via, via == "direct"
			if u.Direct {
				u.Proxy = ""
			}
			out, of = append(out, u), append(of, i)
		}
	}
	return out, of
}

func hostOf(t *Target) string {
	if t.File != "" {
		return ""
	}
	u, err := url.Parse(t.URL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// alert decides whether this check raises an alert: when the status
// reported changes, when something new happens at the same status (a
// statement removed from a canary that had already expired), and as a
// reminder of a problem that lasts. A soft failure changes nothing.
func (w *Watcher) alert(t *Target, st *store.State, v *Verdict, rec *store.Record) {
	if len(w.Channels) == 0 {
		return
	}
	now := rec.HardStatus
	var news []store.Event
	for _, e := range rec.Events {
		if e.Status != verdict.OK {
			news = append(news, e)
		}
	}
	kind := ""
	switch {
	case st.Alerted == nil:
		if now != verdict.OK || len(news) > 0 {
			kind = "problem"
		}
	case *st.Alerted != now:
		kind = "problem"
		if now == verdict.OK {
			kind = "resolved"
		}
	case len(news) > 0:
		kind = "news"
	case now != verdict.OK && w.Config.Alerts.Reminder > 0 && rec.At.Sub(st.AlertedSent) >= w.Config.Alerts.Reminder:
		kind = "reminder"
	}
	if kind == "" {
		return
	}
	m := &alert.Message{Kind: kind, Target: t.Name, TargetID: rec.TargetID, Location: t.Location(), Status: now,
		Previous: st.Alerted, Summary: v.Summary, At: rec.At, Events: []alert.Event{}}
	if rec.Soft {
		m.Summary = fmt.Sprintf("%s (last check could not read the canary: %s)", now, v.Summary)
	}
	for _, e := range rec.Events {
		m.Events = append(m.Events, alert.Event{Type: e.Type, Status: e.Status, Message: e.Message})
	}
	payload, _ := json.Marshal(m)
	rec.Alert = &store.Alert{Kind: kind, Status: now, Payload: payload, Channels: w.Channels, Alerted: now}
}

// maxAttempts and maxAge bound the retries of an alert that cannot be
// delivered: past them, it is marked failed and reported.
const (
	maxAttempts = 50
	maxAlertAge = 7 * 24 * time.Hour
)

// A Delivery is the outcome of sending one alert on one channel.
type Delivery struct {
	Channel string `json:"channel"`
	Target  string `json:"target"`
	Kind    string `json:"kind"`
	Error   string `json:"error,omitempty"`
	GaveUp  bool   `json:"gave_up,omitempty"`
}

// SendAlerts sends every pending alert, including those a crash or a
// failure left from earlier runs, and records each outcome.
func (w *Watcher) SendAlerts(ctx context.Context, channels []alert.Channel, now time.Time) ([]Delivery, error) {
	pending, err := w.DB.Pending(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read the alerts to send: %v", err)
	}
	byName := map[string]alert.Channel{}
	for _, c := range channels {
		byName[c.Name()] = c
	}
	var out []Delivery
	for _, p := range pending {
		var m alert.Message
		if err := json.Unmarshal(p.Payload, &m); err != nil {
			return out, fmt.Errorf("alert %d is damaged: %v", p.AlertID, err)
		}
		d := Delivery{Channel: p.Channel, Target: m.Target, Kind: m.Kind}
		c := byName[p.Channel]
		var serr error
		if c == nil {
			serr = fmt.Errorf("channel %q is no longer in the watch list", p.Channel)
		} else {
			serr = c.Send(ctx, &m, p.Payload)
		}
		giveUp := serr != nil && (c == nil || p.Attempts+1 >= maxAttempts || now.Sub(p.At) > maxAlertAge)
		if serr != nil {
			d.Error, d.GaveUp = serr.Error(), giveUp
		}
		if err := w.DB.Delivered(context.WithoutCancel(ctx), p, now, serr, giveUp); err != nil {
			return out, err
		}
		out = append(out, d)
		if errors.Is(ctx.Err(), context.Canceled) {
			break
		}
	}
	return out, nil
}
