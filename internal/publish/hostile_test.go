package publish

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/issue"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/verdict"
)

// TestSiteEscapesHostileText: a signer whose user ID clears the screen,
// hides a terminal hyperlink and reverses the text after it, and an
// issuer and a statement with direction overrides (the canary format
// refuses control characters, not these): every file of the site (HTML,
// Atom, JSON) shows them by the one escaping rule, verdict.Display, and
// canary.json still reads back as the canary.
func TestSiteEscapesHostileText(t *testing.T) {
	uid := "Mallory \x1b[2J\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ \u202Egpj.exe <mallory@example.org>"
	root := t.TempDir()
	sec, pub, _, err := keys.GenerateKey(uid, nil, 0, t0.Add(-day))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(root, "keys"), 0o700)
	os.WriteFile(filepath.Join(root, "keys", "m.sec.asc"), sec, 0o600)
	p := filepath.Join(root, "canary.yaml")
	os.WriteFile(p, []byte("issuer: {name: Example Org, url: https://example.org}\ncadence: 90d\ngrace: 7d\nstatements:\n  - {id: no-warrants, text: No warrants.}\nsigners: [{key: keys/m.sec.asc}]\n"), 0o644)
	def, err := issue.LoadDefinition(p)
	if err != nil {
		t.Fatal(err)
	}
	// Past the definition's schema, which refuses them.
	def.Issuer.Name = "Example \u202EgrO\u2066"
	def.Statements[0].Text = "No warrants.\u202E\u200B sgnirraw on"
	dir := filepath.Join(root, "public")
	for i := range 2 {
		if _, err := issue.Issue(def, dir, t0.Add(time.Duration(i)*90*day), issue.IssueOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := keys.ReadKeys(pub)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Build(Options{Dir: dir, Keys: keys, Now: t0.Add(91 * day)})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Files {
		s := read(t, filepath.Join(dir, f))
		if at, what := verdict.Raw(s); what != "" {
			t.Errorf("%s holds %s at %d: %q", f, what, at, s[max(0, at-40):min(len(s), at+40)])
		}
	}
	page := read(t, filepath.Join(dir, IndexFile))
	for _, want := range []string{verdict.Display("Mallory \x1b[2J\x1b]8;;https://evil.example/\x1b\\click"), `\u202Egpj.exe`, `Example \u202EgrO\u2066`, `No warrants.\u202E\u200B sgnirraw on`} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html does not show %q", want)
		}
	}
	if !strings.Contains(read(t, filepath.Join(dir, FeedFile)), `No warrants.\u202E\u200B sgnirraw on`) {
		t.Error("feed.atom does not show the statement escaped")
	}
	if err := xml.NewDecoder(strings.NewReader(read(t, filepath.Join(dir, FeedFile)))).Decode(new(atomFeed)); err != nil && err != io.EOF {
		t.Errorf("feed.atom is not XML: %v", err)
	}
	var c canary.Canary
	if err := json.Unmarshal([]byte(read(t, filepath.Join(dir, JSONFile))), &c); err != nil || c.Statements[0].Text != def.Statements[0].Text || c.Issuer.Name != def.Issuer.Name {
		t.Errorf("canary.json reads back as %+v, %v", c.Statements, err)
	}
}
