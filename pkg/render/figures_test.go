package render

import "testing"

func TestReplaceFigures(t *testing.T) {
	sec := FiguresStart + "\nnew\n" + FiguresEnd + "\n"
	for _, c := range []struct {
		body, want string
		ok         bool
	}{
		{"a\n" + FiguresStart + "\nold\n" + FiguresEnd + "\nb\n", "a\n" + sec + "b\n", true},
		{"a\n" + FiguresEnd + "\nold\n" + FiguresStart + "\nb\n", "", false},
		{"a\n" + FiguresStart + "\nold\n", "", false},
		{FiguresStart + FiguresStart + FiguresEnd, "", false},
	} {
		got, ok := ReplaceFigures(c.body, sec)
		if ok != c.ok || (ok && got != c.want) || (!ok && got != c.body) {
			t.Errorf("ReplaceFigures(%q) = %q, %v", c.body, got, ok)
		}
	}
}
