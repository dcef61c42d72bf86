package syncer

import (
	"context"
	"sync"
	"sync/atomic"

	"bsync/pkg/bugsink"
	"bsync/pkg/syncstate"
)

// syncPage looks a page of wanted issues up in one round trip and works on
// them through the stages, then merges their outcomes.
func (r *run) syncPage(ctx context.Context, p bugsink.Project, pi int, wanted []bugsink.Issue, rep *Report) error {
	pw, err := r.startPage(ctx, p, pi, wanted, rep)
	if err != nil {
		return err
	}
	return r.finishPage(ctx, pw, rep)
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
func (r *run) startPage(ctx context.Context, p bugsink.Project, pi int, wanted []bugsink.Issue, rep *Report) (*pageWork, error) {
	pr := &rep.Projects[pi]
	ids := make([]string, 0, len(wanted))
	for _, is := range wanted {
		ids = append(ids, is.ID)
	}
	known, err := r.State.LookupState(ctx, ids)
	if err != nil {
		return nil, &FatalError{Err: err}
	}
	pw := &pageWork{p: p, pi: pi, wanted: wanted, outs: make([]outcome, len(wanted)),
		started: make([]bool, len(wanted)), queued: make([]bool, len(wanted)), settled: make([]bool, len(wanted))}
	doneBefore, unresolved := pr.Synced+pr.Skipped+pr.Failed+pr.Deferred, pr.Unresolved
	var finished atomic.Int64
	for i, is := range wanted {
		if r.stop.Load() || ctx.Err() != nil {
			break
		}
		if o, ok := r.life.settled(is, known[is.ID]); ok {
			// Nothing to do for it: no goroutine, no request.
			pw.outs[i], pw.started[i], pw.settled[i] = o, true, true
			continue
		}
		if st := known[is.ID]; !st.Entry.Mapped() && r.Opts.MaxCreate > 0 && !fewer(is, &r.Opts) {
			// (One below the occurrence threshold only joins: it creates
			// nothing, so it is not queued.)
			// Created after every project was listed, oldest first.
			r.offer(rep, candidate{project: p, report: pi, issue: is, pending: st.Pending})
			pw.queued[i] = true
			continue
		}
		if !r.pipe.takeAhead(ctx) {
			break
		}
		if r.stop.Load() {
			r.pipe.releaseAhead()
			break
		}
		pw.wg.Add(1)
		go func(i int, is bugsink.Issue) {
			defer pw.wg.Done()
			pw.outs[i], pw.started[i] = r.pipe.work(ctx, r.life, p, is, known[is.ID])
			if pw.outs[i].fatal != nil {
				r.stop.Store(true)
			}
			if pw.started[i] && r.Opts.Progress != nil {
				r.Opts.Progress(p.Slug, doneBefore+int(finished.Add(1)), unresolved)
			}
		}(i, is)
	}
	return pw, nil
}

// finishPage waits for a page's work, merges its outcomes into the report
// in listing order (so the report does not depend on concurrency) and
// writes its leftover changes.
func (r *run) finishPage(ctx context.Context, pw *pageWork, rep *Report) error {
	pw.wg.Wait()
	pr := &rep.Projects[pw.pi]
	var fatal error
	changes := syncstate.LeftoverChange{}
	for i, o := range pw.outs {
		if !pw.started[i] {
			if pw.queued[i] {
				changes[pw.wanted[i].ID] = r.left.leftover("waiting")
			}
			continue
		}
		if !pw.settled[i] || pw.dropSettled {
			r.left.noteLeftover(changes, pw.wanted[i].ID, o)
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
	if err := r.left.saveLeftovers(ctx, pw.p.ID, changes); err != nil && fatal == nil {
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
