package syncer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// lifecycle carries out what happens to one Bugsink issue, stage by
// stage: it holds the stages and what they share about bugs, and nothing
// of one issue (each issue's state travels with its call).
type lifecycle struct {
	*Engine
	prep  *preparer
	claim *claimer
	write *writer
	rec   *recorder
	res   *resolver
	bugs  *bugBook
	// recovered holds what a read-only reindex found (dry runs on a state
	// that is new or was lost), so the preview does not list them as new.
	recovered map[string]bool
}

// preparer reads a new issue's event and renders its Gitea issue.
type preparer struct {
	*Engine
	labels *labelBook
	bugs   *bugBook
}

// claimer reserves an issue's create and claims its bug.
type claimer struct {
	*Engine
	write *writer
}

// writer makes every write to Gitea, and the reads they depend on.
type writer struct {
	*Engine
	labels *labelBook
	bugs   *bugBook
}

// recorder writes mappings to the sync state.
type recorder struct {
	*Engine
	write *writer
}

// resolver resolves recorded issues in Bugsink.
type resolver struct {
	*Engine
	rec *recorder
}

// recordAttempts is how often a mapping write is tried after its Gitea
// issue was created. Losing that write would duplicate the issue later.
const recordAttempts = 3

// create carries out the way of an unmapped issue to its Gitea issue:
// read, render, reserve, create (or join its bug's issue), record,
// resolve, back-link, one step after the other (syncPage runs the same
// steps as stages, see stages.go).
func (lc *lifecycle) create(ctx context.Context, p bugsink.Project, is bugsink.Issue, f facts) outcome {
	if d := lc.judge(&f); d.action == needLookup {
		if o, done := lc.recoverPending(ctx, p, is, &f); done {
			return o
		}
	}
	prep, o, ok := lc.prep.prepare(ctx, p, is, f)
	if !ok {
		return o
	}
	prep.replaces = f.pending
	o, after := lc.createPrepared(ctx, p, is, prep, func() {})
	if after != nil {
		after(ctx, &o)
	}
	return o
}

// failed is the outcome of an issue that failed at stage. An error that
// every other issue would meet too (a refused token) stops the run.
func (e *Engine) failed(p bugsink.Project, is bugsink.Issue, stage Stage, err error) outcome {
	e.Log.Warn("issue failed", "bugsink_issue", is.ID, "project", p.Slug, "stage", stage, "err", err)
	o := outcome{failed: true, errs: []IssueError{{BugsinkIssueID: is.ID, Project: p.Slug, Stage: stage, Message: err.Error()}}}
	if refused(err) {
		o.fatal = err
	}
	return o
}

// recoverPending handles a reservation left by an interrupted run: the
// Gitea issue may exist already, so it is looked for (by its marker)
// first. done is false when the create should go ahead.
func (lc *lifecycle) recoverPending(ctx context.Context, p bugsink.Project, is bugsink.Issue, f *facts) (outcome, bool) {
	pending := f.pending
	gi, err := lc.write.findExisting(ctx, is.ID, pending.At)
	if err != nil {
		return lc.failed(p, is, StageRecover, fmt.Errorf("an earlier run stopped while creating this issue, and looking for it in Gitea failed: %w", err)), true
	}
	f.lookup = &lookupFacts{found: gi != nil}
	switch lc.judge(f).action {
	case actAdopt:
		return lc.finish(ctx, p, is, gi, lc.labelsFor(p.Slug), nil, true, pendingLink(pending)), true
	case actDefer:
		return outcome{deferred: true, warnings: []string{fmt.Sprintf(
			"%s: an earlier create (%s ago) may still be landing in Gitea; deferred to a later run", is.ID, lc.Now().Sub(pending.At).Round(time.Second))}}, true
	}
	return outcome{}, false
}

// prepared is a new issue read from Bugsink and rendered, ready for Gitea.
type prepared struct {
	r        render.Output
	names    []string
	ids      []int64
	warnings []string
	// assignees are the code owners the issue is created with.
	assignees []string
	// reservedAt is when the create was reserved, if it was already.
	reservedAt time.Time
	// replaces is the reservation an interrupted run left, which this
	// create takes over (nil: none).
	replaces *syncstate.Reservation
	// link is the bug the issue is one environment of (linkFor).
	link linkInfo
	// facts is what is known of the issue once it is prepared.
	facts facts
}

