//go:build unix

package history

import "syscall"

// cpuTime is the process's user+system CPU time in nanoseconds (0 where unknown).
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
