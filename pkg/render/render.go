// Package render turns a Bugsink issue and its newest event into the text
// of a Gitea issue: the title, the body (details table, occurrence figures,
// request, stack trace with source-mapped frames, link back), and the other
// text bsync writes (the regression comment, the back-link comment). All of
// it is pure: it makes no requests and keeps no state. Every string that
// comes from an event is untrusted and is cleaned here so it cannot ping
// people, break the layout, inject HTML or links, or carry secrets.
package render

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"bsync/pkg/bugsink"
)

// MaxTitleBytes is Gitea's title limit; longer titles are cut here, on a
// character boundary, so Gitea never cuts them itself.
const MaxTitleBytes = 255

// DefaultMaxBodyBytes caps an issue body (very large bodies exhaust Gitea's
// search indexer). The stack trace is shortened first.
const DefaultMaxBodyBytes = 64 << 10

// DefaultMaxFrames caps the frames shown per exception.
const DefaultMaxFrames = 50

const (
	maxMessageBytes = 1024
	maxURLBytes     = 2048
	maxFrameBytes   = 400
)

// Options tunes the issue text.
type Options struct {
	BugsinkURL   string // base URL for the link back
	MaxBodyBytes int    // cap on the body; 0: DefaultMaxBodyBytes
	MaxFrames    int    // frames shown per exception; 0: DefaultMaxFrames
}

// Input is what an issue is rendered from.
type Input struct {
	Issue   bugsink.Issue
	Event   *bugsink.Event // the newest event; nil when Bugsink stores none
	Project string         // the project's slug
	Options Options
	// Code is where the event's frames live in the Gitea repository, as
	// the code index found them for CodeFrames(Event); nil when it was
	// not consulted.
	Code *Code
}

// Output is the Gitea issue bsync would create for a Bugsink issue.
type Output struct {
	Title string
	Body  string
	// Warnings are for the run report: what could not be rendered as
	// intended (e.g. Bugsink's source-mapped trace did not read).
	Warnings []string
}

// Marker is the hidden line that ties a Gitea issue to its Bugsink issue.
func Marker(issueID string) string { return "<!-- bugsink-issue: " + issueID + " -->" }

// Title renders "[Type] message": one line, untrusted text defused, at most
// MaxTitleBytes bytes. It knows only the issue; Issue also falls back on
// the event's message where Bugsink calculated none.
func Title(is bugsink.Issue) string { return title(is.CalculatedType, is.CalculatedValue) }

