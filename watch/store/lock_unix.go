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

// Acquire takes the advisory lock on path+".lock". With wait, it waits
// until the lock is free or ctx is done; without, it fails at once with
// *ErrLocked. The lock goes with the process: kill -9 releases it.
func Acquire(ctx context.Context, path string, wait bool) (*Lock, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot create the lock file: %v", err)
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
			b := make([]byte, 32)
			n, _ := f.ReadAt(b, 0)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b[:n])))
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
	// The pid is for the message a second watchdog prints; it is only
	// read while the lock is held by the writer.
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &Lock{f: f}, nil
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
