package freshness

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"
)

const (
	drandLine   = "drand quicknet round 12040883 time 2024-10-14T17:13:33Z signature 929906c959032ab363c9f26570d215d66f5c06cb0c44fe508c12bb5839f04ec895bb6868e5b9ff13ab289bdb5266b394"
	bitcoinLine = "bitcoin block 881423 time 2025-01-30T00:01:45Z header 0060592ee3c96a8a70ca15fe215e99f84ab64c43e1b5d2c43b540100000000000000000076f63a35f1b8b5016d3eb0cce2eebbdf58bf8fbea4e870c8f770346bdfcf622d69c19a678a9a021702fb05ff"
	newsLine    = "news time 2024-10-14T16:58:00Z feed https://news.example/rss.xml title Markets rally as \"rates\" hold — éàü 日本"
)

func sampleProofs(t testing.TB) []Proof {
	return []Proof{
		{Kind: Drand, Chain: "quicknet", Round: 12040883, Time: ft.Round12040883Time, Signature: mustHex(t, ft.Round12040883.Signature)},
		{Kind: Bitcoin, Height: 881423, Time: time.Date(2025, 1, 30, 0, 1, 45, 0, time.UTC), Header: mustHex(t, ft.Block881423.Header)},
		{Kind: News, Time: time.Date(2024, 10, 14, 16, 58, 0, 0, time.UTC), Feed: "https://news.example/rss.xml", Title: "Markets rally as \"rates\" hold — éàü 日本"},
	}
}

func TestLineRoundTrip(t *testing.T) {
	lines := []string{drandLine, bitcoinLine, newsLine}
	for i, p := range sampleProofs(t) {
		if got := p.Line(); got != lines[i] {
			t.Errorf("Line:\n got %s\nwant %s", got, lines[i])
		}
		back, err := ParseLine(lines[i])
		if err != nil {
			t.Fatalf("ParseLine(%q): %v", lines[i], err)
		}
		if !reflect.DeepEqual(*back, p) {
			t.Errorf("ParseLine(Line(p)) = %+v, want %+v", back, p)
		}
		if err := back.Check(); err != nil {
			t.Errorf("%s: %v", p.Kind, err)
		}
	}
	// Height 0 (genesis) is a valid line; the header then fails Check.
	g := Proof{Kind: Bitcoin, Time: time.Date(2009, 1, 3, 18, 15, 5, 0, time.UTC), Header: mustHex(t, ft.Genesis.Header)}
	back, err := ParseLine(g.Line())
	if err != nil || !reflect.DeepEqual(*back, g) {
		t.Fatalf("genesis: %v %+v", err, back)
	}
	if err := back.Check(); err == nil {
		t.Error("genesis passes Check")
	}
}

