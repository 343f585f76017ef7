package watch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/fetch"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/watch/store"
	"github.com/canarykit/canarykit/verify"
)

// A Verdict is one target's outcome in a run.
type Verdict struct {
	Name     string        `json:"name"`
	ID       string        `json:"id"`
	Location string        `json:"location"`
	Status   verify.Status `json:"-"` // written first, by MarshalJSON
	// Soft is set for a failure not reported yet: the target could not be
	// checked, but not often or long enough to say it is unreachable.
	Soft       bool          `json:"soft,omitempty"`
	Summary    string        `json:"summary"`
	Issued     time.Time     `json:"issued,omitzero"`
	Expires    time.Time     `json:"expires,omitzero"`
	LastChange time.Time     `json:"last_change,omitzero"`
	Events     []store.Event `json:"events"`
	// Failures counts the checks in a row that read no canary.
	Failures int `json:"failures,omitempty"`
	// Via is the vantage point of a target with via: "direct" or a
	// proxy URL (without its password).
	Via    string         `json:"via,omitempty"`
	Result *verify.Result `json:"verdict,omitempty"`
}

// MarshalJSON puts the status first, as verify does.
func (v Verdict) MarshalJSON() ([]byte, error) {
	type plain Verdict
	return json.Marshal(struct {
		Status verify.Status `json:"status"`
		plain
	}{v.Status, plain(v)})
}

// keySet is one key spec list, resolved once per run: parsing keys
// (RSA above all) costs far more than checking a signature, and a watch
// list often names one key file for many targets.
//
// go-crypto caches what it learns about a key inside the Entity while it
// checks a signature, so one parsed key must not be used by two checks at
// once: use holds the set while a canary is verified with it. Targets
// that share keys are thus verified one at a time, which costs less than
// parsing the keys per target.
type keySet struct {
	once sync.Once
	list openpgp.EntityList
	err  error
	use  sync.Mutex
}

// wkd: and vks: keys are fetched with the client of the target's Fetcher,
// so through the target's proxy like its canary: a watchdog behind Tor must
// not tell its network whose keys it asks for. The cache key therefore
// holds the Fetcher's options too: the same keys behind another proxy are
// fetched again, through that proxy.
func (w *Watcher) keys(ctx context.Context, t *Target) (*keySet, error) {
	f, err := w.fetcher(t)
	if err != nil {
		return nil, err
	}
	id := fmt.Sprintf("%s\x00%s\x00%q\x00%v\x00%d\x00%d", strings.Join(t.Keys, "\x00"), t.VKS, t.Proxy, t.Direct, t.Timeout, t.MaxBytes)
	w.mu.Lock()
	ks := w.keyCache[id]
	if ks == nil {
		ks = &keySet{}
		w.keyCache[id] = ks
	}
	w.mu.Unlock()
	ks.once.Do(func() {
		ks.list, ks.err = keys.Resolve(ctx, t.Keys, keys.Options{VKS: t.VKS, HTTPClient: f.Client()})
	})
	return ks, ks.err
}

type fetcherKey struct {
	proxy    string
	direct   bool
	timeout  time.Duration
	maxBytes int64
}

// fetcher returns the Fetcher for t's options. Targets with the same
// options share one, so that its manners toward a host hold among them.
func (w *Watcher) fetcher(t *Target) (*fetch.Fetcher, error) {
	k := fetcherKey{t.Proxy, t.Direct, t.Timeout, t.MaxBytes}
	w.mu.Lock()
	defer w.mu.Unlock()
	if f := w.fetchers[k]; f != nil {
		return f, nil
	}
	o := w.FetchOptions
	o.Proxy, o.Direct, o.Timeout, o.MaxBytes = t.Proxy, t.Direct, t.Timeout, t.MaxBytes
	f, err := fetch.New(o)
	if err != nil {
		return nil, fmt.Errorf("proxy: %v", err)
	}
	w.fetchers[k] = f
	return f, nil
}

// pending is a check that has read and judged the canary, and is not yet
// compared with the history: the vantage points of a target are compared
// with one another first.
type pending struct {
	t     *Target
	st    *store.State
	start time.Time
	v     *Verdict
	rec   *store.Record
	// final is set for a check that read no canary: v and rec are done.
	final bool
	r     *verify.Result
	body  []byte
	in    *input
}

