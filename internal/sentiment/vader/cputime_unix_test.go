//go:build unix

package vader

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used. Benchmarks report posts
// per CPU second beside posts per wall second: on a shared machine the wall
// clock also counts the time other processes held the core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
