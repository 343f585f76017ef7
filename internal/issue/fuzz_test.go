package issue

import (
	"testing"

	"github.com/canarykit/canarykit/internal/corpustest"
)

func FuzzParseDefinition(f *testing.F) {
	f.Add(StarterDefinition("canary.yaml", "Example Org", "https://example.org"))
	f.Add([]byte("issuer: {name: a, url: https://a}\ncadence: 90d\nstatements: [{id: a, text: b}]\nsigners: [{key: k}]\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("issuer: {name: a, url: https://a}\ncadence: 90d\nstatements: [{id: a, text: b}]\nsigners: [{key: k}]\n" +
		"freshness: {drand: {}, bitcoin: {depth: 2}, news: {feeds: [https://n/f]}, tsa: [{url: https://t, policy: 1.2.3}]}\n"))
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDefinition("fuzz.yaml", data)
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("ParseDefinition accepted an invalid definition: %v", err)
		}
	})
}
