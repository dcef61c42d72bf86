package syncer

import (
	"context"
	"errors"
	"iter"
	"sync"
	"sync/atomic"

	"bsync/pkg/bugsink"
	"bsync/pkg/syncstate"
)

// outcome is what happened to one issue; it is merged into the report in
// listing order so the report does not depend on concurrency.
type outcome struct {
	created    *CreatedIssue
	would      *CreatedIssue
	regression *Regression
	resolved   bool
	skipped    bool
	deferred   bool
	below      bool
	failed     bool
	errs       []IssueError
	warnings   []string
	fatal      error

	// recurring: came back while its Gitea issue was open (no comment).
	recurring bool
	// reopenedInBugsink: first found reopened by a person in Bugsink.
	reopenedInBugsink bool
}

// syncPage looks a page of wanted issues up in one round trip and works on
// them through the stages, then merges their outcomes.
func (e *Engine) syncPage(ctx context.Context, p bugsink.Project, pi int, wanted []bugsink.Issue, rep *Report) error {
	pw, err := e.startPage(ctx, p, pi, wanted, rep)
	if err != nil {
		return err
	}
	return e.finishPage(ctx, pw, rep)
}

// pageWork is a page whose issues are being worked on.
type pageWork struct {
	p       bugsink.Project
	pi      int
	wanted  []bugsink.Issue
	outs    []outcome
	started []bool
	queued  []bool // waiting for a slot under MaxCreate
	settled []bool // needed no work at all
	// dropSettled takes the issues that needed no work out of the
	// leftover set (they are leftovers being read again); a listed page
	// leaves them be, saving a write per page.
	dropSettled bool
	wg          sync.WaitGroup
}

// startPage looks a page of wanted issues up in one round trip and starts
// the work on each that needs some; it returns once every one was started
// (the stages' read-ahead bounds how far it runs ahead), so the listing
// can go on while the page's creates run. finishPage waits for them.
func (e *Engine) startPage(ctx context.Context, p bugsink.Project, pi int, wanted []bugsink.Issue, rep *Report) (*pageWork, error) {
	pr := &rep.Projects[pi]
	ids := make([]string, 0, len(wanted))
	for _, is := range wanted {
		ids = append(ids, is.ID)
	}
	known, err := e.State.LookupState(ctx, ids)
	if err != nil {
		return nil, &FatalError{Err: err}
	}
	pw := &pageWork{p: p, pi: pi, wanted: wanted, outs: make([]outcome, len(wanted)),
		started: make([]bool, len(wanted)), queued: make([]bool, len(wanted)), settled: make([]bool, len(wanted))}
	doneBefore, unresolved := pr.Synced+pr.Skipped+pr.Failed+pr.Deferred, pr.Unresolved
	var finished atomic.Int64
	for i, is := range wanted {
		if e.stop.Load() || ctx.Err() != nil {
			break
		}
		if o, ok := e.settled(is, known[is.ID]); ok {
			// Nothing to do for it: no goroutine, no request.
			pw.outs[i], pw.started[i], pw.settled[i] = o, true, true
			continue
		}
		if st := known[is.ID]; !st.Entry.Mapped() && e.Opts.MaxCreate > 0 {
			// Created after every project was listed, oldest first.
			e.offer(rep, candidate{project: p, report: pi, issue: is, pending: st.Pending})
			pw.queued[i] = true
			continue
		}
		if !acquire(ctx, e.stages.ahead) {
			break
		}
		if e.stop.Load() {
			<-e.stages.ahead
			break
		}
		pw.wg.Add(1)
		go func(i int, is bugsink.Issue) {
			defer pw.wg.Done()
			pw.outs[i], pw.started[i] = e.work(ctx, p, is, known[is.ID])
			if pw.outs[i].fatal != nil {
				e.stop.Store(true)
			}
			if pw.started[i] && e.Opts.Progress != nil {
				e.Opts.Progress(p.Slug, doneBefore+int(finished.Add(1)), unresolved)
			}
		}(i, is)
	}
	return pw, nil
}

// finishPage waits for a page's work, merges its outcomes into the report
// in listing order (so the report does not depend on concurrency) and
// writes its leftover changes.
func (e *Engine) finishPage(ctx context.Context, pw *pageWork, rep *Report) error {
	pw.wg.Wait()
	pr := &rep.Projects[pw.pi]
	var fatal error
	changes := syncstate.LeftoverChange{}
	for i, o := range pw.outs {
		if !pw.started[i] {
			if pw.queued[i] {
				changes[pw.wanted[i].ID] = e.leftover("waiting")
			}
			continue
		}
		if !pw.settled[i] || pw.dropSettled {
			e.noteLeftover(changes, pw.wanted[i].ID, o)
		}
		if !merged(o) {
			if fatal == nil {
				fatal = o.fatal
			}
			continue
		}
		merge(rep, pr, o)
		if o.fatal != nil && fatal == nil {
			fatal = o.fatal
		}
	}
	if err := e.saveLeftovers(ctx, pw.p.ID, changes); err != nil && fatal == nil {
		fatal = err
	}
	if fatal != nil {
		return &FatalError{Err: fatal}
	}
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	return nil
}

