package render

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"bsync/pkg/bugsink"
)

// trace is the stack trace text of an event and what the issue says about
// it besides.
type trace struct {
	lines []string
	// missingMaps says Bugsink had no source map for some frames (read from
	// its rendered trace, so only known when that was used).
	missingMaps bool
	// warnings are for the run report, not the issue.
	warnings []string
}

// stackLines builds the stack trace text from the event's own frames, or,
// for an event none of whose frames carries variables, from the
// source-mapped frames of Bugsink's rendered trace (see mapped.go).
//
// Order follows what people of the platform expect: Python shows causes
// first and frames oldest first ("most recent call last"), like a Python
// traceback; every other platform shows the main exception first, its
// causes after it, and frames newest first, like a JavaScript or Java
// trace. An exception group is shown as a tree, the group first. Frames of
// the application itself are marked "[app]".
func stackLines(ev *bugsink.Event, maxFrames int) trace {
	if ev == nil {
		return trace{}
	}
	d := ev.Data
	r := traceRenderer{python: d.Platform == "python", maxFrames: maxFrames}
	var t trace
	if len(d.Exception) > 0 {
		m := mappedFrames(ev)
		t.warnings = m.warnings
		if m.frames != nil {
			r.mapped = m.frames
			t.missingMaps = m.missing
		}
		t.lines = r.exceptions(d.Exception)
		if other := r.threads(d.Threads, true); len(other) > 0 {
			t.lines = append(t.lines, "")
			t.lines = append(t.lines, other...)
		}
		return t
	}
	if msg := logMessageText(d); msg != "" {
		t.lines = append(t.lines, "Log message: "+oneLine(truncateBytes(untrusted(msg), maxMessageBytes)))
		if args := logArguments(d); args != "" {
			t.lines = append(t.lines, "  with arguments: "+args)
		}
	}
	stack := r.threads(d.Threads, false)
	if len(stack) == 0 && d.Stacktrace != nil && len(d.Stacktrace.Frames) > 0 {
		stack = append([]string{"Stack trace:"}, r.frames(d.Stacktrace.Frames)...)
	}
	if len(stack) > 0 {
		if len(t.lines) > 0 {
			t.lines = append(t.lines, "")
		}
		t.lines = append(t.lines, stack...)
	}
	return t
}

// logArguments shows the arguments of a logged message the SDK did not
// format (older Python SDKs send "order %s" with its params apart), as
// compact JSON.
func logArguments(d bugsink.EventData) string {
	if d.LogEntry == nil || d.LogEntry.Formatted != "" || len(d.LogEntry.Params) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(d.LogEntry.Params, &v) != nil {
		return ""
	}
	if args, ok := v.([]any); ok {
		redactNamedArguments(d.LogEntry.Message, args)
	}
	var b strings.Builder
	showValue(&b, v, 0)
	if s := b.String(); s == "" || s == "[]" || s == "{}" {
		return ""
	}
	return oneLine(truncateBytes(untrusted(b.String()), maxFrameBytes))
}

// showValue writes a decoded JSON value for reading: strings in single
// quotes and unescaped, so that the credential patterns see them as they
// were (JSON escapes would hide a quoted "password" from them).
func showValue(b *strings.Builder, v any, depth int) {
	if b.Len() > maxFrameBytes || depth > 8 {
		b.WriteString("…")
		return
	}
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case string: // escaped as Python writes a string, so its quote ends it
		b.WriteString("'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'")
	case []any:
		b.WriteString("[")
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			showValue(b, x, depth+1)
		}
		b.WriteString("]")
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k + ": ")
			showValue(b, v[k], depth+1)
		}
		b.WriteString("}")
	default:
		out, _ := json.Marshal(v)
		b.Write(out)
	}
}

// logMessageText is the message of an event without an exception, with
// its arguments filled in where the SDK sent that.
func logMessageText(d bugsink.EventData) string {
	if d.LogEntry != nil && d.LogEntry.Formatted != "" {
		return d.LogEntry.Formatted
	}
	return d.LogMessage()
}

type traceRenderer struct {
	python    bool
	maxFrames int
	// mapped holds, per exception (in payload order), the source-mapped
	// frames to show instead of the payload's; nil when not used.
	mapped [][]bugsink.Frame
}

