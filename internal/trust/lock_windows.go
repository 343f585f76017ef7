//go:build windows

package trust

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockIsShared says that the lock keeps other processes out, not only
// other goroutines.
const lockIsShared = true

// lock takes an exclusive LockFileEx lock on STORE.lock, waiting for it.
// The lock file is never removed; Windows releases the lock when the
// process dies.
func lock(store string) (unlock func(), err error) {
	f, err := os.OpenFile(store+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	h := windows.Handle(f.Fd())
	ol := new(windows.Overlapped)
	if err := windows.LockFileEx(h, windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, ol); err != nil {
		f.Close()
		return nil, &os.PathError{Op: "LockFileEx", Path: f.Name(), Err: err}
	}
	return func() {
		windows.UnlockFileEx(h, 0, 1, 0, ol)
		f.Close()
	}, nil
}
