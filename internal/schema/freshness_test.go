package schema

import (
	"strings"
	"testing"
)

const freshnessSection = `freshness:
  drand: {}
  bitcoin: {url: "https://mempool.example/api", depth: 3, optional: true}
  news:
    feeds: ["https://news.example/rss.xml"]
    items: 2
  tsa:
    - url: https://tsa.example/tsr
      roots: tsa-roots.pem
      policy: 1.3.6.1.4.1.4146.2.3
    - {url: "http://tsa2.example", optional: true}
`

func TestDefinitionFreshness(t *testing.T) {
	for _, tc := range []struct {
		name, old, new string
		want           []string
	}{
		{"valid", "", "", nil},
		{"unknown source", "  drand: {}", "  drand: {}\n  roughtime: {}", []string{`17:3: freshness: unknown key "roughtime" (allowed: bitcoin, drand, news, tsa)`}},
		{"typo in a source", "depth: 3", "deep: 3", []string{`17:49: freshness.bitcoin: unknown key "deep" (allowed: depth, optional, url)`}},
		{"depth too deep", "depth: 3", "depth: 9", []string{`17:56: freshness.bitcoin.depth: must be at most 6, not 9`}},
		{"news without feeds", `    feeds: ["https://news.example/rss.xml"]` + "\n", "", []string{`19:5: freshness.news: missing required key "feeds"`}},
		{"feed not a URL", "https://news.example/rss.xml", "news.example/rss.xml", []string{`19:13: freshness.news.feeds[0]: "news.example/rss.xml" is not in the expected form`}},
		{"tsa without url", "    - {url: \"http://tsa2.example\", optional: true}", "    - {optional: true}", []string{`25:7: freshness.tsa[1]: missing required key "url"`}},
		{"bad policy", "1.3.6.1.4.1.4146.2.3", "tsa-policy", []string{`24:15: freshness.tsa[0].policy: "tsa-policy" is not in the expected form`}},
		{"optional not a boolean", "optional: true}", "optional: maybe}", []string{`17:69: freshness.bitcoin.optional: must be true or false, not a string`}},
	} {
		doc := edit(t, "threshold: 2\n", "threshold: 2\n"+strings.Replace(freshnessSection, tc.old, tc.new, 1))
		err := ValidateYAML(Definition, "f.yaml", []byte(doc))
		if tc.want == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), "f.yaml:"+tc.want[0]) {
			t.Errorf("%s:\n got %v\nwant f.yaml:%s…", tc.name, err, tc.want[0])
		}
	}
}

func TestCanaryFreshnessJSON(t *testing.T) {
	proofs := `,
  "freshness": [
    {"kind": "drand", "time": "2024-10-14T17:13:33Z", "chain": "quicknet", "round": 12040883, "signature": "929906c959032ab363c9f26570d215d66f5c06cb0c44fe508c12bb5839f04ec895bb6868e5b9ff13ab289bdb5266b394"},
    {"kind": "bitcoin", "time": "2025-01-30T00:01:45Z", "height": 881423, "header": "0060592ee3c96a8a70ca15fe215e99f84ab64c43e1b5d2c43b540100000000000000000076f63a35f1b8b5016d3eb0cce2eebbdf58bf8fbea4e870c8f770346bdfcf622d69c19a678a9a021702fb05ff"},
    {"kind": "news", "time": "2024-10-14T16:58:00Z", "feed": "https://news.example/rss.xml", "title": "Markets rally"}
  ]
}`
	doc := strings.TrimSuffix(strings.TrimSpace(validCanary), "}") + strings.TrimPrefix(proofs, "")
	if err := ValidateJSON(Canary, decodeJSON(t, doc, true)); err != nil {
		t.Fatalf("valid proofs: %v", err)
	}
	for _, bad := range []struct{ old, new string }{
		{`"chain": "quicknet"`, `"chain": "mainnet"`},
		{`"round": 12040883`, `"round": 0`},
		{`"signature": "9299`, `"signature": "X299`},
		{`"header": "0060592e`, `"header": "60592e`},
		{`"kind": "news"`, `"kind": "gossip"`},
		{`"title": "Markets rally"`, `"title": "Markets rally", "extra": 1`},
		{`, "feed": "https://news.example/rss.xml"`, ``},
	} {
		d := strings.Replace(doc, bad.old, bad.new, 1)
		if d == doc {
			t.Fatalf("test bug: %q not found", bad.old)
		}
		if err := ValidateJSON(Canary, decodeJSON(t, d, true)); err == nil {
			t.Errorf("accepted %s", bad.new)
		}
	}
}