// Connector sentences between linked exceptions. Python's own wording is
// used where the link is known; where the SDK does not say (older Python
// SDKs follow __cause__, else __context__), the sentence says so.
const (
	pyCause     = "The above exception was the direct cause of the following exception:"
	pyContext   = "During handling of the above exception, another exception occurred:"
	pyUnknown   = "The above exception was the cause or the context of the following exception (the SDK does not say which):"
	jsCause     = "Caused by:"
	jsContext   = "Raised while handling:"
	memberOfFmt = "Exception %d of the group above (%s):"
)

// excNode is one exception in the tree its mechanism fields describe.
type excNode struct {
	idx      int // index in the payload
	parent   *excNode
	children []*excNode
}

// exceptions renders the exceptions of an event. With exception_id and
// parent_id (newer SDKs) they form a tree; without, a chain whose last
// element is the main exception.
func (r traceRenderer) exceptions(excs bugsink.ExceptionList) []string {
	root := exceptionTree(excs)
	var chain []int // main first
	for n := root; n != nil; {
		chain = append(chain, n.idx)
		switch len(n.children) {
		case 0:
			n = nil
		case 1:
			if m := excs[n.idx].Mechanism; m != nil && m.IsExceptionGroup {
				return r.tree(excs, root, 0)
			}
			n = n.children[0]
		default:
			return r.tree(excs, root, 0)
		}
	}
	var lines []string
	if r.python {
		for i := len(chain) - 1; i >= 0; i-- {
			if i < len(chain)-1 {
				lines = append(lines, "", r.connector(excs[chain[i+1]]), "")
			}
			lines = append(lines, r.exception(excs, chain[i])...)
		}
		return lines
	}
	for i, idx := range chain {
		if i > 0 {
			lines = append(lines, "", r.connector(excs[idx]))
		}
		lines = append(lines, r.exception(excs, idx)...)
	}
	return lines
}

// exceptionTree links the exceptions by exception_id and parent_id when
// every one of them has a distinct id; otherwise each is the cause of the
// next (the payload's order, the last one being the main exception).
func exceptionTree(excs bugsink.ExceptionList) *excNode {
	nodes := make([]*excNode, len(excs))
	byID := map[int]*excNode{}
	ids := make([]int, 0, len(excs))
	for i, e := range excs {
		nodes[i] = &excNode{idx: i}
		if ids == nil || e.Mechanism == nil || e.Mechanism.ExceptionID == nil {
			ids = nil
			continue
		}
		id := int(*e.Mechanism.ExceptionID)
		if _, dup := byID[id]; dup {
			ids = nil
			continue
		}
		byID[id] = nodes[i]
		ids = append(ids, id)
	}
	main := nodes[len(nodes)-1]
	if ids == nil {
		for i := len(nodes) - 1; i > 0; i-- {
			nodes[i].children = []*excNode{nodes[i-1]}
		}
		return main
	}
	// Children in id order (the order the SDK walked them); an exception
	// whose parent is missing, or would close a loop, hangs off the main
	// exception, so nothing is lost.
	sort.Ints(ids)
	for _, id := range ids {
		n := byID[id]
		if n == main {
			continue
		}
		parent := main
		if pid := excs[n.idx].Mechanism.ParentID; pid != nil {
			if p, ok := byID[int(*pid)]; ok && !above(n, p) {
				parent = p
			}
		}
		n.parent = parent
		parent.children = append(parent.children, n)
	}
	return main
}

// above reports whether n is p or one of p's ancestors.
func above(n, p *excNode) bool {
	for a := p; a != nil; a = a.parent {
		if a == n {
			return true
		}
	}
	return false
}

// maxIndent caps how deep a tree is indented (each level adds four spaces
// to every line below it).
const maxIndent = 6

