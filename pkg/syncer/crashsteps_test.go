package syncer

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"bsync/pkg/gitea"
	"bsync/pkg/syncstate"
)

var errCrashed = errors.New("crashed")

// crash ends a run right after its n-th write anywhere (Gitea, Bugsink or
// Redis): that write happens, and it and every later write fail, as if the
// process died with the write done.
type crash struct {
	mu       sync.Mutex
	after, n int
	dead     bool
}

func (c *crash) write(f func() error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return errCrashed
	}
	err := f()
	if c.n++; c.n == c.after {
		c.dead = true
		return errCrashed
	}
	return err
}

type crashGitea struct {
	GiteaAPI
	c *crash
}

func (g crashGitea) Comment(ctx context.Context, number int, body string) (*gitea.Comment, error) {
	var cm *gitea.Comment
	err := g.c.write(func() (err error) { cm, err = g.GiteaAPI.Comment(ctx, number, body); return err })
	return cm, err
}

func (g crashGitea) SetState(ctx context.Context, number int, state string) (*gitea.Issue, error) {
	var is *gitea.Issue
	err := g.c.write(func() (err error) { is, err = g.GiteaAPI.SetState(ctx, number, state); return err })
	return is, err
}

func (g crashGitea) EditBody(ctx context.Context, number int, body string, version int) error {
	return g.c.write(func() error { return g.GiteaAPI.EditBody(ctx, number, body, version) })
}

type crashBugsink struct {
	BugsinkAPI
	c *crash
}

func (b crashBugsink) Resolve(ctx context.Context, ref string) error {
	return b.c.write(func() error { return b.BugsinkAPI.Resolve(ctx, ref) })
}

type crashState struct {
	StateStore
	c *crash
}

func (s crashState) Put(ctx context.Context, id string, r syncstate.Record) error {
	return s.c.write(func() error { return s.StateStore.Put(ctx, id, r) })
}

// TestCrashAfterEachStepOfARegression stops a regression after each of its
// writes in turn (mapping names the close, comment, reopen, figures,
// mapping, resolve, resolve recorded), then lets two runs finish: the
// comment is never written twice, the issue ends reopened (or closed, for
// won't fix), the figures current, Bugsink resolved, a watcher notified
// once per write, and the regression recorded once.
func TestCrashAfterEachStepOfARegression(t *testing.T) {
	for _, wontfix := range []bool{false, true} {
		for after := 1; ; after++ {
			e := newEnv(t)
			opts := Options{WontFixLabels: []string{"wontfix"}}
			id, _ := synced(t, e, opts)
			if wontfix {
				e.gt.AddIssueLabel(1, e.gt.AddLabel("wontfix", "#000000"))
			}
			e.gt.CloseIssueAt(1, e.now)
			notes := e.gt.WatcherNotifications()
			recurs(e, id)

			c := &crash{after: after}
			eng := e.engine(opts)
			eng.Gitea, eng.Bugsink, eng.State = crashGitea{eng.Gitea, c}, crashBugsink{eng.Bugsink, c}, crashState{eng.State, c}
			_, _ = eng.Run(t.Context())
			if !c.dead {
				if after < 6 {
					t.Fatalf("wontfix %v: the regression made only %d writes", wontfix, after-1)
				}
				break
			}
			for i := 0; i < 2; i++ {
				if rep := e.run(t, opts); len(rep.Errors) != 0 {
					t.Fatalf("wontfix %v, crash after write %d: run %d errors %v", wontfix, after, i, rep.Errors)
				}
			}
			gi := e.gt.Issues()[0]
			wantState, wantNotes := "open", 2
			if wontfix {
				wantState, wantNotes = "closed", 1
			}
			if n := len(e.gt.Comments(1)); n != 1 {
				t.Errorf("wontfix %v, crash after write %d: %d comments", wontfix, after, n)
			}
			if gi.State != wantState || e.gt.WatcherNotifications()-notes != wantNotes {
				t.Errorf("wontfix %v, crash after write %d: state %s, %d notifications", wontfix, after, gi.State, e.gt.WatcherNotifications()-notes)
			}
			if !strings.Contains(gi.Body, "**Total Occurrences**: 2") {
				t.Errorf("wontfix %v, crash after write %d: figures not current", wontfix, after)
			}
			if is, _ := e.bs.Issue(id); !is.IsResolved {
				t.Errorf("wontfix %v, crash after write %d: not resolved in Bugsink", wontfix, after)
			}
			if entry, _, _ := e.store.Get(t.Context(), id); entry.Record.Regressions != 1 || entry.Record.PendingClose != "" || entry.Record.ReportedClose == "" {
				t.Errorf("wontfix %v, crash after write %d: record %+v", wontfix, after, entry.Record)
			}
		}
	}
}
