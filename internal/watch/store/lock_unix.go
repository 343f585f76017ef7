//go:build unix

package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A Lock keeps a second watchdog off a database. SQLite's own locking
// keeps the file sound; this lock keeps two watchdogs from checking the
// same targets and raising each alert twice.
//
// The lock is the database file's, not its name's: a symlink is
// followed, and a hard link or another path to the same file takes the
// same lock (see lockFile). It is taken before SQLite opens the file, so
// that a second watchdog through another name stops before it makes a
// second WAL beside that name (two WALs for one database damage it).
type Lock struct{ f *os.File }

// ErrLocked says another process holds the lock.
type ErrLocked struct {
	Path string
	PID  int
}

func (e *ErrLocked) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = fmt.Sprintf("pid %d", e.PID)
	}
	return fmt.Sprintf("another canary watch is running on %s (%s); wait for it, stop it, or pass --wait to queue behind it", e.Path, who)
}

// Acquire takes the advisory lock on the database at path, making a new
// database there first if there is no file (see Open). With wait, it
// waits until the lock is free or ctx is done; without, it fails at once
// with *ErrLocked. The lock goes with the process: kill -9 releases it.
//
// Release the lock only after closing the DB: on Linux the lock is held
// on a descriptor of the database file, and closing any descriptor of a
// file drops the POSIX locks SQLite holds on it in this process.
func Acquire(ctx context.Context, path string, wait bool) (*Lock, error) {
	if err := usablePath(path); err != nil {
		return nil, err
	}
	for {
		real, exists, err := resolvePath(path)
		if err != nil {
			return nil, err
		}
		if !exists {
			if err := createNew(ctx, real); err != nil {
				return nil, err
			}
			continue
		}
		f, err := lockFile(real)
		if err != nil {
			return nil, fmt.Errorf("cannot lock %s: %v", path, err)
		}
		for {
			err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
			if err == nil {
				break
			}
			if !errors.Is(err, syscall.EWOULDBLOCK) {
				f.Close()
				return nil, fmt.Errorf("cannot lock %s: %v", path, err)
			}
			if !wait {
				pid := holder(f, real)
				f.Close()
				return nil, &ErrLocked{Path: path, PID: pid}
			}
			select {
			case <-ctx.Done():
				f.Close()
				return nil, ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
		// The file may have been replaced (a restore renamed over it)
		// while this waited: then the lock is on the old file.
		if stillLocked(f, real) {
			writePID(real)
			return &Lock{f: f}, nil
		}
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
}

// stillLocked says whether the locked file is still the one real names
// (for a lock on the database file itself, f is that file).
func stillLocked(f *os.File, real string) bool {
	want, err := lockedInode(real)
	if err != nil {
		return false
	}
	got, err := f.Stat()
	return err == nil && os.SameFile(got, want)
}

// writePID notes this process's pid beside the database, for the message
// a second watchdog prints where the system does not say who holds a
// lock. It is only read while the lock is held.
func writePID(real string) {
	os.WriteFile(real+".lock", []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
}

func readPID(real string) int {
	b, err := os.ReadFile(real + ".lock")
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// links is the number of names (hard links) of the file real.
func links(real string) uint64 {
	fi, err := os.Stat(real)
	if err != nil {
		return 0
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// Release gives the lock up.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	return err
}
