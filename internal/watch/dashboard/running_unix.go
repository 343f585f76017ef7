//go:build unix

package dashboard

import "syscall"

// running says whether process pid may still be at work; a process of
// another user counts.
func running(pid int) bool {
	if pid <= 0 {
		return true // not a process id: the file's age decides
	}
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
