package syncer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/syncstate"
)

// errDigestOrderBack means a project's highest digest_order is below its
// watermark's: Bugsink's data was restored or replaced, and only a full
// listing can be trusted.
var errDigestOrderBack = errors.New("bugsink's highest digest_order is below the watermark's")

// listErr turns a listing error into the engine's: a listing cut short by
// the run's end is an interruption.
func listErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	return err
}

// listFull pages through every issue of a project in digest order, which
// is unique and fixed per project: a row whose digest_order does not grow
// is a listing glitch and is skipped, so no issue is worked on twice
// without keeping a set of ids. The next page is read while the current
// one is worked on. The watermark's last_seen is the newest when the
// listing began, so whatever comes in during it is listed next run.
func (e *Engine) listFull(ctx context.Context, p bugsink.Project, pi int, rep *Report) (syncstate.Watermark, error) {
	pr := &rep.Projects[pi]
	var wm syncstate.Watermark
	for page, err := range e.Bugsink.IssuePagesBy(ctx, p.ID, bugsink.SortLastSeen, true) {
		if err != nil {
			return wm, listErr(ctx, err)
		}
		pr.Pages++
		if len(page) > 0 {
			wm.LastSeen = page[0].LastSeen
		}
		break
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for page, err := range prefetch(pctx, e.Bugsink.IssuePagesBy(pctx, p.ID, bugsink.SortDigestOrder, false)) {
		if err != nil {
			return wm, listErr(ctx, err)
		}
		pr.Pages++
		pr.Seen += len(page)
		rows := page[:0]
		for _, is := range page {
			if is.DigestOrder <= wm.DigestOrder {
				continue // a listing glitch: never work on one issue twice
			}
			wm.DigestOrder = is.DigestOrder
			rows = append(rows, is)
		}
		if err := e.workRows(ctx, p, pi, rows, rep); err != nil {
			return wm, err
		}
	}
	return wm, nil
}

// listIncremental lists what changed in a project since its watermark:
// first the issues Bugsink digested since (digest_order above the
// watermark's, newest first), of which those whose last_seen lies below
// the cutoff slipped past the last_seen listing and are worked on here;
// then every issue last seen at or after the cutoff (the watermark minus
// DigestLagMargin), newest first. New issues and returns of old ones both
// carry a newer last_seen. With nothing new, that is one page of each.
func (e *Engine) listIncremental(ctx context.Context, p bugsink.Project, pi int, rep *Report, prev syncstate.Watermark) (syncstate.Watermark, error) {
	cutoff := prev.LastSeen.Add(-DigestLagMargin)
	wm := prev
	top, err := e.checkDigestOrder(ctx, p, pi, rep, prev.DigestOrder, cutoff)
	if err != nil {
		return wm, err
	}
	wm.DigestOrder = max(top, prev.DigestOrder)
	pr := &rep.Projects[pi]
	first, havePrev := true, false
	var prevRow bugsink.Issue
	for page, err := range e.Bugsink.IssuePagesBy(ctx, p.ID, bugsink.SortLastSeen, true) {
		if err != nil {
			return wm, listErr(ctx, err)
		}
		pr.Pages++
		if first && len(page) > 0 && page[0].LastSeen.After(wm.LastSeen) {
			wm.LastSeen = page[0].LastSeen
		}
		first = false
		rows, done := page[:0], false
		for _, is := range page {
			if is.LastSeen.Before(cutoff) {
				done = true
				break
			}
			// (last_seen, id) falls strictly, both descending
			// (issues/api_views.py get_ordering): anything else is a
			// listing glitch, never worked on twice.
			if havePrev && !(is.LastSeen.Before(prevRow.LastSeen) || is.LastSeen.Equal(prevRow.LastSeen) && is.ID < prevRow.ID) {
				continue
			}
			prevRow, havePrev = is, true
			rows = append(rows, is)
		}
		pr.Seen += len(rows)
		if err := e.workRows(ctx, p, pi, rows, rep); err != nil {
			return wm, err
		}
		if done {
			break
		}
	}
	return wm, nil
}

// checkDigestOrder reads the issues digested since the watermark (newest
// first, usually one page) and works on those the last_seen listing will
// not reach. It returns the project's highest digest_order.
func (e *Engine) checkDigestOrder(ctx context.Context, p bugsink.Project, pi int, rep *Report, since int, cutoff time.Time) (int, error) {
	pr := &rep.Projects[pi]
	top, last := 0, math.MaxInt
	first := true
	for page, err := range e.Bugsink.IssuePagesBy(ctx, p.ID, bugsink.SortDigestOrder, true) {
		if err != nil {
			return 0, listErr(ctx, err)
		}
		pr.Pages++
		if first {
			if len(page) > 0 {
				top = page[0].DigestOrder
			}
			if top < since {
				return 0, errDigestOrderBack
			}
			first = false
		}
		var slipped []bugsink.Issue
		done := false
		for _, is := range page {
			if is.DigestOrder <= since {
				done = true
				break
			}
			if is.DigestOrder >= last {
				continue // a listing glitch
			}
			last = is.DigestOrder
			if is.LastSeen.Before(cutoff) {
				slipped = append(slipped, is)
			}
		}
		if len(slipped) > 0 {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: %d new issue(s) were digested more than %s after their last event and were found by their digest_order",
				p.Slug, len(slipped), DigestLagMargin))
			pr.Seen += len(slipped)
			if err := e.workRows(ctx, p, pi, slipped, rep); err != nil {
				return 0, err
			}
		}
		if done {
			break
		}
	}
	return top, nil
}

// workRows counts listed rows and works on the wanted ones.
func (e *Engine) workRows(ctx context.Context, p bugsink.Project, pi int, rows []bugsink.Issue, rep *Report) error {
	pr := &rep.Projects[pi]
	wanted := e.wantedRows(p, pi, rows, rep)
	if len(wanted) > 0 {
		if err := e.syncPage(ctx, p, pi, wanted, rep); err != nil {
			return err
		}
	}
	if e.Opts.Progress != nil {
		e.Opts.Progress(p.Slug, pr.Synced+pr.Skipped+pr.Failed+pr.Deferred, pr.Unresolved)
	}
	return nil
}

// wantedRows counts the unresolved and muted rows and returns those to
// work on (unresolved, not muted unless IncludeMuted, with a valid id).
func (e *Engine) wantedRows(p bugsink.Project, pi int, rows []bugsink.Issue, rep *Report) []bugsink.Issue {
	pr := &rep.Projects[pi]
	var wanted []bugsink.Issue
	for _, is := range rows {
		if is.IsResolved {
			continue
		}
		pr.Unresolved++
		if is.IsMuted && !e.Opts.IncludeMuted {
			pr.Muted++
			rep.Muted++
			continue
		}
		if is.IDErr != nil {
			// Checked once, here, for every path: such an id cannot be
			// keyed in the state, so working on it would duplicate it.
			merge(rep, pr, outcome{failed: true, errs: []IssueError{{BugsinkIssueID: is.ID, Project: p.Slug, Stage: "validate",
				Message: is.IDErr.Error() + "; left alone"}}})
			continue
		}
		wanted = append(wanted, is)
	}
	return wanted
}
