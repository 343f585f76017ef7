//go:build unix && !linux

package store

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFile opens what Acquire flocks. On the BSDs and macOS flock and
// SQLite's fcntl locks may meet, so the database file itself is not
// flocked; the lock is a file beside it named after the database's
// device and inode, so that every name of the file in its directory
// (symlinks are resolved first, and hard links in the same directory)
// meets the same lock. A hard link in another directory is not covered
// here; see docs/WATCH.md.
func lockFile(real string) (*os.File, error) {
	name, err := lockName(real)
	if err != nil {
		return nil, err
	}
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
}

func lockName(real string) (string, error) {
	fi, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return real + ".lock", nil
	}
	return filepath.Join(filepath.Dir(real), fmt.Sprintf(".canary-watch-%x-%x.lock", uint64(st.Dev), uint64(st.Ino))), nil
}

// lockedInode is the file whose identity the lock stands for: the lock
// file for the database's current inode.
func lockedInode(real string) (os.FileInfo, error) {
	name, err := lockName(real)
	if err != nil {
		return nil, err
	}
	return os.Stat(name)
}

func holder(f *os.File, real string) int { return readPID(real) }
