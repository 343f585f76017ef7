package schema

import (
	"testing"

	"github.com/canarykit/canarykit/internal/cli/clitest"
)

func TestNewCmd(t *testing.T) {
	for _, tc := range []struct {
		argv    []string
		want    string // Kind
		wantErr bool
	}{
		{[]string{"definition"}, "definition", false},
		{[]string{"watch"}, "watch", false},
		{[]string{"nonsense"}, "nonsense", false}, // refused by run, not by parsing
		{nil, "", true},
		{[]string{"canary", "watch"}, "", true},
	} {
		got, err := clitest.Parse(t, NewCmd, tc.argv...)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: err %v, want error %v", tc.argv, err, tc.wantErr)
			continue
		}
		if err == nil && got.Kind != tc.want {
			t.Errorf("%q: Kind %q, want %q", tc.argv, got.Kind, tc.want)
		}
	}
}
