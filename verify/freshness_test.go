package verify

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/freshness"
	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/signer"
)

// oldKey signs at the times of the real drand and Bitcoin vectors
// (2023-2025), before the other tests' keys exist.
var oldKey testKey

func freshKey(t testing.TB) testKey {
	if oldKey.signer == nil {
		sec, pub, fp, err := keys.GenerateKey("Carol <carol@example.org>", nil, 0, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		el, _ := keys.ReadKeys(sec)
		keys, _ := keys.ReadKeys(pub)
		oldKey = testKey{&signer.Signer{Entity: el[0], Source: "carol"}, keys, fp}
	}
	return oldKey
}

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	roundTime  = ft.Round12040883Time
	blockTime  = time.Date(2025, 1, 30, 0, 1, 45, 0, time.UTC)
	drandProof = func(t testing.TB) freshness.Proof {
		return freshness.Proof{Kind: freshness.Drand, Chain: "quicknet", Round: 12040883, Time: roundTime, Signature: unhex(t, ft.Round12040883.Signature)}
	}
	blockProof = func(t testing.TB, b ft.Block) freshness.Proof {
		h, _ := freshness.ParseHeader(unhex(t, b.Header))
		return freshness.Proof{Kind: freshness.Bitcoin, Height: b.Height, Time: h.Time, Header: unhex(t, b.Header)}
	}
	newsProof = freshness.Proof{Kind: freshness.News, Time: time.Date(2024, 10, 14, 16, 58, 0, 0, time.UTC), Feed: "https://news.example/rss.xml", Title: "Markets rally"}
)