func TestParseLineRejects(t *testing.T) {
	sig := ft.Round12040883.Signature
	for _, tc := range []struct{ line, want string }{
		{"", "unknown freshness proof"},
		{"Drand quicknet", "unknown freshness proof"},
		{"tsa something", "unknown freshness proof"},
		{"drand", "ends early"},
		{"drand quicknet round 12040883 time 2024-10-14T17:13:33Z signature", "ends early"},
		{"drand mainnet round 12040883 time 2024-10-14T17:13:33Z signature " + sig, "chain \"mainnet\" is unknown"},
		{"drand quicknet round 012040883 time 2024-10-14T17:13:33Z signature " + sig, "leading zeros"},
		{"drand quicknet round 0 time 2023-08-23T15:09:24Z signature " + sig, "from 1"},
		{"drand quicknet round -1 time 2024-10-14T17:13:33Z signature " + sig, "whole number"},
		{"drand quicknet round 12040883 time 2024-10-14T17:13:36Z signature " + sig, "was published at 2024-10-14T17:13:33Z"},
		{"drand quicknet round 12040883 time 2024-10-14 17:13:33Z signature " + sig, "expected \"signature\""},
		{"drand quicknet round 12040883 time 2024-10-14T17:13:33+00:00 signature " + sig, "RFC 3339 UTC"},
		{"drand quicknet round 12040883 time 2024-10-14T17:13:33Z signature " + strings.ToUpper(sig), "lowercase"},
		{"drand quicknet round 12040883 time 2024-10-14T17:13:33Z signature " + sig[:94], "47 bytes"},
		{"drand quicknet round 12040883 time 2024-10-14T17:13:33Z signature " + sig + " ", "not hex"},
		{"drand quicknet round 12040883 time 2024-10-14T17:13:33Z  signature " + sig, "two blanks"},
		{"drand  quicknet round 12040883 time 2024-10-14T17:13:33Z signature " + sig, "two blanks"},
		{"drand quicknet round 99999999999 time 9999-01-01T00:00:00Z signature " + sig, "out of range"},
		{strings.Replace(bitcoinLine, "00:01:45Z", "00:01:46Z", 1), "dated 2025-01-30T00:01:45Z"},
		{strings.Replace(bitcoinLine, "0060592e", "0060592", 1), "not hex"},
		{strings.Replace(bitcoinLine, "0060592e", "", 1), "76 bytes"},
		{strings.Replace(bitcoinLine, "block 881423", "block 01", 1), "leading zeros"},
		{strings.Replace(bitcoinLine, "block 881423", "height 881423", 1), "expected \"block\""},
		{strings.Replace(bitcoinLine, "block 881423", "block 9999999999", 1), "out of range"},
		{strings.Replace(newsLine, "https://", "ftp://", 1), "must start with https://"},
		{strings.Replace(newsLine, "rss.xml", "rss .xml", 1), "expected \"title\""},
		{newsLine + " ", "ends with blanks"},
		{strings.Replace(newsLine, "Markets ", "Markets\t", 1), "U+0009"},
		{strings.Replace(newsLine, "rally", "ral\u202ely", 1), "U+202E"},
		{strings.Replace(newsLine, "rally", "ral\x00ly", 1), "U+0000"},
		{strings.Replace(newsLine, "rally", "ral\xffly", 1), "UTF-8"},
		{"news time 2024-10-14T16:58:00Z feed https://n.example title " + strings.Repeat("a", MaxTitleLen+1), "longer than"},
		{"news time 2024-10-14T16:58:00Z feed https://n.example title", "ends early"},
	} {
		_, err := ParseLine(tc.line)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseLine(%.90q):\n got %v\nwant an error with %q", tc.line, err, tc.want)
		}
	}
}

func TestValidateMixedKinds(t *testing.T) {
	ps := sampleProofs(t)
	ps[0].Title = "x"
	ps[1].Round = 3
	ps[2].Header = Hex{1}
	for _, p := range ps {
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "another kind") {
			t.Errorf("%s with a foreign field: %v", p.Kind, err)
		}
	}
	if err := ValidateAll(make([]Proof, MaxProofs+1)); err == nil || !strings.Contains(err.Error(), "at most 100") {
		t.Errorf("too many: %v", err)
	}
	many := make([]Proof, MaxChecked+1)
	for i := range many {
		many[i] = sampleProofs(t)[0]
	}
	if err := ValidateAll(many); err == nil || !strings.Contains(err.Error(), "11 drand and bitcoin proofs; at most 10") {
		t.Errorf("too many checked: %v", err)
	}
	if err := ValidateAll(many[:MaxChecked]); err != nil {
		t.Error(err)
	}
	bad := Proof{Kind: Drand, Chain: "quicknet", Round: 12040883, Time: ft.Round12040883Time.Local(), Signature: make(Hex, 48)}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "must be UTC") {
		t.Errorf("local time: %v", err)
	}
}

func TestProofJSON(t *testing.T) {
	ps := sampleProofs(t)
	b, err := json.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kind":"drand"`, `"chain":"quicknet"`, `"round":12040883`, `"signature":"929906c9`, `"header":"0060592e`, `"height":881423`, `"feed":"https://news.example/rss.xml"`, `"time":"2024-10-14T17:13:33Z"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
	var back []Proof
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ps) {
		t.Errorf("JSON round trip:\n got %+v\nwant %+v", back, ps)
	}
	var h Hex
	if err := json.Unmarshal([]byte(`"ABCD"`), &h); err == nil {
		t.Error("uppercase hex accepted from JSON")
	}
}
