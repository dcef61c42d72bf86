package cmd

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// peakRSSKB returns this process's peak resident set size in KiB: Linux's
// VmHWM (/proc/self/status), which starts afresh at exec. getrusage's
// ru_maxrss does not: Linux carries it over exec, so a bsync started by a
// large process (a benchmark holding a fake with a million issues) would
// report its parent's size. ru_maxrss is the fallback where there is no
// /proc; 0 where the system does not tell.
func peakRSSKB() int64 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				if f := strings.Fields(rest); len(f) > 0 {
					if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
						return n
					}
				}
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss
}
