package syncer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
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

// refreshFigures rewrites the figures of an issue's body when they changed.
// The edit carries the body's content version, so a person's edit made
// after the read is never overwritten: Gitea refuses it and the next run
// tries again on the new body. It reports whether the body was written;
// a body without intact markers is left alone.
func (e *Engine) refreshFigures(ctx context.Context, gi *gitea.Issue, section string) (bool, error) {
	body, ok := replaceFigures(gi.Body, section)
	if !ok || body == gi.Body {
		return false, nil
	}
	if err := e.Gitea.EditBody(ctx, gi.Number, body, gi.ContentVersion); err != nil {
		return false, err
	}
	return true, nil
}
