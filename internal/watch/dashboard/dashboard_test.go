package dashboard

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
	pgpkeys "github.com/canarykit/canarykit/internal/keys"
	signing "github.com/canarykit/canarykit/internal/signer"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/store"
)

var (
	t0  = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	day = 24 * time.Hour
	// at is when the pages are made: the last canary lapsed on 2026-10-27.
	at = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
)

// hostile is a statement made of markup: it must come out as text.
const hostile = `No warrants. <script>alert("x")</script> & "quotes" </svg><title>`

// fixture is a history with three targets: example-org, with four
// canaries (a lapse between two of them, a statement removed, a forged
// canary, and lapsed since its last one expired), down-org, never read
// (its last check failed, soft), and moved, retired with one canary.
type fixture struct {
	db                  *store.DB
	org, down, moved    store.Target
	orgBodies           [][]byte
	removedMsg, sigData string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	secret, _, fpr, err := pgpkeys.GenerateKey("Alice <alice@example.org>", nil, 0, t0.Add(-day))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "k.sec.asc"), secret, 0o600)
	signer, err := signing.ReadSigner(filepath.Join(dir, "k.sec.asc"))
	if err != nil {
		t.Fatal(err)
	}
	sign := func(serial uint64, issued time.Time, life time.Duration, statements ...canary.Statement) []byte {
		c := &canary.Canary{Format: canary.FormatV1, Issuer: canary.Issuer{Name: "Example & <Org>", URL: "https://example.org"},
			Serial: serial, Issued: issued, Expires: issued.Add(life), Threshold: 1, Signers: []string{fpr}, Statements: statements}
		b, err := signing.Sign(c.Render(), []*signing.Signer{signer}, issued)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	db, err := store.Open(ctx, filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db}
	ids, err := db.SyncTargets(ctx, []store.TargetSpec{{Name: "example-org", Location: "https://example.org/canary.txt"},
		{Name: "down-org", Location: "https://down.example/canary.txt"}, {Name: "moved", Location: "/srv/old/canary.txt"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	f.org, f.down, f.moved = ids[0], ids[1], ids[2]

	warrants := canary.Statement{ID: "no-warrants", Text: hostile}
	gag := canary.Statement{ID: "no-gag", Text: "No gag orders."}
	f.orgBodies = [][]byte{
		sign(1, t0, 97*day, warrants, gag),
		sign(2, t0.Add(90*day), 97*day, warrants, gag),
		sign(3, t0.Add(200*day), 97*day, warrants), // a lapse before it, and no-gag removed
	}
	f.removedMsg = `statement "no-gag" was REMOVED; it said: "No gag orders. <b>bold</b>"`
	f.sigData = "not really a signature"
	// cn is a canary as the watchdog stores it; signed says a key of the
	// watch list signed it.
	cn := func(body []byte, serial int64, issued time.Time, life time.Duration, status verdict.Status, good, signed bool, files ...store.File) *store.Canary {
		c := &store.Canary{Body: body, Files: files, Digest: canary.Digest(body), Kind: "canarykit", Serial: serial, Issued: issued, Expires: issued.Add(life),
			Status: status, Good: good, Source: "https://example.org/canary.txt", Signers: []string{}}
		if signed {
			c.Signers = []string{fpr}
		}
		return c
	}
	save := func(target string, when time.Time, status verdict.Status, c *store.Canary, events ...store.Event) {
		t.Helper()
		rec := &store.Record{TargetID: target, At: when, Status: status, HardStatus: status, Summary: status.String() + " at " + stamp(when),
			Changed: true, Canary: c, NewBaseline: c != nil && c.Good, Events: events}
		if err := db.Save(ctx, []*store.Record{rec}); err != nil {
			t.Fatal(err)
		}
	}
	org := f.org.ID
	c1 := cn(f.orgBodies[0], 1, t0, 97*day, verdict.OK, true, true)
	save(org, t0, verdict.OK, c1, store.Event{Type: "new-canary", Status: verdict.OK, Message: "first canary seen"})
	c2 := cn(f.orgBodies[1], 2, t0.Add(90*day), 97*day, verdict.OK, true, true)
	save(org, t0.Add(90*day), verdict.OK, c2, store.Event{Type: "renewed", Status: verdict.OK, Message: "renewed"})
	save(org, t0.Add(188*day), verdict.Critical, nil, store.Event{Type: "expired", Status: verdict.Critical, Message: "expired on " + stamp(t0.Add(187*day))})
	// Serial 3 drops a statement: CRITICAL, but the publisher's canary.
	c3 := cn(f.orgBodies[2], 3, t0.Add(200*day), 97*day, verdict.Critical, false, true)
	save(org, t0.Add(200*day), verdict.Critical, c3, store.Event{Type: "statement-removed", Status: verdict.Critical, Message: f.removedMsg})
	// A forgery, served for a day: it covers nothing.
	forged := bytes.Replace(f.orgBodies[2], []byte("Serial: 3"), []byte("Serial: 4"), 1)
	save(org, t0.Add(240*day), verdict.Critical, cn(forged, 4, t0.Add(240*day), 160*day, verdict.Critical, false, false,
		store.File{Kind: "sig", Data: []byte(f.sigData)}, store.File{Kind: "tsr", Data: []byte("token")}),
		store.Event{Type: "invalid", Status: verdict.Critical, Message: "a new canary that fails: bad signature"},
		store.Event{Type: "key-changed", Status: verdict.Critical, Message: "signed by ABCD, a key that did not sign the canaries before"})
	save(org, t0.Add(241*day), verdict.Critical, c3)
	save(org, t0.Add(300*day), verdict.Critical, c3,
		store.Event{Type: "expired", Status: verdict.Critical, Message: "expired on " + stamp(t0.Add(297*day))},
		store.Event{Type: "vanished", Status: verdict.Critical, Message: "the canary has vanished"})

	// down-org: never read; its last check failed, not reported yet.
	if err := db.Save(ctx, []*store.Record{{TargetID: f.down.ID, At: at, Status: verdict.Unknown, HardStatus: verdict.Unknown, Soft: true,
		Summary: "could not check (failure 1; reported after 3 in a row over 6h): connection refused", Failures: 1, FailingSince: at}}); err != nil {
		t.Fatal(err)
	}
	save(f.moved.ID, t0, verdict.OK, cn(sign(1, t0, 30*day, gag), 1, t0, 30*day, verdict.OK, true, true))
	// The target moves: the old one is retired with its history.
	if _, err := db.SyncTargets(ctx, []store.TargetSpec{{Name: "moved", Location: "https://moved.example/canary.txt"}}, t0.Add(10*day)); err != nil {
		t.Fatal(err)
	}
	return f
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// checkLinks checks that every relative link of the page at file leads to
// a file, and returns how many there were.
func checkLinks(t *testing.T, file string, page []byte) int {
	t.Helper()
	n := 0
	for _, m := range hrefRE.FindAllSubmatch(page, -1) {
		href := string(m[1])
		if strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "#") {
			continue
		}
		u, err := url.Parse(href)
		if err != nil || u.Scheme != "" {
			t.Errorf("%s: link %q is not relative", file, href)
			continue
		}
		target := filepath.Join(filepath.Dir(file), filepath.FromSlash(u.Path))
		if fi, err := os.Stat(target); err != nil || fi.IsDir() {
			t.Errorf("%s: link %q leads nowhere (%s)", file, href, target)
		}
		n++
	}
	return n
}

func TestWrite(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dir := t.TempDir()
	if err := Write(ctx, f.db, dir, at); err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	// Worst first, and a status in words for each.
	re := regexp.MustCompile(`(?s)<a href="targets/` + f.org.ID + `\.html">example-org</a></th>\s*<td><span class="st critical">CRITICAL</span>.*` +
		`<a href="targets/` + f.down.ID + `\.html">down-org</a></th>\s*<td><span class="st unknown">UNKNOWN\?</span>`)
	if !re.Match(index) {
		t.Errorf("index.html: example-org (CRITICAL) and then down-org (UNKNOWN?) not found:\n%s", index)
	}
	for _, want := range []string{
		`<time datetime="2026-07-20T12:00:00Z">2026-07-20 12:00</time>`, // example-org's current canary, issued
		`<time datetime="2026-10-25T12:00:00Z">2026-10-25 12:00</time>`, // and expired
		"1 CRITICAL</span>, <span class=\"st unknown\">1 UNKNOWN</span>",
		">NOT CHECKED</span>",
		"Retired targets", "/srv/old/canary.txt",
		"connection refused",
	} {
		if !bytes.Contains(index, []byte(want)) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if n := checkLinks(t, filepath.Join(dir, "index.html"), index); n != 6 {
		t.Errorf("index.html has %d relative links, want 6 (3 active targets, 2 under Needs a look, 1 retired)", n)
	}

	file := filepath.Join(dir, "targets", f.org.ID+".html")
	page, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		// The current canary's statements, escaped.
		`<li>No warrants. &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34; &lt;/svg&gt;&lt;title&gt; <span class="id">(no-warrants)</span></li>`,
		"Example &amp; &lt;Org&gt; states:",
		// Events, escaped in the table and in the timeline's tooltips.
		`statement &#34;no-gag&#34; was REMOVED; it said: &#34;No gag orders. &lt;b&gt;bold&lt;/b&gt;&#34;`,
		`statement-removed: statement &#34;no-gag&#34; was REMOVED; it said: &#34;No gag orders. &lt;b&gt;bold&lt;/b&gt;&#34;</title>`,
		// The lapses, in the table and the picture.
		"<td><time datetime=\"2026-07-07T12:00:00Z\">2026-07-07 12:00</time></td><td><time datetime=\"2026-07-20T12:00:00Z\">2026-07-20 12:00</time></td><td>13 days</td>",
		"expired: no canary since 2026-10-25 12:00 UTC (28 days up to now): the last one was not renewed",
		`<td><time datetime="2026-10-25T12:00:00Z">2026-10-25 12:00</time></td><td>now: expired, not renewed</td><td>28 days</td>`,
		`<svg class="timeline"`, `<desc id="timeline-desc">`,
		// The forgery is marked as such, with its files.
		"no good signature: not the publisher", `href="../archive/example-org-` + f.org.ID[:8] + `/000004.txt.sig"`,
		`href="../archive/example-org-` + f.org.ID[:8] + `/000004.txt.tsr"`,
		`<a href="https://example.org/canary.txt" rel="noopener noreferrer">`,
		// Why: serial 3 dropped a statement when first seen; the target is
		// CRITICAL since it expired and vanished.
		"and was not accepted since: a statement it made before was removed.</p>",
		"<dt>Why CRITICAL</dt>", "its expiry date passed with no newer canary published (",
		"the canary can no longer be found at its location (",
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the page of example-org lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>", "<b>bold", `</svg><title>`} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("the page of example-org holds unescaped %q", bad)
		}
	}
	if n := checkLinks(t, file, page); n != 8 {
		t.Errorf("the page of example-org has %d relative links, want 8 (index, current, 4 canaries, .sig, .tsr)", n)
	}
	// The archive is what was published, as canary archive export names it.
	sub := filepath.Join(dir, "archive", "example-org-"+f.org.ID[:8])
	for i, body := range f.orgBodies {
		got, err := os.ReadFile(filepath.Join(sub, "00000"+string(rune('1'+i))+".txt"))
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("archive file %d: %v, differs: %v", i+1, err, !bytes.Equal(got, body))
		}
	}
	if got, _ := os.ReadFile(filepath.Join(sub, "000004.txt.sig")); string(got) != f.sigData {
		t.Errorf("000004.txt.sig = %q", got)
	}
	for _, o := range []store.Target{f.down, f.moved} {
		if _, err := os.Stat(filepath.Join(dir, "targets", o.ID+".html")); err != nil {
			t.Error(err)
		}
	}
	// A retired target's picture ends when it was retired, though its
	// canary was valid for longer.
	moved, _ := os.ReadFile(filepath.Join(dir, "targets", f.moved.ID+".html"))
	if bytes.Contains(moved, []byte(`class="future"`)) || !bytes.Contains(moved, []byte("now: 2026-01-11 12:00 UTC")) {
		t.Error("the picture of a retired target does not end when it was retired")
	}
	down, _ := os.ReadFile(filepath.Join(dir, "targets", f.down.ID+".html"))
	if !bytes.Contains(down, []byte("No canary has been read from this target yet.")) {
		t.Error("the page of down-org does not say that no canary was read")
	}

	// Again: the same archive is fine, and the pages are made anew.
	if err := Write(ctx, f.db, dir, at.Add(time.Hour)); err != nil {
		t.Fatalf("second write: %v", err)
	}
	// A canary file already there is kept, not read back; one removed is
	// written again.
	os.WriteFile(filepath.Join(sub, "000001.txt"), []byte("other"), 0o644)
	os.Remove(filepath.Join(sub, "000003.txt"))
	if err := Write(ctx, f.db, dir, at); err != nil {
		t.Fatalf("third write: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(sub, "000003.txt")); !bytes.Equal(got, f.orgBodies[2]) {
		t.Error("a removed archive file was not written again")
	}
	if got, _ := os.ReadFile(filepath.Join(sub, "000001.txt")); string(got) != "other" {
		t.Error("an archive file already there was replaced")
	}
}

func TestWriteConflict(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	sub := filepath.Join(dir, "archive", "example-org-"+f.org.ID[:8])
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(sub, "000004.txt.sig"), []byte("other"), 0o644)
	err := Write(context.Background(), f.db, dir, at)
	if err == nil || !strings.Contains(err.Error(), "000004.txt.sig already exists with other content") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err == nil {
		t.Error("index.html written after a failure")
	}
}

func TestHandler(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(Handler(f.db, func() time.Time { return at }))
	defer srv.Close()
	dir := t.TempDir()
	if err := Write(context.Background(), f.db, dir, at); err != nil {
		t.Fatal(err)
	}
	get := func(p string) (int, http.Header, []byte) {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, b
	}
	// The server serves what Write writes.
	id8 := f.org.ID[:8]
	for p, file := range map[string]string{
		"/":                                "index.html",
		"/index.html":                      "index.html",
		"/targets/" + f.org.ID + ".html":   "targets/" + f.org.ID + ".html",
		"/targets/" + f.moved.ID + ".html": "targets/" + f.moved.ID + ".html",
		"/archive/example-org-" + id8 + "/000002.txt":     "archive/example-org-" + id8 + "/000002.txt",
		"/archive/example-org-" + id8 + "/000004.txt.sig": "archive/example-org-" + id8 + "/000004.txt.sig",
		"/archive/example-org-" + id8 + "/000004.txt.tsr": "archive/example-org-" + id8 + "/000004.txt.tsr",
	} {
		code, h, body := get(p)
		want, _ := os.ReadFile(filepath.Join(dir, file))
		if code != 200 || !bytes.Equal(body, want) {
			t.Errorf("GET %s: %d, same as %s: %v", p, code, file, bytes.Equal(body, want))
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", p)
		}
		if strings.HasSuffix(file, ".html") && h.Get("Content-Security-Policy") != csp() {
			t.Errorf("GET %s: CSP %q", p, h.Get("Content-Security-Policy"))
		}
	}
	for _, p := range []string{"/targets/" + strings.Repeat("0", 32) + ".html", "/archive/example-org-" + id8 + "/000009.txt",
		"/archive/example-org-" + id8 + "/000001.txt.sig", "/archive/other-" + id8 + "/000001.txt", "/../w.db", "/metrics"} {
		if code, _, _ := get(p); code != 404 {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
	res, err := http.Post(srv.URL+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 405 {
		t.Errorf("POST: %d, want 405", res.StatusCode)
	}
}
