package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/verdict"
)

// A Status follows the monitoring-plugin convention, so that its value is
// also the exit code cron and Nagios-style monitors understand. It is
// package verdict's, which the watchdog's store and alerts share.
type Status = verdict.Status

const (
	OK       = verdict.OK
	Warning  = verdict.Warning
	Critical = verdict.Critical
	Unknown  = verdict.Unknown
)

// Worse returns the more severe of a and b: CRITICAL, then UNKNOWN, then
// WARNING, then OK.
func Worse(a, b Status) Status { return verdict.Worse(a, b) }

// A Check is one named test and its outcome (verdict.Check): a check that
// only informs has Info set, is labelled INFO (Label) and keeps Status OK.
// Build one with Note.
type Check = verdict.Check

// A Change is a statement that differs from the previous canary.
type Change struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // removed, reworded or added
	Old  string `json:"old,omitempty"`
	New  string `json:"new,omitempty"`
}

// A Result is the full verdict on one canary.
type Result struct {
	Status     Status         `json:"status"`
	Summary    string         `json:"summary"`
	Checks     []Check        `json:"checks"`
	Canary     *canary.Canary `json:"canary"`
	Signatures []Signature    `json:"signatures"`
	Changes    []Change       `json:"changes"`
	// Digest names this canary's signed text, for the next one's Previous.
	Digest string `json:"digest,omitempty"`
	// Source says where the canary came from; the caller fills it in.
	Source *Source `json:"source,omitempty"`
	// FreeText is set instead of Canary for a canary not in the
	// canarykit format.
	FreeText *FreeText `json:"free_text,omitempty"`
	// Freshness and Window judge when the canary was signed (freshness.go).
	Freshness []FreshnessProof `json:"freshness,omitempty"`
	Window    *Window          `json:"window,omitempty"`

	// expires is the effective expiry the verdict judged (Expires).
	expires time.Time
}

// Expires is the moment the judged canary stops being good for the reader:
// for a canarykit canary the earlier of its own Expires and Issued plus
// Options.MaxAge; for a free-text canary FreeText.Expires (the earliest of
// the deadline it states, Issued plus MaxAge and, for one that attests to
// a period, the period's end plus its cadence). It is the zero time when
// nothing bounds it (a free-text canary that states no deadline, judged
// without MaxAge) or nothing was judged. For a Result not made by
// Verify (decoded from JSON), the reader's bound is not known, and it is
// the canary's own expiry.
func (r *Result) Expires() time.Time {
	switch {
	case !r.expires.IsZero():
		return r.expires
	case r.Canary != nil:
		return r.Canary.Expires
	case r.FreeText != nil && r.FreeText.Expires != nil:
		return *r.FreeText.Expires
	}
	return time.Time{}
}

// Options say what to verify against.
type Options struct {
	// Keys are the publisher's public keys the reader trusts.
	Keys openpgp.EntityList
	// Threshold is how many distinct keys must have signed; 0 means 1. The
	// canary's own threshold applies when it is higher, and so does the
	// previous canary's: along a chain the threshold only goes up.
	Threshold int
	// At is the moment to judge the canary at; zero means now.
	At time.Time
	// Previous is the last canary the reader trusted, or nil: the file as
	// published (a clearsigned block), or, for a canary published with
	// detached signatures, its signed text itself (a canarykit text, which
	// starts "Format: canarykit/"; a free-text one, any text). It is not
	// verified again: it is what the reader already trusted.
	Previous []byte
	// Signatures are detached signature files (armored or binary) over
	// data; when there are none, data must be a clearsigned block.
	Signatures [][]byte
	// MaxAge is the reader's bound on every canary: it is stale this long
	// after it was issued, whatever expiry it claims. A canarykit canary
	// expires at the earlier of its own Expires and Issued plus MaxAge; a
	// free-text canary at the earlier of the deadline it states, if any,
	// and Issued plus MaxAge.
	// Zero leaves a canarykit canary to its own Expires and a free-text
	// canary's age unjudged.
	MaxAge time.Duration
	// WarnBefore is how long before expiry the verdict turns to WARNING.
	WarnBefore time.Duration
	// Freshness says how to judge proofs of when it was signed.
	Freshness FreshnessOptions
}

