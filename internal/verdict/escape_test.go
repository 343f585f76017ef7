package verdict

import "testing"

// Raw finds what Display and DisplayLines never leave in their output, and
// nothing in what they do.
func TestRawFindsWhatDisplayEscapes(t *testing.T) {
	for _, s := range []string{"\x1b[2J", "a\x9bb", "\u0085", "\u202Egpj", "x\u2066", "\x7f", "\r", "\xff"} {
		if at, what := Raw(s); at < 0 || what == "" {
			t.Errorf("Raw(%q) found nothing", s)
		}
		if at, what := Raw(DisplayLines("line\n" + s)); at >= 0 {
			t.Errorf("DisplayLines(%q) still holds %s", s, what)
		}
	}
	if at, what := Raw("plain\ttext\nwith é and 世界"); at >= 0 {
		t.Errorf("Raw found %s in plain text", what)
	}
}