// read1 reads and judges t's canary, or records why it could not; nil
// when ctx is cancelled. conclude then judges it against the history.
func (w *Watcher) read1(ctx context.Context, t *Target, id store.Target, st *store.State, at time.Time) *pending {
	p := &pending{t: t, st: st, start: time.Now(),
		v:   &Verdict{Name: t.Name, ID: id.ID, Location: t.Location(), LastChange: st.LastChange, Via: t.Vantage},
		rec: &store.Record{TargetID: id.ID, At: at, KeepValidators: true}}
	v, rec := p.v, p.rec
	ks, err := w.keys(ctx, t)
	if err != nil {
		w.failed(t, st, v, rec, &failure{kind: failKeys, err: fmt.Errorf("cannot get the publisher's keys: %v", err)})
		p.final = true
		return p
	}
	in, fail := w.read(ctx, t, st, at)
	if fail != nil {
		w.failed(t, st, v, rec, fail)
		p.final = true
		return p
	}
	if ctx.Err() != nil {
		return nil // stopping: a check cut short is not a fact about the target
	}
	rec.HTTPStatus = in.Source.Status
	rec.KeepValidators, rec.ETag, rec.LastModified = in.cached, in.ETag, in.LastModified

	opts := verify.Options{Keys: ks.list, Threshold: t.Threshold, At: at, Signatures: in.Sigs, MaxAge: t.MaxAge,
		WarnBefore: t.WarnBefore, Freshness: verify.FreshnessOptions{Tokens: in.Tokens}}
	ks.use.Lock()
	r, body, others := judge(in, opts, st.Baseline)
	ks.use.Unlock()
	r.Source = in.Source
	for _, n := range in.Notes {
		r.AddCheck(n) // a note (INFO) stays one
	}
	for _, o := range others {
		rec.Also = append(rec.Also, canaryOf(o.r, o.data, nil, in))
	}
	p.r, p.body, p.in = r, body, in
	return p
}

// conclude compares a check that read a canary with the history.
func (w *Watcher) conclude(ctx context.Context, p *pending, at time.Time) (*Verdict, *store.Record) {
	if !p.final {
		w.compare(ctx, p.t, p.st, at, p.r, p.body, p.in, p.v, p.rec)
	}
	p.rec.Duration = time.Since(p.start)
	return p.v, p.rec
}

// splitViews compares what the vantage points of one target read in one
// round. Two genuinely signed canaries with different signed texts are a
// split view: the publisher, or someone between it and some readers,
// shows different canaries to different people. Each vantage point
// involved is CRITICAL, and records a split-view event naming both
// canaries and both vantage points unless it reported the same split at
// its last check. A vantage point that read nothing, or nothing signed by
// the publisher's keys, takes no part: its own verdict says why.
func splitViews(ps []*pending) {
	type seen struct {
		p      *pending
		digest string
	}
	var all []seen
	for _, p := range ps {
		if p.final || p.body == nil || !p.r.Genuine() || p.r.Digest == "" {
			continue
		}
		all = append(all, seen{p, p.r.Digest})
	}
	if len(all) < 2 {
		return
	}
	ref := all[0]
	views := map[string]string{}
	for _, s := range all {
		views[s.p.t.Vantage] = s.digest
	}
	details, _ := json.Marshal(map[string]any{"vantages": views})
	note := func(p *pending, msg string) {
		p.r.Add("split-view", verify.Critical, msg)
		again := p.st.LastSeen != nil && p.st.LastSeen.Digest == p.r.Digest && p.st.LastStatus == verify.Critical
		if !again {
			p.rec.Events = append(p.rec.Events, store.Event{Type: "split-view", Status: verify.Critical, Message: msg, Details: details})
		}
	}
	for _, s := range all[1:] {
		if s.digest == ref.digest {
			continue
		}
		msg := fmt.Sprintf("split view: via %s the signed canary is %s, via %s it is %s, in the same round; different readers are shown different canaries",
			ref.p.t.Vantage, ref.digest, s.p.t.Vantage, s.digest)
		note(ref.p, msg)
		note(s.p, msg)
	}
}

// block is one signed block of a page and its verdict.
type block struct {
	data []byte
	r    *verify.Result
}