// DefaultWarnBefore is the warning window when none is given.
const DefaultWarnBefore = 7 * 24 * time.Hour

func (r *Result) add(name string, s Status, format string, a ...any) {
	r.Checks = append(r.Checks, Check{Name: name, Status: s, Message: fmt.Sprintf(format, a...)})
}

// note adds a check that only informs (INFO): it never affects the verdict.
func (r *Result) note(name string, format string, a ...any) {
	r.Checks = append(r.Checks, Note(name, fmt.Sprintf(format, a...)))
}

// Verify judges the canary in data, a file as published: a clearsigned
// block, or, when opts.Signatures holds detached signatures, the signed
// file itself.
func Verify(data []byte, opts Options) *Result {
	if opts.At.IsZero() {
		opts.At = time.Now()
	}
	r := &Result{Signatures: []Signature{}, Changes: []Change{}}
	defer r.finish()
	if err := CheckKeys(opts.Keys); err != nil {
		r.add("key", Unknown, "%v", err)
		return r
	}

	var text, sigs []byte
	var doc document
	var hashHeader []string
	if len(opts.Signatures) > 0 {
		for i, f := range opts.Signatures {
			packets, err := canary.ReadSignatures(f)
			if err != nil {
				r.add("signed-block", Unknown, "signature file %d: %v", i+1, err)
				return r
			}
			sigs = append(sigs, packets...)
		}
		if len(data) > canary.MaxCanaryBytes {
			r.add("signed-block", Unknown, "the file is larger than %d bytes", canary.MaxCanaryBytes)
			return r
		}
		text, doc = data, newDocument(data, true)
		r.add("signed-block", OK, "the whole file is covered by %d detached signature file(s)", len(opts.Signatures))
	} else {
		signed, err := canary.Open(data)
		if err != nil {
			status := Critical
			if !strings.Contains(err.Error(), "damaged") {
				status = Unknown // nothing signed to judge: we could not check
			}
			r.add("signed-block", status, "%v", err)
			return r
		}
		switch {
		case signed.Blocks > 1:
			r.add("signed-block", Warning, "the input holds %d signed blocks; only the first was checked", signed.Blocks)
		case signed.Outside > 0:
			r.add("signed-block", Warning, "%d characters of text around the signed block are not signed and were ignored", signed.Outside)
		default:
			r.add("signed-block", OK, "the canary is one clearsigned block")
		}
		if signed.ArmorProblem != "" {
			r.add("armor", Warning, "the signature armor was read, but %s", signed.ArmorProblem)
		}
		text, sigs, hashHeader = signed.Text, signed.Signatures, signed.HashHeader
		doc = newDocument(signed.Canonical(), false)
	}
	r.Digest = canary.Digest(text)

	c, perr := canary.Parse(text)
	switch {
	case perr == nil:
		r.Canary = c
		r.add("format", OK, "%s canary from %s, serial %d", c.Format, c.Issuer.Name, c.Serial)
	case bytes.HasPrefix(text, []byte("Format: canarykit/")):
		r.add("format", Critical, "the signed text is not a valid %s canary: %v", canary.FormatV1, perr)
	default:
		r.FreeText = &FreeText{Text: string(text)}
		r.add("format", OK, "a free-text canary (not in the canarykit format): shown as signed, judged by its dates")
	}

	// The previous canary is read once: its threshold is part of the bar
	// the signatures must meet, and the chain is checked against it.
	var prev *previousCanary
	if c != nil && opts.Previous != nil {
		prev = readPrevious(opts.Previous)
	}
	r.checkText()
	r.checkIssuer()
	r.checkSignatures(sigs, doc, hashHeader, c, prev.canary(), opts)
	switch {
	case c != nil:
		r.checkDates(c, opts)
		r.checkFreshness(sigs, c, opts.Freshness)
		if prev != nil {
			r.checkPrevious(c, prev, opts.Keys)
		}
	case r.FreeText != nil:
		r.checkFreeText(opts)
	}
	return r
}

// A previousCanary is Options.Previous read for a canarykit canary.
type previousCanary struct {
	text    []byte         // its signed text
	c       *canary.Canary // nil when it could not be read
	problem string         // then, why not
}

