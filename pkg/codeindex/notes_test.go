package codeindex

import (
	"strings"
	"testing"

	"bsync/pkg/safetytest"
)

// The notes and doctor's lines quote frame paths, which are the
// application's text: a credential in a path never reaches the report or
// the log, whichever form it has.
func TestNotesNeverQuoteACredential(t *testing.T) {
	for _, c := range safetytest.Credentials {
		path := "/srv/app/shop/" + c.Text + ".py" // as the real test names a frame's file
		st := &projectStats{eligible: 1, example: path}
		for _, s := range []string{nothingLinked("app", st),
			Learned{StackPrefix: "/srv/app/", SourcePrefix: "backend/", Example: path, ExampleFile: "backend/shop/handler.py"}.Describe()} {
			if strings.Contains(s, c.Mark) {
				t.Errorf("%s: %q shows in %q", c.Name, c.Mark, s)
			}
		}
	}
}
