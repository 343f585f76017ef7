package store

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockFile opens what Acquire flocks: on Linux the database file itself.
// flock belongs to the open file description and so to the inode: every
// path to the file (symlinks, hard links in any directory, bind mounts)
// meets the same lock. SQLite locks with POSIX fcntl locks, which Linux
// keeps apart from flock, so the two do not meet. (On NFS, Linux emulates
// flock with fcntl locks; SQLite on NFS is unsafe anyway.)
func lockFile(real string) (*os.File, error) {
	return os.OpenFile(real, os.O_RDWR, 0)
}

// lockedInode is the file whose identity the lock stands for.
func lockedInode(real string) (os.FileInfo, error) { return os.Stat(real) }

// holder is the pid holding the flock on f, from /proc/locks (which does
// not depend on the name the holder opened), else the pid file.
func holder(f *os.File, real string) int {
	if fi, err := f.Stat(); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			if pid := procLocksHolder(st.Ino); pid > 0 {
				return pid
			}
		}
	}
	return readPID(real)
}

// procLocksHolder reads lines like
// "1: FLOCK  ADVISORY  WRITE 4242 08:02:1234567 0 EOF".
func procLocksHolder(ino uint64) int {
	f, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer f.Close()
	want := ":" + strconv.FormatUint(ino, 10)
	s := bufio.NewScanner(f)
	for s.Scan() {
		fl := strings.Fields(s.Text())
		if len(fl) < 6 || fl[0] == "->" || fl[1] != "FLOCK" || fl[3] != "WRITE" || !strings.HasSuffix(fl[5], want) {
			continue
		}
		if pid, err := strconv.Atoi(fl[4]); err == nil {
			return pid
		}
	}
	return 0
}
