// Package atomicfile writes files so that a reader, or the next run after a
// crash, sees either the old content or the new one, never a mix.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data: a temporary file in the same directory is
// written, synced and renamed over path, and the directory is synced so the
// rename survives a power cut.
func Write(path string, data []byte, perm os.FileMode) error {
	return WriteAs(path, data, perm, "."+filepath.Base(path)+".tmp*")
}

// WriteAs is Write with the temporary file named by pattern, as for
// os.CreateTemp: a writer that cleans up after a killed run names its
// temporary files so that it can tell them from everything else. The
// temporary file is readable by its owner only until it is renamed.
func WriteAs(path string, data []byte, perm os.FileMode, pattern string) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: not every file system can sync a directory
		d.Close()
	}
	return nil
}

// Create is Write that refuses to replace an existing file, for files a
// user would be sorry to lose (secret keys, a hand-edited definition).
func Create(path string, data []byte, perm os.FileMode) error {
	if _, err := os.Lstat(path); err == nil {
		return &os.PathError{Op: "create", Path: path, Err: os.ErrExist}
	}
	return Write(path, data, perm)
}
