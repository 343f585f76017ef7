package publish

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/issue"
	pgpkeys "github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/schema"
)

var (
	day = 24 * time.Hour
	t0  = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC) // a Friday
)

// hostile is a statement a publisher could write that must come out as
// text on the page, never as markup.
const hostile = `We have not received any warrant. <script>alert("x")</script> & "quotes"`

// chain issues n canaries, 90 days apart, in a temporary publication
// directory; the last one drops a statement.
func chain(t *testing.T, n int) (def *issue.Definition, dir string, keys openpgp.EntityList) {
	t.Helper()
	root := t.TempDir()
	sec, pub, _, err := pgpkeys.GenerateKey("Alice <alice@example.org>", nil, 0, t0.Add(-day))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(root, "keys"), 0o700)
	os.WriteFile(filepath.Join(root, "keys", "alice.sec.asc"), sec, 0o600)
	yaml := `issuer: {name: "Example & <Org>", url: https://example.org}
cadence: 90d
grace: 7d
statements:
  - {id: no-warrants, text: '` + strings.ReplaceAll(hostile, "'", "''") + `'}
  - {id: no-gag, text: "We are not under any gag order."}
signers: [{key: keys/alice.sec.asc}]
`
	p := filepath.Join(root, "canary.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if def, err = issue.LoadDefinition(p); err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(root, "public")
	for i := 0; i < n; i++ {
		if i == n-1 && n > 1 {
			def.Statements = def.Statements[:1]
		}
		if _, err := issue.Issue(def, dir, t0.Add(time.Duration(i)*90*day), issue.IssueOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if keys, err = pgpkeys.ReadKeys(pub); err != nil {
		t.Fatal(err)
	}
	return def, dir, keys
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBuildSite(t *testing.T) {
	_, dir, keys := chain(t, 3)
	now := t0.Add(180*day + time.Hour)
	res, err := Build(Options{Dir: dir, Keys: keys, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Expired || res.Canary.Serial != 3 {
		t.Fatalf("result %+v", res)
	}
	for _, f := range []string{"index.html", "canary.json", "feed.atom", "archive/index.html", "keys/" + res.Canary.Signers[0] + ".asc"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("site lacks %s: %v", f, err)
		}
	}

	page := read(t, filepath.Join(dir, "index.html"))
	for _, want := range []string{
		`<html lang="en">`,
		`We have not received any warrant. &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;`,
		`Warrant canary of Example &amp; &lt;Org&gt;`,
		`Issued <time datetime="2027-05-19T12:00:00Z">Wednesday 19 May 2027, 12:00 UTC</time>`,
		`Valid until <time datetime="2027-08-24T12:00:00Z">Tuesday 24 August 2027, 12:00 UTC</time> (97 days after it was issued)`,
		`<span class="removed">removed</span>: no-gag`,
		`href="canary.txt"`, `href="archive/index.html"`, `href="feed.atom"`, `href="canary.json"`,
		`gpg --verify canary.txt`,
		groups(res.Canary.Signers[0]),
		"-----BEGIN PGP SIGNATURE-----",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "http://") && !strings.Contains(page, "https://example.org") {
		t.Errorf("index.html holds a script or a non-relative asset")
	}
	// The <pre> holds canary.txt exactly, once its escaping is undone.
	cur := read(t, filepath.Join(dir, issue.CurrentFile))
	i := strings.Index(page, `<pre class="signed"`)
	pre := page[strings.Index(page[i:], ">")+i+1 : strings.Index(page[i:], "</pre>")+i]
	if unescape(pre) != cur {
		t.Errorf("the page's <pre> is not canary.txt:\n%s", pre)
	}

	archive := read(t, filepath.Join(dir, "archive", "index.html"))
	for _, want := range []string{`href="000001.txt"`, `href="000002.txt"`, `href="000003.txt"`, `href="../index.html"`, "3 canaries"} {
		if !strings.Contains(archive, want) {
			t.Errorf("archive/index.html lacks %q", want)
		}
	}

	// canary.json is the canary, valid against the schema readers use.
	var v any
	if err := json.Unmarshal([]byte(read(t, filepath.Join(dir, "canary.json"))), &v); err != nil {
		t.Fatal(err)
	}
	if err := schema.ValidateJSON(schema.Canary, v); err != nil {
		t.Errorf("canary.json does not match the canary schema: %v", err)
	}
	if v.(map[string]any)["serial"] != float64(3) {
		t.Errorf("canary.json serial = %v", v.(map[string]any)["serial"])
	}

	// The published key is the public key only.
	k := read(t, filepath.Join(dir, "keys", res.Canary.Signers[0]+".asc"))
	el, err := pgpkeys.ReadKeys([]byte(k))
	if err != nil || len(el) != 1 || el[0].PrivateKey != nil || strings.Contains(k, "PRIVATE") {
		t.Errorf("keys/ holds %d keys, secret part %v: %v", len(el), len(el) == 1 && el[0].PrivateKey != nil, err)
	}

	// Rebuilding changes nothing but the page's date.
	before := read(t, filepath.Join(dir, "feed.atom"))
	if _, err := Build(Options{Dir: dir, Keys: keys, Now: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if read(t, filepath.Join(dir, "feed.atom")) != before {
		t.Error("feed.atom changed on a rebuild with no new canary")
	}
}

func unescape(s string) string {
	r := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&amp;", "&", "&#43;", "+")
	return r.Replace(s)
}

func TestFeed(t *testing.T) {
	_, dir, keys := chain(t, 3)
	if _, err := Build(Options{Dir: dir, Keys: keys, BaseURL: "https://example.org/canary", Now: t0.Add(181 * day)}); err != nil {
		t.Fatal(err)
	}
	var f atomFeed
	data := read(t, filepath.Join(dir, "feed.atom"))
	if err := xml.Unmarshal([]byte(data), &f); err != nil {
		t.Fatal(err)
	}
	if f.XMLName.Space != "http://www.w3.org/2005/Atom" || f.ID != "https://example.org/canary/feed.atom" || f.Base != "https://example.org/canary/" {
		t.Errorf("feed %+v", f)
	}
	if len(f.Entries) != 3 || f.Updated != "2027-05-19T12:00:00Z" {
		t.Fatalf("%d entries, updated %s", len(f.Entries), f.Updated)
	}
	seen := map[string]bool{}
	for i, e := range f.Entries {
		serial := 3 - i
		c, err := os.ReadFile(filepath.Join(dir, "archive", issue.ArchiveName(uint64(serial))))
		if err != nil {
			t.Fatal(err)
		}
		s, _ := canary.Open(c)
		if want := "urn:sha256:" + strings.TrimPrefix(canary.Digest(s.Text), "sha256:"); e.ID != want || seen[e.ID] {
			t.Errorf("entry %d id %s, want %s", i, e.ID, want)
		}
		seen[e.ID] = true
		if e.Content.Body != string(s.Text) {
			t.Errorf("entry %d content is not the signed text", i)
		}
		if e.Links[0].Href != "archive/"+issue.ArchiveName(uint64(serial)) {
			t.Errorf("entry %d links to %s", i, e.Links[0].Href)
		}
	}
	if !strings.Contains(f.Entries[0].Summary.Body, "Changed since canary 2: removed no-gag.") ||
		!strings.Contains(f.Entries[1].Summary.Body, "All 2 statements are unchanged since canary 1.") {
		t.Errorf("summaries: %q / %q", f.Entries[0].Summary.Body, f.Entries[1].Summary.Body)
	}
}

// A canary that does not verify with the definition's keys is never put
// on a page: nothing is written.
func TestBuildRefusesForgery(t *testing.T) {
	_, dir, _ := chain(t, 1)
	_, pub, _, err := pgpkeys.GenerateKey("Mallory <m@example.org>", nil, 0, t0.Add(-day))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := pgpkeys.ReadKeys(pub)
	_, err = Build(Options{Dir: dir, Keys: other, Now: t0.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "does not verify with the definition's signer keys") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err == nil {
		t.Error("index.html was written for a canary that does not verify")
	}
	if _, err := Build(Options{Dir: filepath.Join(dir, "nothing"), Keys: other, Now: t0}); err == nil || !strings.Contains(err.Error(), "issue a canary first") {
		t.Errorf("empty dir: %v", err)
	}
}

func TestExpiredCanaryIsSaidExpired(t *testing.T) {
	_, dir, keys := chain(t, 1)
	res, err := Build(Options{Dir: dir, Keys: keys, Now: t0.Add(100 * day)})
	if err != nil {
		t.Fatal(err)
	}
	page := read(t, filepath.Join(dir, "index.html"))
	if !res.Expired || !strings.Contains(page, "<strong>This canary has expired.</strong>") || !strings.Contains(page, `class="verdict expired"`) {
		t.Errorf("expired canary not flagged: %v", res.Expired)
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[len(res.Notes)-1], "expired") {
		t.Errorf("notes %q", res.Notes)
	}
}

// With a separate site directory, only the signed files are copied: no
// draft, no definition, and no token of an earlier canary.
func TestSeparateSite(t *testing.T) {
	def, dir, keys := chain(t, 2)
	site := filepath.Join(t.TempDir(), "site")
	os.WriteFile(filepath.Join(dir, issue.DraftFile), []byte("draft\n"), 0o644)
	os.MkdirAll(site, 0o755)
	os.WriteFile(filepath.Join(site, "canary.txt.2.tsr"), []byte("stale"), 0o644)
	if _, err := Build(Options{Dir: dir, Site: site, Keys: keys, Threshold: def.Threshold, Now: t0.Add(91 * day)}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"canary.txt", "archive/000001.txt", "archive/000002.txt", "index.html"} {
		if read(t, filepath.Join(site, f)) == "" {
			t.Errorf("%s is empty", f)
		}
	}
	if read(t, filepath.Join(site, "canary.txt")) != read(t, filepath.Join(dir, "canary.txt")) {
		t.Error("site/canary.txt differs from the published one")
	}
	for _, f := range []string{issue.DraftFile, "canary.txt.2.tsr"} {
		if _, err := os.Stat(filepath.Join(site, f)); err == nil {
			t.Errorf("site holds %s", f)
		}
	}
}

func TestGroups(t *testing.T) {
	got := groups("F70D56C58248D1DD19D39559C9A3B83994E18046")
	if want := "F70D 56C5 8248 D1DD 19D3  9559 C9A3 B839 94E1 8046"; got != want {
		t.Errorf("groups = %q, want %q", got, want)
	}
}