func (p *previousCanary) canary() *canary.Canary {
	if p == nil {
		return nil
	}
	return p.c
}

// readPrevious reads the last canary the reader trusted: a clearsigned
// block, or the signed text of a canary published with detached
// signatures (which is what the watchdog stores for one). Nothing in it
// is verified again: the reader trusted it already.
func readPrevious(data []byte) *previousCanary {
	p := &previousCanary{}
	if bytes.HasPrefix(data, []byte("Format: canarykit/")) {
		p.text = data
	} else if s, err := canary.Open(data); err == nil {
		p.text = s.Text
	} else {
		p.problem = fmt.Sprintf("could not read the previous canary: %v", err)
		return p
	}
	c, err := canary.Parse(p.text)
	if err != nil {
		p.problem = fmt.Sprintf("the previous canary is not a %s canary: %v", canary.FormatV1, err)
		return p
	}
	p.c = c
	return p
}

// requiredSigners is the bar the signatures must meet and why: the highest
// of what the reader asks (opt), what the canary states (own) and, along
// a chain, what the previous canary stated (prev), so that the holder of
// one key of an m-of-n canary cannot lower m. why is empty for a bar of 1.
func requiredSigners(opt, own, prev int) (need int, why string) {
	need = max(opt, own, prev, 1)
	switch {
	case need == 1:
	case prev == need && own < need:
		why = fmt.Sprintf("the previous canary required %d; this one states %d", prev, own)
	case own == need:
		why = fmt.Sprintf("the canary requires %d", own)
	case opt == need:
		why = fmt.Sprintf("you require %d (--threshold)", opt)
	}
	return need, why
}

