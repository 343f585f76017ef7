package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version and commit are set by release builds (release/build.sh) with
//
//	-ldflags "-X main.version=v0.3.0 -X main.commit=0123456789ab"
//
// Without them, the version comes from the build information the Go
// toolchain records in every binary: the module version for go install
// module@version, and the VCS revision for a build in a git checkout.
var (
	version = ""
	commit  = ""
)

// buildVersion is what canary version reports.
type buildVersion struct {
	Version    string `json:"version"`               // v0.3.0, a pseudo-version, or (devel)
	Commit     string `json:"commit,omitempty"`      // VCS revision, empty when unknown
	CommitTime string `json:"commit_time,omitempty"` // RFC 3339, from the VCS
	Dirty      bool   `json:"dirty"`                 // built from a tree with uncommitted changes
	Go         string `json:"go"`                    // toolchain version
	Platform   string `json:"platform"`              // GOOS/GOARCH
	Module     string `json:"module,omitempty"`
}

// currentVersion describes the running binary.
func currentVersion() buildVersion {
	info, _ := debug.ReadBuildInfo()
	return readVersion(info, version, commit)
}

// readVersion combines the -ldflags values (which win when set) with the
// toolchain's build information, which may be nil. It never invents a
// version: without either, the binary says it is a development build.
func readVersion(info *debug.BuildInfo, ldVersion, ldCommit string) buildVersion {
	v := buildVersion{
		Version:  ldVersion,
		Commit:   ldCommit,
		Go:       runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
	if v.Version == "dev" {
		v.Version = ""
	}
	if info != nil {
		if info.GoVersion != "" {
			v.Go = info.GoVersion
		}
		v.Module = info.Main.Path
		if v.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v.Version = info.Main.Version
		}
		var revision string
		goos, goarch := runtime.GOOS, runtime.GOARCH
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				v.CommitTime = s.Value
			case "vcs.modified":
				v.Dirty = v.Dirty || s.Value == "true"
			case "GOOS":
				goos = s.Value
			case "GOARCH":
				goarch = s.Value
			}
		}
		v.Platform = goos + "/" + goarch
		if v.Commit == "" {
			v.Commit = revision
		} else if revision != "" && !strings.HasPrefix(revision, v.Commit) {
			// -ldflags named one commit and the toolchain stamped another:
			// report what the toolchain saw, which is the tree it built.
			v.Commit = revision
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	// Pseudo-versions of modified trees end in +dirty; git describe
	// --dirty ends in -dirty.
	if strings.HasSuffix(v.Version, "+dirty") || strings.HasSuffix(v.Version, "-dirty") {
		v.Dirty = true
	}
	if len(v.Commit) > 12 {
		v.Commit = v.Commit[:12]
	}
	return v
}

// String is the text canary --version and canary version print after
// "canary version ": v0.3.0 (commit 0123456789ab, go1.26.8).
func (v buildVersion) String() string {
	c := v.Commit
	if c == "" {
		c = "unknown"
	}
	dirty := ""
	if v.Dirty {
		dirty = ", dirty"
	}
	return fmt.Sprintf("%s (commit %s%s, %s)", v.Version, c, dirty, v.Go)
}

func newVersionCmd(io *streams) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go toolchain of this binary",
		Long: `Print canary's version, the commit it was built from and the Go toolchain
that built it; "canary --version" prints the same line.

Release binaries carry the version of their git tag. A binary built with
go install module@version carries that module version; one built in a git
checkout carries the commit, marked "dirty" when the tree had uncommitted
changes. A build with neither says "(devel)" and "commit unknown": canary
never invents a version.

--format json prints version, commit, commit_time, dirty, go, platform and
module, for inventories and bug reports.`,
		Example: `  canary version
  canary version --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			v := currentVersion()
			if format == "json" {
				b, err := json.Marshal(v)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(io.Out, "%s\n", b)
				return err
			}
			_, err := fmt.Fprintf(io.Out, "canary version %s\n", v)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
