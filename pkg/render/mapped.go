package render

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"bsync/pkg/bugsink"
)

// Bugsink applies uploaded source maps only when it renders an event's
// trace as Markdown (stacktrace_md: events/markdown_stacktrace.py, with
// apply_sourcemaps in events/utils.py), never to the stored payload. That
// text also lists each frame's local variables, so bsync reads it only for
// an event none of whose frames carries any (the client drops it
// otherwise), and only where Bugsink can have mapped something: exception
// frames of a file the payload names a source map for (debug_meta).
//
// The module calls its text "not a stable interface", so it is read only
// where it has exactly the shape that module writes, checked against the
// payload frame by frame: the same exceptions in the same order, the same
// number of frames, each frame header in place with its source lines in the
// gutter format. Anything else falls back to the payload's frames, with a
// warning in the run report.

// mapping is what was learnt from stacktrace_md.
type mapping struct {
	// frames holds, per exception of the payload (in its order, frames
	// oldest first), the frames to show; nil when the payload's are shown.
	frames [][]bugsink.Frame
	// missing says Bugsink had no source map for some frame.
	missing  bool
	warnings []string
}

const duringHandling = "**During handling of the above exception, another exception occurred:**"

var (
	reMDDebugID = regexp.MustCompile(` \(no sourcemap for debug_id ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)$`)
	reMDLineno  = regexp.MustCompile(`:([0-9]+)$`)
	reMDGutter  = regexp.MustCompile(`^(▶ |  )( *)([0-9]+) \|(?: (.*))?$`)
)

// mappedFrames reads the source-mapped frames of an event from its
// stacktrace_md, when that applies.
func mappedFrames(ev *bugsink.Event) mapping {
	d := ev.Data
	if ev.StacktraceMD == "" || d.HasVars() || len(d.Exception) == 0 {
		return mapping{}
	}
	debugIDs := sourceMapFiles(d)
	if !namesMappedFile(d.Exception, debugIDs) {
		return mapping{}
	}
	frames, missing, err := parseStacktraceMD(ev.StacktraceMD, d, debugIDs)
	if err != nil {
		return mapping{warnings: []string{fmt.Sprintf(
			"event %s: Bugsink's source-mapped stack trace could not be read (%v); the issue shows the frames as the SDK sent them, unmapped",
			ev.ID, err)}}
	}
	return mapping{frames: frames, missing: missing}
}

// sourceMapFiles maps each generated file the payload names a source map
// for to that map's debug id (lowercase), as apply_sourcemaps reads them.
func sourceMapFiles(d bugsink.EventData) map[string]string {
	out := map[string]string{}
	if d.DebugMeta == nil {
		return out
	}
	for _, im := range d.DebugMeta.Images {
		if im.Type == "sourcemap" && im.CodeFile != "" && im.DebugID != "" {
			out[im.CodeFile] = strings.ToLower(im.DebugID)
		}
	}
	return out
}

func namesMappedFile(excs bugsink.ExceptionList, debugIDs map[string]string) bool {
	for _, e := range excs {
		if e.Stacktrace == nil {
			continue
		}
		for _, f := range e.Stacktrace.Frames {
			if _, ok := debugIDs[f.Filename]; ok {
				return true
			}
		}
	}
	return false
}

// mdReader walks the lines of stacktrace_md.
type mdReader struct {
	lines []string
	pos   int
}

func (r *mdReader) next() (string, bool) {
	if r.pos >= len(r.lines) {
		return "", false
	}
	r.pos++
	return r.lines[r.pos-1], true
}

func (r *mdReader) expect(want string) error {
	got, ok := r.next()
	if !ok {
		return fmt.Errorf("line %d: the text ends where %q was expected", r.pos, clip(want))
	}
	if got != want {
		return fmt.Errorf("line %d: %q where %q was expected", r.pos, clip(got), clip(want))
	}
	return nil
}

// clip quotes event text in a report warning: through the untrusted path
// (cleaned, credentials redacted, no "<!--") and cut to a few bytes.
func clip(s string) string { return truncateBytes(oneLine(untrusted(s)), 60) }

// parseStacktraceMD reads the exception frames of stacktrace_md, in the
// payload's order. A frame Bugsink mapped takes its file, line, function and
// source line from the text; any other frame is the payload's own (the text
// carries no column, so the payload's is kept where the frame is unmapped).
func parseStacktraceMD(md string, d bugsink.EventData, debugIDs map[string]string) ([][]bugsink.Frame, bool, error) {
	python := d.Platform == "python"
	r := &mdReader{lines: strings.Split(md, "\n")}
	order := make([]int, len(d.Exception))
	for i := range order {
		order[i] = i
		if !python {
			order[i] = len(order) - 1 - i
		}
	}
	out := make([][]bugsink.Frame, len(d.Exception))
	missing := false
	for k, idx := range order {
		e := d.Exception[idx]
		if k > 0 {
			for _, want := range []string{"", duringHandling, ""} {
				if err := r.expect(want); err != nil {
					return nil, false, err
				}
			}
		}
		typ := e.Type
		if typ == "" {
			typ = "Exception"
		}
		// Bugsink right-trims each element it joins: the type line and the
		// whole value (whose inner lines stay as they are).
		for _, want := range strings.Split(rstrip("# "+typ)+"\n"+rstrip(e.Value), "\n") {
			if err := r.expect(want); err != nil {
				return nil, false, err
			}
		}
		var frames []bugsink.Frame
		if e.Stacktrace != nil {
			frames = e.Stacktrace.Frames
		}
		shown := make([]bugsink.Frame, len(frames))
		for n := range frames {
			i := n
			if !python {
				i = len(frames) - 1 - n
			}
			f, miss, err := r.frame(frames[i], debugIDs)
			if err != nil {
				return nil, false, fmt.Errorf("frame %d of %s: %w", n+1, clip(typ), err)
			}
			missing = missing || miss
			shown[i] = f
		}
		out[idx] = shown
	}
	if rest := r.lines[r.pos:]; len(rest) > 0 {
		if len(d.Threads) < 2 || len(rest) < 2 || rest[0] != "" || rest[1] != "# Threads" {
			return nil, false, fmt.Errorf("line %d: unexpected %q after the last frame (more frames than the event has?)", r.pos+1, clip(rest[0]))
		}
	}
	return out, missing, nil
}

