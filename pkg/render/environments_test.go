package render

import (
	"strings"
	"testing"
	"time"

	"bsync/pkg/bugsink"
)

func TestEnvironmentsSection(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const (
		idTest = "00000000-0000-4000-8000-000000000001"
		idProd = "00000000-0000-4000-8000-000000000002"
		bug    = "0123456789abcdef0123456789abcdef"
	)
	s := EnvironmentsSection(bug, []EnvRow{
		{IssueID: idProd, Env: "production", Project: "app", FirstSeen: t0.Add(time.Hour), LastSeen: t0.Add(2 * time.Hour), Count: 3, Marker: true},
		{IssueID: idTest, Env: "test", Project: "app-test", FirstSeen: t0, LastSeen: t0, Count: 1},
	}, "https://bugsink.example/")
	if i, j := strings.Index(s, "| `test` | app-test |"), strings.Index(s, "| `production` | app |"); i < 0 || j < i {
		t.Errorf("rows missing or not oldest first:\n%s", s)
	}
	for _, want := range []string{BugMarker(bug), EnvLine(idTest, "test", "app-test"), EnvLine(idProd, "production", "app"), Marker(idProd),
		"[issue](https://bugsink.example/issues/issue/" + idProd + "/event/last/)"} {
		if !strings.Contains(s, want) {
			t.Errorf("section lacks %q", want)
		}
	}
	if strings.Contains(s, Marker(idTest)) {
		t.Error("the marker of a row whose marker is elsewhere was repeated")
	}
	if m := ReEnvLine.FindAllStringSubmatch(s, -1); len(m) != 2 || ReBugMarker.FindStringSubmatch(s)[1] != bug {
		t.Errorf("hidden lines do not read back: %v", m)
	}

	body := "text\n" + Marker(idTest)
	added, ok := ReplaceEnvironments(body, s)
	if !ok || !strings.HasPrefix(added, body+"\n\n"+EnvironmentsStart) {
		t.Fatalf("a body without the section did not get it appended:\n%s", added)
	}
	again, ok := ReplaceEnvironments(added, "X\n")
	if !ok || again != body+"\n\nX\n" {
		t.Errorf("the section was not replaced in place: %q", again)
	}
	broken := added + EnvironmentsEnd + "\n"
	if out, ok := ReplaceEnvironments(broken, "X\n"); ok || out != broken {
		t.Error("a section whose markers a person broke was rewritten")
	}
}

func TestEscapedComment(t *testing.T) {
	c := EscapedComment("0123456789abcdef0123456789abcdef", EnvRow{IssueID: "00000000-0000-4000-8000-000000000002", Env: "production", Project: "app", Count: 2},
		[]string{"test"}, "https://b.example")
	for _, want := range []string{"**Reached `production`**", "seen so far only in `test`", EscapedMarker("0123456789abcdef0123456789abcdef")} {
		if !strings.Contains(c, want) {
			t.Errorf("comment lacks %q:\n%s", want, c)
		}
	}
}

// A hostile issue's body with its Environments section keeps the
// template's layout and lets nothing escape; a section a person mangled
// into a third table does not pass.
func TestEnvironmentsSectionIsSafe(t *testing.T) {
	for _, s := range []string{"@admin #1 <img src=x>", "| a | b |\n---"} {
		is := bugsink.Issue{ID: "00000000-0000-4000-8000-000000000001", CalculatedType: s, CalculatedValue: s}
		out := Issue(Input{Issue: is, Event: hostileEvent(s), Project: "app", Options: Options{BugsinkURL: safetyBase}})
		sec := EnvironmentsSection("0123456789abcdef0123456789abcdef", []EnvRow{
			{IssueID: is.ID, Env: "test", Project: "app-test"},
			{IssueID: "00000000-0000-4000-8000-000000000002", Env: "production", Project: "app", Marker: true},
		}, safetyBase)
		body, ok := ReplaceEnvironments(out.Body, sec)
		if !ok || !strings.Contains(body, "## Environments") {
			t.Fatalf("%q: the section was not put into the body", s)
		}
		if bad := checkBody(body, 1<<20); len(bad) != 0 {
			t.Errorf("%q: %v", s, bad)
		}
		if bad := checkBody(body+"\n| x | y |\n| --- | --- |\n| 1 | 2 |\n", 1<<20); len(bad) == 0 {
			t.Errorf("%q: a third table passed", s)
		}
	}
}
