package render

import (
	"strings"
	"testing"

	"bsync/pkg/bugsink"
	"bsync/pkg/codeindex"
)

// A hostile frame path reaches a link only as the repository file it
// names, at bsync's own URL: never its query, fragment or host; a path
// that climbs out with ".." is not linked through a mapping at all.
func TestHostileFramePathsLinkOnlyIntoTheRepository(t *testing.T) {
	for _, name := range []string{"path with query", "path traversal"} {
		s := hostileCorpus[name]
		ev := hostileEvent(s)
		r := Issue(Input{Issue: issue("E", "v"), Event: ev, Project: "p", Options: Options{BugsinkURL: safetyBase}, Code: hostileCode(ev, s)})
		if linked := strings.Contains(r.Body, "]("+safetyRepo+"src/tag/"); linked != (name == "path with query") {
			t.Errorf("%s: linked into the repository %v:\n%s", name, linked, r.Body)
		}
		if strings.Contains(r.Body, "](https://evil.example") || strings.Contains(r.Body, "evil.example") && !strings.Contains(r.Body, "`/srv/app/src/app.ts?next=https://evil.example") {
			t.Errorf("%s: the frame's host got out of the code block:\n%s", name, r.Body)
		}
	}
}

func codeEvent(release string) *bugsink.Event {
	yes, no := true, false
	return &bugsink.Event{Data: bugsink.EventData{Platform: "node", Release: release, Env: "staging",
		Exception: bugsink.ExceptionList{{Type: "TypeError", Value: "x", Stacktrace: &bugsink.Stacktrace{Frames: []bugsink.Frame{
			{Filename: "/srv/app/src/server.ts", Function: "main", Lineno: 3, InApp: &yes},
			{Filename: "/srv/app/node_modules/lib/index.js", Function: "lib", Lineno: 9, InApp: &no},
			{Filename: "/srv/app/src/cart.ts", Function: "total", Lineno: 12, InApp: &yes},
		}}}}}}
}

func TestCodeLinksSayWhereTheyPoint(t *testing.T) {
	files := codeindex.NewFiles([]string{"src/server.ts", "src/cart.ts", "lib/index.js"}, nil)
	const sha = "0123456789abcdef0123456789abcdef01234567"
	cases := []struct {
		release string
		ref     codeindex.Ref
		want    []string
	}{
		{"shop@1.4.2", codeindex.Ref{Kind: codeindex.Tag, Name: "v1.4.2", SHA: sha}, []string{
			"| **Release** | [`shop@1.4.2`](" + safetyRepo + "src/tag/v1.4.2) |",
			"| **Environment** | `staging` |",
			"| **Where** | [`src/cart.ts:12`](" + safetyRepo + "src/tag/v1.4.2/src/cart.ts#L12) in `total` |",
			"## In the code\n\nIn `acme/app` at tag `v1.4.2`, the event's release:\n\n" +
				"- [`src/cart.ts:12`](" + safetyRepo + "src/tag/v1.4.2/src/cart.ts#L12) in `total`\n" +
				"- [`src/server.ts:3`](" + safetyRepo + "src/tag/v1.4.2/src/server.ts#L3) in `main`\n\n<!-- bsync:figures -->",
		}},
		{"shop@9.9.9", codeindex.Ref{Kind: codeindex.Branch, Name: "main", SHA: sha}, []string{
			"| **Release** | `shop@9.9.9` |",
			"In `acme/app` at branch `main` (commit `0123456789`), as the event's release names no tag or commit of it:",
			"src/commit/" + sha + "/src/cart.ts#L12",
		}},
		{"", codeindex.Ref{Kind: codeindex.Branch, Name: "main", SHA: sha}, []string{
			"| **Release** | — |", "as the event names no release:",
		}},
	}
	for _, c := range cases {
		ev := codeEvent(c.release)
		body := Issue(Input{Issue: issue("TypeError", "x"), Event: ev, Project: "p", Options: Options{BugsinkURL: safetyBase},
			Code: codeIn(ev, files, c.ref)}).Body
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("release %q: body lacks %q:\n%s", c.release, w, body)
			}
		}
		if strings.Contains(body, "lib/index.js#") {
			t.Error("a frame not in-app was linked")
		}
		for _, v := range checkBody(body, DefaultMaxBodyBytes) {
			t.Error(v)
		}
	}
}

// Quiet when it does not apply: no repository consulted, or no frame
// found in it, and the body reads as before, bar the two new rows.
func TestNoCodeLinksWhenNothingIsFound(t *testing.T) {
	ev := codeEvent("shop@1.4.2")
	without := Issue(Input{Issue: issue("TypeError", "x"), Event: ev, Project: "p", Options: Options{BugsinkURL: safetyBase}}).Body
	nowhere := Issue(Input{Issue: issue("TypeError", "x"), Event: ev, Project: "p", Options: Options{BugsinkURL: safetyBase},
		Code: codeIn(ev, codeindex.NewFiles([]string{"go.mod"}, nil), codeindex.Ref{Kind: codeindex.Branch, Name: "main", SHA: "ab"})}).Body
	if without != nowhere {
		t.Errorf("a repository without the frames changed the body:\n%s\n---\n%s", without, nowhere)
	}
	if strings.Contains(without, "In `") || strings.Contains(without, "](https://git") || !strings.Contains(without, "| **Release** | `shop@1.4.2` |") ||
		!strings.Contains(without, "| **Where** | `/srv/app/src/cart.ts:12` in `total` |") {
		t.Errorf("body:\n%s", without)
	}
}

func TestCodeFramesInnermostFirstMappedAndCapped(t *testing.T) {
	yes := true
	var frames []bugsink.Frame
	for i := range 30 {
		frames = append(frames, bugsink.Frame{Filename: "a.ts", Lineno: bugsink.FlexInt(i + 1), InApp: &yes})
	}
	frames = append(frames, frames[29]) // the same place twice: once
	ev := &bugsink.Event{Data: bugsink.EventData{Exception: bugsink.ExceptionList{
		{Type: "Cause", Stacktrace: &bugsink.Stacktrace{Frames: []bugsink.Frame{{Filename: "cause.ts", Lineno: 1, InApp: &yes}}}},
		{Type: "Main", Stacktrace: &bugsink.Stacktrace{Frames: frames}},
	}}}
	got := CodeFrames(ev)
	if len(got) != MaxCodeLinks || got[0].Line != 30 || got[1].Line != 29 {
		t.Errorf("frames %+v: want %d, innermost of the main exception first", got, MaxCodeLinks)
	}
	ev.Data.Exception[1].Stacktrace.Frames = frames[:2]
	got = CodeFrames(ev)
	if len(got) != 3 || got[2].Paths[1] != "cause.ts" {
		t.Errorf("frames %+v: the cause's after the main exception's", got)
	}
}
