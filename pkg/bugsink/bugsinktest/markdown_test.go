package bugsinktest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The recorded events' stacktrace_md and issue files were written by
// Bugsink's own render_stacktrace_md and get_type_and_value_for_data
// (scripts/record-events/bugsink_md.py); the ports must agree with them. Locals are compared apart: the port lists them in key
// order and shows non-strings as JSON.
func TestStacktraceMarkdownMatchesBugsink(t *testing.T) {
	files, err := filepath.Glob("../../syncer/testdata/events/*.json")
	if err != nil || len(files) < 10 {
		t.Fatalf("recorded events missing: %d, %v", len(files), err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".issue.json") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".stacktrace.md")
			if err != nil {
				t.Fatal(err)
			}
			var issue struct {
				Type  string `json:"calculated_type"`
				Value string `json:"calculated_value"`
			}
			raw, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".issue.json")
			if err == nil {
				err = json.Unmarshal(raw, &issue)
			}
			if err != nil {
				t.Fatal(err)
			}
			if typ, val := Calculated(data); typ != issue.Type || val != issue.Value {
				t.Errorf("Calculated = %q, %q; Bugsink computes %q, %q", typ, val, issue.Type, issue.Value)
			}
			got := StacktraceMarkdown(data, Title(issue.Type, issue.Value), nil)
			if w := withoutLocals(string(want)); withoutLocals(got) != w {
				t.Errorf("stacktrace_md differs from Bugsink's\n--- got ---\n%s\n--- want ---\n%s", got, want)
			}
			if strings.Count(got, "#### Locals") != strings.Count(string(want), "#### Locals") {
				t.Errorf("%d Locals sections, Bugsink has %d", strings.Count(got, "#### Locals"), strings.Count(string(want), "#### Locals"))
			}
		})
	}
}

// withoutLocals drops the lines of each Locals section.
func withoutLocals(md string) string {
	var out []string
	in := false
	for _, l := range strings.Split(md, "\n") {
		switch {
		case l == "#### Locals":
			in = true
			continue
		case in && (strings.HasPrefix(l, "* `") || l == ""):
			continue
		}
		in = false
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
