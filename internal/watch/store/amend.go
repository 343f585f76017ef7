package store

import (
	"context"
	"errors"
	"fmt"
)

// OpenToAmend opens an existing history for a short write beside a
// watchdog that may be running: canary watch accept. It cannot wait for
// the watchdog's lock, which a service holds for as long as it runs. So
// it takes the lock when it is free, and holds it until lock.Release
// (call that after db.Close), so that no watchdog starts meanwhile
// through another name; when a watchdog holds it, it goes on only if the
// database file has a single name, since SQLite's locking then orders the
// write with the watchdog's. Through a hard link while a watchdog runs on
// another name SQLite would keep a second WAL file, which damages the
// database: that is refused.
func OpenToAmend(ctx context.Context, path string) (db *DB, lock *Lock, err error) {
	real, exists, err := resolvePath(path)
	if err != nil {
		return nil, nil, err
	}
	if !exists {
		return nil, nil, fmt.Errorf("%w at %s: run canary watch first, or pass --db FILE", ErrNoDatabase, path)
	}
	if err := checkFile(real, path); err != nil {
		return nil, nil, err
	}
	lock, err = Acquire(ctx, path, false)
	var locked *ErrLocked
	switch {
	case errors.As(err, &locked):
		if n := links(real); n > 1 {
			return nil, nil, fmt.Errorf("%s has %d hard links and a canary watch is running on it (pid %d): SQLite keeps a WAL file beside each name, and writing through two names damages the database; stop the watchdog, or remove the extra links", path, n, locked.PID)
		}
		lock = nil
	case err != nil:
		return nil, nil, err
	}
	db, err = Open(ctx, path)
	if err != nil {
		lock.Release()
		return nil, nil, err
	}
	return db, lock, nil
}
