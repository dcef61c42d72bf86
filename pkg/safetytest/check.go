// Package safetytest holds the untrusted-text invariants of an issue bsync
// renders, checked the way Gitea renders Markdown, and the hostile corpus
// they are tested with: the renderer's own tests and the end-to-end
// scenarios against the real Gitea share them.
package safetytest

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
// comments). CheckBody parses a body the same way and reports every way in
// which untrusted text escaped its place.

var (
	md = goldmark.New(goldmark.WithExtensions(extension.GFM))
	// What Gitea would turn into a mention or a reference in a text node.
	reLiveMention = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_.\-/])@[\p{L}\p{N}_]`)
	reLiveRef     = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_&])[#!][0-9]`)
	reOwnHTML     = regexp.MustCompile(`^(?:<details>|<summary>Click to expand</summary>|</details>|<!-- bugsink-issue: [0-9a-f-]{36} -->|<!-- /?bsync:figures -->` +
		`|<!-- /?bsync:environments -->|<!-- bsync-bug: [0-9a-f]{32} -->|<!-- bsync-env: [0-9a-f-]{36} [A-Za-z0-9._-]+ [a-z0-9][a-z0-9_-]* -->)$`)
	wantHeadings = []string{"Error Details", "Occurrence Statistics", "Request Context", "Stacktrace"}
	// codeHeading may follow the first heading: the frames linked to the
	// repository.
	codeHeading = "In the code"
	// envHeading ends the body of an error linked across environments,
	// with a table of six columns, a row per environment.
	envHeading = "Environments"
)

