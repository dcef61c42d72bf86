package render

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"bsync/pkg/bugsink"
	"bsync/pkg/codeindex"
)

// MaxCodeLinks caps the frames an issue links to the repository.
const MaxCodeLinks = 10

const (
	maxEnvBytes      = 128
	maxReleaseBytes  = 200
	maxLinkURLBytes  = 2048
	maxLinkPath      = 300
	maxLinkLine      = 10_000_000
	maxFunctionBytes = 128
)

// CodeFrame is an in-app frame of an event to look up in the repository.
type CodeFrame struct {
	Paths    []string // the frame's abs_path and filename, to try in that order
	Line     int
	Function string
	// Group is the exception the frame belongs to: 0 the main one, 1 its
	// cause, and so on down the chain (for an event without an exception,
	// the stack it is in).
	Group int
}

// RefKind says which revision the links point at.
type RefKind int

// The revisions links can point at.
const (
	AtBranch RefKind = iota // the default branch (at the commit it pointed to)
	AtTag                   // the tag the event's release names
	AtCommit                // the commit the event's release names
)

// Code is where an event's frames live in the Gitea repository. Every
// URL and path in it is bsync's own knowledge (the repository's URL, a
// ref the repository has, a path of its tree, an integer line), never
// text of the event.
type Code struct {
	Repo    string // owner/repo
	Kind    RefKind
	RefName string // branch or tag name, or the commit id
	RefSHA  string // the commit the links are at
	// ReleaseURL is the web page of the tag or commit the release names
	// ("" when it names none).
	ReleaseURL string
	// Links has one entry per CodeFrames entry, in order; URL is "" for a
	// frame not found in the repository.
	Links []CodeLink
}

// CodeLink is one frame found in the repository. Function is the
// frame's own (event text, shown defused).
type CodeLink struct {
	Path     string
	Line     int
	URL      string
	Function string
}

// CodeFrames lists the frames of an event to look up in the repository:
// the in-app ones, innermost first, the main exception's before its
// causes' (those of the logged stack for an event without an exception),
// each place once, at most MaxCodeLinks. A frame Bugsink source-mapped is
// the mapped one: its file is the original source.
func CodeFrames(ev *bugsink.Event) []CodeFrame {
	if ev == nil {
		return nil
	}
	var out []CodeFrame
	seen := map[string]bool{}
	for g, frames := range codeStacks(ev) {
		for i := len(frames) - 1; i >= 0; i-- {
			f := frames[i]
			if f.InApp == nil || !*f.InApp {
				continue
			}
			key := f.AbsPath + "\x00" + f.Filename + "\x00" + strconv.Itoa(int(f.Lineno))
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, CodeFrame{Paths: []string{f.AbsPath, f.Filename}, Line: int(f.Lineno), Function: f.Function, Group: g})
			if len(out) == MaxCodeLinks {
				return out
			}
		}
	}
	return out
}

// codeStacks are the event's stacks (frames oldest first), the main
// exception's first.
func codeStacks(ev *bugsink.Event) [][]bugsink.Frame {
	d := ev.Data
	var stacks [][]bugsink.Frame
	if len(d.Exception) == 0 {
		if d.Stacktrace != nil {
			stacks = append(stacks, d.Stacktrace.Frames)
		}
		for _, t := range d.Threads {
			if (t.Crashed || t.Current) && hasFrames(t) {
				stacks = append(stacks, t.Stacktrace.Frames)
			}
		}
		return stacks
	}
	m := mappedFrames(ev)
	for i := len(d.Exception) - 1; i >= 0; i-- {
		var frames []bugsink.Frame
		if st := d.Exception[i].Stacktrace; st != nil {
			frames = st.Frames
		}
		if m.frames != nil && i < len(m.frames) {
			frames = m.frames[i]
		}
		stacks = append(stacks, frames)
	}
	return stacks
}

// reSafeURL is what a link bsync writes may look like: http(s), and no
// character that could end a Markdown link or start markup.
var reSafeURL = regexp.MustCompile(`^https?://[A-Za-z0-9\-._~:/?#@!$&*+,;=%]+$`)

func safeURL(u string) bool { return len(u) <= maxLinkURLBytes && reSafeURL.MatchString(u) }

// releaseCell shows the event's release in the details table, linked to
// the tag or commit it names when the repository has one and a frame of
// the event was linked there (a repository that is not the event's
// source may have a tag of the same name).
func (c *Code) releaseCell(release string) string {
	text := cell(release, maxReleaseBytes)
	if c == nil || text == "—" || !safeURL(c.ReleaseURL) || !c.linksAny() {
		return text
	}
	return "[" + text + "](" + c.ReleaseURL + ")"
}

