package dashboard

import (
	"strings"
	"testing"

	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// TestPageSaysWhy: a target's page names the real reason a canary was
// CRITICAL, from the events the watchdog stored, in plain words; never
// reasons it did not have.
func TestPageSaysWhy(t *testing.T) {
	now := t0.Add(100 * day)
	target := store.Target{ID: strings.Repeat("cd", 16), Name: "late"}
	generic := "a statement removed or reworded, a new key, a replay"
	for _, tc := range []struct {
		name   string
		typ    string
		msg    string
		want   string
		unwant []string
	}{
		{"expired", "expired", "the canary expired on 2026-03-01 12:00 UTC", "its expiry date passed with no newer canary published",
			[]string{"statement", "new key", "replay"}},
		{"removed", "statement-removed", `statement "no-gag" was REMOVED; it said: "No gag orders."`, "a statement it made before was removed",
			[]string{"expiry", "new key", "replay"}},
		{"reworded", "statement-reworded", `statement "no-gag" was REWORDED`, "a statement it made before was reworded", []string{"expiry", "replay"}},
		{"key", "key-changed", "signed by ABCD, a key that did not sign the canaries before", "signed by a key that had not signed this target&#39;s canaries before",
			[]string{"expiry", "statement"}},
		{"replay", "replay", "an older canary (serial 1) is served after a newer one", "an older canary was served after a newer one (a replay)",
			[]string{"expiry", "statement"}},
		{"invalid", "invalid", "a new canary that fails: no good signature by the keys of the watch list", "it failed verification",
			[]string{"expiry", "statement", "replay"}},
		{"split view", "split-view", "digest A via direct, digest B via socks5://127.0.0.1:9050", "different canaries to different readers",
			[]string{"expiry", "statement", "replay"}},
	} {
		// First seen CRITICAL, signed by a key of the watch list: the
		// publisher's canary, not accepted since.
		c := kc(2, now.Add(-40*day), 30*day, false, "FPR")
		c.ID, c.FirstSeen = 2, now.Add(-day)
		d := &data{
			o: store.Overview{Target: target, Status: verdict.Critical, LastCheck: now, LastChange: now.Add(-day), Current: c,
				Summary: "CRITICAL: " + tc.msg},
			canaries: []*store.Canary{kc(1, t0, 40*day, true, "FPR"), c},
			events: []store.Event{
				{At: t0, Type: "new-canary", Status: verdict.OK, Message: "first canary seen", CanaryID: 1},
				{At: now.Add(-day), Type: tc.typ, Status: verdict.Critical, Message: tc.msg, CanaryID: 2},
			},
		}
		page := string(d.page(now))
		notice := between(page, `<p class="notice">`, "</p>")
		if notice == "" {
			t.Fatalf("%s: no notice", tc.name)
		}
		if strings.Contains(notice, generic) {
			t.Errorf("%s: the notice gives the generic list of reasons: %s", tc.name, notice)
		}
		if !strings.Contains(notice, tc.want) {
			t.Errorf("%s: the notice does not say %q: %s", tc.name, tc.want, notice)
		}
		for _, u := range tc.unwant {
			if strings.Contains(notice, u) {
				t.Errorf("%s: the notice names a reason it did not have (%q): %s", tc.name, u, notice)
			}
		}
		state := between(page, `<h2 id="state">`, "</section>")
		if !strings.Contains(state, "Why CRITICAL") || !strings.Contains(state, tc.want) {
			t.Errorf("%s: the state does not say why it is CRITICAL: %s", tc.name, state)
		}
	}

	// A canary valid when first seen that has expired since: the page
	// says so, and gives no notice of how it was first seen.
	c := kc(1, t0, 40*day, true, "FPR")
	c.ID, c.FirstSeen = 1, t0
	d := &data{
		o:        store.Overview{Target: target, Status: verdict.Critical, LastCheck: now, LastChange: t0.Add(41 * day), Current: c},
		canaries: []*store.Canary{c},
		events: []store.Event{
			{At: t0, Type: "new-canary", Status: verdict.OK, Message: "first canary seen", CanaryID: 1},
			{At: t0.Add(20 * day), Type: "statement-reworded", Status: verdict.Critical, Message: "long ago, since resolved", CanaryID: 1},
			{At: t0.Add(41 * day), Type: "expired", Status: verdict.Critical, Message: "the canary expired on " + stamp(c.Expires), CanaryID: 1},
		},
	}
	page := string(d.page(now))
	state := between(page, `<h2 id="state">`, "</section>")
	if !strings.Contains(state, "its expiry date passed with no newer canary published") || !strings.Contains(state, "the canary expired on "+stamp(c.Expires)) {
		t.Errorf("the state does not say the canary expired: %s", state)
	}
	if strings.Contains(state, "reworded") {
		t.Errorf("the state gives a reason from before the status last changed: %s", state)
	}
	if strings.Contains(page, `<p class="notice">`) {
		t.Error("a notice for a canary that was good when first seen")
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
