package render

import (
	"fmt"
	"strings"
	"time"

	"bsync/pkg/bugsink"
)

// IssueLink is the Bugsink page of an issue's newest event, under the
// Bugsink base URL.
func IssueLink(base, id string) string {
	return strings.TrimRight(base, "/") + "/issues/issue/" + id + "/event/last/"
}

// RegressionMarker is the hidden line that names one regression comment:
// the Bugsink issue and the close it answers.
func RegressionMarker(id, close string) string {
	return "<!-- bsync-regression: " + id + " after close " + close + " -->"
}

// Regression is what a regression comment is rendered from.
type Regression struct {
	Issue bugsink.Issue
	// Close names the close the comment answers (see RegressionMarker).
	Close string
	// ClosedAt is when the Gitea issue was closed; nil when unknown.
	ClosedAt *time.Time
	// EventCount and LastSeen are the issue's figures when bsync last
	// recorded them (EventCount 0: unknown).
	EventCount int
	LastSeen   time.Time
	// BugsinkURL is the Bugsink base URL, for the link.
	BugsinkURL string
	// Env and Project name where it came back, on a Gitea issue shared by
	// several environments ("" otherwise).
	Env, Project string
	// Arrived says the issue was closed before this environment's issue
	// of the bug was recorded: it reached Env after the close.
	Arrived bool
	// Fix, when known, is the release the error came back from and how
	// bsync told it carries the fix (nil: not judged).
	Fix *RegressionFix
}

// RegressionFix is the release a regression came from, judged against the
// fix of the close (docs/regressions.md).
type RegressionFix struct {
	// Release is the event's release (from the error report).
	Release string
	// Commit is the commit that closed the issue ("" when none); Ref the
	// release's tag or commit that was found to contain it ("": judged by
	// date, or not judged).
	Commit, Ref string
	// ByDate: Bugsink first saw Release after the close.
	ByDate bool
	// Unknown says why it could not be told ("" when it could).
	Unknown string
}

// fixLine is the comment's line on the release and the fix.
func fixLine(f *RegressionFix) string {
	rel := "an event without a release"
	if f.Release != "" {
		rel = codeSpan(untrusted(truncateBytes(f.Release, 200)), false)
	}
	switch {
	case f.Ref != "" && f.Commit != "":
		return fmt.Sprintf("- **Release**: %s (%s contains the fix %s)\n", rel, codeSpan(untrusted(truncateBytes(f.Ref, 200)), false), codeSpan(shortCommit(f.Commit), false))
	case f.ByDate:
		return fmt.Sprintf("- **Release**: %s (first seen by Bugsink after the close, so it may carry the fix)\n", rel)
	case f.Unknown != "":
		return fmt.Sprintf("- **Release**: %s (whether it carries the fix cannot be told: %s)\n", rel, codeSpan(untrusted(truncateBytes(f.Unknown, 300)), false))
	}
	return ""
}

// shortCommit is a commit id as people write it (hex digits only).
func shortCommit(sha string) string {
	for i := 0; i < len(sha); i++ {
		if c := sha[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return ""
		}
	}
	return sha[:min(len(sha), 10)]
}

// RegressionComment says a closed issue's error came back, ending with
// the comment's RegressionMarker. Every value in it is a number, a time or
// a link built from configuration, but the release and its ref (from the
// error report), shown as code and redacted.
func RegressionComment(r Regression) string {
	is := r.Issue
	var b strings.Builder
	switch {
	case r.Env != "" && r.Arrived:
		fmt.Fprintf(&b, "**Regression**: this error reached %s (%s) after the issue was closed.\n\n", cell(r.Env, 64), slugText(r.Project))
	case r.Env != "":
		fmt.Fprintf(&b, "**Regression**: this error occurred again in %s (%s) after the issue was closed.\n\n", cell(r.Env, 64), slugText(r.Project))
	default:
		b.WriteString("**Regression**: this error occurred again after the issue was closed.\n\n")
	}
	if r.ClosedAt != nil {
		fmt.Fprintf(&b, "- **Closed**: %s\n", fmtTime(*r.ClosedAt))
	}
	if r.Fix != nil {
		b.WriteString(fixLine(r.Fix))
	}
	if n := is.DigestedEventCount - r.EventCount; n > 0 && r.EventCount > 0 {
		fmt.Fprintf(&b, "- **New Occurrences**: %d since %s\n", n, fmtTime(r.LastSeen))
	}
	fmt.Fprintf(&b, "- **Last Seen**: %s\n- **Total Occurrences**: %d\n\n**Bugsink Issue**: %s\n\n%s\n",
		fmtTime(is.LastSeen), is.DigestedEventCount, IssueLink(r.BugsinkURL, is.ID), RegressionMarker(is.ID, r.Close))
	return b.String()
}

// BackLink is the comment bsync leaves on a Bugsink issue once its Gitea
// issue exists.
func BackLink(number int, htmlURL string) string {
	return fmt.Sprintf("Tracked in Gitea as issue #%d: %s (filed by bsync)", number, htmlURL)
}