// judge verifies the input and returns the verdict, the canary judged
// (for a page, its newest genuine block, as verify.JudgePage chooses),
// and the page's other genuinely signed blocks, which are kept too. The
// baseline is passed as Previous unless it is the very canary judged: a
// canary compared with itself would read as not renewed.
func judge(in *input, opts verify.Options, base *store.Canary) (*verify.Result, []byte, []block) {
	one := func(data []byte) *verify.Result {
		o := opts
		if base != nil && signedDigest(data, len(o.Signatures) > 0) != base.Digest {
			o.Previous = base.Body
		}
		return verify.Verify(data, o)
	}
	if !in.Page {
		return one(in.Data), in.Data, nil
	}
	r, best, all := verify.JudgePageAll(in.Blocks, one)
	if best < 0 {
		return r, nil, nil
	}
	in.Source.Block = best + 1
	var others []block
	for i, o := range all {
		if i != best && o.Genuine() {
			others = append(others, block{in.Blocks[i], o})
		}
	}
	return r, in.Blocks[best], others
}

// canaryOf is the history's record of a canary judged r.
func canaryOf(r *verify.Result, body []byte, files []store.File, in *input) *store.Canary {
	c := &store.Canary{Body: body, Files: files, Digest: r.Digest, Signers: goodSigners(r), Source: in.Source.Location,
		Issued: issuedOf(r), Expires: expiresOf(r), Kind: "unparsed", Status: r.Status}
	c.Good = r.Status == verify.OK || r.Status == verify.Warning
	if in.Source.FinalURL != "" {
		c.Source = in.Source.FinalURL
	}
	if r.Digest == "" {
		c.Digest = canary.Digest(body)
	}
	switch {
	case r.Canary != nil:
		c.Kind, c.Serial, c.Issuer = "canarykit", int64(r.Canary.Serial), r.Canary.Issuer.Name
	case r.FreeText != nil:
		c.Kind = "free-text"
	}
	c.Fingerprint = fingerprint(r, body)
	return c
}

// fingerprint names what makes a canary distinct in the history: its
// signed text and its good signatures. Text outside the signed block,
// signatures by keys nobody gave, and timestamp files are not part of it:
// a hostile server could vary them on every request, and each variation
// would otherwise be stored as a canary of its own.
func fingerprint(r *verify.Result, body []byte) string {
	if r.Digest == "" { // nothing signed could be read
		return store.MakeFingerprint(body, nil)
	}
	var sigs []string
	for _, s := range r.Signatures {
		if s.Status == verify.SigGood {
			sigs = append(sigs, fmt.Sprintf("%s %s %s", s.Fingerprint, s.Created.UTC().Format(time.RFC3339), s.Hash))
		}
	}
	slices.Sort(sigs)
	sigs = slices.Compact(sigs)
	h := sha256.New()
	fmt.Fprintf(h, "signed %s\n", r.Digest)
	for _, s := range sigs {
		fmt.Fprintf(h, "good %s\n", s)
	}
	return "v2:" + hex.EncodeToString(h.Sum(nil))
}

// signedDigest names the signed text of data as verify does, or "".
func signedDigest(data []byte, detached bool) string {
	if detached {
		return canary.Digest(data)
	}
	s, err := canary.Open(data)
	if err != nil {
		return ""
	}
	return canary.Digest(s.Text)
}

func issuedOf(r *verify.Result) time.Time { return r.Issued() }

// expiresOf is when the canary lapses for this watch list: its own
// expiry, or earlier when the target's max_age says so.
func expiresOf(r *verify.Result) time.Time { return r.Expires() }

func goodSigners(r *verify.Result) []string {
	var out []string
	for _, s := range r.Signatures {
		if s.Status == verify.SigGood && !slices.Contains(out, s.Fingerprint) {
			out = append(out, s.Fingerprint)
		}
	}
	slices.Sort(out)
	return out
}

func checkStatus(r *verify.Result, name string) (verify.Status, bool) {
	found, s := false, verify.OK
	for _, c := range r.Checks {
		if c.Name == name {
			found, s = true, verify.Worse(s, c.Status)
		}
	}
	return s, found
}

