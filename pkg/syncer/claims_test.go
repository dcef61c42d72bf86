package syncer

import (
	"fmt"
	"runtime"
	"testing"
)

func TestAnIssueIsClaimedOnce(t *testing.T) {
	var c claims
	for _, id := range []string{"0b8e4a9c-1d2f-4a6b-9c8d-7e6f5a4b3c2d", "not-a-uuid"} {
		if c.claimed(id) || !c.claim(id) || c.claim(id) || !c.claimed(id) {
			t.Errorf("%s: not claimed exactly once", id)
		}
	}
	if c.claimed("1b8e4a9c-1d2f-4a6b-9c8d-7e6f5a4b3c2d") {
		t.Error("another id counts as claimed")
	}
}

// BenchmarkClaimMemory reports the heap a run's claims take per issue:
//
//	go test ./pkg/syncer -run '^$' -bench ClaimMemory -benchtime 1x
func BenchmarkClaimMemory(b *testing.B) {
	const n = 100_000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08x-1d2f-4a6b-9c8d-%012x", i, i)
	}
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c := &claims{}
		for _, id := range ids {
			c.claim(id)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "bytes/claim")
		runtime.KeepAlive(c)
	}
}
