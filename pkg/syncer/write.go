package syncer

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/envlink"
	"bsync/pkg/gitea"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// Stage "write": every write to Gitea (the create, labels, the shared
// body: bugbody.go, the figures: figures.go, the comments), each made only
// when missing, and the reads they need (find.go looks for an issue by its
// marker).

// writer makes every write to Gitea, and the reads they depend on.
type writer struct {
	*Engine
	labels *labelBook
	bugs   *bugBook
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

// addEnvLabel gives a shared issue the environment's label unless it has
// it (Gitea's POST .../labels adds to the issue's labels, keeping those it
// has: routers/api/v1/repo/issue_label.go AddIssueLabels).
func (w *writer) addEnvLabel(ctx context.Context, gi *gitea.Issue, place envlink.Place) error {
	for _, l := range gi.Labels {
		if l.Name == place.EnvLabel() {
			return nil
		}
	}
	ids, err := w.labels.idsFor(ctx, []string{place.EnvLabel()})
	if err != nil || len(ids) == 0 {
		return fmt.Errorf("label %s for gitea issue #%d: %w", place.EnvLabel(), gi.Number, err)
	}
	if _, err := w.Gitea.AddLabels(ctx, gi.Number, ids); err != nil {
		return err
	}
	return nil
}

// labelNames lists an issue's label names plus extra.
func labelNames(labels []gitea.Label, extra string) []string {
	out := make([]string, 0, len(labels)+1)
	for _, l := range labels {
		if l.Name != extra {
			out = append(out, l.Name)
		}
	}
	return append(out, extra)
}

// announceEscape writes the one comment that says a bug seen only in the
// environments before reached production (news: the defect escaped;
// decideBug says when), unless a comment carries its marker already.
func (w *writer) announceEscape(ctx context.Context, gi *gitea.Issue, p bugsink.Project, is bugsink.Issue, link linkInfo, before []string) error {
	mark := render.EscapedMarker(link.bug)
	if found, err := w.commented(ctx, gi.Number, mark); err != nil || found {
		return err
	}
	_, err := w.Gitea.Comment(ctx, gi.Number, render.EscapedComment(link.bug, w.newRow(p, is, link).EnvRow, before, w.Opts.Render.BugsinkURL))
	return err
}

// rejoinBug puts an adopted issue's row back in its shared issue's
// Environments section (best effort: a failure is a warning, and the row
// comes back with its next recurrence; its marker is in the body).
func (w *writer) rejoinBug(ctx context.Context, p bugsink.Project, is bugsink.Issue, gi *gitea.Issue, link linkInfo) string {
	b, _, err := w.State.Bug(ctx, link.bug)
	if err == nil {
		err = w.writeBug(ctx, gi, link.bug, b.Members, w.newRow(p, is, link))
	}
	if err != nil {
		return fmt.Sprintf("%s: its row in the environments of gitea issue #%d was not written: %v", is.ID, gi.Number, err)
	}
	return ""
}

// commentOnce writes the regression comment for the close rec.PendingClose
// names, unless one of the issue's comments carries its marker already (a
// retried step never repeats a comment). mine is false when the comment
// found is another environment's issue's (on a shared issue, one comment
// per close).
func (w *writer) commentOnce(ctx context.Context, number int, is bugsink.Issue, rec syncstate.Record, closedAt *time.Time, fix *render.RegressionFix) (mine bool, err error) {
	own, other, err := w.closeCommented(ctx, number, is.ID, rec)
	if err != nil || own || other {
		return own, err
	}
	r := render.Regression{Issue: is, Close: rec.PendingClose,
		ClosedAt: closedAt, EventCount: rec.EventCount, LastSeen: rec.LastSeen, BugsinkURL: w.Opts.Render.BugsinkURL, Fix: fix}
	if rec.BugID != "" {
		r.Env, r.Project = rec.Environment, rec.Project
		r.Arrived = arrivedAfterClose(rec, is.FirstSeen)
	}
	_, err = w.Gitea.Comment(ctx, number, render.RegressionComment(r))
	return err == nil, err
}

// closeCommented says whether one of an issue's comments reports the
// close rec.PendingClose names: own, id's own comment; other, another
// environment's issue's (regressionSearch).
func (w *writer) closeCommented(ctx context.Context, number int, id string, rec syncstate.Record) (own, other bool, err error) {
	cs, err := w.Gitea.Comments(ctx, number)
	if err != nil {
		return false, false, err
	}
	mark, search := render.RegressionMarker(id, rec.PendingClose), regressionSearch(id, rec)
	for _, c := range cs {
		switch {
		case strings.Contains(c.Body, mark):
			return true, false, nil
		case strings.Contains(c.Body, search):
			other = true
		}
	}
	return false, other, nil
}

// commented reports whether one of an issue's comments carries mark.
func (w *writer) commented(ctx context.Context, number int, mark string) (bool, error) {
	cs, err := w.Gitea.Comments(ctx, number)
	if err != nil {
		return false, err
	}
	for _, c := range cs {
		if strings.Contains(c.Body, mark) {
			return true, nil
		}
	}
	return false, nil
}

// mappedIssue reads a mapped issue's Gitea issue before anything is
// written to it (Gitea answers 500, not 404, for a comment on a missing
// issue), and refuses one that does not carry bsync's marker for it.
func (w *writer) mappedIssue(ctx context.Context, id string, rec syncstate.Record) (*gitea.Issue, error) {
	number := rec.GiteaIssueNumber
	gi, err := w.Gitea.Issue(ctx, number)
	if gitea.IsNotFound(err) {
		err = fmt.Errorf("mapped gitea issue #%d no longer exists; `bsync forget %s` lets the next run create a new one", number, id)
	}
	if err != nil {
		return nil, err
	}
	if ok, err := w.isBsyncsIssue(ctx, gi, id, rec); err != nil || !ok {
		if err == nil {
			err = notBsyncsIssue(gi.Number, []string{id})
		}
		return nil, err
	}
	return gi, nil
}

// isBsyncsIssue says whether gi carries bsync's marker for the mapped
// issue id (bsyncIssueFor): its own, its bug's, or that of another
// recorded issue of its bug (a person may have deleted a section that
// held the marker, in bodies written before row markers).
func (w *writer) isBsyncsIssue(ctx context.Context, gi *gitea.Issue, id string, rec syncstate.Record) (bool, error) {
	if bsyncIssueFor(gi.Body, rec.BugID, []string{id}) || rec.BugID == "" {
		return bsyncIssueFor(gi.Body, rec.BugID, []string{id}), nil
	}
	b, _, err := w.State.Bug(ctx, rec.BugID)
	if err != nil {
		return false, err
	}
	ids := make([]string, 0, len(b.Members))
	for m := range b.Members {
		ids = append(ids, m)
	}
	return bsyncIssueFor(gi.Body, rec.BugID, ids), nil
}

// bugIssue reads the Gitea issue a new issue joins (its bug's) before
// anything is written to it.
func (w *writer) bugIssue(ctx context.Context, number int) (*gitea.Issue, error) {
	gi, err := w.Gitea.Issue(ctx, number)
	if gitea.IsNotFound(err) {
		err = fmt.Errorf("gitea issue #%d, filed for this error in another environment, no longer exists; `bsync forget` of the bugsink issues mapped to it lets the next run file the error anew", number)
	}
	return gi, err
}

// reopen reopens a Gitea issue for a regression.
func (w *writer) reopen(ctx context.Context, number int) error {
	_, err := w.Gitea.SetState(ctx, number, "open")
	return err
}

// issueAgain reads a Gitea issue again after bsync wrote to it (the key of
// a close without a close time moves with bsync's own writes).
func (w *writer) issueAgain(ctx context.Context, number int) (*gitea.Issue, error) {
	return w.Gitea.Issue(ctx, number)
}
