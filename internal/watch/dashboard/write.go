package dashboard

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/canarykit/canarykit/internal/atomicfile"
)

// tempPrefix starts the name of every temporary file the dashboard
// writes: tempPrefix, the writer's process id, "-" and random digits. A
// file is written under such a name and renamed into place once whole, so
// that a page is never read half-written. The name is hidden (a dot
// name), never linked, and the file readable by its owner only until it
// is whole, so that a web server running as another user cannot serve it;
// and it is recognisable, so that the next write removes what a write
// killed half-way left (cleanStale), and nothing else.
const tempPrefix = ".canary-dashboard-tmp-"

// Names of temporary files: ours, and those of canarykit before it named
// them so ("." + the file's name + ".tmp" + digits, by atomicfile), which
// may be canary archive export's as well.
var (
	tempName = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\.canary-dashboard-tmp-([0-9]+)-[0-9]+$`)
	})
	oldTempName = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\.(index\.html|[0-9a-f]{32}\.html|[0-9]{6}\.txt(\.sig(\.[0-9]+)?|\.([0-9]+\.)?tsr)?)\.tmp[0-9]+$`)
	})
)

// staleAfter is when a temporary file is stale whoever wrote it: writing
// one takes a moment, and a process id is reused, after a reboot or in a
// container, where the watchdog may always be process 1.
const staleAfter = time.Hour

// writing keeps two writes of one process apart: then a temporary file
// named with this process's id is never another write's at work.
var writing sync.Mutex

// writeFile replaces file with data atomically, under a temporary name
// of ours.
func writeFile(file string, data []byte) error {
	return atomicfile.WriteAs(file, data, 0o644, tempPrefix+strconv.Itoa(os.Getpid())+"-*")
}

// cleanStale removes from dir the temporary files that a write killed
// half-way left: ours when the process that named it is gone, is this
// one (no other write of it is at work: writing) or the file is older
// than staleAfter; those of an older canarykit when older than
// staleAfter. Every other file stays, and so does a live writer's. It is
// best effort: a file that cannot be removed is left for the next write.
func cleanStale(dir string, now time.Time) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		m := tempName().FindStringSubmatch(e.Name())
		if m == nil && !oldTempName().MatchString(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		stale := now.Sub(info.ModTime()) > staleAfter
		if m != nil && !stale {
			pid, err := strconv.Atoi(m[1])
			stale = err == nil && (pid == os.Getpid() || !running(pid))
		}
		if stale {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
