package syncer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/syncstate"
)

// The occurrence figures of an issue body sit between two hidden lines, so
// bsync can keep them current while the issue is open: it rewrites what is
// between the lines, and only while both are there once, in order. A body
// edit notifies no one in Gitea (neither the UI notifier nor the mailer
// acts on IssueChangeContent), where a comment would notify every watcher.
const (
	figuresStart = "<!-- bsync:figures -->"
	figuresEnd   = "<!-- /bsync:figures -->"
)

// figuresSection renders the "Occurrence Statistics" section between its
// markers. Every value in it is a number or a time: nothing untrusted.
func figuresSection(is bugsink.Issue, lastRecurred time.Time, recurrences int) string {
	var b strings.Builder
	b.WriteString(figuresStart + "\n## Occurrence Statistics\n\n")
	fmt.Fprintf(&b, "- **First Seen**: %s\n", fmtTime(is.FirstSeen))
	fmt.Fprintf(&b, "- **Last Seen**: %s\n", fmtTime(is.LastSeen))
	fmt.Fprintf(&b, "- **Total Occurrences**: %d\n", is.DigestedEventCount)
	if recurrences > 0 {
		fmt.Fprintf(&b, "- **Last Recurred**: %s (back %d time(s) after being resolved in Bugsink)\n", fmtTime(lastRecurred), recurrences)
	}
	b.WriteString(figuresEnd + "\n")
	return b.String()
}

// replaceFigures puts section in place of the marked one in body. It
// reports false, changing nothing, unless each marker is there exactly
// once and in order (a person removed or copied one: their text is left
// as it is).
func replaceFigures(body, section string) (string, bool) {
	if strings.Count(body, figuresStart) != 1 || strings.Count(body, figuresEnd) != 1 {
		return body, false
	}
	i, j := strings.Index(body, figuresStart), strings.Index(body, figuresEnd)
	if j < i {
		return body, false
	}
	end := j + len(figuresEnd)
	if end < len(body) && body[end] == '\n' {
		end++
	}
	return body[:i] + section + body[end:], true
}

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
func (e *Engine) refreshFigures(ctx context.Context, gi *gitea.Issue, id, section string) (bool, string, error) {
	body, ok := replaceFigures(gi.Body, section)
	if !ok {
		if strings.Contains(gi.Body, figuresStart) || strings.Contains(gi.Body, figuresEnd) {
			return false, fmt.Sprintf("%s: the occurrence figures of gitea issue #%d are no longer kept current: their hidden marker lines are not each there once and in order", id, gi.Number), nil
		}
		return false, "", nil
	}
	if body == gi.Body {
		return false, "", nil
	}
	now, err := e.Gitea.Issue(ctx, gi.Number)
	if err != nil {
		return false, "", err
	}
	if now.Body != gi.Body {
		e.Log.Info("issue body changed while its figures were being written; left for the next run", "bugsink_issue", id, "gitea_issue", gi.Number)
		return false, "", nil
	}
	if err := e.Gitea.EditBody(ctx, gi.Number, body); err != nil {
		return false, "", err
	}
	return true, "", nil
}
