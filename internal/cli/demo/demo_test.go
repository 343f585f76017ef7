package demo

import (
	"testing"

	"github.com/canarykit/canarykit/internal/cli/clitest"
)

func TestNewCmdFlags(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		keep bool
	}{{nil, false}, {[]string{"--keep"}, true}} {
		got, err := clitest.Parse(t, NewCmd, tc.argv...)
		if err != nil || got.Keep != tc.keep {
			t.Errorf("%q: %+v, %v; want Keep %v", tc.argv, got, err, tc.keep)
		}
	}
	if _, err := clitest.Parse(t, NewCmd, "dir"); err == nil {
		t.Error("demo with an argument parsed")
	}
}
