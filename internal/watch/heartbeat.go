package watch

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/watch/alert"
	"github.com/canarykit/canarykit/verify"
)

// HeartbeatTarget is the Target of a heartbeat message.
const HeartbeatTarget = "canary-watch"

// SendHeartbeats sends a heartbeat (alerts.heartbeat) through each
// channel whose last one was delivered that long ago or more, or never,
// and records each try in the history, so that a run from cron knows as
// well as a service when the last one went out. A heartbeat that fails
// is tried again on the next round; the failure is the watchdog's own
// (Delivery.Error), as for an alert. rep is the round's report, for
// what the heartbeat says.
func (w *Watcher) SendHeartbeats(ctx context.Context, channels []alert.Channel, now time.Time, rep *Report) ([]Delivery, error) {
	every := w.Config.Alerts.Heartbeat
	if every <= 0 || len(channels) == 0 || ctx.Err() != nil {
		return nil, nil
	}
	last, err := w.DB.Heartbeats(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read the heartbeats sent: %v", err)
	}
	m := &alert.Message{Kind: "heartbeat", Target: HeartbeatTarget, Status: verify.OK, At: now,
		Summary: heartbeatSummary(rep, every), Events: []alert.Event{}}
	payload, _ := json.Marshal(m)
	var out []Delivery
	for _, c := range channels {
		if h, ok := last[c.Name()]; ok && !h.Sent.IsZero() && now.Sub(h.Sent) < every {
			continue
		}
		serr := c.Send(ctx, m, payload)
		d := Delivery{Channel: c.Name(), Target: HeartbeatTarget, Kind: "heartbeat"}
		if serr != nil {
			d.Error = serr.Error()
		}
		if err := w.DB.HeartbeatTried(context.WithoutCancel(ctx), c.Name(), now, serr); err != nil {
			return out, fmt.Errorf("cannot record the heartbeat on %s: %v", c.Name(), err)
		}
		out = append(out, d)
		if ctx.Err() != nil {
			break
		}
	}
	return out, nil
}

// heartbeatSummary says how the last round went, and when the next
// heartbeat is due.
func heartbeatSummary(rep *Report, every time.Duration) string {
	counts := map[verify.Status]int{}
	n := 0
	if rep != nil {
		for _, v := range rep.Targets {
			counts[v.Status]++
		}
		n = len(rep.Targets)
	}
	return fmt.Sprintf("The last round checked %d target(s): %d OK, %d WARNING, %d CRITICAL, %d UNKNOWN (problems are alerted on their own). A heartbeat comes every %s.",
		n, counts[verify.OK], counts[verify.Warning], counts[verify.Critical], counts[verify.Unknown], duration.Format(every))
}
