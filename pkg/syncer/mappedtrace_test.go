package syncer

import (
	"os"
	"strings"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/render"
)

// A trace Bugsink rendered otherwise than its current module does (2.0.0 to
// 2.0.4 listed in-app frames only) is not read: the issue shows the frames
// as sent, and the run report says why.
func TestUnreadableMappedTraceIsAReportWarning(t *testing.T) {
	e := newEnv(t)
	bs := bugsinktest.New(bugsinktest.WithSourceMap("flyer-crawler-frontend", bugsinktest.BundleDebugID, bugsinktest.BundleSourceMap), bugsinktest.WithInAppOnlyMarkdown())
	t.Cleanup(bs.Close)
	e.bs, e.bc = bs, bugsink.New(bs.URL, bugsinktest.Token, apiclient.Options{Timeout: 2 * time.Second})
	data, err := os.ReadFile("../render/testdata/events/node11-request-minified.json")
	if err != nil {
		t.Fatal(err)
	}
	bs.AddProject("flyer-crawler-frontend", "Frontend")
	id := bs.AddIssue("flyer-crawler-frontend", bugsinktest.IssueSpec{Type: "TypeError", Value: "t.map is not a function", RawData: data})
	rep := e.run(t, Options{})
	if rep.Synced != 1 || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "source-mapped stack trace could not be read") {
		t.Fatalf("synced %d, warnings %q", rep.Synced, rep.Warnings)
	}
	gi := e.gt.Issues()[0]
	if !strings.Contains(gi.Body, render.Marker(id)) || !strings.Contains(gi.Body, "at r (/srv/shop/bundle/main.3f2a9c.js:1:245) [app]") || strings.Contains(gi.Body, "cart.ts") {
		t.Errorf("the issue does not show the frames as sent:\n%s", gi.Body)
	}
}
