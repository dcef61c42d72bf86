package syncer

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"bsync/pkg/bugsink"
	"bsync/pkg/syncstate"
)

// leftoverBatch is how many leftovers are read and worked on at a time.
const leftoverBatch = 250

// leftoverBook writes the run's changes to the leftover set.
type leftoverBook struct{ *Engine }

// needsWork reports whether an issue's outcome leaves work for a later
// run, and names the stage: a failure, a deferred create, or an error on
// the way (a resolve or a record to retry).
func needsWork(o outcome) (string, bool) {
	switch {
	case len(o.errs) > 0:
		return string(o.errs[0].Stage), true
	case o.failed:
		return "failed", true
	case o.deferred:
		return "deferred", true
	case o.fatal != nil:
		return "stopped", true
	case o.watch:
		return "awaiting_fix", true
	}
	return "", false
}

// leftover is an entry of the leftover set written by this run.
func (lo *leftoverBook) leftover(stage string) *syncstate.Leftover {
	return &syncstate.Leftover{Run: lo.Opts.RunID, Stage: stage, At: lo.Now()}
}

// noteLeftover records in changes whether an issue worked on is settled
// (dropped from the leftover set) or still wants work (kept in it).
func (lo *leftoverBook) noteLeftover(changes syncstate.LeftoverChange, id string, o outcome) {
	if stage, ok := needsWork(o); ok {
		changes[id] = lo.leftover(stage)
		return
	}
	changes[id] = nil
}

// saveLeftovers writes a page's leftover changes (nothing in a dry run).
// They are written before the project's watermark moves past the page,
// so no unfinished issue is left behind by an incremental listing.
func (lo *leftoverBook) saveLeftovers(ctx context.Context, projectID int, changes syncstate.LeftoverChange) error {
	if lo.Opts.DryRun || len(changes) == 0 {
		return nil
	}
	if err := lo.State.ChangeLeftovers(context.WithoutCancel(ctx), projectID, changes); err != nil {
		return fmt.Errorf("the sync state cannot be written, so the run stops: %w", err)
	}
	return nil
}

// offer queues a new issue for a create under MaxCreate. Only the
// MaxCreate oldest are kept; the one left out is deferred (it is in the
// leftover set, so a later run takes it up).
func (r *run) offer(rep *Report, c candidate) {
	if out, dropped := r.queue.offer(c); dropped {
		merge(rep, &rep.Projects[out.report], outcome{deferred: true})
	}
}

// reworkLeftovers reads each of a project's leftovers that this run has
// not taken up yet (GET /issues/{id}/) and works on it as if listed. One
// that is gone, resolved or muted is settled: it leaves the set. One this
// run's listings took up already is not read again: what still wants
// work was written back under this run's name as it was worked on, so an
// entry of an earlier run left on it means the listing found nothing to
// do (settled, or muted): it leaves the set. After a complete full
// listing nothing is read: the listing saw every issue, so a leftover it
// did not keep is settled.
func (r *run) reworkLeftovers(ctx context.Context, p bugsink.Project, pi int, rep *Report, afterFull bool) error {
	all, err := r.State.Leftovers(ctx, p.ID)
	if err != nil {
		return &FatalError{Err: err}
	}
	ids := make([]string, 0, len(all))
	settled := syncstate.LeftoverChange{}
	for id, l := range all {
		switch {
		case l.Run == r.Opts.RunID:
		case afterFull || r.taken.claimed(id):
			settled[id] = nil
		default:
			ids = append(ids, id)
		}
	}
	if err := r.left.saveLeftovers(ctx, p.ID, settled); err != nil {
		return &FatalError{Err: err}
	}
	if afterFull {
		return nil
	}
	slices.Sort(ids)
	for start := 0; start < len(ids); start += leftoverBatch {
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		batch := ids[start:min(start+leftoverBatch, len(ids))]
		rows, gone := r.readLeftovers(ctx, p, batch, rep)
		rep.Projects[pi].Leftovers += len(batch)
		changes := syncstate.LeftoverChange{}
		for _, id := range gone {
			changes[id] = nil
		}
		wanted := r.wantedRows(p, pi, rows, rep)
		for _, is := range rows {
			if !slices.ContainsFunc(wanted, func(w bugsink.Issue) bool { return w.ID == is.ID }) {
				changes[is.ID] = nil // muted: left alone like a listed one
			}
		}
		if err := r.left.saveLeftovers(ctx, p.ID, changes); err != nil {
			return &FatalError{Err: err}
		}
		if len(wanted) > 0 {
			pw, err := r.startPage(ctx, p, pi, wanted, rep)
			if err != nil {
				return err
			}
			pw.dropSettled = true
			if err := r.finishPage(ctx, pw, rep); err != nil {
				return err
			}
		}
	}
	return nil
}

// readLeftovers reads issues one by one (BugsinkConcurrency at a time, as
// every Bugsink call). It
// returns the unresolved ones and the ids of those gone or resolved; one
// that could not be read stays in the set and is reported.
func (r *run) readLeftovers(ctx context.Context, p bugsink.Project, ids []string, rep *Report) (rows []bugsink.Issue, gone []string) {
	type read struct {
		is  *bugsink.Issue
		err error
	}
	reads := make([]read, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			is, err := r.Bugsink.Issue(ctx, id)
			reads[i] = read{is, err}
		}()
	}
	wg.Wait()
	for i, r := range reads {
		switch {
		case bugsink.IsNotFound(r.err):
			gone = append(gone, ids[i])
		case r.err != nil:
			if ctx.Err() == nil {
				rep.Errors = append(rep.Errors, IssueError{BugsinkIssueID: ids[i], Project: p.Slug, Stage: StageReadLeftover, Message: r.err.Error()})
			}
		case r.is.IsResolved:
			gone = append(gone, ids[i])
		default:
			rows = append(rows, *r.is)
		}
	}
	return rows, gone
}
