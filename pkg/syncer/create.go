package syncer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/redact"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// recordAttempts is how often a mapping write is tried after its Gitea
// issue was created. Losing that write would duplicate the issue later.
const recordAttempts = 3

// create handles an unmapped issue: read, render, reserve, create, record,
// resolve, back-link, one step after the other (syncPage runs the same
// steps as stages, see stages.go).
func (e *Engine) create(ctx context.Context, p bugsink.Project, is bugsink.Issue, pending *syncstate.Reservation) outcome {
	if pending != nil && !e.Opts.DryRun {
		if o, done := e.recoverPending(ctx, p, is, pending); done {
			return o
		}
	}
	prep, o, ok := e.prepare(ctx, p, is)
	if !ok {
		return o
	}
	prep.replaces = pending
	o, after := e.createPrepared(ctx, p, is, prep, func() {})
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
func (e *Engine) recoverPending(ctx context.Context, p bugsink.Project, is bugsink.Issue, pending *syncstate.Reservation) (outcome, bool) {
	gi, err := e.findExisting(ctx, is.ID, pending.At)
	if err != nil {
		return e.failed(p, is, StageRecover, fmt.Errorf("an earlier run stopped while creating this issue, and looking for it in Gitea failed: %w", err)), true
	}
	if gi != nil {
		return e.finish(ctx, p, is, gi, e.labelsFor(p.Slug), nil, true, pendingLink(pending)), true
	}
	if age := e.Now().Sub(pending.At); age < e.Opts.PendingGrace {
		return outcome{deferred: true, warnings: []string{fmt.Sprintf(
			"%s: an earlier create (%s ago) may still be landing in Gitea; deferred to a later run", is.ID, age.Round(time.Second))}}, true
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
}

// reserve writes the reservation that precedes a create (naming the bug
// of an issue linked across environments); the state refuses it where
// the issue is mapped or reserved by another create since it was looked
// up (the last check before a create): then nothing is created. A failure
// to write stops the run: without the reservation, a create could not be
// recovered after a crash.
func (e *Engine) reserve(ctx context.Context, p bugsink.Project, is bugsink.Issue, link linkInfo, replaces *syncstate.Reservation) (outcome, bool) {
	r := syncstate.Reservation{At: e.Now(), Run: e.Opts.RunID}
	if link.bug != "" {
		r.Bug, r.Env = link.bug, link.place.Env
	}
	err := e.State.Reserve(ctx, is.ID, r, replaces)
	switch {
	case errors.Is(err, syncstate.ErrMapped):
		e.Log.Info("mapped since it was looked up; not created again", "bugsink_issue", is.ID, "project", p.Slug)
		return outcome{skipped: true}, false
	case errors.Is(err, syncstate.ErrReserved):
		return outcome{deferred: true, warnings: []string{fmt.Sprintf(
			"%s: another create reserved this issue since it was looked up; deferred to a later run", is.ID)}}, false
	case err != nil:
		o := e.failed(p, is, StageReserve, err)
		o.fatal = fmt.Errorf("the sync state cannot be written, so nothing more is created: %w", err)
		return o, false
	}
	return outcome{}, true
}

// prepare reads an issue's newest event and renders its Gitea issue; it
// writes nothing. ok is false when o is the issue's whole outcome (below
// the level threshold, a failed read, a dry run's preview).
func (e *Engine) prepare(ctx context.Context, p bugsink.Project, is bugsink.Issue) (prep prepared, o outcome, ok bool) {
	ev, err := e.Bugsink.LatestEvent(ctx, is.ID)
	if errors.Is(err, bugsink.ErrNoEvents) {
		ev, err = nil, nil
	}
	if err != nil {
		return prep, e.failed(p, is, StageReadEvent, err), false
	}
	if e.Opts.MinLevel != "" && !levelAtLeast(eventLevel(ev), e.Opts.MinLevel) {
		return prep, outcome{below: true}, false
	}
	if ev != nil && ev.DataErr != nil {
		prep.warnings = append(prep.warnings, fmt.Sprintf("%s: part of the event payload could not be read: %v", is.ID, ev.DataErr))
	}
	code, owners := e.locate(ctx, p.Slug, ev)
	prep.r, prep.link = e.renderNew(p, is, ev, code)
	prep.assignees = owners
	prep.warnings = append(prep.warnings, prep.r.Warnings...)
	prep.names = e.labelsFor(p.Slug)
	ids, err := e.labelIDsFor(ctx, prep.names)
	if err != nil {
		return prep, e.failed(p, is, StageLabels, err), false
	}
	prep.ids = ids
	if e.Opts.DryRun {
		would := &CreatedIssue{BugsinkIssueID: is.ID, BugsinkURL: render.IssueLink(e.Opts.Render.BugsinkURL, is.ID),
			Project: p.Slug, Title: prep.r.Title, Labels: prep.names, Assignees: prep.assignees}
		if err := e.wouldLink(ctx, would, prep.link); err != nil {
			return prep, e.failed(p, is, StageClaim, err), false
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
func (e *Engine) createPrepared(ctx context.Context, p bugsink.Project, is bugsink.Issue, prep prepared, created func()) (outcome, func(context.Context, *outcome)) {
	reservedAt := prep.reservedAt
	if reservedAt.IsZero() {
		if o, ok := e.reserve(ctx, p, is, prep.link, prep.replaces); !ok {
			return o, nil
		}
		reservedAt = e.Now()
	}
	if prep.link.bug != "" {
		unlock := e.bugLocks.lock(prep.link.bug)
		defer unlock()
		number, create, o := e.claimBug(ctx, p, is, prep.link)
		if number > 0 {
			defer created()
			return e.linkTo(ctx, p, is, prep, number)
		}
		if !create {
			created()
			e.clearReservation(ctx, is.ID)
			return o, nil
		}
	}
	gi, err := e.createIssue(ctx, is, &prep)
	created()
	var mismatch *gitea.LabelMismatchError
	if err != nil && !errors.As(err, &mismatch) {
		if definite(err) {
			e.clearReservation(ctx, is.ID)
			e.releaseClaim(ctx, prep.link.bug, is.ID)
			return e.failed(p, is, StageCreate, err), nil
		}
		// The create may have reached Gitea: establish its outcome before
		// anything else (never repeat it blindly).
		found, ferr := e.findExisting(ctx, is.ID, reservedAt)
		if ferr == nil && found != nil {
			o := e.finish(ctx, p, is, found, prep.names, nil, true, prep.link)
			o.warnings = append(o.warnings, fmt.Sprintf("%s: the create answered %v, but the issue exists as #%d and was taken over", is.ID, err, found.Number))
			return o, nil
		}
		return e.failed(p, is, StageCreate, fmt.Errorf("%w (the outcome is unknown; the next run looks for the issue in Gitea before creating it)", err)), nil
	}
	e.made.Store(gi.Number, true)
	o, rec := e.recordCreated(ctx, p, is, gi, prep.names, mismatch, false, prep.link)
	o.warnings = append(prep.warnings, o.warnings...)
	if o.created != nil {
		for _, u := range gi.Assignees {
			o.created.Assignees = append(o.created.Assignees, u.Login)
		}
	}
	if rec == nil {
		return o, nil
	}
	return o, func(ctx context.Context, o *outcome) { e.afterRecord(ctx, p, is, gi, *rec, o) }
}

// createIssue sends the create. Assignees are set here and nowhere else,
// so a person's later reassignment stands. Gitea refuses the whole create
// (422) when an assignee has lost access since the run read the
// assignees; nothing was created then, so it is sent once more without
// them, and the run says so.
func (e *Engine) createIssue(ctx context.Context, is bugsink.Issue, prep *prepared) (*gitea.Issue, error) {
	opt := gitea.CreateIssueOption{Title: prep.r.Title, Body: prep.r.Body, Labels: prep.ids, Assignees: prep.assignees}
	gi, err := e.Gitea.CreateIssue(ctx, opt)
	if len(opt.Assignees) == 0 || gitea.StatusCode(err) != http.StatusUnprocessableEntity {
		return gi, err
	}
	prep.warnings = append(prep.warnings, fmt.Sprintf("%s: Gitea refused the assignees %v (%v); the issue is created without them",
		is.ID, opt.Assignees, err))
	prep.assignees = nil
	opt.Assignees = nil
	return e.Gitea.CreateIssue(ctx, opt)
}

// finish records a Gitea issue (created now, or found and adopted), then
// repairs labels, resolves the Bugsink issue and leaves the back-link.
func (e *Engine) finish(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, names []string, mismatch *gitea.LabelMismatchError, adopted bool, link linkInfo) outcome {
	out, rec := e.recordCreated(ctx, p, is, gi, names, mismatch, adopted, link)
	if rec == nil {
		return out
	}
	if adopted && link.bug != "" {
		// Another environment's issue may have been recorded on it since
		// (its row replaced the section this one was created with).
		if w := e.rejoinBug(ctx, p, is, gi, link); w != "" {
			out.warnings = append(out.warnings, w)
		}
	}
	e.afterRecord(ctx, p, is, gi, *rec, &out)
	return out
}

// recordCreated records a Gitea issue (for a bug seen in several
// environments, with its place in the bug) and repairs its labels. The
// record is nil when it could not be written (then nothing more may
// happen).
func (e *Engine) recordCreated(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, names []string, mismatch *gitea.LabelMismatchError, adopted bool, link linkInfo) (outcome, *syncstate.Record) {
	title := redact.Text(gi.Title) // as Gitea holds it: an issue adopted from an older bsync's run may carry a secret
	entry := CreatedIssue{BugsinkIssueID: is.ID, BugsinkURL: render.IssueLink(e.Opts.Render.BugsinkURL, is.ID),
		Project: p.Slug, Title: title, Labels: names, GiteaIssueNumber: gi.Number, GiteaIssueURL: gi.HTMLURL, Adopted: adopted}
	out := outcome{created: &entry}
	// The issue exists now: record it before anything else happens to it.
	rec := syncstate.Record{
		GiteaIssueNumber: gi.Number, SyncedAt: e.Now(), Project: p.Slug, Title: title,
		BugsinkIssueID: is.ID, GiteaIssueURL: gi.HTMLURL, LastSeen: is.LastSeen,
		EventCount: is.DigestedEventCount, WrittenBy: "bsync " + e.Opts.Version, FirstSeen: is.FirstSeen,
		BugID: link.bug,
	}
	if link.bug != "" {
		rec.Environment = link.place.Env
	}
	if err := e.commit(ctx, is.ID, rec); err != nil {
		out.fatal = fmt.Errorf("gitea issue #%d exists for bugsink issue %s but could not be recorded (the next run finds it by its marker): %w", gi.Number, is.ID, err)
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageRecord, Message: out.fatal.Error(), GiteaIssueNumber: gi.Number})
		return out, nil
	}
	if mismatch != nil {
		out.warnings = append(out.warnings, e.repairLabels(ctx, gi.Number, mismatch.Missing))
	}
	return out, &rec
}

// afterRecord resolves a recorded issue in Bugsink and leaves the
// back-link comment.
func (e *Engine) afterRecord(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, rec syncstate.Record, out *outcome) {
	if e.Opts.NoResolve {
		// left unresolved in Bugsink on purpose
	} else if err := e.resolve(ctx, is.ID); err != nil {
		e.Log.Warn("resolve failed; the next run resolves it again", "bugsink_issue", is.ID, "err", err)
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageResolve, Message: err.Error(), GiteaIssueNumber: gi.Number})
	} else if w := e.markResolved(ctx, is.ID, rec); w != "" {
		out.warnings = append(out.warnings, w)
	}
	if e.Opts.BackLink {
		if err := e.Bugsink.Comment(ctx, is.ID, render.BackLink(gi.Number, gi.HTMLURL)); err != nil {
			// Best effort, and never repeated: the issue is recorded.
			out.warnings = append(out.warnings, fmt.Sprintf("%s: could not leave the back-link comment in Bugsink: %v", is.ID, err))
		}
	}
	e.Log.Info("synced", "bugsink_issue", is.ID, "project", p.Slug, "gitea_issue", gi.Number, "adopted", out.created != nil && out.created.Adopted)
}

// commit writes a mapping (and drops the reservation), retrying a failed
// write a few times. What it writes is true whatever happens to the run:
// the end of ctx does not cut it short (Redis's own timeouts bound it).
func (e *Engine) commit(ctx context.Context, id string, rec syncstate.Record) error {
	return retried(func() error { return e.State.Commit(context.WithoutCancel(ctx), id, rec) })
}

// record updates an existing mapping, retrying a failed write a few times;
// like commit, whatever happens to the run.
func (e *Engine) record(ctx context.Context, id string, rec syncstate.Record) error {
	return retried(func() error { return e.State.Put(context.WithoutCancel(ctx), id, rec) })
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
func (e *Engine) repairLabels(ctx context.Context, number int, missing []int64) string {
	labels, err := e.Gitea.AddLabels(ctx, number, missing)
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
