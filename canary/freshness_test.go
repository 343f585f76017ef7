package canary

import (
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/freshness"
	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"
	"github.com/canarykit/canarykit/internal/schema"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func sampleWithFreshness() *Canary {
	c := sample()
	c.Freshness = []freshness.Proof{
		{Kind: freshness.Drand, Chain: "quicknet", Round: 12040883, Time: ft.Round12040883Time, Signature: unhex(ft.Round12040883.Signature)},
		{Kind: freshness.News, Time: time.Date(2024, 10, 14, 16, 58, 0, 0, time.UTC), Feed: "https://news.example/rss.xml", Title: "Markets rally"},
	}
	return c
}

const freshnessText = `
Freshness:
drand quicknet round 12040883 time 2024-10-14T17:13:33Z signature 929906c959032ab363c9f26570d215d66f5c06cb0c44fe508c12bb5839f04ec895bb6868e5b9ff13ab289bdb5266b394
news time 2024-10-14T16:58:00Z feed https://news.example/rss.xml title Markets rally
`

// The section sits between the statements and the closing sentence, and
// keeps the canonical round trip.
func TestFreshnessRoundTrip(t *testing.T) {
	c := sampleWithFreshness()
	want := strings.Replace(sampleText, "too.\n", "too.\n"+freshnessText, 1)
	got := c.Render()
	if string(got) != want {
		t.Fatalf("Render:\n%s\nwant:\n%s", got, want)
	}
	back, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Fatalf("Parse(Render(c)) != c:\n%+v\n%+v", back.Freshness, c.Freshness)
	}
	// A canary without the section is unchanged and parses to nil.
	plain, err := Parse([]byte(sampleText))
	if err != nil || plain.Freshness != nil {
		t.Fatalf("plain canary: %v %v", err, plain.Freshness)
	}
	for _, line := range strings.Split(string(got), "\n") {
		if strings.HasPrefix(line, "-") || strings.TrimRight(line, " \t") != line {
			t.Errorf("line %q would need dash-escaping or loses blanks", line)
		}
	}
}

func TestFreshnessParseErrorsNameTheLine(t *testing.T) {
	text := string(sampleWithFreshness().Render())
	for _, tc := range []struct{ old, new, want string }{
		{"Freshness:\ndrand", "Freshness:\n\ndrand", "line 16: the Freshness section has no proof"},
		{"round 12040883", "round 12040884", "line 16: freshness proof: drand quicknet round 12040884 was published at 2024-10-14T17:13:36Z"},
		{"title Markets rally", "title Markets  rally ", "line 17: freshness proof: news title starts or ends with blanks"},
		{"news time", "tsa time", "line 17: freshness proof: unknown freshness proof \"tsa\""},
		{"Markets rally\n\n", "Markets rally\n", "line 18: freshness proof: unknown freshness proof \"If\""},
		{"\nFreshness:", "\nfreshness:", "line 15: expected \"If no newer canary"},
		{"too.\n\nFreshness:", "too.\nFreshness:", "line 14: statement must look like"},
	} {
		bad := strings.Replace(text, tc.old, tc.new, 1)
		if bad == text {
			t.Fatalf("test bug: %q not found", tc.old)
		}
		_, err := Parse([]byte(bad))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q -> %q:\n got %v\nwant %s…", tc.old, tc.new, err, tc.want)
		}
	}
	c := sampleWithFreshness()
	c.Freshness[0].Round++
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "freshness proof 1") {
		t.Errorf("Validate: %v", err)
	}
}

func TestFreshnessJSONMatchesSchema(t *testing.T) {
	b, err := json.Marshal(sampleWithFreshness())
	if err != nil {
		t.Fatal(err)
	}
	var v any
	json.Unmarshal(b, &v)
	if err := schema.ValidateJSON(schema.Canary, v); err != nil {
		t.Fatalf("%s\n%v", b, err)
	}
	if !strings.Contains(string(b), `"freshness":[{"kind":"drand","time":"2024-10-14T17:13:33Z","chain":"quicknet","round":12040883,"signature":"929906c9`) {
		t.Error(string(b))
	}
	b, _ = json.Marshal(sample())
	if strings.Contains(string(b), "freshness") {
		t.Error("a canary without proofs has a freshness key")
	}
}
