package publish

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	pgpkeys "github.com/canarykit/canarykit/internal/keys"

	"github.com/canarykit/canarykit/internal/browsertest"
	"github.com/canarykit/canarykit/internal/issue"
)

// Issue 15 item 5: the top box of the page follows the content.

func topBox(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `<section class="verdict`)
	j := strings.Index(page, `<h2 id="statements">`)
	if i < 0 || j < i {
		t.Fatalf("no top box before the statements in:\n%s", page)
	}
	return page[i:j]
}

func TestTopBoxSaysWhatWasDropped(t *testing.T) {
	_, dir, keys := chain(t, 2) // canary 2 drops no-gag
	if _, err := Build(Options{Dir: dir, Keys: keys, Now: t0.Add(91 * day)}); err != nil {
		t.Fatal(err)
	}
	page := read(t, filepath.Join(dir, "index.html"))
	top := topBox(t, page)
	for _, want := range []string{
		`<section class="verdict alarm"`,
		"Since canary 1, Example &amp; &lt;Org&gt; no longer states:",
		"“We are not under any gag order.” <span class=\"id\">(no-gag)</span>",
	} {
		if !strings.Contains(top, want) {
			t.Errorf("top box lacks %q:\n%s", want, top)
		}
	}
}

func TestDroppedStatementInChromium(t *testing.T) {
	bin := browsertest.Chromium(t)
	_, dir, keys := chain(t, 2)
	if _, err := Build(Options{Dir: dir, Keys: keys, Now: t0.Add(91 * day)}); err != nil {
		t.Fatal(err)
	}
	dom, console := browsertest.Browse(t, bin, filepath.Join(dir, "index.html"), "--dump-dom")
	if len(console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(console, "\n"))
	}
	i, j := bytes.Index(dom, []byte("no longer states:")), bytes.Index(dom, []byte(`id="statements"`))
	if i < 0 || j < i {
		t.Errorf("chromium's DOM does not say what was dropped before the statements (%d, %d)", i, j)
	}
}

func TestTopBoxOfAnUnchangedCanaryIsCalm(t *testing.T) {
	def, dir, keys := chain(t, 1)
	if _, err := issue.Issue(def, dir, t0.Add(90*day), issue.IssueOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(Options{Dir: dir, Keys: keys, Now: t0.Add(91 * day)}); err != nil {
		t.Fatal(err)
	}
	top := topBox(t, read(t, filepath.Join(dir, "index.html")))
	if !strings.Contains(top, `<section class="verdict"`) || strings.Contains(top, "no longer states") {
		t.Errorf("unchanged canary's top box:\n%s", top)
	}
}

func TestExpiredPageDoesNotSayValidUntil(t *testing.T) {
	_, dir, keys := chain(t, 1)
	if _, err := Build(Options{Dir: dir, Keys: keys, Now: t0.Add(100 * day)}); err != nil {
		t.Fatal(err)
	}
	top := topBox(t, read(t, filepath.Join(dir, "index.html")))
	if !strings.Contains(top, "This canary has expired.") {
		t.Fatalf("expired top box:\n%s", top)
	}
	for _, bad := range []string{"Valid until", "If no newer canary has replaced this one by then"} {
		if strings.Contains(top, bad) {
			t.Errorf("expired top box still says %q:\n%s", bad, top)
		}
	}
}

func TestCheckItYourselfWorksOffline(t *testing.T) {
	_, dir, keys := chain(t, 1)
	if _, err := Build(Options{Dir: dir, Keys: keys, Now: t0.Add(day)}); err != nil {
		t.Fatal(err)
	}
	page := read(t, filepath.Join(dir, "index.html"))
	fp := pgpkeys.Fingerprint(keys[0].PrimaryKey.Fingerprint)
	want := "canary verify canary.txt --key keys/" + fp + ".asc --key " + fp + "</code>"
	if !strings.Contains(page, want) {
		t.Errorf("page lacks %q", want)
	}
}
