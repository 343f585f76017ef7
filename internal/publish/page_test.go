package publish

import (
	"html/template"
	"testing"
)

// TestLazyValues builds every value made on first use rather than at
// package init, so that a typo in a template or a pattern fails go test
// instead of canary publish.
func TestLazyValues(t *testing.T) {
	for name, tmpl := range map[string]func() *template.Template{"index": indexTemplate, "archive": archiveTemplate} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("the %s template does not parse: %v", name, r)
				}
			}()
			if tmpl().Lookup(name) == nil {
				t.Errorf("the %s template is not named %q", name, name)
			}
		}()
	}
	for name, want := range map[string]bool{
		"000001.txt": true, "1234567890123456789.txt": true,
		"00001.txt": false, "12345678901234567890.txt": false, "000001.txt.sig": false, "index.html": false,
	} {
		if got := archiveNameRE().MatchString(name); got != want {
			t.Errorf("archiveNameRE matches %q: %v, want %v", name, got, want)
		}
	}
}
