package render

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// RowMarker starts the hidden text that ends the line of a row bsync owns
// in the Environments section (in a cell past the table's last column,
// which Markdown leaves out), so bsync rewrites that line and no other:
// RowMarker(id), a space, a digest of the row's text as bsync wrote it
// (rowDigest), " -->". A row whose text no longer matches its digest was
// edited by a person and is left as they made it.
func RowMarker(issueID string) string { return "<!-- bsync-row: " + issueID }

// rowDigest is the digest a row's marker carries of its text.
func rowDigest(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:6])
}

// envHeader opens the section's table.
const envHeader = "## Environments\n\n| Environment | Project | First Seen | Last Seen | Occurrences | Bugsink |\n| --- | --- | --- | --- | --- | --- |\n"

// envRowLine is one row, ending with its RowMarker.
func envRowLine(r EnvRow, bugsinkURL string) string {
	text := fmt.Sprintf("| %s | %s | %s | %s | %d | [issue](%s) |", cell(r.Env, 64), slugText(r.Project),
		fmtTime(r.FirstSeen), fmtTime(r.LastSeen), r.Count, IssueLink(bugsinkURL, r.IssueID))
	return text + " " + RowMarker(r.IssueID) + " " + rowDigest(text) + " -->"
}

// EnvHiddenLines are the hidden lines that tie a shared Gitea issue to its
// bug and to each Bugsink issue of it. They stand at the end of the body,
// outside the section, so a person who deletes the section does not take
// them with it (reindex reads them).
func EnvHiddenLines(bugID string, rows []EnvRow) []string {
	out := []string{BugMarker(bugID)}
	for _, r := range rows {
		out = append(out, EnvLine(r.IssueID, r.Env, r.Project), Marker(r.IssueID))
	}
	return out
}

// UpdateEnvironments writes rows into body's Environments section and
// returns the new body. It writes only bsync's own lines: each row's line
// (found by its RowMarker, or in a section written before row markers by
// its Bugsink link) is replaced in place, a row not there yet is added
// after the table's last row, and every other line, a person's included,
// is kept as it is. A body without the section (a person deleted it) gets
// a new one before the footer. A section whose markers a person broke
// (not each once, or out of order) is left alone. The hidden lines
// (EnvHiddenLines) that body lacks are added at its end in every case.
func UpdateEnvironments(body, bugID string, rows []EnvRow, bugsinkURL string) string {
	i, j := strings.Index(body, EnvironmentsStart), strings.Index(body, EnvironmentsEnd)
	switch {
	case i < 0 && j < 0:
		body = insertBeforeFooter(body, newEnvironments(rows, bugsinkURL))
	case i >= 0 && j > i && strings.Count(body, EnvironmentsStart) == 1 && strings.Count(body, EnvironmentsEnd) == 1:
		inner := withoutHiddenLines(body[i+len(EnvironmentsStart) : j])
		body = body[:i+len(EnvironmentsStart)] + updateRows(inner, rows, bugsinkURL) + body[j:]
	}
	return appendLines(body, EnvHiddenLines(bugID, rows)...)
}