func title(calcType, message string) string {
	typ := oneLine(untrusted(calcType))
	if typ == "" {
		typ = "Error"
	}
	msg := firstLine(untrusted(message))
	t := "[" + typ + "]"
	if msg != "" {
		t += " " + msg
	}
	t = defuse(oneLine(t))
	return truncateBytes(t, MaxTitleBytes)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// Issue builds the title and body for a Bugsink issue from the issue and
// its newest event, in the DESIGN template order.
func Issue(in Input) Output {
	is, ev, projectSlug, opt := in.Issue, in.Event, in.Project, in.Options
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opt.MaxFrames <= 0 {
		opt.MaxFrames = DefaultMaxFrames
	}
	link := IssueLink(opt.BugsinkURL, is.ID)
	var data bugsink.EventData
	if ev != nil {
		data = ev.Data
	}
	tr := stackLines(ev, opt.MaxFrames)
	v := bodyView{is: is, data: data, hasEvent: ev != nil, slug: projectSlug, link: link,
		message: issueMessage(is, data), missingMaps: tr.missingMaps, code: in.Code, frames: CodeFrames(ev)}
	stack := tr.lines
	body := v.render(stack, "")
	if len(body) > opt.MaxBodyBytes {
		body = v.fit(stack, opt.MaxBodyBytes)
	}
	return Output{Title: title(is.CalculatedType, v.message), Body: body, Warnings: tr.warnings}
}

// issueMessage is what the issue says happened: Bugsink's calculated value,
// or, where that is empty (a synthetic exception, an exception without a
// value), the main exception's value or the logged message of the event.
func issueMessage(is bugsink.Issue, d bugsink.EventData) string {
	if strings.TrimSpace(is.CalculatedValue) != "" {
		return is.CalculatedValue
	}
	if m := d.Exception.Main(); m != nil && strings.TrimSpace(m.Value) != "" {
		return m.Value
	}
	return logMessageText(d)
}

// bodyView is what an issue body is rendered from.
type bodyView struct {
	is          bugsink.Issue
	data        bugsink.EventData
	hasEvent    bool
	slug, link  string
	message     string
	missingMaps bool
	code        *Code // nil: the repository was not consulted
	frames      []CodeFrame
}

// fit drops stack lines from the middle until the body fits; if even no
// stack does not fit (it always should: every other field is capped), the
// body is cut as a last resort.
func (v bodyView) fit(stack []string, limit int) string {
	lo, hi := 0, len(stack)
	best := ""
	for lo <= hi {
		keep := (lo + hi) / 2
		head := keep / 3
		tail := keep - head
		kept := append(append([]string{}, stack[:head]...), stack[len(stack)-tail:]...)
		note := fmt.Sprintf("%d of %d stack trace lines are left out to keep this issue small; the full trace is in Bugsink: %s",
			len(stack)-keep, len(stack), v.link)
		b := v.render(insertGap(kept, head, len(stack)-keep), note)
		if len(b) <= limit {
			best, lo = b, keep+1
		} else {
			hi = keep - 1
		}
	}
	if best == "" {
		best = truncateBytes(v.render(nil, "The stack trace is left out; see Bugsink."), limit-len(Marker(v.is.ID))-2)
		best += "\n" + Marker(v.is.ID) + "\n"
	}
	return best
}

func insertGap(lines []string, at, dropped int) []string {
	if dropped == 0 {
		return lines
	}
	out := append([]string{}, lines[:at]...)
	out = append(out, fmt.Sprintf("  … %d lines left out …", dropped))
	return append(out, lines[at:]...)
}

func (v bodyView) render(stack []string, note string) string {
	is, data, hasEvent := v.is, v.data, v.hasEvent
	var b strings.Builder
	v.details(&b)
	if links := v.code.section(data.Release, v.frames, data.Platform == "python", data.Exception); links != "" {
		b.WriteString("\n## In the code\n\n" + links + "\n")
	}

	b.WriteString("\n" + FiguresSection(is, time.Time{}, 0))

	b.WriteString("\n## Request Context\n\n")
	switch {
	case !hasEvent:
		b.WriteString("No event is stored for this issue, so no request is known.\n")
	case data.Request == nil || strings.TrimSpace(data.Request.URL) == "":
		b.WriteString("No request recorded.\n")
	default:
		fmt.Fprintf(&b, "- **URL**: %s%s\n", method(data.Request.Method),
			codeSpan(truncateBytes(redactURL(data.Request.URL), maxURLBytes), false))
	}

	b.WriteString("\n## Stacktrace\n\n")
	switch {
	case len(stack) == 0 && !hasEvent:
		b.WriteString("No event is stored for this issue (Bugsink evicted it), so no stack trace is known.\n")
	case len(stack) == 0:
		b.WriteString("No stack trace recorded.\n")
	default:
		if v.missingMaps {
			b.WriteString(missingMapsLine(data.Release) + "\n\n")
		}
		b.WriteString("<details>\n<summary>Click to expand</summary>\n\n")
		b.WriteString(codeBlock(strings.Join(stack, "\n")))
		b.WriteString("\n\n</details>\n")
	}
	if note != "" {
		b.WriteString("\n" + note + "\n")
	}

	b.WriteString("\n---\n\n")
	fmt.Fprintf(&b, "**Bugsink Issue**: %s\n", v.link)
	fmt.Fprintf(&b, "**Project**: %s\n", slugText(v.slug))
	b.WriteString("\n" + Marker(is.ID) + "\n")
	return b.String()
}

// details writes the Error Details table.
func (v bodyView) details(b *strings.Builder) {
	typ := v.is.CalculatedType
	if typ == "" {
		typ = "Error"
	}
	platform, level := "unknown", "unknown"
	if v.hasEvent {
		platform = orDefault(v.data.Platform, "unknown")
		level = orDefault(v.data.Level, "error") // Sentry's default level
	}
	b.WriteString("## Error Details\n\n")
	b.WriteString("| Field | Value |\n| ------------ | ----------------------- |\n")
	fmt.Fprintf(b, "| **Where** | %s |\n", culprit(v.frames, v.code, v.is.Transaction))
	fmt.Fprintf(b, "| **Type** | %s |\n", cell(typ, 200))
	fmt.Fprintf(b, "| **Message** | %s |\n", cell(v.message, maxMessageBytes))
	fmt.Fprintf(b, "| **Platform** | %s |\n", cell(platform, 64))
	fmt.Fprintf(b, "| **Level** | %s |\n", cell(level, 32))
	fmt.Fprintf(b, "| **Release** | %s |\n", v.code.releaseCell(v.data.Release))
	fmt.Fprintf(b, "| **Environment** | %s |\n", cell(v.data.Env, maxEnvBytes))
}

// missingMapsLine says in one line that Bugsink lacked source maps for the
// event's release.
func missingMapsLine(release string) string {
	if r := codeSpan(truncateBytes(untrusted(release), 200), false); r != "" {
		return "Source maps were missing in Bugsink for release " + r + ": some frames are shown minified."
	}
	return "Source maps were missing in Bugsink for this event (it names no release): some frames are shown minified."
}

var reSlugText = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,99}$`)

// slugText shows a project slug as plain text when it is a plain slug, and
// as code otherwise.
func slugText(slug string) string {
	if reSlugText.MatchString(slug) {
		return slug
	}
	if c := codeSpan(truncateBytes(untrusted(slug), 200), false); c != "" {
		return c
	}
	return "unknown"
}

// cell renders an untrusted value for a table cell: a code span that
// survives pipes, backticks and newlines, or an em dash when empty. Secrets
// are redacted before the value is cut to maxBytes, so a cut cannot hide a
// credential from the patterns.
func cell(s string, maxBytes int) string {
	if c := codeSpan(truncateBytes(untrusted(s), maxBytes), true); c != "" {
		return c
	}
	return "—"
}

var reMethod = regexp.MustCompile(`^[A-Z]{1,10}$`)

// method renders the request method followed by a space, or nothing when
// it is missing or not a plain method name.
func method(m string) string {
	m = strings.ToUpper(strings.TrimSpace(m))
	if reMethod.MatchString(m) {
		return m + " "
	}
	return ""
}

func orDefault(s, def string) string {
	s = oneLine(cleanText(s))
	if s == "" {
		return def
	}
	return s
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}