// compare turns a verdict into events by comparing it with the history:
// what is new, what was seen before, what changed since the baseline.
func (w *Watcher) compare(ctx context.Context, t *Target, st *store.State, at time.Time, r *verify.Result, body []byte, in *input,
	v *Verdict, rec *store.Record) {
	ev := func(typ string, s verify.Status, format string, a ...any) {
		rec.Events = append(rec.Events, store.Event{Type: typ, Status: s, Message: fmt.Sprintf(format, a...)})
	}
	if body == nil { // nothing judged (a page with too many blocks)
		w.finish(t, st, at, r, v, rec)
		return
	}
	var files []store.File
	for _, s := range in.Sigs {
		files = append(files, store.File{Kind: "sig", Data: s})
	}
	for _, tk := range in.Tokens {
		files = append(files, store.File{Kind: "tsr", Data: tk})
	}
	c := canaryOf(r, body, files, in)

	base, last := st.Baseline, st.LastSeen
	known, err := w.DB.CanaryByFingerprint(ctx, rec.TargetID, c.Fingerprint)
	if err != nil {
		r.Add("history", verify.Unknown, "cannot read the history: "+err.Error())
	}
	first, err := w.DB.CanaryByDigest(ctx, rec.TargetID, c.Digest)
	if err != nil {
		r.Add("history", verify.Unknown, "cannot read the history: "+err.Error())
	}
	isNew := first == nil
	sameAsLast := last != nil && last.Digest == c.Digest
	sameAsBase := base != nil && base.Digest == c.Digest

	// A key change: good signatures, but by keys that did not sign the
	// baseline. The watch list names the keys, so both may be "valid";
	// a hijacked domain can publish a new key next to a new canary.
	// A signer the baseline lists in its Signer: lines is not new: the
	// publisher named it, and m-of-n canaries rotate among their signers.
	if base != nil && !sameAsBase && len(base.Signers) > 0 && len(c.Signers) > 0 {
		known := append(slices.Clone(base.Signers), listedSigners(base.Body)...)
		var fresh []string
		for _, fp := range c.Signers {
			if !slices.Contains(known, fp) {
				fresh = append(fresh, fp)
			}
		}
		if len(fresh) > 0 {
			msg := fmt.Sprintf("signed by %s, a key that did not sign the canaries before (%s); if the publisher confirms the new key, run: canary watch accept %s",
				strings.Join(fresh, ", "), strings.Join(base.Signers, ", "), t.Name)
			r.Add("key-change", verify.Critical, msg)
			if !sameAsLast {
				ev("key-changed", verify.Critical, "%s", msg)
			}
		}
	}
	// Replay: a canary older than the newest genuine one is served, even
	// when it is the baseline (a trip followed by a rollback to the last
	// canary that passed), or one first seen before the baseline is
	// served again.
	if n := st.Newest; n != nil && olderThan(c, n) {
		msg := fmt.Sprintf("an older canary (%s) is served after a newer one signed by the publisher's keys (%s, first seen %s) (replay)",
			describeCanary(c), describeCanary(n), n.FirstSeen.Format(canary.ShownTime))
		r.Add("replay", verify.Critical, msg)
		if !sameAsLast {
			ev("replay", verify.Critical, "%s", msg)
		}
	} else if first != nil && base != nil && !sameAsBase && first.ID != base.ID && first.FirstSeen.Before(base.FirstSeen) {
		msg := fmt.Sprintf("an older canary, first seen %s, is served again instead of the one seen since %s (replay)",
			first.FirstSeen.Format(canary.ShownTime), base.FirstSeen.Format(canary.ShownTime))
		r.Add("replay", verify.Critical, msg)
		if !sameAsLast {
			ev("replay", verify.Critical, "%s", msg)
		}
	} else if isNew {
		if s, _ := checkStatus(r, "previous-serial"); s == verify.Critical {
			ev("replay", verify.Critical, "%s", messageOf(r, "previous-serial", verify.Critical))
		}
	}
	if isNew && base != nil {
		for _, ch := range r.Changes {
			what := ch.ID
			if what == "" {
				what = "a sentence"
			} else {
				what = fmt.Sprintf("statement %q", what)
			}
			details, _ := json.Marshal(ch)
			switch ch.Kind {
			case "removed":
				rec.Events = append(rec.Events, store.Event{Type: "statement-removed", Status: verify.Critical, Details: details,
					Message: fmt.Sprintf("%s was REMOVED; it said: %q", what, ch.Old)})
			case "reworded":
				rec.Events = append(rec.Events, store.Event{Type: "statement-reworded", Status: verify.Critical, Details: details,
					Message: fmt.Sprintf("%s was REWORDED from %q to %q", what, ch.Old, ch.New)})
			case "added":
				rec.Events = append(rec.Events, store.Event{Type: "statement-added", Status: verify.OK, Details: details,
					Message: fmt.Sprintf("%s is new: %q", what, ch.New)})
			}
		}
	}

	c.Status = r.Status
	c.Good = r.Status == verify.OK || r.Status == verify.Warning
	if known != nil {
		c.ID, c.ExpiringNoted, c.ExpiredNoted = known.ID, known.ExpiringNoted, known.ExpiredNoted
	}
	rec.Canary = c
	rec.NewBaseline = c.Good && !sameAsBase

	switch {
	case isNew && last == nil:
		ev("new-canary", r.Status, "first canary seen: %s", r.Summary)
	case isNew && c.Good:
		ev("renewed", r.Status, "renewed: %s", r.Summary)
	}
	if isNew && !hasCritical(rec.Events) {
		if msg := criticalBesides(r, "expiry"); msg != "" {
			ev("invalid", verify.Critical, "a new canary that fails: %s", msg)
		}
	}
	switch s, _ := checkStatus(r, "expiry"); s {
	case verify.Warning:
		if !c.ExpiringNoted {
			ev("expiring", verify.Warning, "%s", messageOf(r, "expiry", verify.Warning))
			rec.NoteExpiring = true
		}
	case verify.Critical:
		if !c.ExpiredNoted {
			ev("expired", verify.Critical, "%s", messageOf(r, "expiry", verify.Critical))
			rec.NoteExpired = true
		}
	}
	if st.Escalated {
		ev("reachable", verify.OK, "the canary can be read again, after %d failed checks since %s", st.Failures, st.FailingSince.Format(canary.ShownTime))
	}
	w.finish(t, st, at, r, v, rec)
	if r.Status == verify.OK && st.LastStatus != verify.OK && !st.LastCheck.IsZero() {
		ev("recovered", verify.OK, "OK again (was %s): %s", st.LastStatus, r.Summary)
	}
	w.alert(t, st, v, rec)
}

