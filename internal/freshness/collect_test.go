package freshness

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/fetch"
	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"
	"github.com/canarykit/canarykit/internal/freshness/tsa"
)

func TestCheckTime(t *testing.T) {
	ps := sampleProofs(t)
	drand, btc, news := &ps[0], &ps[1], &ps[2]
	for _, tc := range []struct {
		name    string
		p       *Proof
		issued  time.Time
		want    string // "" for nil
		contrad bool
	}{
		{"drand just before", drand, drand.Time.Add(7 * time.Second), "", false},
		{"drand a bit after (passphrase prompt)", drand, drand.Time.Add(-2 * time.Minute), "", false},
		{"drand after the issue time", drand, drand.Time.Add(-ClockTolerance - time.Second), "after the canary says it was issued", true},
		{"drand stale", drand, drand.Time.Add(DrandMaxAge + time.Second), "older than the canary", false},
		{"bitcoin 1h old", btc, btc.Time.Add(time.Hour), "", false},
		{"bitcoin dated ahead within leeway", btc, btc.Time.Add(-BitcoinLeeway), "", false},
		{"bitcoin mined after", btc, btc.Time.Add(-BitcoinLeeway - ClockTolerance - time.Second), "was mined no earlier than", true},
		{"bitcoin stale", btc, btc.Time.Add(BitcoinMaxAge + time.Minute), "2h1m0s older", false},
		{"news never judged", news, news.Time.Add(-365 * 24 * time.Hour), "", false},
	} {
		err := tc.p.CheckTime(tc.issued)
		var te *TimingError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		case tc.want != "" && (!errors.As(err, &te) || te.Contradiction != tc.contrad):
			t.Errorf("%s: contradiction = %v, want %v", tc.name, te != nil && te.Contradiction, tc.contrad)
		}
	}
	if !btc.NotBefore().Equal(btc.Time.Add(-2*time.Hour)) || !drand.NotBefore().Equal(drand.Time) || !news.NotBefore().IsZero() {
		t.Error("NotBefore")
	}
	if news.Counts() || !drand.Counts() || !btc.Counts() {
		t.Error("Counts")
	}
}

type servers struct {
	drand, btc, feeds, down string
	tsa                     *ft.TSA
	close                   func()
}

func startServers(t *testing.T) *servers {
	d := ft.Drand(ft.Round12040883)
	b := ft.BlockAPI(881426, []ft.Block{ft.Block881423})
	f := ft.Feeds(map[string]string{"/rss.xml": rssFeed, "/atom.xml": atomFeed})
	x := ft.NewTSA(ft.Round12040883Time.Add(10*time.Second), ft.CertOptions{})
	gone := ft.Feeds(nil)
	gone.Close()
	s := &servers{d.URL, b.URL, f.URL, gone.URL, x, func() { d.Close(); b.Close(); f.Close(); x.Close() }}
	t.Cleanup(s.close)
	return s
}

