package history

import (
	"reflect"
	"testing"

	"github.com/canarykit/canarykit/internal/cli/clitest"
)

func TestNewCmdFlags(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want Options
	}{
		{nil, Options{Args: []string{}, Format: "text"}},
		{[]string{"example-org", "--db", "w.db", "-f", "json", "--limit", "5"}, Options{Args: []string{"example-org"}, DB: "w.db", Format: "json", Limit: 5}},
	} {
		got, err := clitest.Parse(t, NewCmd, tc.argv...)
		if err != nil {
			t.Errorf("%q: %v", tc.argv, err)
			continue
		}
		got.IO = nil
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%q: got %+v, want %+v", tc.argv, *got, tc.want)
		}
	}
	for _, argv := range [][]string{{"a", "b"}, {"--limit", "x"}} {
		if _, err := clitest.Parse(t, NewCmd, argv...); err == nil {
			t.Errorf("%q parsed", argv)
		}
	}
}

func TestNewArchiveCmdFlags(t *testing.T) {
	got, err := clitest.Parse(t, NewArchiveCmd, "export", "out", "--db", "w.db", "--target", "example-org")
	if err != nil {
		t.Fatal(err)
	}
	got.IO = nil
	if want := (ExportOptions{Args: []string{"out"}, DB: "w.db", Target: "example-org"}); !reflect.DeepEqual(*got, want) {
		t.Errorf("got %+v, want %+v", *got, want)
	}
	if _, err := clitest.Parse(t, NewArchiveCmd, "export"); err == nil {
		t.Error("archive export without DIR parsed")
	}
}
