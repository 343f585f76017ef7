package status

import (
	"reflect"
	"testing"

	"github.com/canarykit/canarykit/internal/cli/clitest"
)

func TestNewCmdFlags(t *testing.T) {
	def := Options{Config: "canary.yaml", Dir: "public", WarnBefore: "14d", Format: "text"}
	for _, tc := range []struct {
		argv []string
		want func(*Options)
	}{
		{nil, func(*Options) {}},
		{[]string{"--config", "c.yaml", "--out", "site", "--at", "2027-02-15T09:00:00Z", "--warn-before", "3w", "--format", "json"}, func(o *Options) {
			o.Config, o.Dir, o.At, o.WarnBefore, o.Format = "c.yaml", "site", "2027-02-15T09:00:00Z", "3w", "json"
		}},
	} {
		got, err := clitest.Parse(t, NewCmd, tc.argv...)
		if err != nil {
			t.Errorf("%q: %v", tc.argv, err)
			continue
		}
		want := def
		tc.want(&want)
		got.IO = nil
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%q:\n got %+v\nwant %+v", tc.argv, *got, want)
		}
	}
	for _, argv := range [][]string{{"extra"}, {"-f", "json"}} {
		if _, err := clitest.Parse(t, NewCmd, argv...); err == nil {
			t.Errorf("%q parsed", argv)
		}
	}
}
