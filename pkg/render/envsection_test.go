package render

import (
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink"
)

const (
	secTest = "00000000-0000-4000-8000-000000000001"
	secProd = "00000000-0000-4000-8000-000000000002"
	secStag = "00000000-0000-4000-8000-000000000003"
	secBug  = "0123456789abcdef0123456789abcdef"
	secURL  = "https://bugsink.example/"
)

var secT0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func secRow(id, env, project string, first time.Duration, count int) EnvRow {
	return EnvRow{IssueID: id, Env: env, Project: project, FirstSeen: secT0.Add(first), LastSeen: secT0.Add(first), Count: count}
}

// secBody is a new issue's body as Body ends it.
const secBody = "## Error Details\n\ntext\n\n---\n\n**Bugsink Issue**: x\n**Project**: app-test\n\n<!-- bugsink-issue: " + secTest + " -->\n"

func TestUpdateEnvironmentsPutsTheSectionBeforeTheFooter(t *testing.T) {
	body := UpdateEnvironments(secBody, secBug, []EnvRow{secRow(secTest, "test", "app-test", 0, 1), secRow(secProd, "production", "app", time.Hour, 2)}, secURL)
	sec, foot := strings.Index(body, EnvironmentsStart), strings.Index(body, footerStart)
	if sec < 0 || foot < sec {
		t.Fatalf("section not before the footer:\n%s", body)
	}
	if i, j := strings.Index(body, "| `test` |"), strings.Index(body, "| `production` |"); i < 0 || j < i {
		t.Errorf("rows missing or not oldest first:\n%s", body)
	}
	outside := WithoutEnvironments(body)
	for _, l := range EnvHiddenLines(secBug, []EnvRow{secRow(secTest, "test", "app-test", 0, 1), secRow(secProd, "production", "app", 0, 1)}) {
		if strings.Count(body, l) != 1 || !strings.Contains(outside, l) {
			t.Errorf("hidden line %q not once, outside the section:\n%s", l, body)
		}
	}
}

func TestUpdateEnvironmentsKeepsAPersonsText(t *testing.T) {
	rows := []EnvRow{secRow(secTest, "test", "app-test", 0, 1)}
	body := UpdateEnvironments(secBody, secBug, rows, secURL)
	// A person writes a note inside the section, below the table, and one
	// above the footer.
	note := "Seen on the canary too, see #12 (alice)"
	body = strings.Replace(body, EnvironmentsEnd, note+"\n"+EnvironmentsEnd, 1)
	body = strings.Replace(body, footerStart, "\nOur note above the footer."+footerStart, 1)

	rows = []EnvRow{secRow(secTest, "test", "app-test", 0, 5), secRow(secProd, "production", "app", time.Hour, 2)}
	again := UpdateEnvironments(body, secBug, rows, secURL)
	for _, want := range []string{note, "Our note above the footer.", "| 5 |", "| `production` |"} {
		if !strings.Contains(again, want) {
			t.Errorf("after an update the body lacks %q:\n%s", want, again)
		}
	}
	if strings.Contains(again, "| 1 |") {
		t.Errorf("the test row was not rewritten in place:\n%s", again)
	}
	if strings.Count(again, RowMarker(secTest)) != 1 || strings.Count(again, RowMarker(secProd)) != 1 {
		t.Errorf("a row is not there once:\n%s", again)
	}
	if i, j := strings.Index(again, RowMarker(secProd)), strings.Index(again, note); j < i {
		t.Errorf("the new row went below the person's note:\n%s", again)
	}
	if UpdateEnvironments(again, secBug, rows, secURL) != again {
		t.Error("the same rows written twice changed the body")
	}
}

func TestUpdateEnvironmentsAfterAPersonDeletedTheSection(t *testing.T) {
	rows := []EnvRow{secRow(secTest, "test", "app-test", 0, 1), secRow(secProd, "production", "app", time.Hour, 2)}
	body := UpdateEnvironments(secBody, secBug, rows, secURL)
	i, j := strings.Index(body, EnvironmentsStart), strings.Index(body, EnvironmentsEnd)
	deleted := body[:i] + body[j+len(EnvironmentsEnd)+1:]
	if !strings.Contains(deleted, EnvLine(secProd, "production", "app")) || !strings.Contains(deleted, Marker(secProd)) {
		t.Fatalf("deleting the section took the hidden lines with it:\n%s", deleted)
	}
	back := UpdateEnvironments(deleted, secBug, rows, secURL)
	if strings.Count(back, EnvironmentsStart) != 1 || strings.Index(back, EnvironmentsStart) > strings.Index(back, footerStart) {
		t.Errorf("the section did not come back before the footer:\n%s", back)
	}
}

