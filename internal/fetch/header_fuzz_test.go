package fetch

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/canarykit/canarykit/internal/corpustest"
)

// FuzzParseRetryAfter reads a hostile server's Retry-After header.
func FuzzParseRetryAfter(f *testing.F) {
	now := time.Now()
	for _, s := range []string{
		"", "0", "1", "120", "3599", "3600", "3601", " 5 ", "+5", "-1", "1.5", "1e3", "0x10",
		"99999999999999999999", "9223372036854775807", "9223372036854775808",
		"Wed, 21 Oct 2015 07:28:00 GMT",  // past
		"Fri, 31 Dec 9999 23:59:59 GMT",  // far future
		"Sunday, 06-Nov-94 08:49:37 GMT", // RFC 850
		"Sun Nov  6 08:49:37 1994",       // asctime
		now.Add(30 * time.Minute).UTC().Format(http.TimeFormat),
		now.Add(3 * time.Hour).UTC().Format(http.TimeFormat),
		now.Add(-time.Hour).UTC().Format(http.TimeFormat),
		"Wed, 21 Oct 2015 07:28:00 CET", "tomorrow",
	} {
		f.Add([]byte(s))
	}
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s := string(data)
		before := time.Now()
		d := parseRetryAfter(s)
		after := time.Now()
		// The promise: a wait from now, never negative, never longer
		// than maxRetryAfter however far off the server's date is.
		if d < 0 || d > maxRetryAfter {
			t.Fatalf("parseRetryAfter(%q) = %v, outside [0, %v]", s, d, maxRetryAfter)
		}
		// Delay-seconds is taken as given, up to the bound.
		if n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 31); err == nil && strings.Trim(strings.TrimSpace(s), "0123456789") == "" {
			if want := min(time.Duration(n)*time.Second, maxRetryAfter); d != want {
				t.Fatalf("parseRetryAfter(%q) = %v, want %v", s, d, want)
			}
			return
		}
		// An HTTP date is a wait until then, from the moment of the call.
		if at, err := http.ParseTime(s); err == nil {
			lo := min(max(at.Sub(after), 0), maxRetryAfter)
			hi := min(max(at.Sub(before), 0), maxRetryAfter)
			if d < lo || d > hi {
				t.Fatalf("parseRetryAfter(%q) = %v, want between %v and %v", s, d, lo, hi)
			}
			return
		}
		// Anything else is no wait.
		if _, err := strconv.Atoi(strings.TrimSpace(s)); err != nil && d != 0 {
			t.Fatalf("parseRetryAfter(%q) = %v for a header that is neither seconds nor a date", s, d)
		}
	})
}

// sizeUnits are the units ParseSize documents, and "bytes", which size
// writes; matched in ASCII only, longest first.
var sizeUnits = []struct {
	name string
	mult int64
}{{"bytes", 1}, {"kib", 1 << 10}, {"mib", 1 << 20}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"k", 1 << 10}, {"m", 1 << 20}, {"b", 1}}

// wantSize is ParseSize as its documentation reads.
func wantSize(s string) (int64, bool) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if len(t) >= len(u.name) && asciiEqualFold(t[len(t)-len(u.name):], u.name) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.name)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, false
	}
	return n * mult, true
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// FuzzParseSize reads size limits as --max-bytes and a watch list's
// max_bytes take them.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{
		"1MiB", "512KiB", "65536", "2 mb", "100b", "1 KiB", "1 MiB", "1000 bytes", "1k", "1M", "1KB", " 7 ",
		"1048576MiB", "1048577MiB", "1099511627776", "1099511627777", "1073741824KiB",
		"", "0", "-1", "+1", "1GiB", "1GiB0", "lots", "1e6", "99999999999MiB", "0x10", "1.5MiB", "MiB", "b",
		"1\u212Ab", "1\u212Aib", "\u0130b", "1\u00a0KiB", "1KiBb", "9223372036854775807", "9223372036854775807b",
	} {
		f.Add([]byte(s))
	}
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s := string(data)
		n, err := ParseSize(s)
		want, ok := wantSize(s)
		if err != nil {
			msg := err.Error()
			if ok {
				t.Fatalf("ParseSize(%q) refused a size the documentation allows (%d): %v", s, want, err)
			}
			if msg == "" || !utf8.ValidString(msg) || strings.ContainsFunc(msg, func(r rune) bool { return !unicode.IsPrint(r) }) {
				t.Fatalf("ParseSize(%q): error is not one printable line: %q", s, msg)
			}
			if len(msg) > 4*len(s)+100 {
				t.Fatalf("ParseSize(%q): error of %d bytes", s, len(msg))
			}
			return
		}
		if n <= 0 || n > 1<<40 {
			t.Fatalf("ParseSize(%q) = %d, outside 1 byte to 1 TiB", s, n)
		}
		if !ok || n != want {
			t.Fatalf("ParseSize(%q) = %d, want %d (accepted: %v)", s, n, want, ok)
		}
		// What canarykit writes of a size reads back as that size: the
		// plain number, and size's form in the max-bytes messages.
		for _, w := range []string{strconv.FormatInt(n, 10), size(n)} {
			if m, err := ParseSize(w); err != nil || m != n {
				t.Fatalf("ParseSize(%q) = %d, %v; want %d (from ParseSize(%q))", w, m, err, n, s)
			}
		}
	})
}

