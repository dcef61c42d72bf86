package render

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"

	"bsync/pkg/bugsink"
)

// Gitea renders issue bodies with goldmark and GFM, and takes mentions and
// issue references from Markdown text nodes only (not code, not HTML
// comments). checkBody parses a body the same way and reports every way in
// which untrusted text escaped its place.

const safetyBase = "https://bugsink.example.com"

var (
	md = goldmark.New(goldmark.WithExtensions(extension.GFM))
	// What Gitea would turn into a mention or a reference in a text node.
	reLiveMention = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_.\-/])@[\p{L}\p{N}_]`)
	reLiveRef     = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_&])[#!][0-9]`)
	reOwnHTML     = regexp.MustCompile(`^(?:<details>|<summary>Click to expand</summary>|</details>|<!-- bugsink-issue: [0-9a-f-]{36} -->|<!-- /?bsync:figures -->)$`)
	wantHeadings  = []string{"Error Details", "Occurrence Statistics", "Request Context", "Stacktrace"}
)

func checkTitle(title string) []string {
	var bad []string
	if len(title) > MaxTitleBytes {
		bad = append(bad, fmt.Sprintf("title is %d bytes", len(title)))
	}
	if !utf8.ValidString(title) {
		bad = append(bad, "title is not valid UTF-8")
	}
	if strings.ContainsAny(title, "\n\r") {
		bad = append(bad, "title spans lines")
	}
	if reLiveMention.MatchString(title) || reLiveRef.MatchString(title) {
		bad = append(bad, "title carries a live mention or reference: "+title)
	}
	return bad
}

// checkBody returns every structural or safety violation in body.
func checkBody(body string, maxBytes int) []string {
	var bad []string
	add := func(f string, a ...any) { bad = append(bad, fmt.Sprintf(f, a...)) }
	if len(body) > maxBytes {
		add("body is %d bytes, cap %d", len(body), maxBytes)
	}
	if !utf8.ValidString(body) {
		add("body is not valid UTF-8")
	}
	src := []byte(body)
	doc := md.Parser().Parse(text.NewReader(src))
	var headings []string
	tables, fences, details := 0, 0, 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.CodeSpan:
			return ast.WalkSkipChildren, nil // code is text to Gitea: no mentions, no links
		case *ast.Heading:
			headings = append(headings, fmt.Sprintf("%d:%s", n.Level, nodeText(n, src)))
		case *ast.Text:
			t := string(n.Segment.Value(src))
			if reLiveMention.MatchString(t) {
				add("live mention in text %q", t)
			}
			if reLiveRef.MatchString(t) {
				add("live reference in text %q", t)
			}
		case *ast.Image:
			add("image %q", n.Destination)
		case *ast.Link:
			if !strings.HasPrefix(string(n.Destination), safetyBase) {
				add("link to %q", n.Destination)
			}
		case *ast.AutoLink:
			if u := string(n.URL(src)); !strings.HasPrefix(u, safetyBase) {
				add("autolink to %q", u)
			}
		case *ast.RawHTML:
			for i := 0; i < n.Segments.Len(); i++ {
				seg := n.Segments.At(i)
				if h := strings.TrimSpace(string(seg.Value(src))); !reOwnHTML.MatchString(h) {
					add("inline HTML %q", h)
				}
			}
		case *ast.HTMLBlock:
			for i := 0; i < n.Lines().Len(); i++ {
				line := n.Lines().At(i)
				h := strings.TrimSpace(string(line.Value(src)))
				if h == "" {
					continue
				}
				if !reOwnHTML.MatchString(h) {
					add("HTML block line %q", h)
				}
				if h == "<details>" {
					details++
				}
			}
		case *east.Table:
			tables++
			rows := 0
			for r := n.FirstChild(); r != nil; r = r.NextSibling() {
				if r.ChildCount() != 2 {
					add("table row with %d cells", r.ChildCount())
				}
				rows++
			}
			if rows != 5 {
				add("table has %d rows, want header + 4", rows)
			}
		case *ast.FencedCodeBlock:
			fences++
		}
		return ast.WalkContinue, nil
	})
	var want []string
	for _, h := range wantHeadings {
		want = append(want, "2:"+h)
	}
	if strings.Join(headings, "|") != strings.Join(want, "|") {
		add("headings %v, want %v", headings, want)
	}
	if tables != 1 {
		add("%d tables", tables)
	}
	if fences > 1 {
		add("%d code blocks", fences)
	}
	if details > 1 || (details == 1) != strings.Contains(body, "<summary>") {
		add("%d <details> blocks", details)
	}
	return bad
}

func nodeText(n ast.Node, src []byte) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			b.Write(t.Segment.Value(src))
		}
	}
	return b.String()
}

// hostileEvent builds an event whose every untrusted field carries s: an
// exception group with a linked member, and other threads.
func hostileEvent(s string) *bugsink.Event {
	yes := true
	one, zero := bugsink.FlexInt(1), bugsink.FlexInt(0)
	frames := &bugsink.Stacktrace{Frames: []bugsink.Frame{{Filename: s, Function: s, ContextLine: s, InApp: &yes, Lineno: 1}}}
	return &bugsink.Event{Data: bugsink.EventData{
		Platform: s, Level: s, Release: s,
		Request: &bugsink.Request{Method: s, URL: "https://shop.example.com/p?q=" + s + "&token=T0KEN&x=" + s},
		Exception: bugsink.ExceptionList{
			{Type: s, Value: s, Module: s, Mechanism: &bugsink.Mechanism{Source: s, ExceptionID: &one, ParentID: &zero}, Stacktrace: frames},
			{Type: "Main" + s, Value: s + " password=hunter2", Mechanism: &bugsink.Mechanism{ExceptionID: &zero, IsExceptionGroup: true},
				Stacktrace: &bugsink.Stacktrace{Frames: []bugsink.Frame{
					{AbsPath: "https://cdn.example.com/app.js?sig=S1GN&v=" + s, Function: s, ContextLine: s},
				}}},
		},
		Threads: bugsink.ThreadList{{ID: bugsink.FlexString(s), Name: s, Stacktrace: frames}},
	}}
}

// hostileLogEvent is a log message carrying s, with the stacks of its
// threads, or (without threads) an event-level stack trace.
func hostileLogEvent(s string, threads bool) *bugsink.Event {
	frames := &bugsink.Stacktrace{Frames: []bugsink.Frame{{Filename: s, Function: s, ContextLine: s + " token=T0KEN", Lineno: 2}}}
	ev := &bugsink.Event{Data: bugsink.EventData{
		Platform: s, LogEntry: &bugsink.LogEntry{Message: s, Formatted: s + " password=hunter2"}, Stacktrace: frames,
	}}
	if threads {
		ev.Data.Threads = bugsink.ThreadList{{ID: bugsink.FlexString(s), Name: s, Current: true, Stacktrace: frames}, {Name: s, Stacktrace: frames}}
	} else {
		// unformatted, with its arguments apart
		params, _ := json.Marshal([]any{s, map[string]string{"password": "hunter2", "x": s}})
		ev.Data.LogEntry = &bugsink.LogEntry{Message: s, Params: params}
	}
	return ev
}
