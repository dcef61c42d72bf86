package cmd

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// A bsync started by a large process reports its own peak memory, not its
// parent's (getrusage's ru_maxrss survives exec on Linux; VmHWM does not).
func TestPeakRSSIsThisProcesssOwn(t *testing.T) {
	if os.Getenv("BSYNC_PEAK_RSS_CHILD") == "1" {
		fmt.Printf("peak=%d\n", peakRSSKB())
		return
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	ballast := make([]byte, 300<<20)
	for i := range ballast {
		ballast[i] = 1 // resident, not just reserved
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestPeakRSSIsThisProcesssOwn$")
	cmd.Env = append(os.Environ(), "BSYNC_PEAK_RSS_CHILD=1")
	out, err := cmd.Output()
	ballast[len(ballast)-1] = 2
	if err != nil {
		t.Fatal(err)
	}
	_, v, _ := strings.Cut(strings.Split(string(out), "\n")[0], "peak=")
	kb, err := strconv.ParseInt(v, 10, 64)
	if err != nil || kb <= 0 || kb > 200<<10 {
		t.Errorf("the child reports a peak of %d KiB (%v); its parent holds 300 MiB", kb, err)
	}
}
