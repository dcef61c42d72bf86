package syncer

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/codeindex"
	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
	"bsync/pkg/syncstate/redistest"
)

// BenchmarkFirstSyncCodeLinks is a first sync of 50 issues, each a Python
// event of release flyer-crawler@1.4.2 with two frames in the backend,
// into a repository of 100,000 files and 5,000 tags (the release's tag
// v1.4.2 the oldest of them) and into a repository holding only a README.
// It reports the Gitea requests bsync sent (exact) beside the time (the
// fake answers every tree page by sorting the whole tree, as Gitea does).
//
//	go test ./pkg/syncer -run '^$' -bench FirstSyncCodeLinks -benchtime 3x
func BenchmarkFirstSyncCodeLinks(b *testing.B) {
	for _, big := range []bool{false, true} {
		name := "readme-only"
		if big {
			name = "100k-files-5k-tags"
		}
		b.Run(name, func(b *testing.B) {
			var requests atomic.Int64
			for b.Loop() {
				b.StopTimer()
				eng, gt := codeBenchEnv(b, big, &requests)
				before := requests.Load()
				b.StartTimer()
				rep, err := eng.Run(b.Context())
				b.StopTimer()
				if err != nil || rep.Synced != 50 {
					b.Fatalf("run: %v, synced %d, errors %v", err, rep.Synced, rep.Errors)
				}
				b.ReportMetric(float64(requests.Load()-before), "gitea-requests/op")
				b.ReportMetric(float64(gt.CountRequests("GET", "/git/trees/")), "tree-pages/op")
				linked := strings.Contains(gt.Issues()[0].Body, "/src/tag/v1.4.2/backend/flyer_crawler/")
				if linked != big {
					b.Fatalf("linked %v in the %s repository:\n%s", linked, name, gt.Issues()[0].Body)
				}
				gt.Close()
				b.StartTimer()
			}
		})
	}
}

// codeBenchEnv is a fresh Bugsink with 50 issues, Redis and Gitea holding
// the repository.
func codeBenchEnv(b *testing.B, big bool, requests *atomic.Int64) (*Engine, *giteatest.Server) {
	syncstate.SilenceDriverLogs()
	opts := apiclient.Options{Timeout: 30 * time.Second, Requests: requests}
	bs := bugsinktest.New()
	b.Cleanup(bs.Close)
	gt := giteatest.New("acme", "app")
	files := map[string]string{"README.md": "# app\n"}
	if big {
		files = benchRepo()
	}
	head := gt.Commit("", files)
	if big {
		gt.Tag("v1.4.2", head)
		for i := range 4999 {
			gt.Tag(fmt.Sprintf("v0.%d.%d", i/100, i%100), head)
		}
	}
	gt.AddUser("backend-dev", "write")
	rs := redistest.Start(b)
	store, err := syncstate.Open(rs.URL())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	bs.AddProject("flyer-crawler-backend", "B")
	now := time.Now()
	for i := range 50 {
		bs.AddIssue("flyer-crawler-backend", bugsinktest.IssueSpec{Type: "KeyError", Value: fmt.Sprint("boom ", i),
			FirstSeen: now.Add(-time.Hour), LastSeen: now.Add(-time.Hour), Data: pythonEvent(i)})
	}
	gc := gitea.New(gt.URL, giteatest.Token, "acme", "app", opts)
	eng := &Engine{Bugsink: bugsink.New(bs.URL, bugsinktest.Token, opts), Gitea: gc, State: store, Now: time.Now,
		Opts: Options{Version: "bench", Render: render.Options{BugsinkURL: bs.URL}}, Code: codeindex.New(gc, codeindex.Options{Assign: true})}
	return eng, gt
}

// benchRepo is 100,000 files: the backend's package spread over 1,000
// folders, and a CODEOWNERS.
func benchRepo() map[string]string {
	src := strings.Repeat("x = 1\n", 30)
	files := map[string]string{"CODEOWNERS": "backend/.* @backend-dev\n"}
	for i := range 99_999 {
		files[fmt.Sprintf("backend/flyer_crawler/pkg%03d/mod%03d.py", i%1000, i/1000)] = src
	}
	return files
}

// pythonEvent is event i: two frames in the backend, under /srv.
func pythonEvent(i int) map[string]any {
	frame := func(path string, line int) map[string]any {
		return map[string]any{"abs_path": path, "filename": path[len("/srv/flyer-crawler/"):], "lineno": line, "in_app": true, "function": "run"}
	}
	return map[string]any{"platform": "python", "release": "flyer-crawler@1.4.2", "exception": map[string]any{"values": []any{
		map[string]any{"type": "KeyError", "value": fmt.Sprint("boom ", i), "stacktrace": map[string]any{"frames": []any{
			frame(fmt.Sprintf("/srv/flyer-crawler/flyer_crawler/pkg%03d/mod001.py", i), 10),
			frame(fmt.Sprintf("/srv/flyer-crawler/flyer_crawler/pkg%03d/mod002.py", i+1), 20),
		}}}}}}
}
