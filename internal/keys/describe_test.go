package keys

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/canarykit/canarykit/internal/verdict"
)

// A key is named in messages by its user ID shown by the one escaping rule
// (verdict.Display), as canary verify shows it: a byte that is not UTF-8
// (0x9b is CSI to an 8-bit terminal), a line break, an escape sequence and
// a direction override are all visible escapes.
func TestDescribeEscapesUserID(t *testing.T) {
	name := "Mallory \x9b2J\n\x1b[2J \u202Egpj.exe"
	_, pub, _, err := GenerateKey(name+" <mallory@example.org>", nil, 0, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	el, err := ReadKeys(pub)
	if err != nil {
		t.Fatal(err)
	}
	got := describe(el[0])
	if !utf8.ValidString(got) || strings.ContainsAny(got, "\n\x1b\u202E") {
		t.Errorf("describe = %q", got)
	}
	if !strings.HasPrefix(got, verdict.Display(name)+" ") {
		t.Errorf("describe = %q, want it to start with %q", got, verdict.Display(name))
	}
}
