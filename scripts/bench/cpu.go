package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of the CPU times in /proc: USER_HZ, 100 a second
// on Linux whatever the kernel's own tick.
const clockTick = 10 * time.Millisecond

// procCPU returns the user + system CPU a running process has spent, all
// its threads together (fields 14 and 15 of /proc/PID/stat).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("read the CPU time of process %d: %w", pid, err)
	}
	// The command name (field 2) may hold spaces; the fields after it
	// start with the state, field 3.
	i := bytes.LastIndexByte(b, ')')
	var f []string
	if i >= 0 {
		f = strings.Fields(string(b[i+1:]))
	}
	if len(f) < 13 {
		return 0, fmt.Errorf("read the CPU time of process %d: unexpected /proc/%d/stat", pid, pid)
	}
	user, err1 := strconv.ParseInt(f[11], 10, 64)
	sys, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("read the CPU time of process %d: unexpected /proc/%d/stat", pid, pid)
	}
	return time.Duration(user+sys) * clockTick, nil
}

// selfCPU returns the user + system CPU this process has spent: the
// Bugsink fake while bsync runs, the bare client while it replays.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineBusy returns the CPU time every process on the host has spent,
// all cores together: the first line of /proc/stat less idle and iowait.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var total int64
	for k, f := range strings.Fields(line)[1:] {
		n, _ := strconv.ParseInt(f, 10, 64)
		// Fields: user nice system idle iowait irq softirq steal guest
		// guest_nice; guest time is already counted in user and nice.
		if k != 3 && k != 4 && k < 8 {
			total += n
		}
	}
	return time.Duration(total) * clockTick
}

// loadAvg returns the 1-minute load average.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
