package render

import (
	"fmt"
	"strings"
	"time"

	"bsync/pkg/bugsink"
)

// The occurrence figures of an issue body sit between two hidden lines, so
// bsync can keep them current while the issue is open: it rewrites what is
// between the lines, and only while both are there once, in order. A body
// edit notifies no one in Gitea (neither the UI notifier nor the mailer
// acts on IssueChangeContent), where a comment would notify every watcher.
const (
	// FiguresStart opens the occurrence figures of an issue body.
	FiguresStart = "<!-- bsync:figures -->"
	// FiguresEnd closes them.
	FiguresEnd = "<!-- /bsync:figures -->"
)

// FiguresSection renders the "Occurrence Statistics" section between its
// markers: the issue's figures and, when it recurred after being resolved
// in Bugsink (recurrences > 0), when it last did. Every value in it is a
// number or a time: nothing untrusted.
func FiguresSection(is bugsink.Issue, lastRecurred time.Time, recurrences int) string {
	var b strings.Builder
	b.WriteString(FiguresStart + "\n## Occurrence Statistics\n\n")
	fmt.Fprintf(&b, "- **First Seen**: %s\n", fmtTime(is.FirstSeen))
	fmt.Fprintf(&b, "- **Last Seen**: %s\n", fmtTime(is.LastSeen))
	fmt.Fprintf(&b, "- **Total Occurrences**: %d\n", is.DigestedEventCount)
	if recurrences > 0 {
		fmt.Fprintf(&b, "- **Last Recurred**: %s (back %d time(s) after being resolved in Bugsink)\n", fmtTime(lastRecurred), recurrences)
	}
	b.WriteString(FiguresEnd + "\n")
	return b.String()
}

// ReplaceFigures puts section in place of the marked one in body. It
// reports false, changing nothing, unless each marker is there exactly
// once and in order (a person removed or copied one: their text is left
// as it is).
func ReplaceFigures(body, section string) (string, bool) {
	return replaceBetween(body, FiguresStart, FiguresEnd, section)
}

// replaceBetween puts section in place of the text from start to end (and
// the line end after it) in body, only while each is there exactly once
// and in order.
func replaceBetween(body, start, end, section string) (string, bool) {
	if strings.Count(body, start) != 1 || strings.Count(body, end) != 1 {
		return body, false
	}
	i, j := strings.Index(body, start), strings.Index(body, end)
	if j < i {
		return body, false
	}
	stop := j + len(end)
	if stop < len(body) && body[stop] == '\n' {
		stop++
	}
	return body[:i] + section + body[stop:], true
}

// maxAwaitingReleases bounds the releases the awaiting line names.
const maxAwaitingReleases = 5

// WithAwaiting adds to a figures section the line that says the error is
// still seen on releases without the fix of the issue's close (none: the
// section as it is). Release names come from error reports: each is
// shown as code, redacted.
func WithAwaiting(section string, releases []string) string {
	if len(releases) == 0 || !strings.HasSuffix(section, FiguresEnd+"\n") {
		return section
	}
	names := make([]string, 0, min(len(releases), maxAwaitingReleases))
	for _, r := range releases[:min(len(releases), maxAwaitingReleases)] {
		names = append(names, codeSpan(untrusted(truncateBytes(r, 200)), false))
	}
	if len(releases) > maxAwaitingReleases {
		names = append(names, fmt.Sprintf("and %d more", len(releases)-maxAwaitingReleases))
	}
	line := "- **Since the close**: seen again only on releases without the fix: " + strings.Join(names, ", ") +
		" (not news: an event from a release with the fix is)\n"
	return strings.TrimSuffix(section, FiguresEnd+"\n") + line + FiguresEnd + "\n"
}
