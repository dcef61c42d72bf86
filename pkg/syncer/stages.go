package syncer

import (
	"context"
	"sync"

	"bsync/pkg/bugsink"
	"bsync/pkg/syncstate"
)

// The work on a page's new issues runs in stages, so that Gitea, the slow
// server, never waits on Bugsink: event reads run ahead of the creates
// (up to readAhead issues), creates run Concurrency at a time against
// Gitea, and the resolve and back-link of each created issue run behind
// them, as Bugsink calls like the reads (bounded by BugsinkConcurrency).
// Each issue still goes through its steps in order: recorded before it is
// resolved.

// stages holds the slots of the run's pipeline, shared by its pages.
type stages struct {
	// ahead is held from an issue's event read until its create starts.
	ahead chan struct{}
	// gitea is held while an issue is created and recorded (or, for a
	// mapped issue, while it is revisited).
	gitea chan struct{}
}

func (e *Engine) newStages() *stages {
	return &stages{
		ahead: make(chan struct{}, 2*e.Opts.Concurrency+e.Opts.BugsinkConcurrency),
		gitea: make(chan struct{}, e.Opts.Concurrency),
	}
}

// work takes one issue, whose ahead slot the caller holds, through the
// stages. started is false when the run ended before anything was written
// for it: the issue is untouched, and left to a later run. Once its first
// write began, an issue is finished even when the run is interrupted (with
// IssueTimeout as its own bound): it ends untouched or fully recorded.
func (e *Engine) work(ctx context.Context, p bugsink.Project, is bugsink.Issue, st syncstate.IssueState) (o outcome, started bool) {
	sg := e.stages
	held := true
	releaseAhead := func() {
		if held {
			<-sg.ahead
			held = false
		}
	}
	defer releaseAhead()
	simple := st.Entry.Mapped() || st.Pending != nil || e.recovered[is.ID]
	var prep prepared
	if !simple {
		var ok bool
		if prep, o, ok = e.prepare(ctx, p, is); !ok {
			return o, ctx.Err() == nil
		}
		// Reserved while it waits for Gitea, so that the create's slot
		// holds the create alone.
		if ctx.Err() != nil {
			return outcome{}, false
		}
		if o, ok := e.reserve(context.WithoutCancel(ctx), p, is, prep.link); !ok {
			return o, true
		}
		prep.reservedAt = e.Now()
	}
	sg.gitea <- struct{}{}
	releaseAhead()
	if ctx.Err() != nil {
		<-sg.gitea
		if !simple {
			// Nothing was created: the issue is left untouched.
			if err := e.State.ClearReservation(context.WithoutCancel(ctx), is.ID); err != nil {
				e.Log.Warn("could not clear a reservation; the next run checks Gitea first", "bugsink_issue", is.ID, "err", err)
			}
		}
		return outcome{}, false
	}
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.Opts.IssueTimeout)
	defer cancel()
	if simple {
		defer func() { <-sg.gitea }()
		return e.handle(ictx, p, is, st), true
	}
	var once sync.Once
	release := func() { once.Do(func() { <-sg.gitea }) }
	defer release()
	o, after := e.createPrepared(ictx, p, is, prep, release)
	release()
	if after != nil {
		after(ictx, &o)
	}
	return o, true
}