// reserve writes the reservation that precedes a create (naming the bug
// of an issue linked across environments); the state refuses it where
// the issue is mapped or reserved by another create since it was looked
// up (the last check before a create): then nothing is created. A failure
// to write stops the run: without the reservation, a create could not be
// recovered after a crash.
func (cl *claimer) reserve(ctx context.Context, p bugsink.Project, is bugsink.Issue, link linkInfo, replaces *syncstate.Reservation) (outcome, bool) {
	r := syncstate.Reservation{At: cl.Now(), Run: cl.Opts.RunID}
	if link.bug != "" {
		r.Bug, r.Env = link.bug, link.place.Env
	}
	err := cl.State.Reserve(ctx, is.ID, r, replaces)
	switch {
	case errors.Is(err, syncstate.ErrMapped):
		cl.Log.Info("mapped since it was looked up; not created again", "bugsink_issue", is.ID, "project", p.Slug)
		return outcome{skipped: true}, false
	case errors.Is(err, syncstate.ErrReserved):
		return outcome{deferred: true, warnings: []string{fmt.Sprintf(
			"%s: another create reserved this issue since it was looked up; deferred to a later run", is.ID)}}, false
	case err != nil:
		o := cl.failed(p, is, StageReserve, err)
		o.fatal = fmt.Errorf("the sync state cannot be written, so nothing more is created: %w", err)
		return o, false
	}
	return outcome{}, true
}

// prepare reads an issue's newest event and renders its Gitea issue; it
// writes nothing. ok is false when o is the issue's whole outcome (below
// the level threshold, a failed read, a dry run's preview).
func (pp *preparer) prepare(ctx context.Context, p bugsink.Project, is bugsink.Issue, f facts) (prep prepared, o outcome, ok bool) {
	ev, err := pp.Bugsink.LatestEvent(ctx, is.ID)
	if errors.Is(err, bugsink.ErrNoEvents) {
		ev, err = nil, nil
	}
	if err != nil {
		return prep, pp.failed(p, is, StageReadEvent, err), false
	}
	f.event = &eventFacts{level: eventLevel(ev)}
	if ev != nil {
		f.event.release = ev.Data.Release
	}
	d := pp.judge(&f)
	if d.action == actBelow {
		return prep, outcome{below: true}, false
	}
	if ev != nil && ev.DataErr != nil {
		prep.warnings = append(prep.warnings, fmt.Sprintf("%s: part of the event payload could not be read: %v", is.ID, ev.DataErr))
	}
	code, owners := pp.locate(ctx, p.Slug, ev)
	prep.r, prep.link = pp.renderNew(p, is, ev, code)
	f.link = prep.link
	prep.facts = f
	prep.assignees = owners
	prep.warnings = append(prep.warnings, prep.r.Warnings...)
	prep.names = pp.labelsFor(p.Slug)
	ids, err := pp.labels.idsFor(ctx, prep.names)
	if err != nil {
		return prep, pp.failed(p, is, StageLabels, err), false
	}
	prep.ids = ids
	if d.action == actPreview {
		would := &CreatedIssue{BugsinkIssueID: is.ID, BugsinkURL: render.IssueLink(pp.Opts.Render.BugsinkURL, is.ID),
			Project: p.Slug, Title: prep.r.Title, Labels: prep.names, Assignees: prep.assignees}
		if err := pp.wouldLink(ctx, would, prep.link); err != nil {
			return prep, pp.failed(p, is, StageClaim, err), false
		}
		return prep, outcome{would: would, warnings: prep.warnings}, false
	}
	return prep, outcome{}, true
}

