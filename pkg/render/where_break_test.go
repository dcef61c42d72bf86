package render

import (
	"strings"
	"testing"

	"bsync/pkg/bugsink"
	"bsync/pkg/codeindex"
)

// The Where row and the In the code section with hostile file and
// function names, linked and not: no mention, no table break, no HTML.
func TestWhereRowWithHostileNames(t *testing.T) {
	yes := true
	names := []string{"@alice", "a|b", "<img src=x onerror=alert(1)>", "`x` @bob ``y``", "[x](https://evil.example)", "f\r\n| **Z** | z |", "@acme/backend"}
	for _, fn := range names {
		for _, file := range []string{"/srv/app/src/" + fn + ".ts", "/srv/app/src/ok.ts"} {
			ev := &bugsink.Event{Data: bugsink.EventData{Platform: "node", Release: "v1", Exception: bugsink.ExceptionList{{Type: "E", Value: "v",
				Stacktrace: &bugsink.Stacktrace{Frames: []bugsink.Frame{{Filename: file, Function: fn, Lineno: 3, InApp: &yes}}}}}}}
			repoPath := strings.TrimPrefix(file, "/srv/app/")
			files := codeindex.NewFiles([]string{repoPath}, nil)
			for _, code := range []*Code{nil, codeIn(ev, files, codeindex.Ref{Kind: codeindex.Tag, Name: "v1", SHA: "0123456789abcdef0123456789abcdef01234567"})} {
				body := Issue(Input{Issue: issue("E", "v"), Event: ev, Project: "p", Options: Options{BugsinkURL: safetyBase}, Code: code}).Body
				for _, v := range checkBody(body, DefaultMaxBodyBytes) {
					t.Errorf("fn %q file %q linked %v: %s", fn, file, code != nil, v)
				}
				if !strings.Contains(body, "| **Where** | ") {
					t.Errorf("no Where row:\n%s", body)
				}
			}
		}
	}
}
