package syncer

import (
	"context"
	"fmt"
	"strings"

	"bsync/pkg/gitea"
	"bsync/pkg/render"
	"bsync/pkg/syncstate"
)

// figuresDue reports whether the figures of rec's issue may be rewritten
// now. Each rewrite fires Gitea's "issues: edited" webhook, which chat
// integrations post, so a hot error's figures are rewritten at most once
// per Options.FiguresEvery; a regression's always are (it is news anyway).
func (e *Engine) figuresDue(rec syncstate.Record, regression bool) bool {
	every := e.Opts.FiguresEvery
	switch {
	case every == 0:
		every = DefaultFiguresEvery
	case every < 0:
		return true
	}
	return regression || rec.FiguresAt.IsZero() || !e.Now().Before(rec.FiguresAt.Add(every))
}

// refreshFigures rewrites the figures of an issue's body when they changed.
// Gitea takes no precondition on an edit (its API ignores content_version:
// routers/api/v1/repo/issue.go), so the issue is read again right before
// the write, and a body that is no longer the one the new text was built
// from is left alone (a person edited it; the next run tries again on
// their text). What remains is the moment between that read and the
// write. It reports whether the body was written, and a warning when the
// markers bsync wrote are no longer intact.
func (w *writer) refreshFigures(ctx context.Context, gi *gitea.Issue, id, section string) (bool, string, error) {
	body, ok := render.ReplaceFigures(gi.Body, section)
	if !ok {
		if strings.Contains(gi.Body, render.FiguresStart) || strings.Contains(gi.Body, render.FiguresEnd) {
			return false, fmt.Sprintf("%s: the occurrence figures of gitea issue #%d are no longer kept current: their hidden marker lines are not each there once and in order", id, gi.Number), nil
		}
		return false, "", nil
	}
	if body == gi.Body {
		return false, "", nil
	}
	now, err := w.Gitea.Issue(ctx, gi.Number)
	if err != nil {
		return false, "", err
	}
	if now.Body != gi.Body {
		w.Log.Info("issue body changed while its figures were being written; left for the next run", "bugsink_issue", id, "gitea_issue", gi.Number)
		return false, "", nil
	}
	if err := w.Gitea.EditBody(ctx, gi.Number, body); err != nil {
		return false, "", err
	}
	return true, "", nil
}
