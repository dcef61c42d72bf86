package syncer

import (
	"strings"
	"testing"

	"bsync/pkg/bugsink"
)

// FuzzRender checks the renderer's invariants on arbitrary error text: no
// live mention or reference, the template's structure intact, only bsync's
// own HTML, no links but the Bugsink link, secrets gone, size caps kept,
// valid UTF-8. The seed corpus (the hostile corpus) runs with every
// `go test`; run it longer with:
//
//	go test ./pkg/syncer -run '^$' -fuzz FuzzRender -fuzztime 10m
func FuzzRender(f *testing.F) {
	for _, s := range hostileCorpus {
		f.Add(s, s, "https://x.example/?q="+s, s, s, s)
	}
	f.Add("TypeError", "t.map is not a function", "https://x/", "app.js", "render", "return x.map(f)")
	const sentinel = "FUZZSECRET9"
	f.Fuzz(func(t *testing.T, typ, value, rawURL, file, fn, ctxLine string) {
		yes := true
		ev := &bugsink.Event{Data: bugsink.EventData{
			Platform: typ, Level: fn,
			Request: &bugsink.Request{Method: fn, URL: rawURL + "&token=" + sentinel},
			Exception: bugsink.ExceptionList{{Type: typ, Value: value + " password=" + sentinel, Stacktrace: &bugsink.Stacktrace{Frames: []bugsink.Frame{
				{Filename: file, Function: fn, ContextLine: ctxLine, InApp: &yes},
				{AbsPath: file + "?sig=" + sentinel, Function: value},
			}}}},
		}}
		is := bugsink.Issue{ID: testID, CalculatedType: typ, CalculatedValue: value, DigestedEventCount: 1}
		const limit = 16 << 10
		r := Render(is, ev, file, RenderOptions{BugsinkURL: safetyBase, MaxBodyBytes: limit})
		for _, v := range append(checkTitle(r.Title), checkBody(r.Body, limit)...) {
			t.Error(v)
		}
		inputs := typ + value + rawURL + file + fn + ctxLine
		if !strings.Contains(inputs, sentinel[:4]) && strings.Contains(r.Body, sentinel) {
			t.Errorf("secret survived:\n%s", r.Body)
		}
		if strings.Count(r.Body, Marker(testID)) != 1 {
			t.Error("marker missing or repeated")
		}
	})
}
