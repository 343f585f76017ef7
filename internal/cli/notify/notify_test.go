package notify

import (
	"testing"

	"github.com/canarykit/canarykit/internal/cli/clitest"
)

func TestNewCmdFlags(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want TestOptions
	}{
		{[]string{"test", "--config", "w.yaml"}, TestOptions{Config: "w.yaml", Format: "text"}},
		{[]string{"test", "-c", "w.yaml", "-f", "json"}, TestOptions{Config: "w.yaml", Format: "json"}},
	} {
		got, err := clitest.Parse(t, NewCmd, tc.argv...)
		if err != nil {
			t.Errorf("%q: %v", tc.argv, err)
			continue
		}
		got.IO = nil
		if *got != tc.want {
			t.Errorf("%q: got %+v, want %+v", tc.argv, *got, tc.want)
		}
	}
	for _, argv := range [][]string{{"test"}, {"test", "-c", "w.yaml", "extra"}} {
		if _, err := clitest.Parse(t, NewCmd, argv...); err == nil {
			t.Errorf("%q parsed", argv)
		}
	}
}
