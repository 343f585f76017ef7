package dashboard

import (
	"html/template"
	"strings"
	"testing"
)

// TestLazyValues builds every value made on first use rather than at
// package init, so that a typo in a template or a pattern fails go test
// instead of the first page served.
func TestLazyValues(t *testing.T) {
	for name, tmpl := range map[string]func() *template.Template{"index": indexTemplate, "target": targetTemplate} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("the %s template does not parse: %v", name, r)
				}
			}()
			for _, def := range []string{name, "when", "cell", "reason"} {
				if tmpl().Lookup(def) == nil {
					t.Errorf("the %s template lacks %q", name, def)
				}
			}
		}()
	}
	if c := csp(); !strings.Contains(c, "style-src 'sha256-") || c != csp() {
		t.Errorf("csp() = %q", c)
	}
	if m := targetPath().FindStringSubmatch("/targets/0123456789abcdef0123456789abcdef.html"); m == nil || m[1] != "0123456789abcdef0123456789abcdef" {
		t.Errorf("targetPath: %q", m)
	}
	if m := archivePath().FindStringSubmatch("/archive/example-org-0123abcd/000001.txt.sig.2"); m == nil || m[1] != "example-org-0123abcd" || m[2] != "0123abcd" || m[3] != "000001.txt.sig.2" {
		t.Errorf("archivePath: %q", m)
	}
	for typ, want := range map[string]string{
		"statement-removed": "statement", "statement-reworded": "statement",
		"key-changed": "key", "replay": "key", "invalid": "key",
		"vanished": "gone", "unreachable": "gone", "expired": "expired",
		"renewed": "", "expiring": "", "recovered": "", "": "",
	} {
		kind, ok := marked(typ)
		if kind != want || ok != (want != "") || markOf(typ) != want {
			t.Errorf("marked(%q) = %q, %v; want %q", typ, kind, ok, want)
		}
	}
}
