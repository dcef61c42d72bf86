package cmd

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"bsync/pkg/syncstate"
	"bsync/pkg/syncstate/redistest"
)

// BenchmarkStatus100k measures `bsync status` (in process) over 100,000
// mappings written in the DESIGN format, after a sync run cached the count.
//
//	go test ./cmd -run '^$' -bench Status100k -benchtime 20x
func BenchmarkStatus100k(b *testing.B) { benchStatus(b, false) }

// BenchmarkStatus100kCold is the same with no valid count cache (keys
// changed by another writer since the last sync): status counts with SCAN.
func BenchmarkStatus100kCold(b *testing.B) { benchStatus(b, true) }

func benchStatus(b *testing.B, cold bool) {
	srv := redistest.Start(b)
	rdb := srv.Client(b, 15)
	ctx := context.Background()
	pipe := rdb.Pipeline()
	for i := 0; i < 100_000; i++ {
		pipe.Set(ctx, fmt.Sprintf("bugsink:synced:00000000-0000-4000-8000-%012d", i),
			`{"gitea_issue_number":1,"synced_at":"2026-01-01T00:00:00Z","project":"p","title":"t"}`, 0)
		if i%5000 == 4999 {
			if _, err := pipe.Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	store, _ := syncstate.Open(srv.URL())
	store.SaveRun(ctx, syncstate.RunRecord{Outcome: "ok", FinishedAt: time.Now()}, true)
	if !cold {
		// What the end of every sync run leaves behind.
		if _, err := store.RefreshCount(ctx); err != nil {
			b.Fatal(err)
		}
	}
	store.Close()
	env := map[string]string{"REDIS_URL": srv.URL(), "BUGSINK_SYNC_ENABLED": "true"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var out, errb bytes.Buffer
		if code := testApp(env, &out, &errb).run(ctx, []string{"status", "--env-file", "/dev/null"}); code != 0 {
			b.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
		}
	}
}
