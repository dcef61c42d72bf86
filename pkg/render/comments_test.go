package render

import (
	"strings"
	"testing"
)

func TestRegressionComment(t *testing.T) {
	is := issue("E", "v") // 4 occurrences, last seen t1
	closed := t0
	got := RegressionComment(Regression{Issue: is, Close: "2026-01-14T00:00:00Z", ClosedAt: &closed,
		EventCount: 3, LastSeen: t0, BugsinkURL: "https://b/"})
	inOrder(t, got, "**Regression**: this error occurred again after the issue was closed.\n\n",
		"- **Closed**: 2026-01-13 18:24:22 UTC\n",
		"- **New Occurrences**: 1 since 2026-01-13 18:24:22 UTC\n",
		"- **Last Seen**: 2026-01-16 05:03:02 UTC\n- **Total Occurrences**: 4\n\n",
		"**Bugsink Issue**: https://b/issues/issue/"+testID+"/event/last/\n\n",
		RegressionMarker(testID, "2026-01-14T00:00:00Z")+"\n")
	// Unknown close time and unknown earlier count: neither line is made up.
	got = RegressionComment(Regression{Issue: is, Close: "c", BugsinkURL: "https://b"})
	if strings.Contains(got, "**Closed**") || strings.Contains(got, "**New Occurrences**") {
		t.Errorf("a line without its figure:\n%s", got)
	}
}

func TestBackLink(t *testing.T) {
	if got := BackLink(7, "https://gitea.example/o/r/issues/7"); got != "Tracked in Gitea as issue #7: https://gitea.example/o/r/issues/7 (filed by bsync)" {
		t.Errorf("BackLink = %q", got)
	}
}
