package syncstate_test

import (
	"context"
	"fmt"
	"testing"

	"bsync/pkg/syncstate"
	"bsync/pkg/syncstate/redistest"
)

// BenchmarkRefreshCountStale100k measures the count refresh at the end of a
// sync when the cache is stale (the run wrote mappings), over 100,000 keys.
//
//	go test ./pkg/syncstate -run '^$' -bench RefreshCountStale100k -benchtime 10x
func BenchmarkRefreshCountStale100k(b *testing.B) {
	srv := redistest.Start(b)
	rdb := srv.Client(b, 15)
	ctx := context.Background()
	pipe := rdb.Pipeline()
	for i := 0; i < 100_000; i++ {
		pipe.Set(ctx, fmt.Sprintf("bugsink:synced:00000000-0000-4000-8000-%012d", i), `{"gitea_issue_number":1}`, 0)
		if i%5000 == 4999 {
			if _, err := pipe.Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	store, err := syncstate.Open(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		rdb.HSet(ctx, syncstate.CountKey, "dbsize", -1) // stale, as after a run that wrote
		b.StartTimer()
		if _, err := store.RefreshCount(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
