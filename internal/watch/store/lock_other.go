//go:build !unix

package store

import "context"

// A Lock is a no-op where flock is missing: SQLite's own locking still
// keeps the database sound, but two watchdogs may then alert twice.
type Lock struct{}

// ErrLocked is never returned here.
type ErrLocked struct {
	Path string
	PID  int
}

func (e *ErrLocked) Error() string { return "another canary watch is running on " + e.Path }

// Acquire does nothing on this system.
func Acquire(ctx context.Context, path string, wait bool) (*Lock, error) { return &Lock{}, nil }

// Release does nothing.
func (l *Lock) Release() error { return nil }

// links is not known here: one.
func links(real string) uint64 { return 1 }
