package render

import (
	"strings"
	"testing"

	"bsync/pkg/safetytest"
)

// A release name comes from the error report: in the regression comment
// and the figures' awaiting line it pings no one, breaks no layout and
// carries no secret.
func TestReleaseTextIsUntrusted(t *testing.T) {
	is := issue("E", "v")
	for name, s := range hostileCorpus {
		t.Run(name, func(t *testing.T) {
			for _, fix := range []*RegressionFix{
				{Release: s, Commit: "6d732a7e1ed65b6c94c85852ec7f1f6d8485bd4e", Ref: "v" + s},
				{Release: s, ByDate: true},
				{Release: s, Unknown: "Bugsink lists no release " + s},
			} {
				c := RegressionComment(Regression{Issue: is, Close: "c", BugsinkURL: safetyBase, Fix: fix})
				plain := *fix
				plain.Release, plain.Ref = "1.0.0", "v1.0.0"
				if want := strings.Count(RegressionComment(Regression{Issue: is, Close: "c", BugsinkURL: safetyBase, Fix: &plain}), "\n"); strings.Count(c, "\n") != want {
					t.Errorf("the release broke the comment's lines:\n%s", c)
				}
				for _, bad := range unsafeText(c) {
					t.Errorf("comment: %s\n%s", bad, c)
				}
				for _, sec := range secrets {
					if strings.Contains(s, sec) && strings.Contains(c, sec) {
						t.Errorf("comment carries %q", sec)
					}
				}
			}
			f := WithAwaiting(FiguresSection(is, t0, 1), []string{s, "1.0.0"})
			for _, bad := range unsafeText(f) {
				t.Errorf("figures: %s\n%s", bad, f)
			}
			if strings.Count(f, FiguresStart) != 1 || strings.Count(f, FiguresEnd) != 1 || !strings.HasSuffix(f, FiguresEnd+"\n") {
				t.Errorf("the figures' markers moved:\n%s", f)
			}
		})
	}
}

func TestRegressionCommentNamesTheReleaseAndTheFix(t *testing.T) {
	is := issue("E", "v")
	for _, c := range []struct {
		fix  RegressionFix
		want string
	}{
		{RegressionFix{Release: "1.0.1", Commit: "6d732a7e1ed65b6c94c85852ec7f1f6d8485bd4e", Ref: "v1.0.1"}, "- **Release**: `1.0.1` (`v1.0.1` contains the fix `6d732a7e1e`)\n"},
		{RegressionFix{Release: "1.1.0", ByDate: true}, "- **Release**: `1.1.0` (first seen by Bugsink after the close, so it may carry the fix)\n"},
		{RegressionFix{Unknown: "the event names no release"}, "- **Release**: an event without a release (whether it carries the fix cannot be told: `the event names no release`)\n"},
	} {
		if got := RegressionComment(Regression{Issue: is, Close: "c", BugsinkURL: "https://b", Fix: &c.fix}); !strings.Contains(got, c.want) {
			t.Errorf("%+v: want %q in\n%s", c.fix, c.want, got)
		}
	}
	got := WithAwaiting(FiguresSection(is, t0, 1), []string{"1", "2", "3", "4", "5", "6", "7"})
	if !strings.Contains(got, "seen again only on releases without the fix: `1`, `2`, `3`, `4`, `5`, and 2 more (") {
		t.Errorf("awaiting line:\n%s", got)
	}
}

// unsafeText is what safetytest.CheckBody finds in a comment or a section
// but the layout of a whole issue body (its headings, table and
// <details>) and the comment's own marker.
func unsafeText(s string) []string {
	var out []string
	for _, bad := range safetytest.CheckBody(s, 65536, safetyBase) {
		layout := strings.HasPrefix(bad, "headings ") || strings.HasSuffix(bad, " tables") ||
			strings.HasSuffix(bad, " <details> blocks") || strings.HasPrefix(bad, `HTML block line "<!-- bsync-regression: `)
		if !layout {
			out = append(out, bad)
		}
	}
	return out
}
