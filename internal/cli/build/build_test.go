package build

import (
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"
)

func fakeBuildInfo(mainVersion string, settings ...string) *debug.BuildInfo {
	info := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/canarykit/canarykit", Version: mainVersion},
	}
	for i := 0; i+1 < len(settings); i += 2 {
		info.Settings = append(info.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
	}
	return info
}

func TestVersionString(t *testing.T) {
	for _, tc := range []struct {
		name      string
		info      *debug.BuildInfo
		ldVersion string
		ldCommit  string
		want      string
	}{
		{"release build", fakeBuildInfo("(devel)"), "v0.3.0", "abc123", "v0.3.0 (commit abc123, go1.26.8)"},
		{"release build, long commit", fakeBuildInfo(""), "v0.3.0", "0123456789abcdef0123", "v0.3.0 (commit 0123456789ab, go1.26.8)"},
		{"git describe --dirty", fakeBuildInfo("(devel)"), "v0.3.0-2-gabc1234-dirty", "abc1234", "v0.3.0-2-gabc1234-dirty (commit abc1234, dirty, go1.26.8)"},
		{"go install module@version", fakeBuildInfo("v0.3.0"), "", "", "v0.3.0 (commit unknown, go1.26.8)"},
		{"git checkout", fakeBuildInfo("v0.3.1-0.20261207125350-95fc63c0ffee",
			"vcs", "git", "vcs.revision", "95fc63c0ffee1234567890", "vcs.time", "2026-12-07T12:53:50Z", "vcs.modified", "false"),
			"", "", "v0.3.1-0.20261207125350-95fc63c0ffee (commit 95fc63c0ffee, go1.26.8)"},
		{"git checkout with changes", fakeBuildInfo("v0.3.1-0.20261207125350-95fc63c0ffee+dirty",
			"vcs.revision", "95fc63c0ffee1234567890", "vcs.modified", "true"),
			"", "", "v0.3.1-0.20261207125350-95fc63c0ffee+dirty (commit 95fc63c0ffee, dirty, go1.26.8)"},
		{"modified, no module version", fakeBuildInfo("(devel)", "vcs.revision", "95fc63c0ffee", "vcs.modified", "true"),
			"", "", "(devel) (commit 95fc63c0ffee, dirty, go1.26.8)"},
		{"nothing known", fakeBuildInfo("(devel)"), "", "", "(devel) (commit unknown, go1.26.8)"},
		{"old default", fakeBuildInfo(""), "dev", "", "(devel) (commit unknown, go1.26.8)"},
		{"ldflags commit, toolchain saw another", fakeBuildInfo("(devel)", "vcs.revision", "fedcba987654321"),
			"v0.3.0", "abc123", "v0.3.0 (commit fedcba987654, go1.26.8)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Read(tc.info, tc.ldVersion, tc.ldCommit).String(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	// No build information at all (debug.ReadBuildInfo failed).
	if got := Read(nil, "", "").String(); !strings.HasPrefix(got, "(devel) (commit unknown, go") {
		t.Errorf("without build info: %q", got)
	}
}

func TestVersionJSON(t *testing.T) {
	v := Read(fakeBuildInfo("(devel)", "vcs.revision", "95fc63c0ffee1234", "vcs.time", "2026-12-07T12:53:50Z",
		"vcs.modified", "true", "GOOS", "windows", "GOARCH", "arm64"), "v0.3.0", "")
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":"v0.3.0","commit":"95fc63c0ffee","commit_time":"2026-12-07T12:53:50Z","dirty":true,"go":"go1.26.8","platform":"windows/arm64","module":"github.com/canarykit/canarykit"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
