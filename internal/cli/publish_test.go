package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/publish"
)

func TestPassphraseFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pass")
	io := &streams{Getenv: func(string) string { return "" }}
	for _, tc := range []struct {
		data    string
		mode    os.FileMode
		want    string
		wantErr string
	}{
		{"secret\nignored\n", 0o600, "secret", ""},
		{"secret\r\n", 0o400, "secret", ""},
		{"secret", 0o600, "secret", ""},
		{"secret\n", 0o640, "", "can be read by others (mode 0640)"},
		{"\nsecret\n", 0o600, "", "is empty"},
	} {
		os.Remove(p)
		os.WriteFile(p, []byte(tc.data), tc.mode)
		os.Chmod(p, tc.mode)
		f, err := passphraseFrom(io, p)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q mode %o: err %v, want %q", tc.data, tc.mode, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.data, err)
			continue
		}
		got, _ := f("", "")
		if string(got) != tc.want {
			t.Errorf("%q: passphrase %q, want %q", tc.data, got, tc.want)
		}
	}
	if _, err := passphraseFrom(io, filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file gave no error")
	}
}

// TestPublishReportEscaped: what canary publish prints of the canary (its
// issuer) and of verify's warnings goes through the one escaping rule.
func TestPublishReportEscaped(t *testing.T) {
	res := &publish.Result{Site: "site", Files: []string{"index.html"}, Canary: &canary.Canary{Serial: 1},
		Notes: []string{"signature: Mallory \x1b[2J\u202Egpj.exe"}}
	res.Canary.Issuer.Name = "Example \u202EgrO"
	for _, format := range []string{"text", "json"} {
		ios := cmdutil.System()
		var out, errs strings.Builder
		ios.Out, ios.Err = &out, &errs
		if err := reportSite(ios, res, format); err != nil {
			t.Fatal(err)
		}
		if s := out.String() + errs.String(); strings.ContainsAny(s, "\x1b\u202E") || !strings.Contains(errs.String(), `Mallory \x1b[2J\u202Egpj.exe`) {
			t.Errorf("--format %s: stdout %q, stderr %q", format, out.String(), errs.String())
		}
	}
}