// testClient is the client of a Fetcher with fetch's defaults, as
// canary issue gives one without --proxy.
func testClient(t *testing.T) *http.Client {
	t.Helper()
	f, err := fetch.New(fetch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return f.Client()
}

func TestCollect(t *testing.T) {
	s := startServers(t)
	client := testClient(t)
	issued := ft.Round12040883Time.Add(5 * time.Second)
	cfg := &Config{
		Drand: &DrandConfig{URL: s.drand},
		News:  &NewsConfig{Feeds: []string{s.feeds + "/rss.xml", s.feeds + "/atom.xml"}, Items: 2},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ps, notes, err := Collect(context.Background(), cfg, client, issued)
	if err != nil || len(notes) != 0 {
		t.Fatal(err, notes)
	}
	var kinds []string
	for _, p := range ps {
		kinds = append(kinds, string(p.Kind))
	}
	if strings.Join(kinds, ",") != "drand,news,news,news,news" {
		t.Errorf("kinds %v", kinds)
	}

	// A failing source that is not optional stops the issue; marked
	// optional, it is left out with a note.
	cfg.Drand.URL = s.down
	if _, _, err := Collect(context.Background(), cfg, client, issued); err == nil || !strings.Contains(err.Error(), "freshness source drand: cannot reach") || !strings.Contains(err.Error(), "optional: true") {
		t.Errorf("failing drand: %v", err)
	}
	cfg.Drand.Optional = true
	ps, notes, err = Collect(context.Background(), cfg, client, issued)
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0], "drand skipped (optional)") || len(ps) != 4 {
		t.Errorf("optional drand: %v %v %d", err, notes, len(ps))
	}

	// A stale beacon (a lagging mirror, or a wrong clock) is refused:
	// readers would be warned about it on every check.
	cfg = &Config{Drand: &DrandConfig{URL: s.drand}}
	if _, _, err := Collect(context.Background(), cfg, client, issued.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "older than the canary") {
		t.Errorf("stale drand: %v", err)
	}
	if _, _, err := Collect(context.Background(), cfg, client, issued.Add(-time.Hour)); err == nil || !strings.Contains(err.Error(), "after the canary says it was issued") {
		t.Errorf("drand from the future: %v", err)
	}

	// Bitcoin, 3 deep.
	cfg = &Config{Bitcoin: &BitcoinConfig{URL: s.btc}}
	cfg.Validate()
	ps, _, err = Collect(context.Background(), cfg, client, time.Date(2025, 1, 30, 0, 40, 0, 0, time.UTC))
	if err != nil || len(ps) != 1 || ps[0].Height != 881423 {
		t.Fatalf("bitcoin: %v %+v", err, ps)
	}
	if _, _, err := Collect(context.Background(), cfg, client, time.Date(2025, 1, 30, 3, 0, 0, 0, time.UTC)); err == nil || !strings.Contains(err.Error(), "older than") {
		t.Errorf("stale block: %v", err)
	}
}

func TestStamp(t *testing.T) {
	s := startServers(t)
	client := testClient(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tsa-roots.pem"), s.tsa.RootPEM, 0o644)
	sigs := []byte("signature packets")
	issued := ft.Round12040883Time.Add(5 * time.Second)
	cfg := &Config{TSA: []TSAConfig{{URL: s.tsa.URL, Roots: "tsa-roots.pem", Policy: ft.TestPolicy.String()}}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	toks, notes, err := Stamp(context.Background(), cfg, dir, client, sigs, issued, nil)
	if err != nil || len(toks) != 1 || len(notes) != 0 {
		t.Fatal(err, notes)
	}
	if _, err := tsa.Verify(toks[0], sigs, tsa.Options{Roots: s.tsa.Roots}); err != nil {
		t.Error(err)
	}

	// Without roots, the test CA is not among the system's: the error
	// says what to set.
	cfg.TSA[0].Roots = ""
	if _, _, err := Stamp(context.Background(), cfg, dir, client, sigs, issued, nil); err == nil || !strings.Contains(err.Error(), "set roots:") {
		t.Errorf("no roots: %v", err)
	}
	cfg.TSA[0].Roots = "tsa-roots.pem"

	// A TSA whose clock is behind the canary's proofs would read as a
	// contradiction to every reader.
	proofs := []Proof{{Kind: Drand, Chain: "quicknet", Round: 12040883, Time: ft.Round12040883Time, Signature: mustHex(t, ft.Round12040883.Signature)}}
	s.tsa.SetTime(ft.Round12040883Time.Add(-time.Hour))
	if _, _, err := Stamp(context.Background(), cfg, dir, client, sigs, issued, proofs); err == nil || !strings.Contains(err.Error(), "before it was made") {
		t.Errorf("TSA clock behind: %v", err)
	}
	s.tsa.SetTime(ft.Round12040883Time.Add(10 * time.Second))

	s.tsa.SetFault(ft.WrongNonce)
	if _, _, err := Stamp(context.Background(), cfg, dir, client, sigs, issued, nil); err == nil || !strings.Contains(err.Error(), "nonce") || !strings.Contains(err.Error(), "optional: true") {
		t.Errorf("wrong nonce: %v", err)
	}
	cfg.TSA = append(cfg.TSA, TSAConfig{URL: s.down, Optional: true})
	cfg.TSA[0].Optional = true
	toks, notes, err = Stamp(context.Background(), cfg, dir, client, sigs, issued, nil)
	if err != nil || len(toks) != 0 || len(notes) != 2 {
		t.Errorf("optional TSAs failing: %v %d %v", err, len(toks), notes)
	}
	cfg.TSA[0].Roots = "missing.pem"
	cfg.TSA[0].Optional = false
	if _, _, err := Stamp(context.Background(), cfg, dir, client, sigs, issued, nil); err == nil || !strings.Contains(err.Error(), "roots:") {
		t.Errorf("missing roots file: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	c := &Config{Drand: &DrandConfig{}, Bitcoin: &BitcoinConfig{}, News: &NewsConfig{Feeds: []string{"https://n.example/rss"}}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Drand.URL != DefaultDrandURL || c.Bitcoin.URL != DefaultBitcoinURL || c.Bitcoin.Depth != DefaultDepth || c.News.Items != DefaultNewsItems {
		t.Errorf("defaults not applied: %+v %+v %+v", c.Drand, c.Bitcoin, c.News)
	}
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{Bitcoin: &BitcoinConfig{Depth: 7}}, "depth 7"},
		{Config{Drand: &DrandConfig{URL: "api.drand.sh"}}, "must start with https://"},
		{Config{News: &NewsConfig{}}, "list 1 to"},
		{Config{News: &NewsConfig{Feeds: []string{"https://a b"}}}, "blanks"},
		{Config{News: &NewsConfig{Feeds: []string{"https://a"}, Items: 11}}, "items 11"},
		{Config{TSA: []TSAConfig{{URL: "https://t", Policy: "1.2.x"}}}, "not an OID"},
		{Config{TSA: make([]TSAConfig, MaxTSAs+1)}, "at most"},
	} {
		if err := tc.c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.c, err, tc.want)
		}
	}
	if !(*Config)(nil).Empty() || !(&Config{}).Empty() || c.Empty() {
		t.Error("Empty")
	}
}

