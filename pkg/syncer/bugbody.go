package syncer

import (
	"context"
	"errors"
	"slices"
	"sort"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// bugRow is one environment's Bugsink issue of a shared Gitea issue, with
// what the figures section sums up.
type bugRow struct {
	render.EnvRow
	recurrences  int
	lastRecurred time.Time
	// awaiting are the releases without the fix it came back from.
	awaiting []string
}

// newRow is the row of a Bugsink issue being recorded now.
func (e *Engine) newRow(p bugsink.Project, is bugsink.Issue, link linkInfo) bugRow {
	return bugRow{EnvRow: render.EnvRow{IssueID: is.ID, Env: link.place.Env, Project: p.Slug,
		FirstSeen: is.FirstSeen, LastSeen: is.LastSeen, Count: is.DigestedEventCount}}
}

// recordRow is the row of a recorded Bugsink issue.
func recordRow(id, env string, rec syncstate.Record) bugRow {
	if rec.Environment != "" {
		env = rec.Environment
	}
	return bugRow{EnvRow: render.EnvRow{IssueID: id, Env: env, Project: rec.Project, FirstSeen: rec.FirstSeen,
		LastSeen: rec.LastSeen, Count: rec.EventCount}, recurrences: rec.Recurrences, lastRecurred: rec.LastRecurred,
		awaiting: awaitingReleases(rec)}
}

// errBodyChanged means a person edited the body while bsync was about to
// write it; their text is kept and the next run tries again.
var errBodyChanged = errors.New("the issue body changed while bsync was writing to it; the next run tries again")

// writeBug writes a shared issue's Environments rows (a row per recorded
// Bugsink issue of the bug, self in place of its recorded row) and its
// figures (summed over the rows), when they changed. Only bsync's own lines
// are written (render.UpdateEnvironments): a person's text, inside the
// section too, stays. The body is read again right before the write and
// left alone if it changed (errBodyChanged).
func (w *writer) writeBug(ctx context.Context, gi *gitea.Issue, bug string, members map[string]string, self bugRow) error {
	rows, err := w.bugRows(ctx, members, self)
	if err != nil {
		return err
	}
	envRows := make([]render.EnvRow, 0, len(rows))
	for _, r := range rows {
		envRows = append(envRows, r.EnvRow)
	}
	body := render.UpdateEnvironments(gi.Body, bug, envRows, w.Opts.Render.BugsinkURL)
	if !fitsBodyCap(len(body), len(gi.Body), w.Opts.Render.MaxBodyBytes) {
		// Only the hidden lines that tie the issue to its Bugsink issues.
		body = render.WithEnvHiddenLines(gi.Body, bug, envRows)
	}
	if fig, ok := render.ReplaceFigures(body, sumFigures(rows)); ok {
		body = fig
	}
	if body == gi.Body {
		return nil
	}
	now, err := w.Gitea.Issue(ctx, gi.Number)
	if err != nil {
		return err
	}
	if now.Body != gi.Body {
		return errBodyChanged
	}
	if err := w.Gitea.EditBody(ctx, gi.Number, body); err != nil {
		return err
	}
	gi.Body = body
	return nil
}

// bugRows reads the recorded members' rows (one round trip) and puts self
// among them.
func (w *writer) bugRows(ctx context.Context, members map[string]string, self bugRow) ([]bugRow, error) {
	ids := make([]string, 0, len(members))
	for id := range members {
		if id != self.IssueID {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	states, err := w.State.LookupState(ctx, ids)
	if err != nil {
		return nil, err
	}
	rows := []bugRow{self}
	for _, id := range ids {
		if st := states[id]; st.Entry.Record != nil {
			rows = append(rows, recordRow(id, members[id], *st.Entry.Record))
		}
	}
	return rows, nil
}

// sumFigures is the figures section of a shared issue: first seen in any
// environment, last seen in any, occurrences and recurrences summed.
func sumFigures(rows []bugRow) string {
	var sum bugsink.Issue
	var last time.Time
	var awaiting []string
	recurrences := 0
	for _, r := range rows {
		for _, a := range r.awaiting {
			if !slices.Contains(awaiting, a) {
				awaiting = append(awaiting, a)
			}
		}
		if sum.FirstSeen.IsZero() || (!r.FirstSeen.IsZero() && r.FirstSeen.Before(sum.FirstSeen)) {
			sum.FirstSeen = r.FirstSeen
		}
		if r.LastSeen.After(sum.LastSeen) {
			sum.LastSeen = r.LastSeen
		}
		if r.lastRecurred.After(last) {
			last = r.lastRecurred
		}
		sum.DigestedEventCount += r.Count
		recurrences += r.recurrences
	}
	return render.WithAwaiting(render.FiguresSection(sum, last, recurrences), awaiting)
}

// awaitingReleases are the releases a mapped issue awaiting its fix was
// seen on (none when it is not awaiting one).
func awaitingReleases(rec syncstate.Record) []string {
	if !rec.AwaitingFix() {
		return nil
	}
	return rec.ReleasesWithout
}

// refreshFiguresOf rewrites the figures of a mapped issue that came back:
// on an issue of its own, its figures section; on an issue shared by
// several environments, its row and the figures summed over the rows.
func (w *writer) refreshFiguresOf(ctx context.Context, gi *gitea.Issue, is bugsink.Issue, rec syncstate.Record) (bool, string, error) {
	if rec.BugID == "" {
		return w.refreshFigures(ctx, gi, is.ID, render.WithAwaiting(render.FiguresSection(is, rec.LastRecurred, rec.Recurrences), awaitingReleases(rec)))
	}
	b, _, err := w.State.Bug(ctx, rec.BugID)
	if err != nil {
		return false, "", err
	}
	self := recordRow(is.ID, rec.Environment, rec)
	self.FirstSeen = is.FirstSeen
	before := gi.Body
	err = w.writeBug(ctx, gi, rec.BugID, b.Members, self)
	if errors.Is(err, errBodyChanged) {
		w.Log.Info("issue body changed while its figures were being written; left for the next run", "bugsink_issue", is.ID, "gitea_issue", gi.Number)
		return false, "", nil
	}
	return err == nil && gi.Body != before, "", err
}

// regressionSearch is what marks the regression comment of rec's pending
// close: its own marker, or on a shared issue any environment's (one
// comment per close, whichever environment came back first).
func regressionSearch(id string, rec syncstate.Record) string {
	if rec.BugID == "" {
		return render.RegressionMarker(id, rec.PendingClose)
	}
	return " after close " + rec.PendingClose + " -->"
}