// checkSignatures judges the signatures of the canary c (nil for free
// text) against the keys the reader gave; prev, when not nil, is the
// previous canary, whose threshold is also a floor.
func (r *Result) checkSignatures(packets []byte, doc document, hashHeader []string, c, prev *canary.Canary, opts Options) {
	sigs, err := checkSignatures(packets, doc, opts.Keys, opts.At)
	r.Signatures = append(r.Signatures, sigs...)
	if err != nil {
		r.add("signature", Critical, "%v", err)
		return
	}
	if len(opts.Keys) == 0 {
		r.add("signer", Unknown, "no public key given, so nobody's signature can be checked; pass the publisher's key with --key FILE")
		return
	}
	own, prevNeed := 0, 0
	if c != nil {
		own = c.Threshold
	}
	if prev != nil {
		prevNeed = prev.Threshold
	}
	need, why := requiredSigners(opts.Threshold, own, prevNeed)
	bar := fmt.Sprintf("%d required", need)
	if why != "" {
		bar += ": " + why
	}
	good := map[string]Signature{}
	var goodNames []string
	byStatus := map[string][]Signature{}
	for _, s := range sigs {
		byStatus[s.Status] = append(byStatus[s.Status], s)
		if s.Status == SigGood && good[s.Fingerprint].Status == "" {
			good[s.Fingerprint] = s
			goodNames = append(goodNames, signerName(s))
		}
	}
	met := len(good) >= need
	// A flaw in one signature is decisive when the good ones are too few;
	// when enough others signed, it is still shown, as a warning.
	flaw := Critical
	if met {
		flaw = Warning
	}
	messages := func(list []Signature) string {
		var m []string
		for _, s := range list {
			m = append(m, s.Message)
		}
		return strings.Join(m, "; ")
	}
	if bad := byStatus[SigBad]; len(bad) > 0 {
		r.add("signature", flaw, "%s", messages(bad))
	} else if len(byStatus[SigUnknownKey]) < len(sigs) {
		r.add("signature", OK, "every signature by a key you gave matches the text")
	}
	claims := claimedUserIDs(packets)
	switch unknown := byStatus[SigUnknownKey]; {
	case len(good) > 0 && len(unknown) > 0:
		r.add("signer", OK, "signed by %s; also signed by keys you did not give: %s", strings.Join(goodNames, ", "), claimedList(unknown, claims))
	case len(good) > 0:
		r.add("signer", OK, "signed by %s", strings.Join(goodNames, ", "))
	case len(unknown) == len(sigs):
		r.add("signer", Critical, "no signature is by a key you gave: it was signed only by %s, so it may not come from the publisher", claimedList(unknown, claims))
	default:
		var known []Signature
		for _, s := range sigs {
			if s.Status != SigUnknownKey {
				known = append(known, s)
			}
		}
		r.add("signer", Critical, "no valid signature by any key you gave: %s", messages(known))
	}
	if c != nil && len(c.Signers) > 0 {
		for fp, s := range good {
			if !contains(c.Signers, fp) {
				r.add("signer", Warning, "%s signed, but the canary does not list that key among its signers", signerName(s))
			}
		}
	}
	keyProblems := append(append(byStatus[SigExpiredKey], byStatus[SigRevokedKey]...), byStatus[SigNotYetValid]...)
	if len(keyProblems) > 0 {
		r.add("key", flaw, "%s", messages(keyProblems))
	} else if len(good) > 0 {
		r.add("key", OK, "the signing keys were valid, not expired and not revoked when they signed")
	}
	if weak := byStatus[SigWeakHash]; len(weak) > 0 {
		r.add("hash", flaw, "%s", messages(weak))
	} else if len(good) > 0 {
		r.add("hash", OK, "signed with %s", hashList(good))
	}
	// Signers whose keys the reader did not give may well be the missing
	// ones: then the bar is not known to be missed, only not checked
	// (UNKNOWN), and the reader is told whose keys to give. Only when even
	// they are too few is it CRITICAL.
	others := distinctSigners(byStatus[SigUnknownKey])
	switch {
	case met:
		r.add("threshold", OK, "%d signer(s) signed, %s", len(good), bar)
	case len(good)+len(others) >= need:
		checked := "none of them signed with a key you gave"
		if len(good) > 0 {
			checked = fmt.Sprintf("%d signed with a key you gave (%s)", len(good), strings.Join(goodNames, ", "))
		}
		whose := "that key with --key to check its signature"
		if len(others) > 1 {
			whose = "those keys with --key to check their signatures"
		}
		r.add("threshold", Unknown, "could not check whether enough signers signed: of the %d required, %s; also signed with key(s) you did not give: %s; pass %s (%s)",
			need, checked, claimedList(others, claims), whose, bar)
	default:
		signedBy := "nobody"
		if len(goodNames) > 0 {
			signedBy = strings.Join(goodNames, ", ")
		}
		more := fmt.Sprintf("%d more needed", need-len(good))
		if len(others) > 0 {
			more = fmt.Sprintf("even counting the signature(s) by key(s) you did not give (%s), %d more needed", claimedList(others, claims), need-len(good)-len(others))
		}
		if why != "" {
			more += " (" + bar + ")"
		}
		with := ""
		if len(others) > 0 {
			with = " with a key you gave"
		}
		r.add("threshold", Critical, "only %d of the %d required signers signed%s (%s); %s", len(good), need, with, signedBy, more)
	}
	for _, s := range sigs {
		if s.Hash != "" && len(hashHeader) > 0 && !containsFold(hashHeader, s.Hash) {
			r.add("hash", Warning, "the block's Hash header (%s) does not name %s, which a signature uses; gpg will refuse this canary",
				strings.Join(hashHeader, ","), s.Hash)
			break
		}
	}
}

