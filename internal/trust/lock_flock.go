//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package trust

import (
	"os"
	"syscall"
)

// lockIsShared says that the lock keeps other processes out, not only
// other goroutines.
const lockIsShared = true

// lock takes an exclusive flock(2) on STORE.lock, waiting for it. The lock
// file is created 0600 and never removed: removing it would let a later run
// lock a new file while an earlier one still holds the old. The kernel
// releases the lock if the process dies, so a crash never leaves the store
// locked.
func lock(store string) (unlock func(), err error) {
	f, err := os.OpenFile(store+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, &os.PathError{Op: "flock", Path: f.Name(), Err: err}
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