// fresh makes a canary issued at issued with proofs, signed at signedAt;
// it returns the file and its signature packets (what a TSA stamps).
func fresh(t *testing.T, issued, signedAt time.Time, proofs ...freshness.Proof) ([]byte, []byte) {
	t.Helper()
	k := freshKey(t)
	c := &canary.Canary{
		Format: canary.FormatV1, Issuer: canary.Issuer{Name: "Example Org", URL: "https://example.org"},
		Serial: 1, Issued: issued, Expires: issued.Add(97 * 24 * time.Hour), Threshold: 1,
		Signers: []string{k.fp}, Statements: statements(), Freshness: proofs,
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	data := sign(t, c.Render(), signedAt, k)
	s, err := canary.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	return data, s.Signatures
}

func verifyFresh(data []byte, at time.Time, fo FreshnessOptions) *Result {
	return Verify(data, Options{Keys: oldKey.public, At: at, Freshness: fo})
}

func checks(r *Result, name string) string {
	var b strings.Builder
	for _, c := range r.Checks {
		if c.Name == name {
			b.WriteString(c.Status.String() + " " + c.Message + "\n")
		}
	}
	return b.String()
}

func TestFreshnessWindow(t *testing.T) {
	tsa := ft.NewTSA(roundTime.Add(10*time.Second), ft.CertOptions{Accuracy: time.Second})
	defer tsa.Close()
	issued := roundTime.Add(5 * time.Second)
	data, sigs := fresh(t, issued, issued, drandProof(t), newsProof)
	r := verifyFresh(data, issued.Add(time.Hour), FreshnessOptions{Tokens: [][]byte{tsa.Reply(sigs)}, TSARoots: tsa.Roots, Require: true})
	if r.Status != OK {
		t.Fatalf("%v: %s\n%+v", r.Status, r.Summary, r.Checks)
	}
	if got := checks(r, "window"); got != "OK signed between 2024-10-14 17:13 and 17:14 UTC\n" {
		t.Errorf("window: %q", got)
	}
	if !r.Window.NotBefore.Equal(roundTime) || !r.Window.NotAfter.Equal(roundTime.Add(11*time.Second)) {
		t.Errorf("window %v to %v", r.Window.NotBefore, r.Window.NotAfter)
	}
	if len(r.Freshness) != 3 || r.Freshness[0].Result != ProofOK || r.Freshness[0].Side != "not_before" ||
		r.Freshness[1].Result != ProofReported || r.Freshness[1].Bound != nil || r.Freshness[2].Kind != "tsa" || r.Freshness[2].Side != "not_after" {
		t.Errorf("freshness %+v", r.Freshness)
	}
	var b bytes.Buffer
	WriteJSON(&b, r)
	for _, want := range []string{`"window":{"not_before":"2024-10-14T17:13:33Z","not_after":"2024-10-14T17:13:44Z"}`,
		`"freshness":[{"kind":"drand","claim":"drand quicknet round 12040883 (2024-10-14 17:13:33 UTC)","bound":"2024-10-14T17:13:33Z","side":"not_before","result":"ok"`,
		`{"kind":"news","claim":"news \"Markets rally\"`, `"result":"reported"`, `{"kind":"tsa","claim":"RFC 3161 timestamp by canarykit test TSA at 2024-10-14 17:13:43 UTC"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b.String())
		}
	}
}

func TestFreshnessVerdicts(t *testing.T) {
	tsa := ft.NewTSA(roundTime.Add(10*time.Second), ft.CertOptions{})
	defer tsa.Close()
	otherCA := ft.NewTSA(roundTime.Add(10*time.Second), ft.CertOptions{})
	defer otherCA.Close()
	noEKU := ft.NewTSA(roundTime.Add(10*time.Second), ft.CertOptions{EKU: ft.EKUNone})
	defer noEKU.Close()
	issued := roundTime.Add(5 * time.Second)

	tampered := drandProof(t)
	tampered.Signature = append(freshness.Hex{}, tampered.Signature...)
	tampered.Signature[30] ^= 0x04
	wrongRound := drandProof(t)
	wrongRound.Signature = unhex(t, ft.Round1000.Signature)
	flipped := blockProof(t, ft.Block881423)
	flipped.Header = append(freshness.Hex{}, flipped.Header...)
	flipped.Header[40] ^= 0x01
	genesis := blockProof(t, ft.Genesis)
	at := func(base time.Time) time.Time { return base.Add(time.Hour) }

	for _, tc := range []struct {
		name             string
		issued, signedAt time.Time
		proofs           []freshness.Proof
		tsaAt            time.Time // zero: no token
		tokenOf          *ft.TSA   // default tsa
		opts             FreshnessOptions
		status           Status
		check, want      string
	}{
		{name: "no proof", issued: issued, status: OK, check: "window", want: "OK the canary carries no machine-checkable proof"},
		{name: "no proof, required", issued: issued, opts: FreshnessOptions{Require: true}, status: Critical, check: "window", want: "CRITICAL you require freshness"},
		{name: "news only, required", issued: issued, proofs: []freshness.Proof{newsProof}, opts: FreshnessOptions{Require: true}, status: Critical, check: "window", want: "no checked proof"},
		{name: "token only", issued: issued, tsaAt: roundTime.Add(10 * time.Second), status: OK, check: "window", want: "OK signed before 2024-10-14 17:14 UTC; no proof in the text"},
		{name: "drand only", issued: issued, proofs: []freshness.Proof{drandProof(t)}, status: OK, check: "window", want: "OK signed after 2024-10-14 17:13 UTC; no timestamp token"},
		{name: "tampered beacon", issued: issued, proofs: []freshness.Proof{tampered}, status: Critical, check: "freshness", want: "CRITICAL drand quicknet round 12040883 (2024-10-14 17:13:33 UTC): the drand quicknet signature does not verify"},
		{name: "beacon of another round", issued: issued, proofs: []freshness.Proof{wrongRound}, status: Critical, check: "freshness", want: "does not verify for round 12040883"},
		{name: "backdated past the beacon", issued: roundTime.Add(-time.Hour), proofs: []freshness.Proof{drandProof(t)}, status: Critical, check: "freshness", want: "after the canary says it was issued"},
		{name: "stale beacon", issued: roundTime.Add(time.Hour), proofs: []freshness.Proof{drandProof(t)}, status: Warning, check: "freshness", want: "is 1h0m0s older than the canary"},
		{name: "stale beacon, required", issued: roundTime.Add(time.Hour), proofs: []freshness.Proof{drandProof(t)}, opts: FreshnessOptions{Require: true}, status: Critical, check: "window", want: "you require freshness"},
		{name: "drand later than the TSA", issued: issued, proofs: []freshness.Proof{drandProof(t)}, tsaAt: roundTime.Add(-time.Hour), status: Critical, check: "window", want: "CRITICAL the proofs contradict each other: the canary was made after 2024-10-14 17:13:33 UTC, yet time-stamped at 2024-10-14 16:13:33 UTC"},
		{name: "issued after the TSA time", issued: issued, tsaAt: roundTime.Add(-time.Hour), status: Critical, check: "timestamp", want: "after its signatures were time-stamped"},
		{name: "signature dated after the TSA time", issued: issued, signedAt: issued.Add(time.Hour), tsaAt: issued.Add(5 * time.Second), status: Critical, check: "window", want: "after it was time-stamped"},
		{name: "token from an untrusted root, no roots given", issued: issued, proofs: []freshness.Proof{drandProof(t)}, tsaAt: issued, tokenOf: otherCA, opts: FreshnessOptions{TSARoots: nil}, status: OK, check: "timestamp", want: "OK timestamp token 1: the TSA certificate does not chain to a root you trust"},
		{name: "token from an untrusted root", issued: issued, proofs: []freshness.Proof{drandProof(t)}, tsaAt: issued, tokenOf: otherCA, status: Warning, check: "timestamp", want: "(--tsa-roots); not counted"},
		{name: "token without the timeStamping EKU", issued: issued, tsaAt: issued, tokenOf: noEKU, status: Warning, check: "timestamp", want: "not for time-stamping"},
		{name: "bitcoin block", issued: blockTime.Add(40 * time.Minute), proofs: []freshness.Proof{blockProof(t, ft.Block881423)}, status: OK, check: "window", want: "OK signed after 2025-01-29 22:01 UTC"},
		{name: "signature before the block", issued: blockTime.Add(40 * time.Minute), signedAt: blockTime.Add(-3 * time.Hour), proofs: []freshness.Proof{blockProof(t, ft.Block881423)}, status: Critical, check: "window", want: "before the canary could have been made (after 2025-01-29 22:01:45 UTC)"},
		{name: "header with a bit flipped", issued: blockTime.Add(40 * time.Minute), proofs: []freshness.Proof{flipped}, status: Critical, check: "freshness", want: "does not meet its own target"},
		{name: "header below the minimum difficulty", issued: blockTime, proofs: []freshness.Proof{genesis}, status: Critical, check: "freshness", want: "below the 5e+13 canarykit requires"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signedAt := tc.signedAt
			if signedAt.IsZero() {
				signedAt = tc.issued
			}
			data, sigs := fresh(t, tc.issued, signedAt, tc.proofs...)
			opts := tc.opts
			if !tc.tsaAt.IsZero() {
				x := tsa
				if tc.tokenOf != nil {
					x = tc.tokenOf
				}
				x.SetTime(tc.tsaAt)
				opts.Tokens = [][]byte{x.Reply(sigs)}
				if opts.TSARoots == nil && !strings.Contains(tc.name, "no roots given") {
					opts.TSARoots = tsa.Roots
				}
			}
			r := verifyFresh(data, at(tc.issued), opts)
			got := checks(r, tc.check)
			if r.Status != tc.status || !strings.Contains(got, tc.want) {
				t.Errorf("status %v (want %v), %s checks:\n%s\nwant %q\nall: %+v", r.Status, tc.status, tc.check, got, tc.want, r.Checks)
			}
		})
	}
}

// Other data, a foreign TSA and a damaged file beside a canary are never
// counted, and a bad token never makes a canary CRITICAL by itself.
func TestTokensNeverCountedWhenWrong(t *testing.T) {
	tsa := ft.NewTSA(roundTime.Add(10*time.Second), ft.CertOptions{})
	defer tsa.Close()
	issued := roundTime.Add(5 * time.Second)
	data, sigs := fresh(t, issued, issued, drandProof(t))
	tsa.SetFault(ft.OtherImprint)
	other := tsa.Reply(sigs)
	tsa.SetFault(ft.NoFault)
	r := verifyFresh(data, issued, FreshnessOptions{Tokens: [][]byte{other, []byte("junk"), tsa.Reply([]byte("another canary"))}, TSARoots: tsa.Roots})
	if r.Status != Warning || r.Window.NotAfter != nil {
		t.Fatalf("%v %v %+v", r.Status, r.Window.NotAfter, r.Checks)
	}
	if got := checks(r, "timestamp"); strings.Count(got, "WARNING") != 3 || strings.Count(got, "message imprint mismatch") != 2 {
		t.Errorf("timestamp checks:\n%s", got)
	}
}

func TestFreshnessOnline(t *testing.T) {
	issued := blockTime.Add(40 * time.Minute)
	data, _ := fresh(t, issued, issued, blockProof(t, ft.Block881423))
	good := ft.BlockAPI(881500, []ft.Block{ft.Block881423})
	defer good.Close()
	stale := ft.BlockAPI(881500, nil, ft.Block881423)
	defer stale.Close()
	down := ft.BlockAPI(0, nil)
	down.Close()
	for _, tc := range []struct {
		api    string
		status Status
		want   string
	}{
		{good.URL, OK, "OK bitcoin block 881423 0000000000000000… (header time 2025-01-30 00:01:45 UTC) is genuine: the canary was made after 2025-01-29 22:01:45 UTC; the block is in the main chain at that height"},
		{stale.URL, Warning, "is not in its best chain; its bound is not counted"},
		{down.URL, Unknown, "UNKNOWN could not confirm online"},
	} {
		r := verifyFresh(data, issued, FreshnessOptions{Online: true, BlockAPI: tc.api, Client: &http.Client{}})
		if got := checks(r, "freshness"); r.Status != tc.status || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %v\n%s", tc.api, r.Status, got)
		}
	}
	// Offline, nothing is asked.
	r := verifyFresh(data, issued, FreshnessOptions{BlockAPI: down.URL})
	if r.Status != OK {
		t.Errorf("offline: %v %+v", r.Status, r.Checks)
	}
}

func TestFreshnessJSONOmittedForUnchecked(t *testing.T) {
	var b bytes.Buffer
	WriteJSON(&b, Unchecked("input", errTest))
	var m map[string]any
	json.Unmarshal(b.Bytes(), &m)
	if _, ok := m["window"]; ok {
		t.Error("an unchecked result has a window")
	}
}

var errTest = &json.SyntaxError{}
