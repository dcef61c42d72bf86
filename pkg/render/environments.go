package render

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// A Gitea issue shared by the Bugsink issues of one bug (one per
// environment) lists them in an "Environments" section between two hidden
// lines, rewritten as the bug reaches more environments or recurs. Inside
// it, hidden lines tie the Gitea issue to the bug (BugMarker) and to each
// Bugsink issue (EnvLine, and the Marker of each one whose marker is not
// elsewhere in the body), so a reindex maps every one of them back.
const (
	// EnvironmentsStart opens the section.
	EnvironmentsStart = "<!-- bsync:environments -->"
	// EnvironmentsEnd closes it.
	EnvironmentsEnd = "<!-- /bsync:environments -->"
)

// BugMarker is the hidden line that names the bug a Gitea issue is for.
func BugMarker(bugID string) string { return "<!-- bsync-bug: " + bugID + " -->" }

// EnvLine is the hidden line that names a Bugsink issue's environment and
// project on a shared Gitea issue.
func EnvLine(issueID, env, project string) string {
	return "<!-- bsync-env: " + issueID + " " + env + " " + project + " -->"
}

var (
	// ReBugMarker finds a body's BugMarker.
	ReBugMarker = regexp.MustCompile(`(?m)^<!-- bsync-bug: ([0-9a-f]{32}) -->$`)
	// ReEnvLine finds a body's EnvLines: issue, environment, project.
	ReEnvLine = regexp.MustCompile(`(?m)^<!-- bsync-env: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) ([A-Za-z0-9._-]+) ([a-z0-9][a-z0-9_-]*) -->$`)
)

// EnvRow is one environment's Bugsink issue of a shared Gitea issue.
type EnvRow struct {
	IssueID, Env, Project string
	FirstSeen, LastSeen   time.Time
	Count                 int
	// Marker puts the issue's Marker in the section (false for the issue
	// whose marker ends the body already).
	Marker bool
}

// EnvironmentsSection renders the section: a row per environment (oldest
// first: where the bug was seen first), then the hidden lines. Env and
// Project are names bsync checked (plain words and slugs); the rest are
// times, numbers and links built from configuration.
func EnvironmentsSection(bugID string, rows []EnvRow, bugsinkURL string) string {
	rows = append([]EnvRow(nil), rows...)
	sort.SliceStable(rows, func(i, j int) bool {
		if !rows[i].FirstSeen.Equal(rows[j].FirstSeen) {
			return rows[i].FirstSeen.Before(rows[j].FirstSeen)
		}
		return rows[i].Env < rows[j].Env
	})
	var b strings.Builder
	b.WriteString(EnvironmentsStart + "\n## Environments\n\n")
	b.WriteString("| Environment | Project | First Seen | Last Seen | Occurrences | Bugsink |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | [issue](%s) |\n", cell(r.Env, 64), slugText(r.Project),
			fmtTime(r.FirstSeen), fmtTime(r.LastSeen), r.Count, IssueLink(bugsinkURL, r.IssueID))
	}
	b.WriteString("\n" + BugMarker(bugID) + "\n")
	for _, r := range rows {
		b.WriteString(EnvLine(r.IssueID, r.Env, r.Project) + "\n")
		if r.Marker {
			b.WriteString(Marker(r.IssueID) + "\n")
		}
	}
	b.WriteString(EnvironmentsEnd + "\n")
	return b.String()
}

// ReplaceEnvironments puts section in place of the marked one in body, or
// appends it to a body that has none. It reports false, changing nothing,
// when the markers are there but not each once and in order (a person
// edited them: their text is left as it is).
func ReplaceEnvironments(body, section string) (string, bool) {
	if !strings.Contains(body, EnvironmentsStart) && !strings.Contains(body, EnvironmentsEnd) {
		if !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		return body + "\n" + section, true
	}
	return replaceBetween(body, EnvironmentsStart, EnvironmentsEnd, section)
}

// EscapedMarker is the hidden line of the one comment that says a bug
// seen only in other environments reached production.
func EscapedMarker(bugID string) string { return "<!-- bsync-escaped: " + bugID + " -->" }

// EscapedComment says a bug seen only in other environments (named in
// before) reached production, ending with the comment's EscapedMarker.
func EscapedComment(bugID string, row EnvRow, before []string, bugsinkURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Reached %s**: this error, seen so far only in %s, now occurs in %s too.\n\n",
		cell(row.Env, 64), envList(before), cell(row.Env, 64))
	fmt.Fprintf(&b, "- **Project**: %s\n- **First Seen There**: %s\n- **Occurrences There**: %d\n\n**Bugsink Issue**: %s\n\n%s\n",
		slugText(row.Project), fmtTime(row.FirstSeen), row.Count, IssueLink(bugsinkURL, row.IssueID), EscapedMarker(bugID))
	return b.String()
}

func envList(envs []string) string {
	out := make([]string, 0, len(envs))
	for _, e := range envs {
		out = append(out, cell(e, 64))
	}
	if len(out) == 0 {
		return "another environment"
	}
	return strings.Join(out, ", ")
}