// tree renders an exception group: each exception, then its members and
// causes indented below it.
func (r traceRenderer) tree(excs bugsink.ExceptionList, n *excNode, depth int) []string {
	indent := strings.Repeat("    ", min(depth, maxIndent))
	var lines []string
	for _, l := range r.exception(excs, n.idx) {
		lines = append(lines, indent+l)
	}
	member := 0
	for _, c := range n.children {
		conn := r.connector(excs[c.idx])
		if src := linkSource(excs[c.idx]); isMemberSource(src) {
			member++
			conn = fmt.Sprintf(memberOfFmt, member, src)
		}
		lines = append(lines, "", indent+"  "+conn)
		lines = append(lines, r.tree(excs, c, depth+1)...)
	}
	return lines
}

// linkSource is an exception's mechanism.source, event text like any
// other: cleaned, redacted, on one line and cut to codeSafe's cap, since
// every connector sentence quotes it.
func linkSource(e bugsink.Exception) string {
	if e.Mechanism == nil {
		return ""
	}
	return codeSafe(oneLine(untrusted(e.Mechanism.Source)))
}

// isMemberSource reports whether a mechanism source names a group member
// ("exceptions[0]" in Python, "errors[0]" in JavaScript).
func isMemberSource(src string) bool {
	return strings.HasSuffix(src, "]") && (strings.HasPrefix(src, "exceptions[") || strings.HasPrefix(src, "errors["))
}

// connector is the sentence that links e to the exception it belongs to.
func (r traceRenderer) connector(e bugsink.Exception) string {
	src := linkSource(e)
	switch {
	case src == "__context__":
		if r.python {
			return pyContext
		}
		return jsContext
	case src == "__cause__" || src == "cause" || src == "InnerException" || (!r.python && src == ""):
		if r.python {
			return pyCause
		}
		return jsCause
	case isMemberSource(src):
		return fmt.Sprintf("Member of the group (%s):", src)
	case src != "":
		if r.python {
			return "The above exception is linked to the following one as its " + codeSafe(src) + ":"
		}
		return "Linked as " + codeSafe(src) + ":"
	}
	return pyUnknown
}

// codeSafe shortens an untrusted word for a connector line.
func codeSafe(s string) string { return truncateBytes(s, 64) }

// exception renders one exception's header and frames.
func (r traceRenderer) exception(excs bugsink.ExceptionList, idx int) []string {
	e := excs[idx]
	frames := []bugsink.Frame(nil)
	if e.Stacktrace != nil {
		frames = e.Stacktrace.Frames
	}
	if r.mapped != nil && idx < len(r.mapped) {
		frames = r.mapped[idx]
	}
	return append([]string{exceptionHeader(e)}, r.frames(frames)...)
}

// frames renders frames (given oldest first) in the platform's order.
func (r traceRenderer) frames(frames []bugsink.Frame) []string {
	return framesLines(frames, r.maxFrames, !r.python)
}

// maxThreads caps the other threads shown.
const maxThreads = 10

// threads renders the threads interface. For an event without an exception
// it shows the crashed thread, else the current one, else the first with
// frames; then the other threads with frames, when there are any. With an
// exception (others set) only the other threads are shown: the crashed
// one's stack is the exception's.
func (r traceRenderer) threads(ts bugsink.ThreadList, others bool) []string {
	main := -1
	for _, want := range []func(bugsink.Thread) bool{
		func(t bugsink.Thread) bool { return t.Crashed },
		func(t bugsink.Thread) bool { return t.Current },
		func(bugsink.Thread) bool { return true },
	} {
		for i, t := range ts {
			if main < 0 && want(t) && hasFrames(t) {
				main = i
			}
		}
	}
	if others && main >= 0 && !ts[main].Crashed && !ts[main].Current {
		main = -1 // no thread is the exception's: all are others
	}
	var lines []string
	if !others && main >= 0 {
		lines = append(lines, threadTitle(ts[main])+":")
		lines = append(lines, r.frames(ts[main].Stacktrace.Frames)...)
	}
	shown := 0
	for i, t := range ts {
		if i == main || !hasFrames(t) {
			continue
		}
		if shown == maxThreads {
			lines = append(lines, "", "  … more threads left out; all are in Bugsink …")
			break
		}
		if shown == 0 {
			if len(lines) > 0 {
				lines = append(lines, "")
			}
			lines = append(lines, "Other threads:")
		}
		shown++
		lines = append(lines, "", threadTitle(t)+":")
		lines = append(lines, r.frames(t.Stacktrace.Frames)...)
	}
	return lines
}