// CheckTitle returns every violation in an issue title: longer than
// maxBytes, invalid UTF-8, more than one line, or a live mention or
// reference.
func CheckTitle(title string, maxBytes int) []string {
	var bad []string
	if len(title) > maxBytes {
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

// CheckBody returns every structural or safety violation in an issue body
// bsync rendered: over maxBytes, invalid UTF-8, a live mention or reference
// in a text node, an image, a link or autolink anywhere but under one of
// linkBases (Bugsink's, and the repository's for code links), HTML other
// than the template's own, and a layout other than the template's (its
// four headings (and In the code after the first when frames are linked),
// one two-column table of seven rows, at most one code block
// and one <details>; for an error linked across environments, then an
// Environments heading and a six-column table).
func CheckBody(body string, maxBytes int, linkBases ...string) []string {
	c := &bodyCheck{src: []byte(body), linkBases: linkBases}
	if len(body) > maxBytes {
		c.add("body is %d bytes, cap %d", len(body), maxBytes)
	}
	if !utf8.ValidString(body) {
		c.add("body is not valid UTF-8")
	}
	_ = ast.Walk(md.Parser().Parse(text.NewReader(c.src)), c.visit)
	var want []string
	for i, h := range wantHeadings {
		want = append(want, "2:"+h)
		if i == 0 && len(c.headings) > 1 && c.headings[1] == "2:"+codeHeading {
			want = append(want, "2:"+codeHeading)
		}
	}
	tables := 1
	if len(c.headings) == len(want)+1 && c.headings[len(want)] == "2:"+envHeading {
		want, tables = append(want, "2:"+envHeading), 2
	}
	if strings.Join(c.headings, "|") != strings.Join(want, "|") {
		c.add("headings %v, want %v", c.headings, want)
	}
	if c.tables != tables {
		c.add("%d tables", c.tables)
	}
	if c.fences > 1 {
		c.add("%d code blocks", c.fences)
	}
	if c.details > 1 || (c.details == 1) != strings.Contains(body, "<summary>") {
		c.add("%d <details> blocks", c.details)
	}
	return c.bad
}

// bodyCheck is one CheckBody walk: the violations found and the layout
// counted so far.
type bodyCheck struct {
	src                     []byte
	linkBases               []string
	bad, headings           []string
	tables, fences, details int
}

// allowed reports whether a link points under one of the allowed bases.
func (c *bodyCheck) allowed(u string) bool {
	for _, b := range c.linkBases {
		if strings.HasPrefix(u, b) {
			return true
		}
	}
	return false
}

func (c *bodyCheck) add(f string, a ...any) { c.bad = append(c.bad, fmt.Sprintf(f, a...)) }

// visit checks one node: text, links and HTML for escapes, the rest for
// the layout.
func (c *bodyCheck) visit(n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	switch n := n.(type) {
	case *ast.CodeSpan:
		return ast.WalkSkipChildren, nil // code is text to Gitea: no mentions, no links
	case *ast.Heading:
		c.headings = append(c.headings, fmt.Sprintf("%d:%s", n.Level, nodeText(n, c.src)))
	case *ast.Text:
		t := string(n.Segment.Value(c.src))
		if reLiveMention.MatchString(t) {
			c.add("live mention in text %q", t)
		}
		if reLiveRef.MatchString(t) {
			c.add("live reference in text %q", t)
		}
	case *ast.Image:
		c.add("image %q", n.Destination)
	case *ast.Link:
		if !c.allowed(string(n.Destination)) {
			c.add("link to %q", n.Destination)
		}
	case *ast.AutoLink:
		if u := string(n.URL(c.src)); !c.allowed(u) {
			c.add("autolink to %q", u)
		}
	case *ast.RawHTML:
		for i := 0; i < n.Segments.Len(); i++ {
			seg := n.Segments.At(i)
			if h := strings.TrimSpace(string(seg.Value(c.src))); !reOwnHTML.MatchString(h) {
				c.add("inline HTML %q", h)
			}
		}
	case *ast.HTMLBlock:
		c.htmlBlock(n)
	case *east.Table:
		c.table(n)
	case *ast.FencedCodeBlock:
		c.fences++
	}
	return ast.WalkContinue, nil
}

func (c *bodyCheck) htmlBlock(n *ast.HTMLBlock) {
	for i := 0; i < n.Lines().Len(); i++ {
		line := n.Lines().At(i)
		h := strings.TrimSpace(string(line.Value(c.src)))
		if h == "" {
			continue
		}
		if !reOwnHTML.MatchString(h) {
			c.add("HTML block line %q", h)
		}
		if h == "<details>" {
			c.details++
		}
	}
}

// table checks the Error Details table (two columns, header and seven
// rows) or, second, the Environments table (six columns, header and a row
// or more).
func (c *bodyCheck) table(n *east.Table) {
	c.tables++
	cells, rows := 2, 0
	if c.tables > 1 {
		cells = 6
	}
	for r := n.FirstChild(); r != nil; r = r.NextSibling() {
		if r.ChildCount() != cells {
			c.add("table row with %d cells", r.ChildCount())
		}
		rows++
	}
	switch {
	case cells == 2 && rows != 8:
		c.add("table has %d rows, want header + 7", rows)
	case cells == 6 && rows < 2:
		c.add("environments table has %d rows, want header + 1 or more", rows)
	}
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

// HostileEvent builds an event whose every untrusted field carries s: an
// exception group with a linked member, and other threads.
func HostileEvent(s string) *bugsink.Event {
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

// HostileLogEvent is a log message carrying s, with the stacks of its
// threads, or (without threads) an event-level stack trace.
func HostileLogEvent(s string, threads bool) *bugsink.Event {
	frames := &bugsink.Stacktrace{Frames: []bugsink.Frame{{Filename: s, Function: s, ContextLine: s + " token=T0KEN", Lineno: 2}}}
	ev := &bugsink.Event{Data: bugsink.EventData{
		Platform: s, LogEntry: &bugsink.LogEntry{Message: s, Formatted: s + " password=hunter2"}, Stacktrace: frames,
	}}
	if threads {
		ev.Data.Threads = bugsink.ThreadList{{ID: bugsink.FlexString(s), Name: s, Current: true, Stacktrace: frames}, {Name: s, Stacktrace: frames}}
	} else {
		// unformatted, with its arguments apart: one its template names,
		// one with a quote in it
		params, _ := json.Marshal([]any{"EXAMPLEposArg0", s, map[string]string{"password": "it's EXAMPLEquoteArg",
			"Authorization": "Basic EXAMPLEargAuth0", "x": s}})
		ev.Data.LogEntry = &bugsink.LogEntry{Message: "password %s: " + s, Params: params}
	}
	return ev
}