func (r *Result) checkDates(c *canary.Canary, opts Options) {
	at := opts.At
	warn := opts.WarnBefore
	if warn == 0 {
		warn = DefaultWarnBefore
	}
	timeOK := true
	for _, s := range r.Signatures {
		if s.Status != SigGood {
			continue
		}
		switch {
		case s.Created.Before(c.Issued.Add(-clockSkew)):
			r.add("signature-time", Critical, "the canary says it was issued %s, but %s signed it earlier, on %s: the date in the text is not the signing date",
				stamp(c.Issued), signerName(s), stamp(s.Created))
			timeOK = false
		case s.Created.After(c.Expires):
			r.add("signature-time", Warning, "%s signed on %s, after the canary had expired", signerName(s), stamp(s.Created))
			timeOK = false
		}
	}
	if c.Issued.After(at.Add(clockSkew)) {
		r.add("signature-time", Critical, "the canary claims to be issued on %s, which is in the future", stamp(c.Issued))
		timeOK = false
	}
	if timeOK {
		r.add("signature-time", OK, "issued %s, consistent with the signature dates", stamp(c.Issued))
	}
	// The reader's MaxAge bounds every canary: one that claims to hold for
	// a century is still stale once older than the reader allows.
	r.expires = c.Expires
	if opts.MaxAge > 0 && c.Issued.Add(opts.MaxAge).Before(c.Expires) {
		r.expires = c.Issued.Add(opts.MaxAge)
		left := r.expires.Sub(at)
		allow := fmt.Sprintf("the %s you allow (--max-age)", Human(opts.MaxAge))
		switch {
		case left <= 0:
			r.add("expiry", Critical, "issued %s, older than %s: too old to rely on since %s (%s ago), although it claims to hold until %s",
				stamp(c.Issued), allow, stamp(r.expires), Human(-left), stamp(c.Expires))
		case left <= warn:
			r.add("expiry", Warning, "issued %s; it becomes older than %s on %s, in %s; a renewal is due (it claims to hold until %s)",
				stamp(c.Issued), allow, stamp(r.expires), Human(left), stamp(c.Expires))
		default:
			r.add("expiry", OK, "valid until %s (%s left), by %s after its issue on %s; it claims to hold until %s",
				stamp(r.expires), Human(left), allow, stamp(c.Issued), stamp(c.Expires))
		}
		return
	}
	left := c.Expires.Sub(at)
	switch {
	case left <= 0:
		r.add("expiry", Critical, "expired on %s (%s ago): the publisher has not renewed this canary in time", stamp(c.Expires), Human(-left))
	case left <= warn:
		r.add("expiry", Warning, "expires on %s, in %s; a renewal is due", stamp(c.Expires), Human(left))
	default:
		r.add("expiry", OK, "valid until %s (%s left)", stamp(c.Expires), Human(left))
	}
}

func (r *Result) checkPrevious(c *canary.Canary, prev *previousCanary, keys openpgp.EntityList) {
	if prev.c == nil {
		r.add("previous", Unknown, "%s", prev.problem)
		r.Changes = nil // not compared
		return
	}
	p := prev.c
	if p.Issuer != c.Issuer {
		r.add("previous-issuer", Critical, "issuer changed from %q (%s) to %q (%s)", p.Issuer.Name, p.Issuer.URL, c.Issuer.Name, c.Issuer.URL)
	} else {
		r.add("previous-issuer", OK, "same issuer as the previous canary")
	}
	switch {
	case canary.Digest(prev.text) == r.Digest:
		// A reader re-checking the canary they trusted: unchanged is not a
		// problem while it holds (checkDates judges that); only an older
		// canary is a replay.
		r.add("previous-serial", OK, "unchanged since the canary you trusted (serial %d); renewal due by %s", c.Serial, stamp(r.Expires()))
	case c.Serial <= p.Serial:
		r.add("previous-serial", Critical, "serial %d is not newer than the previous canary's %d: an old canary may be being served again (replay)", c.Serial, p.Serial)
	case !c.Issued.After(p.Issued):
		r.add("previous-serial", Critical, "issued %s, not after the previous canary (%s)", stamp(c.Issued), stamp(p.Issued))
	default:
		r.add("previous-serial", OK, "serial %d follows %d", c.Serial, p.Serial)
	}
	want := canary.Digest(prev.text)
	switch {
	case c.Serial == p.Serial+1 && c.Previous == want:
		r.add("previous-digest", OK, "chains to the previous canary (%s)", short(want))
	case c.Serial == p.Serial+1 && c.Previous == "":
		r.add("previous-digest", Critical, "names no previous canary, but one was issued before it: the chain was restarted")
	case c.Serial == p.Serial+1:
		r.add("previous-digest", Critical, "names a previous canary (%s) that is not the one you trusted (%s)", short(c.Previous), short(want))
	case c.Serial > p.Serial+1:
		r.add("previous-digest", Warning, "%d canaries were issued between the previous one (serial %d) and this one; the chain could not be checked across the gap",
			c.Serial-p.Serial-1, p.Serial)
	}
	r.checkSigners(c, p, keys)
	r.compareStatements(p.Statements, c.Statements)
}

