// Package build says which build of canary is running: the version and
// commit release builds stamp in, else what the Go toolchain recorded.
package build

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Version and Commit are what release builds (release/build.sh) set with
//
//	-ldflags "-X main.version=v0.3.0 -X main.commit=0123456789ab"
//
// and cmd/canary's main copies here before anything runs: the -X names
// stay those of package main, which release scripts and packagers already
// use. Without them, the version comes from the build information the Go
// toolchain records in every binary: the module version for go install
// module@version, and the VCS revision for a build in a git checkout.
var (
	Version = ""
	Commit  = ""
)

// Info is what canary version reports.
type Info struct {
	Version    string `json:"version"`               // v0.3.0, a pseudo-version, or (devel)
	Commit     string `json:"commit,omitempty"`      // VCS revision, empty when unknown
	CommitTime string `json:"commit_time,omitempty"` // RFC 3339, from the VCS
	Dirty      bool   `json:"dirty"`                 // built from a tree with uncommitted changes
	Go         string `json:"go"`                    // toolchain version
	Platform   string `json:"platform"`              // GOOS/GOARCH
	Module     string `json:"module,omitempty"`
}

// Current describes the running binary.
func Current() Info {
	info, _ := debug.ReadBuildInfo()
	return Read(info, Version, Commit)
}

// Read combines the -ldflags values (which win when set) with the
// toolchain's build information, which may be nil. It never invents a
// version: without either, the binary says it is a development build.
func Read(info *debug.BuildInfo, ldVersion, ldCommit string) Info {
	v := Info{
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
func (v Info) String() string {
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