// merged reports whether an outcome belongs in the report. One stopped
// by a refusal that concerns the whole run (token, repository) before it
// did anything does not: the run's error names the cause once, rather
// than once per issue in flight.
func merged(o outcome) bool {
	return o.fatal == nil || !refused(o.fatal) || o.created != nil || o.regression != nil || o.resolved ||
		o.recurring || o.reopenedInBugsink
}

func merge(rep *Report, pr *ProjectReport, o outcome) {
	switch {
	case o.created != nil:
		rep.Synced++
		pr.Synced++
		rep.Created = append(rep.Created, *o.created)
		if o.created.Adopted {
			rep.Adopted++
		}
		if o.created.Linked {
			rep.Linked++
			pr.Linked++
		} else {
			rep.NewIssues++
			pr.NewIssues++
		}
	case o.would != nil:
		rep.Synced, rep.NewIssues = rep.Synced+1, rep.NewIssues+1
		pr.Synced, pr.NewIssues = pr.Synced+1, pr.NewIssues+1
		rep.WouldCreate = append(rep.WouldCreate, *o.would)
	case o.failed:
		rep.Failed++
		pr.Failed++
	case o.skipped:
		rep.Skipped++
		pr.Skipped++
	case o.deferred:
		rep.Deferred++
		pr.Deferred++
	case o.below:
		rep.BelowThreshold++
		pr.Below++
	}
	if o.regression != nil {
		rep.Regressed++
		pr.Regressed++
		rep.Regressions = append(rep.Regressions, *o.regression)
	}
	if o.resolved {
		rep.Resolved++
		pr.Resolved++
	}
	if o.recurring {
		rep.Recurring++
		pr.Recurring++
	}
	if o.reopenedInBugsink {
		rep.ReopenedInBugsink++
		pr.Reopened++
	}
	rep.Errors = append(rep.Errors, o.errs...)
	rep.Warnings = append(rep.Warnings, o.warnings...)
}

// settled reports the outcome of an issue that needs no work at all: one
// already mapped whose state calls for nothing (not seen again, and left
// unresolved on purpose or in a dry run), or one a dry run's reindex found.
func (e *Engine) settled(is bugsink.Issue, st syncstate.IssueState) (outcome, bool) {
	if !st.Entry.Mapped() {
		if e.recovered[is.ID] {
			return outcome{skipped: true}, true
		}
		if reason := e.belowThreshold(is); reason != "" {
			return outcome{below: true}, true
		}
		return outcome{}, false
	}
	if st.Entry.Record == nil || e.Opts.DryRun {
		return outcome{}, false // revisit reports these
	}
	if rec := *st.Entry.Record; !seenAgain(is, rec) && (e.Opts.NoResolve || !rec.ReopenedAt.IsZero()) {
		// Not seen again, and left unresolved on purpose (by the options,
		// or by a person who reopened it in Bugsink).
		return outcome{skipped: true}, true
	}
	return outcome{}, false
}

// handle decides what one wanted issue needs.
func (e *Engine) handle(ctx context.Context, p bugsink.Project, is bugsink.Issue, st syncstate.IssueState) outcome {
	if st.Entry.Mapped() {
		return e.revisit(ctx, p, is, st.Entry)
	}
	if e.recovered[is.ID] {
		return outcome{skipped: true}
	}
	return e.create(ctx, p, is, st.Pending)
}

type pageResult struct {
	rows []bugsink.Issue
	err  error
}

// prefetch reads seq one page ahead in a goroutine. Cancelling ctx (or
// stopping the loop) ends the goroutine. A listing that stops because ctx
// ended always ends in an error, never silently: its caller must not take
// a cut listing for a complete one.
func prefetch(ctx context.Context, seq iter.Seq2[[]bugsink.Issue, error]) iter.Seq2[[]bugsink.Issue, error] {
	return func(yield func([]bugsink.Issue, error) bool) {
		ch := make(chan pageResult, 1)
		done := make(chan struct{})
		defer close(done)
		complete := false // written before ch is closed, read after
		go func() {
			defer close(ch)
			for rows, err := range seq {
				select {
				case ch <- pageResult{rows, err}:
				case <-done:
					return
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
			complete = true
		}()
		var last error
		for r := range ch {
			if !yield(r.rows, r.err) {
				return
			}
			last = r.err
		}
		if !complete && last == nil {
			err := ctx.Err()
			if err == nil {
				err = errors.New("listing stopped before its end")
			}
			yield(nil, err)
		}
	}
}