// checkSigners compares the signers the canary lists with the previous
// canary's. A signer dropped, or a lower threshold, is shown (WARNING): a
// team changes, but a reader should know. It is CRITICAL when the
// signers left listed are fewer than the previous threshold and the
// signatures do not meet that threshold either: the holder of one key of
// an m-of-n canary re-issuing it as theirs alone. (Checking the threshold
// itself is checkSignatures': the previous threshold is a floor there.)
func (r *Result) checkSigners(c, p *canary.Canary, keys openpgp.EntityList) {
	var dropped []string
	for _, fp := range p.Signers {
		if !contains(c.Signers, fp) {
			dropped = append(dropped, fp)
		}
	}
	good := map[string]bool{}
	for _, s := range r.Signatures {
		if s.Status == SigGood {
			good[s.Fingerprint] = true
		}
	}
	status := OK
	var msgs []string
	if len(dropped) > 0 {
		var names []string
		for _, fp := range dropped {
			names = append(names, fingerprintName(fp, keys))
		}
		m := fmt.Sprintf("the canary no longer lists %s, listed as a signer in the previous canary", strings.Join(names, ", "))
		if len(dropped) > 1 {
			m = fmt.Sprintf("the canary no longer lists %s, listed as signers in the previous canary", strings.Join(names, ", "))
		}
		status = Warning
		if len(c.Signers) < p.Threshold {
			m += fmt.Sprintf(", leaving %d signer%s where the previous canary required %d", len(c.Signers), plural(len(c.Signers)), p.Threshold)
			if len(good) < p.Threshold {
				status = Critical
			}
		}
		msgs = append(msgs, m)
	}
	if c.Threshold < p.Threshold {
		status = Worse(status, Warning)
		msgs = append(msgs, fmt.Sprintf("the canary lowers its threshold from %d to %d; signatures by %d keys are still required, as the previous canary said", p.Threshold, c.Threshold, p.Threshold))
	}
	switch {
	case len(msgs) > 0:
		r.add("signers", status, "%s", strings.Join(msgs, "; "))
	case len(p.Signers) == 1:
		r.add("signers", OK, "the signer of the previous canary is still listed")
	case len(p.Signers) == 2:
		r.add("signers", OK, "both signers of the previous canary are still listed")
	case len(p.Signers) > 2:
		r.add("signers", OK, "all %d signers of the previous canary are still listed", len(p.Signers))
	}
}