func TestUpdateEnvironmentsLeavesBrokenMarkersAlone(t *testing.T) {
	body := UpdateEnvironments(secBody, secBug, []EnvRow{secRow(secTest, "test", "app-test", 0, 1)}, secURL)
	broken := body + EnvironmentsEnd + "\n"
	out := UpdateEnvironments(broken, secBug, []EnvRow{secRow(secTest, "test", "app-test", 0, 9), secRow(secStag, "staging", "app-staging", time.Hour, 1)}, secURL)
	if !strings.HasPrefix(out, broken) || strings.Contains(out, "| 9 |") {
		t.Errorf("a section whose markers a person broke was rewritten:\n%s", out)
	}
	if !strings.Contains(out, EnvLine(secStag, "staging", "app-staging")) {
		t.Error("the hidden lines of a new row were not added")
	}
}

func TestUpdateEnvironmentsRewritesASectionWrittenBeforeRowMarkers(t *testing.T) {
	rows := []EnvRow{secRow(secTest, "test", "app-test", 0, 1), secRow(secProd, "production", "app", time.Hour, 2)}
	old, _ := ReplaceEnvironments(secBody, EnvironmentsSection(secBug, rows, secURL))
	rows[1].Count = 7
	out := UpdateEnvironments(old, secBug, rows, secURL)
	if strings.Count(out, "| `production` |") != 1 || !strings.Contains(out, "| 7 |") || strings.Count(out, "| `test` |") != 1 {
		t.Errorf("an old section's rows were not rewritten in place:\n%s", out)
	}
	// Its hidden lines move out of the section, each once.
	for _, l := range EnvHiddenLines(secBug, rows) {
		if strings.Count(out, l) != 1 || !strings.Contains(WithoutEnvironments(out), l) {
			t.Errorf("hidden line %q not once, outside the section:\n%s", l, out)
		}
	}
}

// The section with its row markers keeps the template's layout (six
// columns: the marker past the last one is no cell) and lets nothing
// escape, in a hostile issue's body.
func TestUpdatedEnvironmentsAreSafe(t *testing.T) {
	for _, s := range []string{"@admin #1 <img src=x>", "| a | b |\n---"} {
		is := bugsink.Issue{ID: secTest, CalculatedType: s, CalculatedValue: s}
		out := Issue(Input{Issue: is, Event: hostileEvent(s), Project: "app-test", Options: Options{BugsinkURL: safetyBase}})
		body := UpdateEnvironments(out.Body, secBug, []EnvRow{secRow(secTest, "test", "app-test", 0, 1), secRow(secProd, "production", "app", time.Hour, 2)}, safetyBase)
		if bad := checkBody(body, 1<<20); len(bad) != 0 {
			t.Errorf("%q: %v\n%s", s, bad, body)
		}
	}
}

// A row a person edited (a cell of it) is theirs: later updates leave its
// line as they made it, and update the other rows.
func TestUpdateEnvironmentsKeepsARowAPersonEdited(t *testing.T) {
	rows := []EnvRow{secRow(secTest, "test", "app-test", 0, 1), secRow(secProd, "production", "app", time.Hour, 2)}
	body := UpdateEnvironments(secBody, secBug, rows, secURL)
	edited := strings.Replace(body, "| 1 | [issue]", "| 1 (plus 40 on the canary) | [issue]", 1)
	if edited == body {
		t.Fatal("no row to edit")
	}
	rows[0].Count, rows[1].Count = 5, 9
	out := UpdateEnvironments(edited, secBug, rows, secURL)
	if !strings.Contains(out, "| 1 (plus 40 on the canary) | [issue]") || strings.Contains(out, "| 5 |") {
		t.Errorf("the person's row was rewritten:\n%s", out)
	}
	if !strings.Contains(out, "| 9 |") || strings.Count(out, RowMarker(secTest)) != 1 {
		t.Errorf("the other row was not updated, or a row doubled:\n%s", out)
	}
}