// wantStrongETag is a strong entity-tag as RFC 9110 section 8.8.3 writes
// it: DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text.
func wantStrongETag(s string) bool {
	if len(s) < 2 || !strings.HasPrefix(s, `"`) || !strings.HasSuffix(s, `"`) {
		return false
	}
	inner := s[1 : len(s)-1]
	for _, c := range []byte(inner) {
		if !(c == 0x21 || 0x23 <= c && c <= 0x7e || c >= 0x80) {
			return false
		}
	}
	return true
}

// FuzzValidators reads a server's ETag, Last-Modified and Date, and keeps
// only what cannot make a 304 stand for a changed canary.
func FuzzValidators(f *testing.F) {
	date := "Sun, 22 Nov 2026 12:00:00 GMT"
	for _, s := range [][3]string{
		{`"v1"`, date, date},
		{`"v1"`, "Sun, 22 Nov 2026 11:59:59 GMT", date},
		{`"v1"`, "Sun, 22 Nov 2026 11:59:58 GMT", date},
		{`"v1"`, "Sun, 22 Nov 2026 12:00:01 GMT", date},
		{`W/"5f1a-2b"`, "Sun, 22 Nov 2026 11:00:00 GMT", date},
		{`w/"x"`, "", date},
		{`""`, "", ""},
		{`"`, "x", "y"},
		{`"a"b"`, "", ""},
		{" \"v1\"\t", " Sun, 22 Nov 2026 11:00:00 GMT ", date},
		{"\"\x80\xff\"", "Sunday, 22-Nov-26 11:00:00 GMT", "Sun Nov 22 12:00:00 2026"},
		{"\"a b\"", "Sun, 22 Nov 2026 11:00:00 GMT", ""},
		{"\"\x7f\"", "Sun, 22 Nov 2026 11:00:00 GMT", "yesterday"},
		{`"v1"`, "Mon, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT"},
		{`"v1"`, "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT"},
		{`"v1"`, "Sun, 22 Nov 2026 11:00:00 CET", date},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, etag, lastModified, date string) {
		h := http.Header{}
		for k, v := range map[string]string{"ETag": etag, "Last-Modified": lastModified, "Date": date} {
			if v != "" {
				h.Set(k, v)
			}
		}
		gotETag, gotLM := strongValidators(h)
		etag, lastModified, date = strings.Trim(etag, " \t"), strings.Trim(lastModified, " \t"), strings.Trim(date, " \t")
		// What is kept is the server's value, as it sent it.
		if gotETag != "" && gotETag != etag || gotLM != "" && gotLM != lastModified {
			t.Fatalf("strongValidators(%q, %q, %q) = %q, %q: not the server's values", etag, lastModified, date, gotETag, gotLM)
		}
		// Only strong validators, and every strong one.
		lm, lmErr := http.ParseTime(lastModified)
		d, dErr := http.ParseTime(date)
		datable := lastModified != "" && lmErr == nil && dErr == nil
		strongLM := datable && !lm.Add(time.Second).After(d)
		wantLM, wantETag := "", ""
		if strongLM {
			wantLM = lastModified
		}
		// A Last-Modified within the second of Date (or after it) leaves
		// an ETag made of the modification time as weak.
		if wantStrongETag(etag) && (strongLM || !datable) {
			wantETag = etag
		}
		if gotETag != wantETag || gotLM != wantLM {
			t.Fatalf("strongValidators(%q, %q, %q) = %q, %q; want %q, %q", etag, lastModified, date, gotETag, gotLM, wantETag, wantLM)
		}
		if strings.HasPrefix(gotETag, "W/") {
			t.Fatalf("a weak ETag %q was kept", gotETag)
		}
		// What a Response carries, a Get sends back.
		if e, l := (&Validators{ETag: gotETag, LastModified: gotLM}).sendable(); e != gotETag || l != gotLM {
			t.Fatalf("validators %q, %q would be sent as %q, %q", gotETag, gotLM, e, l)
		}
		// And a Get sends nothing weak that it is given.
		if e, _ := (&Validators{ETag: etag, LastModified: lastModified}).sendable(); e != "" && !wantStrongETag(e) {
			t.Fatalf("a weak ETag %q would be sent", e)
		}
	})
}