// linksAny reports whether a frame was linked.
func (c *Code) linksAny() bool {
	for _, l := range c.Links {
		if l.URL != "" {
			return true
		}
	}
	return false
}

// section lists the frames linked to the repository under a line that
// says at which revision and why, one group per exception of a chain (the
// main exception's first, then each cause's, "Caused by …"), each group in
// the trace's own order (oldest call first for Python, newest first
// elsewhere), a frame shown once; "" when none was linked.
func (c *Code) section(release string, frames []CodeFrame, python bool, excs bugsink.ExceptionList) string {
	if c == nil {
		return ""
	}
	groups := map[int][]string{}
	var order []int
	for i, l := range c.Links {
		if l.URL == "" || !safeURL(l.URL) || i >= len(frames) {
			continue
		}
		g := frames[i].Group
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], "- "+l.markdown())
	}
	if len(order) == 0 {
		return ""
	}
	sort.Ints(order)
	parts := []string{c.refLine(release)}
	for _, g := range order {
		lines := groups[g]
		if python {
			slices.Reverse(lines)
		}
		if g > 0 {
			parts = append(parts, causedBy(excs, g))
		}
		parts = append(parts, strings.Join(lines, "\n"))
	}
	return strings.Join(parts, "\n\n")
}

// markdown is a linked frame: its file and line linked, and its function.
func (l CodeLink) markdown() string {
	where := truncateBytes(l.Path, maxLinkPath)
	if l.Line > 0 && l.Line <= maxLinkLine {
		where += ":" + strconv.Itoa(l.Line)
	}
	s := "[" + codeSpan(where, false) + "](" + l.URL + ")"
	if fn := codeSpan(truncateBytes(oneLine(untrusted(l.Function)), maxFunctionBytes), false); fn != "" {
		s += " in " + fn
	}
	return s
}

// causedBy heads the frames of the exception g steps down the chain from
// the main one.
func causedBy(excs bugsink.ExceptionList, g int) string {
	if i := len(excs) - 1 - g; i >= 0 && i < len(excs) {
		return "Caused by " + codeSpan(exceptionHeader(excs[i]), false) + ":"
	}
	return "In another stack:"
}

// culprit is the first row of the details table: where the error
// happened. It is the innermost in-app frame outside an interpreter's or
// package manager's folder, as "file:line in function", linked to the
// repository when the code index linked it; without such a frame, the
// culprit Bugsink reports.
func culprit(frames []CodeFrame, code *Code, bugsinkCulprit string) string {
	for i, f := range frames {
		if isLibraryFrame(f) {
			continue
		}
		if code != nil && i < len(code.Links) && code.Links[i].URL != "" && safeURL(code.Links[i].URL) {
			return code.Links[i].markdown()
		}
		file := f.Paths[len(f.Paths)-1]
		if file == "" {
			file = f.Paths[0]
		}
		if strings.Contains(file, "://") || strings.Contains(file, "?") {
			file = redactURL(file)
		}
		where := truncateBytes(oneLine(untrusted(file)), maxLinkPath)
		if f.Line > 0 && f.Line <= maxLinkLine {
			where += ":" + strconv.Itoa(f.Line)
		}
		s := codeSpan(where, false)
		if fn := codeSpan(truncateBytes(oneLine(untrusted(f.Function)), maxFunctionBytes), false); fn != "" {
			s += " in " + fn
		}
		if s != "" {
			return s
		}
	}
	return cell(bugsinkCulprit, maxFunctionBytes*2)
}

func isLibraryFrame(f CodeFrame) bool {
	for _, p := range f.Paths {
		if p != "" && codeindex.IsLibraryPath(p) {
			return true
		}
	}
	return false
}

// refLine says where the links point: the release's tag or commit, or the
// default branch and why.
func (c *Code) refLine(release string) string {
	repo := codeSpan(c.Repo, false)
	short := c.RefSHA
	if len(short) > 10 {
		short = short[:10]
	}
	switch c.Kind {
	case AtTag:
		return "In " + repo + " at tag " + codeSpan(c.RefName, false) + ", the event's release:"
	case AtCommit:
		return "In " + repo + " at commit " + codeSpan(short, false) + ", the event's release:"
	}
	why := "the event's release names no tag or commit of it"
	if strings.TrimSpace(release) == "" {
		why = "the event names no release"
	}
	return "In " + repo + " at branch " + codeSpan(c.RefName, false) + " (commit " + codeSpan(short, false) + "), as " + why + ":"
}