// olderThan says whether c is provably an earlier canary than n, the
// newest genuine one: a lower serial (or the same serial issued earlier),
// or, for free text, an earlier issue date.
func olderThan(c, n *store.Canary) bool {
	if c.Digest == n.Digest {
		return false
	}
	if c.Kind == "canarykit" && n.Kind == "canarykit" {
		return c.Serial < n.Serial || c.Serial == n.Serial && c.Issued.Before(n.Issued)
	}
	if c.Kind == "unparsed" || c.Issued.IsZero() || n.Issued.IsZero() {
		return false
	}
	return c.Issued.Before(n.Issued)
}

func describeCanary(c *store.Canary) string {
	if c.Kind == "canarykit" {
		return fmt.Sprintf("serial %d, issued %s", c.Serial, c.Issued.Format(canary.ShownTime))
	}
	if !c.Issued.IsZero() {
		return "issued " + c.Issued.Format(canary.ShownTime)
	}
	return c.Digest
}

// listedSigners returns the fingerprints a stored canarykit canary lists
// in its Signer: lines (body is a clearsigned block, or the signed text
// of a canary with detached signatures), or nil.
func listedSigners(body []byte) []string {
	text := body
	if s, err := canary.Open(body); err == nil {
		text = s.Text
	}
	c, err := canary.Parse(text)
	if err != nil {
		return nil
	}
	return c.Signers
}

func hasCritical(events []store.Event) bool {
	for _, e := range events {
		if e.Status == verify.Critical {
			return true
		}
	}
	return false
}

// criticalBesides returns the first CRITICAL check not named skip.
func criticalBesides(r *verify.Result, skip string) string {
	for _, c := range r.Checks {
		if c.Status == verify.Critical && c.Name != skip {
			return c.Message
		}
	}
	return ""
}

func messageOf(r *verify.Result, name string, s verify.Status) string {
	for _, c := range r.Checks {
		if c.Name == name && c.Status == s {
			return c.Message
		}
	}
	return r.Summary
}

// finish fills the verdict and the record from a verdict on a canary.
func (w *Watcher) finish(t *Target, st *store.State, at time.Time, r *verify.Result, v *Verdict, rec *store.Record) {
	v.Status, v.Summary, v.Result = r.Status, r.Summary, r
	v.Issued, v.Expires = issuedOf(r), expiresOf(r)
	rec.Status, rec.HardStatus, rec.Summary = r.Status, r.Status, r.Summary
	if r.Status != verify.OK {
		rec.Detail, _ = json.Marshal(r.Checks)
	}
	rec.Changed = r.Status != st.LastStatus || st.LastCheck.IsZero()
	if rec.Changed {
		v.LastChange = at
	}
}

