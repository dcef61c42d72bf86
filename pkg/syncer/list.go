package syncer

import (
	"context"
	"errors"
	"fmt"
	"iter"
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
func (r *run) listFull(ctx context.Context, p bugsink.Project, pi int, rep *Report) (wm syncstate.Watermark, err error) {
	pr := &rep.Projects[pi]
	for page, err := range r.Bugsink.IssuePagesBy(ctx, p.ID, bugsink.SortLastSeen, true) {
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
	var inFlight *pageWork
	defer func() {
		// Whatever ends the listing, the page in flight is finished and
		// merged (its issues were started; they end untouched or recorded).
		if inFlight != nil {
			if ferr := r.finishPage(ctx, inFlight, rep); err == nil {
				err = ferr
			}
		}
	}()
	for page, lerr := range prefetch(pctx, r.Bugsink.IssuePagesBy(pctx, p.ID, bugsink.SortDigestOrder, false)) {
		if lerr != nil {
			return wm, listErr(ctx, lerr)
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
		// The page's creates run on while the next page is read and
		// started: Gitea does not wait at page boundaries.
		pw, err := r.startPage(ctx, p, pi, r.wantedRows(p, pi, rows, rep), rep)
		if inFlight != nil {
			if ferr := r.finishPage(ctx, inFlight, rep); err == nil {
				err = ferr
			}
		}
		inFlight = pw
		if err != nil {
			return wm, err
		}
		if r.Opts.Progress != nil {
			r.Opts.Progress(p.Slug, pr.Synced+pr.Skipped+pr.Failed+pr.Deferred, pr.Unresolved)
		}
	}
	return wm, nil
}

// listIncremental lists what changed in a project since its watermark:
// every issue last seen at or after the cutoff (the watermark minus
// DigestLagMargin), newest first, since new issues and returns of old ones
// both carry a newer last_seen; and, at the same time, the issues Bugsink
// digested since the watermark (digest_order above the watermark's, newest
// first), of which those whose last_seen lies below the cutoff slipped
// past the first listing and are worked on after it. With nothing new,
// that is one page of each (the digest_order page read first: see
// startListings).
func (r *run) listIncremental(ctx context.Context, p bugsink.Project, pi int, rep *Report, prev syncstate.Watermark) (syncstate.Watermark, error) {
	cutoff := prev.LastSeen.Add(-DigestLagMargin)
	wm := prev
	l := r.plans.listingsFor(ctx, p.ID)
	defer l.cancel() // a scan left behind stops at once
	scan := make(chan digestScan, 1)
	go func(seq iter.Seq2[[]bugsink.Issue, error]) {
		scan <- r.scanDigestOrder(ctx, seq, prev.DigestOrder, cutoff)
	}(l.digest.seq())
	if err := r.listSince(ctx, p, l.lastSeen.seq(), pi, rep, cutoff, &wm); err != nil {
		return wm, err
	}
	var ds digestScan
	select {
	case ds = <-scan:
	case <-ctx.Done():
		return wm, ErrInterrupted
	}
	rep.Projects[pi].Pages += ds.pages
	if ds.err != nil {
		return wm, ds.err
	}
	wm.DigestOrder = max(ds.top, prev.DigestOrder)
	if len(ds.slipped) > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: %d new issue(s) were digested more than %s after their last event and were found by their digest_order",
			p.Slug, len(ds.slipped), DigestLagMargin))
		rep.Projects[pi].Seen += len(ds.slipped)
		if err := r.workRows(ctx, p, pi, ds.slipped, rep); err != nil {
			return wm, err
		}
	}
	return wm, nil
}

// listSince works on every issue last seen at or after cutoff, newest
// first, and raises wm.LastSeen to the newest last_seen when it began.
func (r *run) listSince(ctx context.Context, p bugsink.Project, pages iter.Seq2[[]bugsink.Issue, error], pi int, rep *Report, cutoff time.Time, wm *syncstate.Watermark) error {
	pr := &rep.Projects[pi]
	first, havePrev := true, false
	var prevRow bugsink.Issue
	for page, err := range pages {
		if err != nil {
			return listErr(ctx, err)
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
		if err := r.workRows(ctx, p, pi, rows, rep); err != nil {
			return err
		}
		if done {
			return nil
		}
	}
	return nil
}

// digestScan is what scanDigestOrder found.
type digestScan struct {
	top     int             // the project's highest digest_order
	slipped []bugsink.Issue // new issues below the cutoff
	pages   int
	err     error
}

// scanDigestOrder reads the issues digested since the watermark (newest
// first, usually one page) and keeps those the last_seen listing does not
// reach. It only reads: it runs beside that listing.
func (r *run) scanDigestOrder(ctx context.Context, pages iter.Seq2[[]bugsink.Issue, error], since int, cutoff time.Time) (ds digestScan) {
	last := math.MaxInt
	for page, err := range pages {
		if err == nil && ctx.Err() != nil {
			err = ctx.Err()
		}
		if err != nil {
			ds.err = listErr(ctx, err)
			return ds
		}
		ds.pages++
		if ds.pages == 1 {
			if len(page) > 0 {
				ds.top = page[0].DigestOrder
			}
			if ds.top < since {
				ds.err = errDigestOrderBack
				return ds
			}
		}
		for _, is := range page {
			if is.DigestOrder <= since {
				return ds
			}
			if is.DigestOrder >= last {
				continue // a listing glitch
			}
			last = is.DigestOrder
			if is.LastSeen.Before(cutoff) {
				ds.slipped = append(ds.slipped, is)
			}
		}
	}
	return ds
}

// workRows counts listed rows and works on the wanted ones.
func (r *run) workRows(ctx context.Context, p bugsink.Project, pi int, rows []bugsink.Issue, rep *Report) error {
	pr := &rep.Projects[pi]
	wanted := r.wantedRows(p, pi, rows, rep)
	if len(wanted) > 0 {
		if err := r.syncPage(ctx, p, pi, wanted, rep); err != nil {
			return err
		}
	}
	if r.Opts.Progress != nil {
		r.Opts.Progress(p.Slug, pr.Synced+pr.Skipped+pr.Failed+pr.Deferred, pr.Unresolved)
	}
	return nil
}

// wantedRows claims the unresolved rows for this run (taken.go: every
// path comes through here), counts them and the muted ones, and returns
// those to work on (unresolved, not muted unless IncludeMuted, with a
// valid id). A row claimed already this run is skipped.
func (r *run) wantedRows(p bugsink.Project, pi int, rows []bugsink.Issue, rep *Report) []bugsink.Issue {
	pr := &rep.Projects[pi]
	var wanted []bugsink.Issue
	for _, is := range rows {
		if is.IsResolved {
			continue
		}
		if !r.taken.claim(is.ID) {
			r.Log.Debug("issue taken up already this run; this copy is skipped", "bugsink_issue", is.ID, "project", p.Slug)
			continue
		}
		pr.Unresolved++
		if is.IsMuted && !r.Opts.IncludeMuted {
			pr.Muted++
			rep.Muted++
			continue
		}
		if is.IDErr != nil {
			// Checked once, here, for every path: such an id cannot be
			// keyed in the state, so working on it would duplicate it.
			merge(rep, pr, outcome{failed: true, errs: []IssueError{{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageValidate,
				Message: is.IDErr.Error() + "; left alone"}}})
			continue
		}
		wanted = append(wanted, is)
	}
	return wanted
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