// frame reads one frame (a blank line, its header, its source lines) and
// returns the frame to show for the payload's frame f.
func (r *mdReader) frame(f bugsink.Frame, debugIDs map[string]string) (bugsink.Frame, bool, error) {
	if err := r.expect(""); err != nil {
		return f, false, err
	}
	line, _ := r.next()
	h, ok := strings.CutPrefix(line, "### ")
	if !ok {
		return f, false, fmt.Errorf("line %d: %q is not a frame header", r.pos, clip(line))
	}
	debugID := ""
	if m := reMDDebugID.FindStringSubmatch(h); m != nil {
		debugID, h = m[1], strings.TrimSuffix(h, m[0])
	}
	inApp := f.InApp != nil && *f.InApp
	scope := " [external]"
	if inApp {
		scope = " [in-app]"
	}
	h, ok = strings.CutSuffix(h, scope)
	if !ok {
		return f, false, fmt.Errorf("line %d: frame header without %q", r.pos, strings.TrimSpace(scope))
	}
	h, fn, lineno := splitFrameHeader(h)
	ctx, hasCtx, err := r.gutter(lineno)
	if err != nil {
		return f, false, err
	}

	wantFile := f.Filename
	if wantFile == "" {
		wantFile = f.AbsPath
	}
	if wantFile == "" {
		wantFile = "<unknown>"
	}
	id, mappable := debugIDs[f.Filename]
	unmapped := h == wantFile && fn == f.Function && (lineno == int(f.Lineno) || f.Lineno == 0 && lineno == 0)
	switch {
	case debugID != "":
		if !mappable || debugID != id || !unmapped {
			return f, false, fmt.Errorf("line %d: a debug id the event does not give for this frame", r.pos)
		}
		return f, true, nil
	case unmapped:
		return f, false, nil
	case !mappable || f.Lineno == 0 || lineno == 0 || !hasCtx:
		return f, false, fmt.Errorf("line %d: the frame differs from the event's, and Bugsink cannot have mapped it", r.pos)
	}
	yes := inApp
	return bugsink.Frame{Filename: h, Function: fn, Lineno: bugsink.FlexInt(lineno), InApp: &yes, ContextLine: ctx}, false, nil
}

// splitFrameHeader splits what is left of a frame header,
// "file:line in `function`", into its parts (function and line optional).
func splitFrameHeader(h string) (file, fn string, lineno int) {
	if strings.HasSuffix(h, "`") {
		if i := strings.LastIndex(h, " in `"); i >= 0 {
			fn, h = h[i+len(" in `"):len(h)-1], h[:i]
		}
	}
	if m := reMDLineno.FindStringSubmatch(h); m != nil {
		lineno, _ = strconv.Atoi(m[1])
		h = strings.TrimSuffix(h, m[0])
	}
	return h, fn, lineno
}

// gutter reads a frame's source lines ("▶ 12 | code" marks the frame's
// line) or "_no source context available_", and returns the marked line.
func (r *mdReader) gutter(lineno int) (string, bool, error) {
	if r.pos < len(r.lines) && r.lines[r.pos] == "_no source context available_" {
		r.pos++
		return "", false, nil
	}
	ctx, hasCtx, n, width := "", false, 0, -1
	for r.pos < len(r.lines) && r.lines[r.pos] != "" {
		m := reMDGutter.FindStringSubmatch(r.lines[r.pos])
		if m == nil {
			return "", false, fmt.Errorf("line %d: %q is not a source line", r.pos+1, clip(r.lines[r.pos]))
		}
		num, _ := strconv.Atoi(m[3])
		if w := len(m[2]) + len(m[3]); width >= 0 && (w != width || num != n+1) {
			return "", false, fmt.Errorf("line %d: source lines out of sequence", r.pos+1)
		} else if width < 0 {
			width = w
		}
		n = num
		if m[1] == "▶ " {
			if hasCtx || num != lineno {
				return "", false, fmt.Errorf("line %d: the marked source line is not the frame's line %d", r.pos+1, lineno)
			}
			ctx, hasCtx = m[4], true
		}
		r.pos++
	}
	if width < 0 {
		return "", false, fmt.Errorf("line %d: a frame without source lines or the no-source note", r.pos+1)
	}
	return ctx, hasCtx, nil
}

// rstrip is Python's str.rstrip().
func rstrip(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) }
