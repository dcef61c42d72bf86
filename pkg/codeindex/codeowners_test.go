package codeindex

import (
	"slices"
	"strings"
	"testing"
)

// TestCodeOwnersGiteaRules holds the parser to Gitea's own reading
// (models/issues/pull.go): anchored Go regular expressions, '!' applying
// a rule to every path its pattern does not match, the owners of every
// applying rule collected (no "last match wins"), '#' ending a line
// unless escaped, bad lines skipped with a warning.
func TestCodeOwnersGiteaRules(t *testing.T) {
	co := ParseCodeOwners("CODEOWNERS", strings.Join([]string{
		"# comment",
		`src/.*\.ts @alice   # trailing comment`,
		`src/server/.* @bob @Alice`,
		`!docs/.* @carol`,
		`.*\.md @dave`,
		`lonely`,
		`src/(unclosed @erin`,
		`src/client/.* @acme/frontend`,
		`weird\#name @frank`,
		"\tsrc/server/app.ts\t@gina",
	}, "\n"))
	if co.Rules() != 7 {
		t.Errorf("%d rules read, want 7", co.Rules())
	}
	if len(co.Warnings) != 2 || !strings.HasPrefix(co.Warnings[0], "line 6: incorrect format") ||
		!strings.HasPrefix(co.Warnings[1], "line 7: incorrect codeowner regexp") {
		t.Errorf("warnings %q", co.Warnings)
	}
	for path, want := range map[string][]string{
		"src/server/app.ts":  {"alice", "bob", "carol", "gina"}, // every applying rule, file order, once each
		"src/client/x.ts":    {"alice", "carol", "acme/frontend"},
		"docs/readme.md":     {"dave"}, // the negative rule does not apply inside docs/
		"src/server/app.tsx": {"bob", "Alice", "carol"},
		"xsrc/a.ts":          {"carol"}, // anchored: "src/.*" does not match inside
		"weird#name":         {"carol", "frank"},
	} {
		if got := co.Owners(path); !slices.Equal(got, want) {
			t.Errorf("Owners(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestCodeOwnersHostileContent(t *testing.T) {
	co := ParseCodeOwners("CODEOWNERS", "(a*)*b @x\n.* @a/b/c @/x @y/\n"+strings.Repeat("x", 1<<16)+" @z\n")
	// Go's regexp runs in linear time: a pattern written to backtrack
	// cannot stall a run.
	_ = co.Owners(strings.Repeat("a", 1<<16))
	if got := co.Owners("anything"); len(got) != 0 {
		t.Errorf("malformed team names became owners: %q", got)
	}
}
