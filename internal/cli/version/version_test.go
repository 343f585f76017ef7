package version

import (
	"testing"

	"github.com/canarykit/canarykit/internal/cli/clitest"
)

func TestNewCmd(t *testing.T) {
	for _, tc := range []struct {
		argv    []string
		want    string // Format
		wantErr bool
	}{
		{nil, "text", false},
		{[]string{"--format", "json"}, "json", false},
		{[]string{"--format=text"}, "text", false},
		{[]string{"json"}, "", true}, // no arguments
		{[]string{"-f", "json"}, "", true},
	} {
		got, err := clitest.Parse(t, NewCmd, tc.argv...)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: err %v, want error %v", tc.argv, err, tc.wantErr)
			continue
		}
		if err == nil && got.Format != tc.want {
			t.Errorf("%q: Format %q, want %q", tc.argv, got.Format, tc.want)
		}
	}
}
