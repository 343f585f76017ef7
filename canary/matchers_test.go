package canary

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The field shapes are checked as a regexp without counted repetition
// and a length (format.go); each must accept exactly what its regular
// expression, the one FORMAT.md and the canary JSON Schema state, accepts.
var shapeRegexps = []struct {
	name string
	m    func(string) bool
	re   *regexp.Regexp
}{
	{"id", isID, regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)},
	{"fingerprint", fingerprintRE.MatchString, regexp.MustCompile(`^[0-9A-F]{40}([0-9A-F]{24})?$`)},
	{"digest", isDigest, regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)},
	{"serial", isSerial, regexp.MustCompile(`^[1-9][0-9]{0,18}$`)},
}

func TestShapesMatchTheirRegexps(t *testing.T) {
	hex40 := "0123456789ABCDEF0123456789ABCDEF01234567"
	for _, s := range []string{
		"", "a", "0", "-", "a-", "-a", "A", "no-warrants", "a\n", "\na",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		hex40, hex40 + "0123456789ABCDEF01234567", hex40 + "0", hex40[:39], "0123456789abcdef0123456789abcdef01234567",
		"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF",
		"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
		"1", "10", "01", "1000000000000000000", "9999999999999999999", "10000000000000000000", "1a", "é",
	} {
		for _, sh := range shapeRegexps {
			if got, want := sh.m(s), sh.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, the regexp says %v", sh.name, s, got, want)
			}
		}
	}
}

func FuzzShapes(f *testing.F) {
	f.Add("no-warrants")
	f.Add("0123456789ABCDEF0123456789ABCDEF01234567")
	f.Add("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	f.Add("1000000000000000000")
	f.Fuzz(func(t *testing.T, s string) {
		for _, sh := range shapeRegexps {
			if got, want := sh.m(s), sh.re.MatchString(s); got != want {
				t.Fatalf("%s(%q) = %v, the regexp says %v", sh.name, s, got, want)
			}
		}
	})
}

// checkLine must keep to the rules it states for every non-empty string
// of at most its length limit.
func plainLineReference(s string) bool {
	if !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func FuzzPlainLine(f *testing.F) {
	for _, s := range []string{"a", "abcdefgh", "abcdefghijklmnopq", "abcdefg\x7f", "abcdefgh\x1fijk", "abcdefghij\u00e9",
		" abcdefgh", "abcdefgh ", "abcdefgh\u00a0", "\u0085abcdefgh", "abc\tdefgh", "abcdefgh\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" || len(s) > MaxTextLen {
			return
		}
		if got, want := checkLine("statement", "s1", s, MaxTextLen) == nil, plainLineReference(s); got != want {
			t.Fatalf("checkLine(%q) accepts: %v, want %v", s, got, want)
		}
	})
}

func TestPlainLine(t *testing.T) {
	for _, s := range []string{"a", "abcdefgh", "abcdefghijklmnopq", "abcdefg\x7f", "abcdefgh\x1fijk", "abcdefghij\u00e9",
		" abcdefgh", "abcdefgh ", "abcdefgh\u00a0", "\u0085abcdefgh", "abc\tdefgh", "abcdefgh\xff", "01234567\x00", "~~~~~~~~~~~~~~~~"} {
		if got, want := checkLine("statement", "s1", s, MaxTextLen) == nil, plainLineReference(s); got != want {
			t.Errorf("checkLine(%q) accepts: %v, want %v", s, got, want)
		}
	}
}
