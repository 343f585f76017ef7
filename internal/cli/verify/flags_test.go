package verify

import (
	"reflect"
	"testing"

	"github.com/canarykit/canarykit/internal/cli/clitest"
	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/freshness"
	"github.com/canarykit/canarykit/internal/keys"
)

// defaults are verify's Options with no flags; each case changes some.
func defaults(sources ...string) Options {
	return Options{Sources: sources, Threshold: 1, WarnBefore: "7d", Format: "text", VKS: keys.DefaultVKS,
		Web:   cmdutil.WebFlags{MaxBytes: "1MiB", Timeout: "30s"},
		Fresh: freshnessFlags{blockAPI: freshness.DefaultBitcoinURL}}
}

func TestNewCmdFlags(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want func(*Options)
	}{
		{[]string{"c.txt"}, nil},
		{[]string{"c.txt", "--key", "a.asc", "--key", "wkd:x@example.org", "--pin"}, func(o *Options) {
			o.Keys, o.Pin = []string{"a.asc", "wkd:x@example.org"}, true
		}},
		{[]string{"a.txt", "b.txt", "-j", "3", "-f", "json", "--perfdata"}, func(o *Options) {
			o.Sources, o.Jobs, o.Format, o.Perfdata = []string{"a.txt", "b.txt"}, 3, "json", true
		}},
		{[]string{"-", "--previous", "p.txt", "--sig", "s1", "--sig", "s2", "--threshold", "2", "--at", "2026-01-01T00:00:00Z"}, func(o *Options) {
			o.Sources, o.Previous, o.Sigs, o.Threshold, o.At = []string{"-"}, "p.txt", []string{"s1", "s2"}, 2, "2026-01-01T00:00:00Z"
		}},
		{[]string{"https://example.org/c.txt", "--proxy", "socks5://127.0.0.1:9050", "--timeout", "2m", "--max-bytes", "2MiB", "--vks", "https://k.example"}, func(o *Options) {
			o.Sources = []string{"https://example.org/c.txt"}
			o.Web.Proxy, o.Web.Timeout, o.Web.MaxBytes, o.VKS = "socks5://127.0.0.1:9050", "2m", "2MiB", "https://k.example"
		}},
		{[]string{"c.txt", "--warn-before", "14d", "--max-age", "90d", "--tsr", "t1", "--tsa-roots", "r.pem", "--require-freshness", "--online", "--block-api", "https://b.example"}, func(o *Options) {
			o.WarnBefore, o.MaxAge = "14d", "90d"
			o.Fresh = freshnessFlags{tokens: []string{"t1"}, tsaRoots: "r.pem", require: true, online: true, blockAPI: "https://b.example"}
		}},
	} {
		got, err := clitest.Parse(t, NewCmd, tc.argv...)
		if err != nil {
			t.Errorf("%q: %v", tc.argv, err)
			continue
		}
		want := defaults("c.txt")
		if tc.want != nil {
			tc.want(&want)
		}
		got.IO = nil
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%q:\n got %+v\nwant %+v", tc.argv, *got, want)
		}
	}
	for _, argv := range [][]string{nil, {"c.txt", "--jobs", "many"}, {"c.txt", "--nonsense"}} {
		if _, err := clitest.Parse(t, NewCmd, argv...); err == nil {
			t.Errorf("%q parsed", argv)
		}
	}
}
