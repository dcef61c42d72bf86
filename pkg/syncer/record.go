package syncer

import (
	"context"
	"fmt"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/redact"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// Stage "record": the mapping of a Bugsink issue to its Gitea issue is
// written as soon as the Gitea issue exists, before anything else happens
// to it.

// recorder writes mappings to the sync state.
type recorder struct {
	*Engine
	labels labelRepairer
}

// labelRepairer adds the labels Gitea dropped from a create (the writer).
type labelRepairer interface {
	repairLabels(ctx context.Context, number int, missing []int64) string
}

// recordAttempts is how often a mapping write is tried after its Gitea
// issue was created. Losing that write would duplicate the issue later.
const recordAttempts = 3

// recordCreated records a Gitea issue (for a bug seen in several
// environments, with its place in the bug) and repairs its labels. The
// record is nil when it could not be written (then nothing more may
// happen).
func (rc *recorder) recordCreated(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, names []string, mismatch *gitea.LabelMismatchError, adopted bool, link linkInfo) (outcome, *syncstate.Record) {
	title := redact.Text(gi.Title) // as Gitea holds it: an issue adopted from an older bsync's run may carry a secret
	entry := CreatedIssue{BugsinkIssueID: is.ID, BugsinkURL: render.IssueLink(rc.Opts.Render.BugsinkURL, is.ID),
		Project: p.Slug, Title: title, Labels: names, GiteaIssueNumber: gi.Number, GiteaIssueURL: gi.HTMLURL, Adopted: adopted}
	out := outcome{created: &entry}
	// The issue exists now: record it before anything else happens to it.
	rec := syncstate.Record{
		GiteaIssueNumber: gi.Number, SyncedAt: rc.Now(), Project: p.Slug, Title: title,
		BugsinkIssueID: is.ID, GiteaIssueURL: gi.HTMLURL, LastSeen: is.LastSeen,
		EventCount: is.DigestedEventCount, WrittenBy: "bsync " + rc.Opts.Version, FirstSeen: is.FirstSeen,
		BugID: link.bug,
	}
	if link.bug != "" {
		rec.Environment, rec.PendingClose = link.place.Env, link.pendingClose
	}
	if link.fix != nil {
		rec.FixClose, rec.FixCommit, rec.ReleasesWithout = link.fix.FixClose, link.fix.FixCommit, link.fix.ReleasesWithout
	}
	if err := rc.commit(ctx, is.ID, rec); err != nil {
		out.fatal = fmt.Errorf("gitea issue #%d exists for bugsink issue %s but could not be recorded (the next run finds it by its marker): %w", gi.Number, is.ID, err)
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: StageRecord, Message: out.fatal.Error(), GiteaIssueNumber: gi.Number})
		return out, nil
	}
	if mismatch != nil {
		out.warnings = append(out.warnings, rc.labels.repairLabels(ctx, gi.Number, mismatch.Missing))
	}
	return out, &rec
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
