package canary

import (
	"regexp"
	"testing"
)

// The field shapes are written out by hand (format.go); each must accept
// exactly what its regular expression, the one FORMAT.md and the canary
// JSON Schema state, accepts.
var shapeRegexps = []struct {
	name string
	m    matcher
	re   *regexp.Regexp
}{
	{"id", idRE, regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)},
	{"fingerprint", fingerprintRE, regexp.MustCompile(`^[0-9A-F]{40}([0-9A-F]{24})?$`)},
	{"digest", digestRE, regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)},
	{"serial", serialRE, regexp.MustCompile(`^[1-9][0-9]{0,18}$`)},
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
			if got, want := sh.m.MatchString(s), sh.re.MatchString(s); got != want {
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
			if got, want := sh.m.MatchString(s), sh.re.MatchString(s); got != want {
				t.Fatalf("%s(%q) = %v, the regexp says %v", sh.name, s, got, want)
			}
		}
	})
}
