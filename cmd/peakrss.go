package cmd

import "syscall"

// peakRSSKB returns this process's peak resident set size in KiB (getrusage
// ru_maxrss, which Linux reports in KiB); 0 where the system does not tell.
func peakRSSKB() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss
}
