package dashboard

import (
	"slices"

	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// A reason is an event that explains a status: what the watchdog found,
// in plain words, with the event's own message for the details.
type reason struct {
	store.Event
	Words string // "" for an event type without words: its message says it
}

// maxReasons bounds the reasons a page lists; the events table has all.
const maxReasons = 5

// reasonWords says in plain words what an event of type typ found (the
// event types of package watch). A switch, not a map, so that nothing is
// built at package init.
func reasonWords(typ string) string {
	switch typ {
	case "expired":
		return "its expiry date passed with no newer canary published"
	case "expiring":
		return "its expiry date is near"
	case "statement-removed":
		return "a statement it made before was removed"
	case "statement-reworded":
		return "a statement it made before was reworded"
	case "key-changed":
		return "it is signed by a key that had not signed this target's canaries before"
	case "replay":
		return "an older canary was served after a newer one (a replay)"
	case "invalid":
		return "it failed verification"
	case "vanished":
		return "the canary can no longer be found at its location"
	case "unreachable":
		return "the canary could not be fetched"
	case "split-view":
		return "different signed canaries were seen from different vantage points at the same time: different canaries to different readers (a split view)"
	}
	return ""
}

// reasons returns the events keep selects, the newest of each type, the
// newest first, at most maxReasons.
func reasons(events []store.Event, keep func(store.Event) bool) []reason {
	var out []reason
	for i := len(events) - 1; i >= 0 && len(out) < maxReasons; i-- {
		e := events[i]
		if !keep(e) || slices.ContainsFunc(out, func(r reason) bool { return r.Type == e.Type }) {
			continue
		}
		e.Message = clip(e.Message, 300)
		out = append(out, reason{Event: e, Words: reasonWords(e.Type)})
	}
	return out
}

// firstSeenReasons is why c was not good when first seen: the events of
// the check that first saw it, of its status then (or, should those be
// missing, any events of that status about it).
func firstSeenReasons(events []store.Event, c *store.Canary) []reason {
	about := func(e store.Event) bool { return e.CanaryID == c.ID && e.Status == c.Status }
	if r := reasons(events, func(e store.Event) bool { return about(e) && e.At.Equal(c.FirstSeen) }); len(r) > 0 {
		return r
	}
	return reasons(events, about)
}

// statusReasons is why a target is CRITICAL: the CRITICAL events since
// its status last changed, for a target whose status is CRITICAL.
func statusReasons(events []store.Event, o store.Overview) []reason {
	if o.Status != verdict.Critical {
		return nil
	}
	return reasons(events, func(e store.Event) bool { return e.Status == verdict.Critical && !e.At.Before(o.LastChange) })
}