// failed records a check that read no canary. A failure is soft, and
// changes nothing a reader or an alert sees, until it has happened
// UnreachableAfter times in a row over at least UnreachableFor: sites go
// down, and a site being down is not a dead canary. Even then an
// unreachable target is UNKNOWN, never CRITICAL. A canary that is gone
// (404, 410, a page without one) is news once it is reported: WARNING,
// and CRITICAL once the last canary seen has expired, since nothing
// newer is published where it was.
func (w *Watcher) failed(t *Target, st *store.State, v *Verdict, rec *store.Record, f *failure) {
	at := rec.At
	rec.ErrorKind, rec.HTTPStatus = f.kind, f.status
	rec.Failures, rec.FailingSince = 1, at
	if st.FailureKind != "" {
		rec.Failures, rec.FailingSince = st.Failures+1, st.FailingSince
	}
	rec.FailureKind = f.kind
	escalate := rec.Failures >= t.UnreachableAfter && at.Sub(rec.FailingSince) >= t.UnreachableFor
	seen := st.LastSeen != nil || st.Newest != nil
	status := verify.Unknown
	summary := f.err.Error()
	if escalate {
		rec.Escalated = true
		if f.kind == failVanished && seen {
			status = verify.Warning
			summary = fmt.Sprintf("the canary has vanished (%d checks since %s): %s", rec.Failures, rec.FailingSince.Format(canary.ShownTime), f.err)
			// The lapse is the newest genuine canary's: whatever
			// replaced it (a notice, a forgery, nothing) does not renew it.
			if n := st.Newest; n != nil && !n.Expires.IsZero() && !at.Before(n.Expires) {
				status = verify.Critical
				summary += fmt.Sprintf("; the last genuine canary expired on %s, and no newer one is published", n.Expires.Format(canary.ShownTime))
			}
		} else {
			summary = fmt.Sprintf("could not check for %s (%d checks in a row): %s", verify.Human(at.Sub(rec.FailingSince)), rec.Failures, f.err)
		}
		switch {
		case !st.Escalated || st.FailureKind != f.kind:
			typ := failUnreachable
			if f.kind == failVanished && seen {
				typ = failVanished
			}
			rec.Events = append(rec.Events, store.Event{Type: typ, Status: status, Message: summary})
			if typ == failVanished && status == verify.Critical && st.LastStatus != verify.Critical {
				rec.Events = append(rec.Events, store.Event{Type: "expired", Status: status, Message: summary})
			}
		case status == verify.Critical && st.LastStatus != verify.Critical:
			// Vanished, and now the last canary seen has lapsed too.
			rec.Events = append(rec.Events, store.Event{Type: "expired", Status: status, Message: summary})
		}
		rec.HardStatus = status
	} else {
		rec.Soft = true
		rec.HardStatus = st.LastStatus
		if st.LastCheck.IsZero() {
			rec.HardStatus = verify.Unknown
		}
		summary = fmt.Sprintf("could not check (failure %d; reported after %d in a row over %s): %s", rec.Failures, t.UnreachableAfter,
			duration.Format(t.UnreachableFor), f.err)
	}
	rec.Status, rec.Summary = status, summary
	rec.Changed = rec.HardStatus != st.LastStatus || st.LastCheck.IsZero()
	v.Status, v.Soft, v.Summary, v.Failures = status, rec.Soft, summary, rec.Failures
	if n := st.Newest; n != nil {
		v.Issued, v.Expires = n.Issued, n.Expires
	} else if st.LastSeen != nil {
		v.Issued, v.Expires = st.LastSeen.Issued, st.LastSeen.Expires
	}
	if rec.Changed && !rec.Soft {
		v.LastChange = at
	}
	v.Result = verify.Unchecked(f.kind, f.err)
	// A soft failure raises nothing: not even for a target never checked
	// before, whose reported status is UNKNOWN only because nothing is
	// known yet. A target already alerted on may still get its reminder.
	if rec.Soft && st.Alerted == nil {
		return
	}
	w.alert(t, st, v, rec)
}
