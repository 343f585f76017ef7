package verify

import (
	"reflect"
	"testing"

	"github.com/canarykit/canarykit/verify"
)

// TestArchiveCandidates checks where verify looks for the predecessor of
// a canary (issue 15): beside a file, and for a URL against the final URL
// and, for a web page, the page taken as a directory.
func TestArchiveCandidates(t *testing.T) {
	page := func(final string, isPage bool) *input {
		return &input{Page: isPage, Source: &verify.Source{FinalURL: final}}
	}
	for _, tc := range []struct {
		source string
		in     *input
		want   []string
	}{
		{"canary.txt", &input{}, []string{"archive/000004.txt"}},
		{"site/canary.txt", &input{}, []string{"site/archive/000004.txt"}},
		{"site/archive/000005.txt", &input{}, []string{"site/archive/000004.txt", "site/archive/archive/000004.txt"}},
		{"https://example.org/canary.txt", page("https://example.org/canary.txt", false), []string{"https://example.org/archive/000004.txt"}},
		// Redirected: the final URL counts.
		{"https://example.org/c", page("https://www.example.org/warrant/canary.txt", false), []string{"https://www.example.org/warrant/archive/000004.txt"}},
		{"https://example.org/", page("https://example.org/", true), []string{"https://example.org/archive/000004.txt"}},
		{"https://example.org/canary", page("https://example.org/canary", true), []string{"https://example.org/archive/000004.txt", "https://example.org/canary/archive/000004.txt"}},
		{"https://example.org/archive/000005.txt", page("https://example.org/archive/000005.txt", false), []string{"https://example.org/archive/000004.txt", "https://example.org/archive/archive/000004.txt"}},
	} {
		var got []string
		for _, c := range archiveCandidates(tc.source, tc.in, 4) {
			got = append(got, c.loc)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s (final %v): got %q, want %q", tc.source, tc.in.Source, got, tc.want)
		}
	}
}
