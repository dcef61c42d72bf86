package syncer

import (
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/syncstate"
	"bsync/pkg/syncstate/redistest"
)

// env is a fake Bugsink, a fake Gitea and a real redis-server, with real
// clients on them.
type env struct {
	bs    *bugsinktest.Server
	gt    *giteatest.Server
	redis *redistest.Server
	store *syncstate.Store
	bc    *bugsink.Client
	gc    *gitea.Client
	now   time.Time
}

func newEnv(t *testing.T) *env {
	return newEnvWith(t, apiclient.Options{RetryWait: time.Millisecond, RetryMaxWait: 20 * time.Millisecond, Timeout: 2 * time.Second})
}

// newEnvWith builds an env whose clients use opts.
func newEnvWith(t *testing.T, opts apiclient.Options) *env {
	t.Helper()
	syncstate.SilenceDriverLogs()
	bs := bugsinktest.New()
	t.Cleanup(bs.Close)
	gt := giteatest.New("acme", "app")
	t.Cleanup(gt.Close)
	rs := redistest.Start(t)
	store, err := syncstate.Open(rs.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &env{bs: bs, gt: gt, redis: rs, store: store,
		bc: bugsink.New(bs.URL, bugsinktest.Token, opts), gc: gitea.New(gt.URL, giteatest.Token, "acme", "app", opts),
		now: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
}

func (e *env) engine(opts Options) *Engine {
	opts.Render.BugsinkURL = e.bs.URL
	if opts.Version == "" {
		opts.Version = "test"
	}
	return &Engine{Bugsink: e.bc, Gitea: e.gc, State: e.store, Now: func() time.Time { return e.now }, Opts: opts}
}

func (e *env) run(t *testing.T, opts Options) *Report {
	t.Helper()
	rep, err := e.engine(opts).Run(t.Context())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return rep
}

// newGitea replaces the env's Gitea with one whose search index lags.
func newGitea(t *testing.T, e *env, lag time.Duration) *giteatest.Server {
	t.Helper()
	gt := giteatest.New("acme", "app", giteatest.WithIndexDelay(lag))
	t.Cleanup(gt.Close)
	e.gc = gitea.New(gt.URL, giteatest.Token, "acme", "app", apiclient.Options{RetryWait: time.Millisecond, RetryMaxWait: 20 * time.Millisecond, Timeout: 2 * time.Second})
	return gt
}
