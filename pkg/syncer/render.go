package syncer

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

// RenderOptions tunes the issue text.
type RenderOptions struct {
	BugsinkURL   string // base URL for the link back
	MaxBodyBytes int
	MaxFrames    int
}

// Rendered is the Gitea issue bsync would create for a Bugsink issue.
type Rendered struct {
	Title string
	Body  string
}

var reUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ValidIssueID reports whether id is a lowercase hyphenated UUID, the only
// form bsync puts into a key, a link or a marker.
func ValidIssueID(id string) bool { return reUUID.MatchString(id) }

// Marker is the hidden line that ties a Gitea issue to its Bugsink issue.
func Marker(issueID string) string { return "<!-- bugsink-issue: " + issueID + " -->" }

// Title renders "[Type] message": one line, untrusted text defused, at most
// MaxTitleBytes bytes.
func Title(is bugsink.Issue) string {
	typ := oneLine(untrusted(is.CalculatedType))
	if typ == "" {
		typ = "Error"
	}
	msg := firstLine(untrusted(is.CalculatedValue))
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

// Render builds the title and body for a Bugsink issue from the issue and
// its newest event (nil when none is stored), in the DESIGN template order.
func Render(is bugsink.Issue, ev *bugsink.Event, projectSlug string, opt RenderOptions) Rendered {
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opt.MaxFrames <= 0 {
		opt.MaxFrames = DefaultMaxFrames
	}
	link := strings.TrimRight(opt.BugsinkURL, "/") + "/issues/issue/" + is.ID + "/event/last/"
	var data bugsink.EventData
	if ev != nil {
		data = ev.Data
	}
	stack := stackLines(ev, opt.MaxFrames)
	body := renderBody(is, data, ev != nil, projectSlug, link, stack, "")
	if len(body) > opt.MaxBodyBytes {
		body = fitBody(is, data, ev != nil, projectSlug, link, stack, opt.MaxBodyBytes)
	}
	return Rendered{Title: Title(is), Body: body}
}

// fitBody drops stack lines from the middle until the body fits; if even no
// stack does not fit (it always should: every other field is capped), the
// body is cut as a last resort.
func fitBody(is bugsink.Issue, data bugsink.EventData, hasEvent bool, slug, link string, stack []string, limit int) string {
	lo, hi := 0, len(stack)
	best := ""
	for lo <= hi {
		keep := (lo + hi) / 2
		head := keep / 3
		tail := keep - head
		kept := append(append([]string{}, stack[:head]...), stack[len(stack)-tail:]...)
		note := fmt.Sprintf("%d of %d stack trace lines are left out to keep this issue small; the full trace is in Bugsink: %s",
			len(stack)-keep, len(stack), link)
		b := renderBody(is, data, hasEvent, slug, link, insertGap(kept, head, len(stack)-keep), note)
		if len(b) <= limit {
			best, lo = b, keep+1
		} else {
			hi = keep - 1
		}
	}
	if best == "" {
		best = truncateBytes(renderBody(is, data, hasEvent, slug, link, nil, "The stack trace is left out; see Bugsink."), limit-len(Marker(is.ID))-2)
		best += "\n" + Marker(is.ID) + "\n"
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

func renderBody(is bugsink.Issue, data bugsink.EventData, hasEvent bool, slug, link string, stack []string, note string) string {
	var b strings.Builder
	typ := is.CalculatedType
	if typ == "" {
		typ = "Error"
	}
	platform, level := "unknown", "unknown"
	if hasEvent {
		platform = orDefault(data.Platform, "unknown")
		level = orDefault(data.Level, "error") // Sentry's default level
	}

	b.WriteString("## Error Details\n\n")
	b.WriteString("| Field | Value |\n| ------------ | ----------------------- |\n")
	fmt.Fprintf(&b, "| **Type** | %s |\n", cell(typ, 200))
	fmt.Fprintf(&b, "| **Message** | %s |\n", cell(is.CalculatedValue, maxMessageBytes))
	fmt.Fprintf(&b, "| **Platform** | %s |\n", cell(platform, 64))
	fmt.Fprintf(&b, "| **Level** | %s |\n", cell(level, 32))

	b.WriteString("\n" + figuresSection(is, time.Time{}, 0))

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
		b.WriteString("<details>\n<summary>Click to expand</summary>\n\n")
		b.WriteString(codeBlock(strings.Join(stack, "\n")))
		b.WriteString("\n\n</details>\n")
	}
	if note != "" {
		b.WriteString("\n" + note + "\n")
	}

	b.WriteString("\n---\n\n")
	fmt.Fprintf(&b, "**Bugsink Issue**: %s\n", link)
	fmt.Fprintf(&b, "**Project**: %s\n", slugText(slug))
	b.WriteString("\n" + Marker(is.ID) + "\n")
	return b.String()
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
