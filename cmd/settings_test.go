package cmd

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's settings table from the settings table")

// requiredBy is the README's Required column for a setting.
func requiredBy(n needs) string {
	var cmds []string
	if n != 0 {
		cmds = append(cmds, "sync", "doctor")
	}
	if n&needBugsink != 0 {
		cmds = append(cmds, "preview")
	}
	if n&needGitea != 0 {
		cmds = append(cmds, "reindex")
	}
	return strings.Join(cmds, ", ")
}

// settingsMarkdown renders the settings table as the README shows it.
func settingsMarkdown() string {
	var b strings.Builder
	b.WriteString("| Variable | Required by | Default | Meaning |\n| --- | --- | --- | --- |\n")
	for _, st := range settings {
		def := "—"
		switch {
		case st.shown != "":
			def = st.shown
		case st.def != "":
			def = "`" + st.def + "`"
		}
		meaning := st.help
		if st.flag != "" {
			meaning += fmt.Sprintf(" (`--%s`)", st.flag)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", st.env, requiredBy(st.needs), def, strings.ReplaceAll(meaning, "|", `\|`))
	}
	return b.String()
}

var settingsBlock = regexp.MustCompile(`(?s)<!-- settings: begin.*?-->\n.*?<!-- settings: end -->`)

// TestReadmeSettingsTable checks that the README's variable table is the
// settings table. To rewrite it: go test ./cmd -run ReadmeSettings -update
func TestReadmeSettingsTable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := "<!-- settings: begin (made from cmd/settings.go: go test ./cmd -run ReadmeSettings -update) -->\n" +
		settingsMarkdown() + "<!-- settings: end -->"
	got := settingsBlock.Find(readme)
	if string(got) == want {
		return
	}
	if *update && got != nil {
		if err := os.WriteFile("../README.md", bytes.Replace(readme, got, []byte(want), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the README's settings table differs from cmd/settings.go; run: go test ./cmd -run ReadmeSettings -update\nwant:\n%s", want)
}

// TestEnvExampleHasEverySetting checks that scripts/bsync.env.example names
// every variable once, with its default where it has one.
func TestEnvExampleHasEverySetting(t *testing.T) {
	b, err := os.ReadFile("../scripts/bsync.env.example")
	if err != nil {
		t.Fatal(err)
	}
	example := string(b)
	for _, st := range settings {
		re := regexp.MustCompile(`(?m)^(# )?` + st.env + `=(.*)$`)
		m := re.FindAllStringSubmatch(example, -1)
		if len(m) != 1 {
			t.Errorf("%s appears %d times in bsync.env.example, want once", st.env, len(m))
			continue
		}
		if m[0][1] != "" && st.def != "" && m[0][2] != st.def {
			t.Errorf("bsync.env.example shows %s=%s, but the default is %s", st.env, m[0][2], st.def)
		}
	}
}

// TestHelpNamesEachFlagsVariable checks that --help shows every setting's
// flag with the variable it overrides.
func TestHelpNamesEachFlagsVariable(t *testing.T) {
	for _, st := range settings {
		if st.flag == "" {
			continue
		}
		cmd := st.flagOn
		if cmd == "" {
			cmd = "status"
		}
		var out bytes.Buffer
		if code := testApp(nil, &out, &out).run(t.Context(), []string{cmd, "--help"}); code != 0 {
			t.Fatalf("%s --help: exit %d", cmd, code)
		}
		if !strings.Contains(out.String(), "--"+st.flag) || !strings.Contains(out.String(), "env "+st.env) {
			t.Errorf("bsync %s --help does not show --%s with %s:\n%s", cmd, st.flag, st.env, out.String())
		}
	}
}