func hasFrames(t bugsink.Thread) bool { return t.Stacktrace != nil && len(t.Stacktrace.Frames) > 0 }

// threadTitle names a thread: "Thread #12 worker (crashed)".
func threadTitle(t bugsink.Thread) string {
	s := "Thread"
	if id := oneLine(untrusted(string(t.ID))); id != "" {
		s += " #" + truncateBytes(id, 64)
	}
	if name := oneLine(untrusted(t.Name)); name != "" {
		s += " " + truncateBytes(name, 128)
	}
	switch {
	case t.Crashed:
		s += " (crashed)"
	case t.Current:
		s += " (current)"
	}
	return s
}

// noType stands for an exception type the event does not give: nothing is
// invented in its place.
const noType = "(no type)"

func exceptionHeader(e bugsink.Exception) string {
	typ := oneLine(untrusted(e.Type))
	if mod := oneLine(untrusted(e.Module)); typ != "" && mod != "" && !strings.Contains(typ, ".") {
		typ = mod + "." + typ
	}
	if typ == "" {
		typ = noType
	}
	val := oneLine(truncateBytes(untrusted(e.Value), maxMessageBytes))
	if val == "" {
		return truncateBytes(typ, maxFrameBytes)
	}
	return truncateBytes(typ, maxFrameBytes) + ": " + val
}

// framesLines renders frames (given oldest first) newest first when
// newestFirst, keeping at most maxFrames: the crash-side three quarters and
// the outermost quarter, with a note where frames were left out.
func framesLines(frames []bugsink.Frame, maxFrames int, newestFirst bool) []string {
	ordered := make([]bugsink.Frame, len(frames))
	copy(ordered, frames)
	if newestFirst {
		for i, j := 0, len(ordered)-1; i < j; i, j = i+1, j-1 {
			ordered[i], ordered[j] = ordered[j], ordered[i]
		}
	}
	var lines []string
	add := func(f bugsink.Frame) { lines = append(lines, frameLines(f)...) }
	if len(ordered) <= maxFrames {
		for _, f := range ordered {
			add(f)
		}
		return lines
	}
	crashSide := maxFrames * 3 / 4
	outer := maxFrames - crashSide
	dropped := len(ordered) - maxFrames
	gap := fmt.Sprintf("  … %d frames left out …", dropped)
	if newestFirst {
		for _, f := range ordered[:crashSide] {
			add(f)
		}
		lines = append(lines, gap)
		for _, f := range ordered[len(ordered)-outer:] {
			add(f)
		}
	} else {
		for _, f := range ordered[:outer] {
			add(f)
		}
		lines = append(lines, gap)
		for _, f := range ordered[len(ordered)-crashSide:] {
			add(f)
		}
	}
	return lines
}

// frameLines renders one frame: "  at function (file:line:col) [app]" and
// its context line. Local variables are never shown.
func frameLines(f bugsink.Frame) []string {
	file := f.Filename
	if file == "" {
		file = f.AbsPath
	}
	if file == "" {
		file = f.Module
	}
	if file == "" {
		file = f.Package
	}
	if strings.Contains(file, "://") || strings.Contains(file, "?") {
		file = redactURL(file)
	}
	file = oneLine(untrusted(file))
	loc := file
	if loc == "" {
		loc = "?"
	}
	if f.Lineno > 0 {
		loc += fmt.Sprintf(":%d", f.Lineno)
		if f.Colno > 0 {
			loc += fmt.Sprintf(":%d", f.Colno)
		}
	}
	fn := oneLine(untrusted(f.Function))
	if fn == "" {
		fn = "?"
	}
	line := "  at " + fn + " (" + loc + ")"
	if f.InApp != nil && *f.InApp {
		line += " [app]"
	}
	out := []string{truncateBytes(line, maxFrameBytes)}
	if ctx := strings.TrimSpace(untrusted(f.ContextLine)); ctx != "" {
		out = append(out, "      > "+truncateBytes(oneLine(ctx), maxFrameBytes))
	}
	return out
}
