//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package trust

import (
	"os"
	"sync"
)

// lockIsShared is false: on these systems (Plan 9, Solaris, AIX, WASI, …)
// canarykit has no advisory file lock, so only saves within one process
// exclude each other. Save still re-reads the store and applies only its
// own changes, which narrows, but does not close, the window in which two
// processes saving at once lose a pin.
const lockIsShared = false

var saveMu sync.Mutex

// lock creates STORE.lock as the other systems do, so that the files are
// the same everywhere, and takes a process-wide mutex.
func lock(store string) (unlock func(), err error) {
	f, err := os.OpenFile(store+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	f.Close()
	saveMu.Lock()
	return saveMu.Unlock, nil
}
