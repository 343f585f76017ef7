package trust

import (
	"reflect"
	"testing"

	"github.com/canarykit/canarykit/internal/cli/clitest"
	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	verifycmd "github.com/canarykit/canarykit/internal/cli/verify"
	"github.com/canarykit/canarykit/internal/keys"
)

func TestNewCmdFlags(t *testing.T) {
	base := verifycmd.Options{Threshold: 1, WarnBefore: "7d", Format: "text", VKS: keys.DefaultVKS,
		Web: cmdutil.WebFlags{MaxBytes: "1MiB", Timeout: "30s"}}
	for _, tc := range []struct {
		argv []string
		want func(*Options)
	}{
		{[]string{"--list"}, func(o *Options) { o.List = true }},
		{[]string{"--list", "-f", "json"}, func(o *Options) { o.List, o.Verify.Format = true, "json" }},
		{[]string{"c.txt", "--remove"}, func(o *Options) { o.Args, o.Remove = []string{"c.txt"}, true }},
		{[]string{"https://example.org/c.txt", "--key", "new.asc", "--sig", "c.sig", "--proxy", "socks5://127.0.0.1:9050"}, func(o *Options) {
			o.Args = []string{"https://example.org/c.txt"}
			o.Verify.Keys, o.Verify.Sigs, o.Verify.Web.Proxy = []string{"new.asc"}, []string{"c.sig"}, "socks5://127.0.0.1:9050"
		}},
	} {
		got, err := clitest.Parse(t, NewCmd, tc.argv...)
		if err != nil {
			t.Errorf("%q: %v", tc.argv, err)
			continue
		}
		want := Options{Args: []string{}, Verify: base} // cobra gives no arguments as an empty slice
		tc.want(&want)
		got.IO, got.Verify.IO = nil, nil
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%q:\n got %+v\nwant %+v", tc.argv, *got, want)
		}
	}
	for _, argv := range [][]string{{"a", "b"}, {"--list", "--remove"}, {"--pin"}} {
		if _, err := clitest.Parse(t, NewCmd, argv...); err == nil {
			t.Errorf("%q parsed", argv)
		}
	}
}