// createPrepared reserves, creates and records the Gitea issue; created is
// called as soon as Gitea answered the create (the record and what
// follows need Gitea no more). The steps that follow the record (resolve,
// back-link) are returned as after, to be run now or by a later stage;
// after is nil when there is nothing more.
func (lc *lifecycle) createPrepared(ctx context.Context, p bugsink.Project, is bugsink.Issue, prep prepared, created func()) (outcome, func(context.Context, *outcome)) {
	reservedAt := prep.reservedAt
	if reservedAt.IsZero() {
		if o, ok := lc.claim.reserve(ctx, p, is, prep.link, prep.replaces); !ok {
			return o, nil
		}
		reservedAt = lc.Now()
	}
	if prep.link.bug != "" {
		unlock := lc.bugs.lock(prep.link.bug)
		defer unlock()
		number, create, o := lc.claim.claimBug(ctx, p, is, prep.facts)
		if number > 0 {
			defer created()
			return lc.linkTo(ctx, p, is, prep, number)
		}
		if !create {
			created()
			lc.claim.clearReservation(ctx, is.ID)
			return o, nil
		}
	}
	gi, err := lc.write.createIssue(ctx, is, &prep)
	created()
	var mismatch *gitea.LabelMismatchError
	if err != nil && !errors.As(err, &mismatch) {
		if definite(err) {
			lc.claim.clearReservation(ctx, is.ID)
			lc.claim.releaseClaim(ctx, prep.link.bug, is.ID)
			return lc.failed(p, is, StageCreate, err), nil
		}
		// The create may have reached Gitea: establish its outcome before
		// anything else (never repeat it blindly).
		found, ferr := lc.write.findExisting(ctx, is.ID, reservedAt)
		if ferr == nil && found != nil {
			o := lc.finish(ctx, p, is, found, prep.names, nil, true, prep.link)
			o.warnings = append(o.warnings, fmt.Sprintf("%s: the create answered %v, but the issue exists as #%d and was taken over", is.ID, err, found.Number))
			return o, nil
		}
		return lc.failed(p, is, StageCreate, fmt.Errorf("%w (the outcome is unknown; the next run looks for the issue in Gitea before creating it)", err)), nil
	}
	lc.bugs.made(gi.Number)
	o, rec := lc.rec.recordCreated(ctx, p, is, gi, prep.names, mismatch, false, prep.link)
	o.warnings = append(prep.warnings, o.warnings...)
	if o.created != nil {
		for _, u := range gi.Assignees {
			o.created.Assignees = append(o.created.Assignees, u.Login)
		}
	}
	if rec == nil {
		return o, nil
	}
	return o, func(ctx context.Context, o *outcome) { lc.res.afterRecord(ctx, p, is, gi, *rec, o) }
}

// createIssue sends the create. Assignees are set here and nowhere else,
// so a person's later reassignment stands. Gitea refuses the whole create
// (422) when an assignee has lost access since the run read the
// assignees; nothing was created then, so it is sent once more without
// them, and the run says so.
func (w *writer) createIssue(ctx context.Context, is bugsink.Issue, prep *prepared) (*gitea.Issue, error) {
	opt := gitea.CreateIssueOption{Title: prep.r.Title, Body: prep.r.Body, Labels: prep.ids, Assignees: prep.assignees}
	gi, err := w.Gitea.CreateIssue(ctx, opt)
	if len(opt.Assignees) == 0 || gitea.StatusCode(err) != http.StatusUnprocessableEntity {
		return gi, err
	}
	prep.warnings = append(prep.warnings, fmt.Sprintf("%s: Gitea refused the assignees %v (%v); the issue is created without them",
		is.ID, opt.Assignees, err))
	prep.assignees = nil
	opt.Assignees = nil
	return w.Gitea.CreateIssue(ctx, opt)
}

// finish records a Gitea issue (created now, or found and adopted), then
// repairs labels, resolves the Bugsink issue and leaves the back-link.
func (lc *lifecycle) finish(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, names []string, mismatch *gitea.LabelMismatchError, adopted bool, link linkInfo) outcome {
	out, rec := lc.rec.recordCreated(ctx, p, is, gi, names, mismatch, adopted, link)
	if rec == nil {
		return out
	}
	if adopted && link.bug != "" {
		// Another environment's issue may have been recorded on it since
		// (its row replaced the section this one was created with).
		if w := lc.write.rejoinBug(ctx, p, is, gi, link); w != "" {
			out.warnings = append(out.warnings, w)
		}
	}
	lc.res.afterRecord(ctx, p, is, gi, *rec, &out)
	return out
}

