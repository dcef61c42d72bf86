package syncer

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"bsync/pkg/bugsink"
)

// The heap keeps the cap oldest candidates whatever the order they come
// in, never more, and hands back each one it leaves out exactly once.
func TestCandidateHeapKeepsTheOldest(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for seed := int64(0); seed < 20; seed++ {
		h := candidateHeap{cap: 3}
		order := rand.New(rand.NewSource(seed)).Perm(50)
		dropped := map[string]int{}
		for _, i := range order {
			c := candidate{issue: bugsink.Issue{ID: fmt.Sprintf("id-%02d", i), FirstSeen: base.Add(time.Duration(i) * time.Hour)}}
			if out, ok := h.offer(c); ok {
				dropped[out.issue.ID]++
			}
			if h.Len() > 3 {
				t.Fatalf("seed %d: the heap holds %d", seed, h.Len())
			}
		}
		got := h.sorted()
		if len(got) != 3 || got[0].issue.ID != "id-00" || got[1].issue.ID != "id-01" || got[2].issue.ID != "id-02" {
			t.Errorf("seed %d: kept %v", seed, got)
		}
		for id, n := range dropped {
			if n != 1 || id < "id-03" {
				t.Errorf("seed %d: %s dropped %d times", seed, id, n)
			}
		}
		if len(dropped) != 47 {
			t.Errorf("seed %d: %d dropped, want 47", seed, len(dropped))
		}
	}
}
