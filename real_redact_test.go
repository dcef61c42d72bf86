package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"bsync/pkg/peertest"
	"bsync/pkg/safetytest"
)

// TestRealRedaction sends the real Bugsink, at its store endpoint as an SDK
// does, an error for every credential bsync knows (each format, each form a
// name, a URL or an encoding gives away) in its message, a frame's file
// name and source line and the request URL; one whose message Bugsink cuts
// at 1,024 characters inside a token; and every ordinary message that names
// a credential but carries none. After a sync by the built binary (logging
// at debug level), and a second one after each Gitea issue is closed and
// its error comes back (a regression comment), no credential is in any
// Gitea title, body or comment, nor in bsync's report or log; each
// ordinary message's title reads whole.
func TestRealRedaction(t *testing.T) {
	t.Parallel()
	b := peertest.BugsinkServer(t)
	p := newRealPair(t, b, "flyer-crawler-backend")
	p.env = append(p.env, "BSYNC_LOG_LEVEL=debug")
	proj := p.projects["flyer-crawler-backend"]
	var events []map[string]any
	for i, c := range safetytest.Credentials {
		ev := simpleEvent(fmt.Sprintf("Leak%dError", i), "request failed: "+c.Text+" (see log)")
		frame := ev["exception"].(map[string]any)["values"].([]any)[0].(map[string]any)["stacktrace"].(map[string]any)["frames"].([]any)[0].(map[string]any)
		frame["filename"], frame["context_line"] = "shop/"+c.Text+".py", "connect("+c.Text+")"
		ev["request"] = map[string]any{"method": "GET", "url": "https://shop.example.com/api/" + c.Text}
		events = append(events, ev)
	}
	// Bugsink keeps the first 1,023 characters and "…": the cut falls 13
	// characters into the token.
	token := safetytest.Credentials[1]
	events = append(events, simpleEvent("CutError", strings.Repeat("x", 1009)+" "+token.Text+" tail"))
	// Log messages an older Python SDK sent unformatted, their arguments
	// apart: one the template names, one with a quote in it.
	argMarks := []string{"EXAMPLErealPosArg", "EXAMPLErealQuoteArg"}
	events = append(events,
		map[string]any{"platform": "python", "level": "error", "logentry": map[string]any{
			"message": "login for %s with password %s", "params": []any{"bob", argMarks[0] + "0"}}},
		map[string]any{"platform": "python", "level": "error", "logentry": map[string]any{
			"message": "login failed: %(password)s", "params": map[string]any{"password": "it's " + argMarks[1]}}})
	for i, msg := range safetytest.Ordinary {
		events = append(events, simpleEvent(fmt.Sprintf("Ordinary%dError", i), msg))
	}
	for _, ev := range events {
		b.Store(t, proj, ev)
	}

	_, doc, stderr := p.run(t, "sync")
	report, _ := json.Marshal(doc)
	issues := p.assertOnePerIssue(t)
	if len(issues) != len(events) {
		t.Fatalf("%d Gitea issues for %d errors\n%s", len(issues), len(events), report)
	}
	var titles []string
	for id, gi := range issues {
		titles = append(titles, gi.Title)
		if strings.Contains(gi.Title+gi.Body, "EXAMPLEdo") && strings.HasPrefix(gi.Title, "[CutError]") {
			t.Errorf("#%d (%s): the cut token's first part shows", gi.Number, id)
		}
		p.giteaDo(t, "PATCH", "/issues/"+fmt.Sprint(gi.Number), map[string]any{"state": "closed"}, 201)
	}
	for _, ev := range events {
		b.Store(t, proj, ev)
	}
	_, doc2, stderr2 := p.run(t, "sync")
	report2, _ := json.Marshal(doc2)

	var texts []string
	for _, gi := range p.giteaIssues(t) {
		texts = append(texts, gi.Title, gi.Body)
		texts = append(texts, p.comments(t, gi.Number)...)
	}
	places := map[string]string{"Gitea": strings.Join(texts, "\n"), "report": string(report) + string(report2), "log": stderr + stderr2}
	for where, text := range places {
		for _, c := range safetytest.Credentials {
			if strings.Contains(text, c.Mark) {
				t.Errorf("%s: %s (%s) shows in the %s", c.Name, c.Mark, c.Text, where)
			}
		}
		for _, m := range argMarks {
			if strings.Contains(text, m) {
				t.Errorf("the log argument %s shows in the %s", m, where)
			}
		}
		if where == "Gitea" && !strings.Contains(text, "with arguments: ['bob', '[redacted]']") {
			t.Errorf("the positional log arguments are not shown as expected")
		}
	}
	if !strings.Contains(string(report2), `"regressed":`+fmt.Sprint(len(events))) {
		t.Errorf("not every error regressed:\n%s", report2)
	}
	for i, msg := range safetytest.Ordinary {
		want := fmt.Sprintf("[Ordinary%dError] %s", i, msg)
		found := false
		for _, title := range titles {
			found = found || title == want
		}
		if !found {
			t.Errorf("no Gitea issue is titled %q; titles:\n%s", want, strings.Join(titles, "\n"))
		}
	}
}
