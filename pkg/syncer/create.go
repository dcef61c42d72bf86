package syncer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/syncstate"
)

// recordAttempts is how often a mapping write is tried after its Gitea
// issue was created. Losing that write would duplicate the issue later.
const recordAttempts = 3

// create handles an unmapped issue: read, render, create, record, resolve.
func (e *Engine) create(ctx context.Context, p bugsink.Project, is bugsink.Issue) outcome {
	fail := func(stage string, err error) outcome {
		e.Log.Warn("issue failed", "bugsink_issue", is.ID, "project", p.Slug, "stage", stage, "err", err)
		o := outcome{failed: true, errs: []IssueError{{BugsinkIssueID: is.ID, Project: p.Slug, Stage: stage, Message: err.Error()}}}
		if refused(err) {
			// Every other issue would fail the same way: stop the run.
			o.fatal = err
		}
		return o
	}
	ev, err := e.Bugsink.LatestEvent(ctx, is.ID)
	if errors.Is(err, bugsink.ErrNoEvents) {
		ev, err = nil, nil
	}
	if err != nil {
		return fail("read_event", err)
	}
	var warnings []string
	if ev != nil && ev.DataErr != nil {
		warnings = append(warnings, fmt.Sprintf("%s: part of the event payload could not be read: %v", is.ID, ev.DataErr))
	}
	r := Render(is, ev, p.Slug, e.Opts.Render)
	names := e.labelsFor(p.Slug)
	ids, missing, err := e.labelIDsFor(ctx, names)
	if err != nil {
		return fail("labels", err)
	}
	entry := CreatedIssue{BugsinkIssueID: is.ID, BugsinkURL: bugsinkLink(e.Opts.Render.BugsinkURL, is.ID),
		Project: p.Slug, Title: r.Title, Labels: names}
	if e.Opts.DryRun {
		if len(missing) > 0 {
			warnings = append(warnings, fmt.Sprintf("labels %s do not exist yet and would be created", strings.Join(missing, ", ")))
		}
		return outcome{would: &entry, warnings: warnings}
	}

	gi, err := e.Gitea.CreateIssue(ctx, gitea.CreateIssueOption{Title: r.Title, Body: r.Body, Labels: ids})
	var mismatch *gitea.LabelMismatchError
	if err != nil && !errors.As(err, &mismatch) {
		return fail("create_gitea_issue", err)
	}
	entry.GiteaIssueNumber, entry.GiteaIssueURL = gi.Number, gi.HTMLURL
	out := outcome{created: &entry, warnings: warnings}

	// The issue exists now: record it before anything else happens to it.
	rec := syncstate.Record{
		GiteaIssueNumber: gi.Number, SyncedAt: e.Now(), Project: p.Slug, Title: r.Title,
		BugsinkIssueID: is.ID, GiteaIssueURL: gi.HTMLURL, LastSeen: is.LastSeen,
		EventCount: is.DigestedEventCount, WrittenBy: "bsync " + e.Opts.Version,
	}
	if err := e.record(ctx, is.ID, rec); err != nil {
		out.fatal = fmt.Errorf("created gitea issue #%d for bugsink issue %s but could not record it: %w", gi.Number, is.ID, err)
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: "record", Message: out.fatal.Error(), GiteaIssueNumber: gi.Number})
		return out
	}

	if mismatch != nil {
		out.warnings = append(out.warnings, e.repairLabels(ctx, gi.Number, mismatch.Missing))
	}
	if err := e.Bugsink.Resolve(ctx, is.ID); err != nil {
		e.Log.Warn("resolve failed; the next run resolves it again", "bugsink_issue", is.ID, "err", err)
		out.errs = append(out.errs, IssueError{BugsinkIssueID: is.ID, Project: p.Slug, Stage: "resolve", Message: err.Error(), GiteaIssueNumber: gi.Number})
	}
	e.Log.Info("created gitea issue", "bugsink_issue", is.ID, "project", p.Slug, "gitea_issue", gi.Number)
	return out
}

// record writes a mapping, retrying a failed write a few times.
func (e *Engine) record(ctx context.Context, id string, rec syncstate.Record) error {
	var err error
	for attempt := 0; attempt < recordAttempts; attempt++ {
		if err = e.State.Put(ctx, id, rec); err == nil {
			return nil
		}
	}
	return err
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

// refused reports whether an API refused the token (revoked, mistyped or
// without the needed scope).
func refused(err error) bool {
	return gitea.IsUnauthorized(err) || bugsink.IsUnauthorized(err)
}

func bugsinkLink(base, id string) string {
	return strings.TrimRight(base, "/") + "/issues/issue/" + id + "/event/last/"
}
