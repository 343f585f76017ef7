package issue

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/fetch"
	"github.com/canarykit/canarykit/internal/freshness/tsa"
	"github.com/canarykit/canarykit/internal/keys"
)

func TestTokenNames(t *testing.T) {
	if canary.TokenName("canary.txt", 0) != "canary.txt.tsr" || canary.TokenName("000001.txt", 2) != "000001.txt.3.tsr" {
		t.Error(canary.TokenName("canary.txt", 0), canary.TokenName("000001.txt", 2))
	}
	for name, want := range map[string]bool{"canary.txt.tsr": true, "canary.txt.2.tsr": true, "canary.txt.10.tsr": true,
		"canary.txt.1.tsr": false, "canary.txt.02.tsr": false, "canary.txt.x.tsr": false, "canary.txt.asc": false, "other.tsr": false} {
		if isTokenName(name) != want {
			t.Errorf("isTokenName(%q) = %v", name, !want)
		}
	}
}

// freshPublisher is publisher with a key old enough to sign at the times
// of the real drand and Bitcoin vectors, and a freshness section.
func freshPublisher(t *testing.T, section string) (*Definition, string) {
	t.Helper()
	dir := t.TempDir()
	sec, _, _, err := keys.GenerateKey("Alice <alice@example.org>", nil, 0, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "keys"), 0o700)
	os.WriteFile(filepath.Join(dir, "keys", "alice.sec.asc"), sec, 0o600)
	p := filepath.Join(dir, "canary.yaml")
	def := string(StarterDefinition(p, "Example Org", "https://example.org")) + section
	if err := os.WriteFile(p, []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := LoadDefinition(p)
	if err != nil {
		t.Fatal(err)
	}
	// canary issue gives the freshness section its Fetcher's client;
	// freshness has none of its own.
	if d.Freshness != nil {
		f, err := fetch.New(fetch.Options{})
		if err != nil {
			t.Fatal(err)
		}
		d.Freshness.Client = f.Client()
	}
	return d, dir
}

func TestIssueWithFreshness(t *testing.T) {
	drand := ft.Drand(ft.Round12040883)
	defer drand.Close()
	feeds := ft.Feeds(map[string]string{"/rss.xml": `<rss><channel><item><title>Markets rally</title><pubDate>Mon, 14 Oct 2024 16:58:00 GMT</pubDate></item></channel></rss>`})
	defer feeds.Close()
	tsa1 := ft.NewTSA(ft.Round12040883Time.Add(9*time.Second), ft.CertOptions{})
	defer tsa1.Close()
	tsa2 := ft.NewTSA(ft.Round12040883Time.Add(10*time.Second), ft.CertOptions{})
	defer tsa2.Close()

	def, dir := freshPublisher(t, `
freshness:
  drand: {url: "`+drand.URL+`"}
  news: {feeds: ["`+feeds.URL+`/rss.xml"], items: 1}
  tsa:
    - {url: "`+tsa1.URL+`", roots: roots1.pem}
    - {url: "`+tsa2.URL+`", roots: roots2.pem, optional: true}
`)
	os.WriteFile(filepath.Join(dir, "roots1.pem"), tsa1.RootPEM, 0o644)
	os.WriteFile(filepath.Join(dir, "roots2.pem"), tsa2.RootPEM, 0o644)
	out := filepath.Join(dir, "public")
	issued := ft.Round12040883Time.Add(5 * time.Second)

	// A draft collects nothing and needs no network.
	draft, err := Issue(def, out, issued, IssueOptions{Draft: true})
	if err != nil || draft.Canary.Freshness != nil {
		t.Fatalf("draft: %v %+v", err, draft)
	}

	res, err := Issue(def, out, issued, IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Canary.Freshness) != 2 || len(res.Tokens) != 2 || len(res.Notes) != 0 {
		t.Fatalf("proofs %d tokens %d notes %v", len(res.Canary.Freshness), len(res.Tokens), res.Notes)
	}
	if !bytes.Contains(res.Signed, []byte("\nFreshness:\ndrand quicknet round 12040883 time 2024-10-14T17:13:33Z signature 929906c9")) ||
		!bytes.Contains(res.Signed, []byte("\nnews time 2024-10-14T16:58:00Z feed "+feeds.URL+"/rss.xml title Markets rally\n")) {
		t.Fatalf("signed canary:\n%s", res.Signed)
	}
	s, err := canary.Open(res.Signed)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range []*ft.TSA{tsa1, tsa2} {
		for _, p := range []string{filepath.Join(out, canary.TokenName(CurrentFile, i)), filepath.Join(out, ArchiveDir, canary.TokenName(ArchiveName(1), i))} {
			tok, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tsa.Verify(tok, s.Signatures, tsa.Options{Roots: x.Roots}); err != nil {
				t.Errorf("%s: %v", p, err)
			}
		}
	}

	// The second TSA fails, but is optional: the canary is issued with one
	// token, and the first canary's second token is not left beside it.
	tsa2.SetFault(ft.OtherImprint)
	res, err = Issue(def, out, issued.Add(time.Minute), IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tokens) != 1 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "message imprint mismatch") {
		t.Fatalf("tokens %d notes %v", len(res.Tokens), res.Notes)
	}
	if _, err := os.Stat(filepath.Join(out, "canary.txt.2.tsr")); !os.IsNotExist(err) {
		t.Errorf("stale second token left beside the new canary: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, ArchiveDir, "000001.txt.2.tsr")); err != nil {
		t.Errorf("the first canary's archived token is gone: %v", err)
	}

	// The first TSA is required: when it fails, nothing is written.
	before, _ := os.ReadFile(filepath.Join(out, CurrentFile))
	beforeTok, _ := os.ReadFile(filepath.Join(out, "canary.txt.tsr"))
	tsa1.SetFault(ft.WrongNonce)
	if _, err := Issue(def, out, issued.Add(2*time.Minute), IssueOptions{}); err == nil || !strings.Contains(err.Error(), "nonce") {
		t.Fatalf("required TSA failing: %v", err)
	}
	tsa1.SetFault(ft.NoFault)
	// So is drand: a dead drand API stops the issue before anything is signed.
	drand.Close()
	if _, err := Issue(def, out, issued.Add(3*time.Minute), IssueOptions{}); err == nil || !strings.Contains(err.Error(), "freshness source drand") {
		t.Fatalf("required drand failing: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(out, CurrentFile))
	afterTok, _ := os.ReadFile(filepath.Join(out, "canary.txt.tsr"))
	ents, _ := os.ReadDir(filepath.Join(out, ArchiveDir))
	if !bytes.Equal(before, after) || !bytes.Equal(beforeTok, afterTok) || len(ents) != 5 {
		t.Errorf("a failed issue changed the directory (%d archive entries)", len(ents))
	}
}