// withoutHiddenLines is a section's text without the hidden lines a
// section written before row markers held (bug, environment and issue
// markers): they move to the end of the body, where deleting the section
// cannot take them, and are not there twice. Event text cannot forge such
// a line (every "<!--" in it is broken).
func withoutHiddenLines(inner string) string {
	lines := strings.Split(inner, "\n")
	out := lines[:0]
	for _, l := range lines {
		hidden := strings.HasSuffix(l, " -->") && (strings.HasPrefix(l, "<!-- bsync-bug: ") ||
			strings.HasPrefix(l, "<!-- bsync-env: ") || strings.HasPrefix(l, "<!-- bugsink-issue: "))
		if !hidden {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// sortedRows are rows oldest first (where the bug was seen first).
func sortedRows(rows []EnvRow) []EnvRow {
	rows = append([]EnvRow(nil), rows...)
	sort.SliceStable(rows, func(i, j int) bool {
		if !rows[i].FirstSeen.Equal(rows[j].FirstSeen) {
			return rows[i].FirstSeen.Before(rows[j].FirstSeen)
		}
		return rows[i].Env < rows[j].Env
	})
	return rows
}

// newEnvironments is a whole section with rows, oldest first.
func newEnvironments(rows []EnvRow, bugsinkURL string) string {
	var b strings.Builder
	b.WriteString(EnvironmentsStart + "\n" + envHeader)
	for _, r := range sortedRows(rows) {
		b.WriteString(envRowLine(r, bugsinkURL) + "\n")
	}
	b.WriteString(EnvironmentsEnd + "\n")
	return b.String()
}

// updateRows rewrites the rows' lines inside a section's text.
func updateRows(inner string, rows []EnvRow, bugsinkURL string) string {
	lines := strings.Split(inner, "\n")
	for _, r := range sortedRows(rows) {
		line := envRowLine(r, bugsinkURL)
		if k, edited := rowIndex(lines, r.IssueID, bugsinkURL); k >= 0 {
			if !edited {
				lines[k] = line
			}
			continue
		}
		at := lastTableLine(lines)
		if at < 0 {
			// A person took the table out and left the section: put it back
			// at the section's top, keeping what they wrote below it.
			lines = append([]string{"", strings.TrimSuffix(envHeader, "\n"), line}, lines[1:]...)
			continue
		}
		lines = append(lines[:at+1], append([]string{line}, lines[at+1:]...)...)
	}
	return strings.Join(lines, "\n")
}

// rowIndex is the index of the line that is issueID's row, or -1; edited
// says a person changed its text since bsync wrote it (its digest no
// longer matches).
func rowIndex(lines []string, issueID, bugsinkURL string) (int, bool) {
	legacy := "(" + IssueLink(bugsinkURL, issueID) + ")"
	mark := " " + RowMarker(issueID) + " "
	for k, l := range lines {
		if i := strings.LastIndex(l, mark); i >= 0 && strings.HasSuffix(l, " -->") {
			digest := strings.TrimSuffix(l[i+len(mark):], " -->")
			return k, digest != rowDigest(l[:i])
		}
		if strings.HasPrefix(l, "| ") && strings.Contains(l, legacy) {
			return k, false
		}
	}
	return -1, false
}

// lastTableLine is the index of the table's last line (its last row, or
// its delimiter row), or -1 when the section has no table.
func lastTableLine(lines []string) int {
	at := -1
	for k, l := range lines {
		if strings.HasPrefix(l, "|") {
			at = k
		} else if at >= 0 {
			break
		}
	}
	return at
}

// WithoutEnvironments is body without its Environments section.
func WithoutEnvironments(body string) string {
	i, j := strings.Index(body, EnvironmentsStart), strings.Index(body, EnvironmentsEnd)
	if i < 0 || j < i {
		return body
	}
	return body[:i] + body[j+len(EnvironmentsEnd):]
}

// footerStart is where the body's footer (the Bugsink link and project)
// begins, as Body writes it.
const footerStart = "\n---\n\n**Bugsink Issue**"

// insertBeforeFooter puts section before the body's last footer, or at
// its end when it has none (a person removed it).
func insertBeforeFooter(body, section string) string {
	if k := strings.LastIndex(body, footerStart); k >= 0 {
		return body[:k] + "\n" + section + body[k:]
	}
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	return body + "\n" + section
}

// appendLines adds at body's end the lines it lacks outside its
// Environments section.
func appendLines(body string, lines ...string) string {
	for _, l := range lines {
		if strings.Contains(WithoutEnvironments(body), l) {
			continue
		}
		if !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		body += l + "\n"
	}
	return body
}

// WithEnvHiddenLines is body with the hidden lines of rows it lacks added
// at its end (EnvHiddenLines), and nothing else changed: what a shared
// issue gets when its rows would take the body past its cap.
func WithEnvHiddenLines(body, bugID string, rows []EnvRow) string {
	return appendLines(body, EnvHiddenLines(bugID, rows)...)
}

// envDetailsRow starts the Error Details row that names the event's
// environment.
const envDetailsRow = "| **Environment** | "

// EnvironmentRowToSection points the Error Details table's Environment
// row of a shared issue at its Environments section, which names every
// environment the bug is in: the table does not repeat one of them (it
// keeps its rows, so its layout stays the template's).
func EnvironmentRowToSection(body string) string {
	i := strings.Index(body, "\n"+envDetailsRow)
	if i < 0 {
		return body
	}
	i++
	j := strings.IndexByte(body[i:], '\n')
	if j < 0 {
		j = len(body) - i
	}
	return body[:i] + envDetailsRow + "see Environments below |" + body[i+j:]
}