// fingerprintName names a key fingerprint as signerName does, by its
// primary user ID when the reader gave the key.
func fingerprintName(fp string, ring openpgp.EntityList) string {
	for _, e := range ring {
		if e.PrimaryKey != nil && keys.Fingerprint(e.PrimaryKey.Fingerprint) == fp {
			if uid := primaryUID(e); uid != "" {
				return uid + " (" + fp + ")"
			}
		}
	}
	return fp
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (r *Result) compareStatements(old, cur []canary.Statement) {
	now := map[string]string{}
	for _, s := range cur {
		now[s.ID] = s.Text
	}
	before := map[string]bool{}
	status := OK
	var msgs []string
	for _, s := range old {
		before[s.ID] = true
		t, ok := now[s.ID]
		switch {
		case !ok:
			r.Changes = append(r.Changes, Change{ID: s.ID, Kind: "removed", Old: s.Text})
			msgs = append(msgs, fmt.Sprintf("statement %q was REMOVED; it said: %q", s.ID, s.Text))
			status = Critical
		case t != s.Text:
			r.Changes = append(r.Changes, Change{ID: s.ID, Kind: "reworded", Old: s.Text, New: t})
			msgs = append(msgs, fmt.Sprintf("statement %q was REWORDED from %q to %q", s.ID, s.Text, t))
			status = Critical
		}
	}
	for _, s := range cur {
		if !before[s.ID] {
			r.Changes = append(r.Changes, Change{ID: s.ID, Kind: "added", New: s.Text})
			msgs = append(msgs, fmt.Sprintf("statement %q is new: %q", s.ID, s.Text))
		}
	}
	if len(msgs) == 0 {
		r.add("statements", OK, "all %d statements are unchanged since the previous canary", len(old))
		return
	}
	r.add("statements", status, "%s", strings.Join(msgs, "; "))
}

// finish sets the overall status and the one-line summary.
func (r *Result) finish() {
	r.Status = OK
	for _, c := range r.Checks {
		r.Status = Worse(r.Status, c.Status)
	}
	if r.Status != OK {
		for _, c := range r.Checks {
			if c.Status == r.Status {
				r.Summary = c.Message
				return
			}
		}
	}
	var who []string
	for _, s := range r.Signatures {
		if s.Status == SigGood {
			who = append(who, s.Signer)
		}
	}
	switch c, f := r.Canary, r.FreeText; {
	case c != nil:
		until := stamp(c.Expires)
		if e := r.Expires(); !e.Equal(c.Expires) {
			until = stamp(e) + " (the --max-age you allow; it claims " + stamp(c.Expires) + ")"
		}
		r.Summary = fmt.Sprintf("authentic canary from %s (serial %d), signed by %s, issued %s, valid until %s",
			c.Issuer.Name, c.Serial, strings.Join(who, ", "), stamp(c.Issued), until)
	case f != nil && f.Expires != nil:
		r.Summary = fmt.Sprintf("authentic free-text canary signed by %s, issued %s, judged by its dates: fresh until %s",
			strings.Join(who, ", "), stamp(f.Issued), stamp(*f.Expires))
	default:
		r.Summary = "all checks passed"
	}
}

// distinctSigners is list with one signature per key.
func distinctSigners(list []Signature) []Signature {
	seen := map[string]bool{}
	var out []Signature
	for _, s := range list {
		if k := keyName(s); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// claimedUserIDs maps the key ID of each signature in packets that names
// its signer (the signer's user ID subpacket) to that user ID. It is what
// the signature says, unchecked: without the key nothing confirms it.
func claimedUserIDs(packets []byte) map[string]string {
	out := map[string]string{}
	pr := packet.NewReader(bytes.NewReader(packets))
	for range MaxSignatures {
		p, err := pr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var unsupported pgperrors.UnsupportedError
			if errors.As(err, &unsupported) {
				continue
			}
			break
		}
		if sig, ok := p.(*packet.Signature); ok && sig.SignerUserId != nil && *sig.SignerUserId != "" {
			out[fmt.Sprintf("%016X", issuerKeyID(sig))] = *sig.SignerUserId
		}
	}
	return out
}

// claimedList names signers whose keys were not given: the fingerprint
// (or key ID) and, when the signature names one, the user ID it claims.
func claimedList(list []Signature, claims map[string]string) string {
	var m []string
	for _, s := range list {
		n := keyName(s)
		if uid, ok := claims[s.KeyID]; ok {
			n += fmt.Sprintf(" (the signature names %q; not confirmed without the key)", uid)
		}
		m = append(m, n)
	}
	return strings.Join(m, ", ")
}

func hashList(good map[string]Signature) string {
	set := map[string]bool{}
	for _, s := range good {
		set[s.Hash] = true
	}
	var names []string
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func short(digest string) string {
	if len(digest) > 19 {
		return digest[:19] + "…"
	}
	return digest
}

// Human writes a duration the way a person would say it ("3 days"), for
// every message a reader or a watchdog operator sees.
func Human(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d >= 2*day:
		return fmt.Sprintf("%d days", int(d/day))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d minutes", int(d/time.Minute))
	}
	return fmt.Sprintf("%d seconds", int(d/time.Second))
}

// Add records a check made outside Verify (a pinned key, a fetch) and
// recomputes the verdict, so callers never have to merge statuses by hand.
func (r *Result) Add(name string, s Status, msg string) {
	r.add(name, s, "%s", msg)
	r.finish()
}

// AddNote records a check made outside Verify that only informs (INFO).
func (r *Result) AddNote(name string, msg string) { r.AddCheck(Note(name, msg)) }

// AddCheck records c, a check made outside Verify, as it is (a note stays
// a note), and recomputes the verdict.
func (r *Result) AddCheck(c Check) {
	r.Checks = append(r.Checks, c)
	r.finish()
}

// Unchecked is the verdict when the canary could not even be looked at
// (unreadable input, a missing key file): UNKNOWN, never CRITICAL, since
// nothing was learnt about the canary itself.
func Unchecked(name string, err error) *Result {
	r := &Result{Signatures: []Signature{}, Changes: []Change{}}
	r.add(name, Unknown, "%v", err)
	r.finish()
	return r
}