// TestNoDefaultClient: a reader's freshness request (the --online block
// lookup) needs the client of the Fetcher the canary came through; there
// is no default one to go around its proxy.
//
// So is a publisher's: canary issue gives its Fetcher's client, built from
// its --proxy, and Collect and Stamp given none ask nobody, rather than
// go around that proxy with a client of their own.
func TestNoDefaultClient(t *testing.T) {
	p := &Proof{Header: make(Hex, HeaderLen)}
	if err := CheckMainChain(context.Background(), nil, "http://127.0.0.1:1", p); !errors.Is(err, errNoClient) {
		t.Errorf("CheckMainChain without a client: %v, want errNoClient", err)
	}

	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	cfg := &Config{
		Drand:   &DrandConfig{URL: srv.URL},
		Bitcoin: &BitcoinConfig{URL: srv.URL},
		News:    &NewsConfig{Feeds: []string{srv.URL + "/rss.xml"}},
		TSA:     []TSAConfig{{URL: srv.URL}},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Collect(context.Background(), cfg, nil, time.Now()); !errors.Is(err, errNoClient) {
		t.Errorf("Collect without a client: %v, want errNoClient", err)
	}
	if _, _, err := Stamp(context.Background(), cfg, t.TempDir(), nil, []byte("sigs"), time.Now(), nil); err == nil || !strings.Contains(err.Error(), "no HTTP client") {
		t.Errorf("Stamp without a client: %v, want no HTTP client", err)
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("without a client, %d request(s) were made anyway", n)
	}
}

// TestSourceLimit: a source gets SourceTimeout, or more when the command's
// client allows one request more (canary issue --timeout 2m through Tor).
func TestSourceLimit(t *testing.T) {
	for _, tc := range []struct{ client, want time.Duration }{
		{0, SourceTimeout},
		{5 * time.Second, SourceTimeout},
		{2 * time.Minute, 2 * time.Minute},
	} {
		if got := sourceLimit(&http.Client{Timeout: tc.client}); got != tc.want {
			t.Errorf("client timeout %v: source limit %v, want %v", tc.client, got, tc.want)
		}
	}
}