// recordCreated records a Gitea issue (for a bug seen in several
// environments, with its place in the bug) and repairs its labels. The
// record is nil when it could not be written (then nothing more may
// happen).
func (rc *recorder) recordCreated(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, names []string, mismatch *gitea.LabelMismatchError, adopted bool, link linkInfo) (outcome, *syncstate.Record) {
	entry := CreatedIssue{BugsinkIssueID: is.ID, BugsinkURL: render.IssueLink(rc.Opts.Render.BugsinkURL, is.ID),
		Project: p.Slug, Title: gi.Title, Labels: names, GiteaIssueNumber: gi.Number, GiteaIssueURL: gi.HTMLURL, Adopted: adopted}
	out := outcome{created: &entry}
	// The issue exists now: record it before anything else happens to it.
	rec := syncstate.Record{
		GiteaIssueNumber: gi.Number, SyncedAt: rc.Now(), Project: p.Slug, Title: gi.Title,
		BugsinkIssueID: is.ID, GiteaIssueURL: gi.HTMLURL, LastSeen: is.LastSeen,
		EventCount: is.DigestedEventCount, WrittenBy: "bsync " + rc.Opts.Version, FirstSeen: is.FirstSeen,
		BugID: link.bug,
	}
	if link.bug != "" {
		rec.Environment = link.place.Env
	}
	if err := rc.commit(ctx, is.ID, rec); err != nil {
		out.fatal = fmt.Errorf("gitea issue #%d exists for bugsink issue %s but could not be recorded (the next run finds it by its marker): %w", gi.Number, is.ID, err)
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageRecord, Message: out.fatal.Error(), GiteaIssueNumber: gi.Number})
		return out, nil
	}
	if mismatch != nil {
		out.warnings = append(out.warnings, rc.write.repairLabels(ctx, gi.Number, mismatch.Missing))
	}
	return out, &rec
}

// afterRecord resolves a recorded issue in Bugsink and leaves the
// back-link comment.
func (rv *resolver) afterRecord(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, rec syncstate.Record, out *outcome) {
	if rv.Opts.NoResolve {
		// left unresolved in Bugsink on purpose
	} else if err := rv.resolve(ctx, is.ID); err != nil {
		rv.Log.Warn("resolve failed; the next run resolves it again", "bugsink_issue", is.ID, "err", err)
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageResolve, Message: err.Error(), GiteaIssueNumber: gi.Number})
	} else if w := rv.markResolved(ctx, is.ID, rec); w != "" {
		out.warnings = append(out.warnings, w)
	}
	if rv.Opts.BackLink {
		if err := rv.Bugsink.Comment(ctx, is.ID, render.BackLink(gi.Number, gi.HTMLURL)); err != nil {
			// Best effort, and never repeated: the issue is recorded.
			out.warnings = append(out.warnings, fmt.Sprintf("%s: could not leave the back-link comment in Bugsink: %v", is.ID, err))
		}
	}
	rv.Log.Info("synced", "bugsink_issue", is.ID, "project", p.Slug, "gitea_issue", gi.Number, "adopted", out.created != nil && out.created.Adopted)
}

// commit writes a mapping (and drops the reservation), retrying a failed
// write a few times. What it writes is true whatever happens to the run:
// the end of ctx does not cut it short (Redis's own timeouts bound it).
func (rc *recorder) commit(ctx context.Context, id string, rec syncstate.Record) error {
	return retried(func() error { return rc.State.Commit(context.WithoutCancel(ctx), id, rec) })
}

// record updates an existing mapping, retrying a failed write a few times;
// like commit, whatever happens to the run.
func (rc *recorder) record(ctx context.Context, id string, rec syncstate.Record) error {
	return retried(func() error { return rc.State.Put(context.WithoutCancel(ctx), id, rec) })
}

// retried calls write up to recordAttempts times, until it succeeds, and
// returns its last error.
func retried(write func() error) error {
	var err error
	for attempt := 0; attempt < recordAttempts; attempt++ {
		if err = write(); err == nil {
			return nil
		}
	}
	return err
}

// definite reports whether a failed create certainly created nothing: a
// 4xx answer means Gitea refused the request.
func definite(err error) bool {
	c := gitea.StatusCode(err)
	return c >= 400 && c < 500 && c != http.StatusRequestTimeout
}

// repairLabels adds labels Gitea dropped on create and says what happened.
func (w *writer) repairLabels(ctx context.Context, number int, missing []int64) string {
	labels, err := w.Gitea.AddLabels(ctx, number, missing)
	if err != nil {
		return fmt.Sprintf("gitea issue #%d was created without labels %v and adding them failed: %v", number, missing, err)
	}
	got := map[int64]bool{}
	for _, l := range labels {
		got[l.ID] = true
	}
	for _, id := range missing {
		if !got[id] {
			return fmt.Sprintf("gitea issue #%d lacks label ids %v: check that the token's user can write issues in the repository", number, missing)
		}
	}
	return fmt.Sprintf("gitea issue #%d was created without labels %v; they were added afterwards", number, missing)
}

// refused reports whether an API refused the run as a whole: the token
// (revoked, mistyped or without the needed scope), or the Gitea repository
// (missing or invisible to the token). Every other issue would fail the
// same way.
func refused(err error) bool {
	return gitea.IsUnauthorized(err) || bugsink.IsUnauthorized(err) || gitea.IsRepoNotFound(err)
}
