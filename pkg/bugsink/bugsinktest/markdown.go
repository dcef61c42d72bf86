package bugsinktest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// This file renders an event's stacktrace_md the way Bugsink does: a port of
// render_stacktrace_md in events/markdown_stacktrace.py, with
// get_stacktrace_entries, get_thread_stacktrace_entries and apply_sourcemaps
// from events/utils.py (bugsink/bugsink). By default it renders as the
// 2.5.0 release does: exception stacks only, and "_No stacktrace
// available._" for an event without an exception (a log message's thread
// or event-level stack, as the real 2.5.0 serves it);
// StacktraceMarkdownWithThreads renders as Bugsink after 2.5.0 (commit 1da902d7, "Render threads
// alongside exception stacktraces") with get_thread_stacktrace_entries.
// Like Bugsink, it lists every frame's local variables, and it applies the
// source maps the fake was given (WithSourceMap) to exception frames only.
//
// Differences that do not matter to a client: local variables are listed in
// key order (Python keeps the payload's order) and non-string values are
// shown as JSON (Python shows their repr).

// SourceMap is an uploaded source map, reduced to what Bugsink reads from it:
// its mappings and the original sources' text.
type SourceMap struct {
	Mappings []Mapping
	// Sources holds each original source's lines ("sourcesContent").
	Sources map[string][]string
}

// Mapping maps one position of the generated file to the original source.
// Lines and columns are 0-based, as in a source map. An empty Name stands
// for a mapping without a name (Bugsink then shows no function).
type Mapping struct {
	GenLine, GenCol int
	Source          string
	Line, Col       int
	Name            string
}

// markdownOptions is how the fake renders stacktrace_md.
type markdownOptions struct {
	sourceMaps map[string]map[string]SourceMap // uploaded source maps by project slug and debug id
	inAppOnly  bool
	threads    bool // as Bugsink after 2.5.0: threads and event-level stacks too
}

// render renders an event of the project named by slug: only that
// project's source maps apply, as Bugsink looks them up by project
// (files/models.py, get_file_metadata_for_debug_ids).
func (o markdownOptions) render(slug string, data json.RawMessage, title string) string {
	return stacktraceMarkdown(data, title, o.sourceMaps[slug], o)
}

// WithSourceMap uploads a source map for the project slug under debugID:
// that project's events whose debug_meta names that id get their frames
// mapped in stacktrace_md, as Bugsink maps them. Like Bugsink's, uploads
// are project-scoped: another project's events are not mapped.
func WithSourceMap(slug, debugID string, m SourceMap) Option {
	return func(s *Server) {
		if s.md.sourceMaps == nil {
			s.md.sourceMaps = map[string]map[string]SourceMap{}
		}
		if s.md.sourceMaps[slug] == nil {
			s.md.sourceMaps[slug] = map[string]SourceMap{}
		}
		s.md.sourceMaps[slug][strings.ToLower(debugID)] = m
	}
}

// WithInAppOnlyMarkdown renders stacktrace_md as Bugsink 2.0.0 to 2.0.4
// did: only in-app frames, where an exception has any.
func WithInAppOnlyMarkdown() Option { return func(s *Server) { s.md.inAppOnly = true } }

// lookupLeft finds the mapping for a generated position: the last one on
// that line at or before the column (ecma426's lookup_left). ok is false
// where the source map has none.
func (m SourceMap) lookupLeft(line, col int) (Mapping, bool) {
	var best Mapping
	found := false
	for _, mp := range m.Mappings {
		if mp.GenLine == line && mp.GenCol <= col && (!found || mp.GenCol >= best.GenCol) {
			best, found = mp, true
		}
	}
	return best, found
}

// StacktraceMarkdown renders the stacktrace_md of a payload as Bugsink
// 2.5.0 would for an event with that platform and title, applying the
// given source maps (by debug id; nil for none).
func StacktraceMarkdown(data json.RawMessage, title string, maps map[string]SourceMap) string {
	return stacktraceMarkdown(data, title, maps, markdownOptions{})
}

// StacktraceMarkdownWithThreads is StacktraceMarkdown as Bugsink after
// 2.5.0 renders it: an event without an exception shows its threads' (or
// its event-level) stack, and an exception event with several threads ends
// with them.
func StacktraceMarkdownWithThreads(data json.RawMessage, title string, maps map[string]SourceMap) string {
	return stacktraceMarkdown(data, title, maps, markdownOptions{threads: true})
}

func stacktraceMarkdown(data json.RawMessage, title string, maps map[string]SourceMap, o markdownOptions) string {
	inAppOnly := o.inAppOnly
	var parsed map[string]any
	if err := json.Unmarshal(data, &parsed); err != nil || parsed == nil {
		return "_No stacktrace available._"
	}
	applySourceMaps(parsed, maps)
	excs := stacktraceEntries(parsed, o.threads)
	if len(excs) == 0 {
		return "_No stacktrace available._"
	}
	platform, _ := parsed["platform"].(string)
	stackOfPlates := platform != "python"
	isException := excs[0].isException
	if stackOfPlates && isException {
		reverseSlice(excs)
	}
	var lines []string
	if !isException {
		lines = append(lines, "# "+title)
		lines = append(lines, threadLines(excs, stackOfPlates, inAppOnly)...)
		return finish(lines)
	}
	for i, exc := range excs {
		if i > 0 {
			lines = append(lines, "", "**During handling of the above exception, another exception occurred:**", "")
		}
		etype := pyStr(exc.obj["type"])
		if !truthy(exc.obj["type"]) {
			etype = "Exception"
		}
		val := ""
		if truthy(exc.obj["value"]) {
			val = pyStr(exc.obj["value"])
		}
		lines = append(lines, "# "+etype, val)
		lines = append(lines, frameLines(exc.obj, stackOfPlates, inAppOnly)...)
	}
	if threads := threadEntries(parsed); o.threads && len(threads) > 1 {
		lines = append(lines, "", "# Threads")
		lines = append(lines, threadLines(threads, stackOfPlates, inAppOnly)...)
	}
	return finish(lines)
}

func finish(lines []string) string {
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

type entry struct {
	obj         map[string]any // the exception, or {"stacktrace": …} for a thread
	isException bool
	title, desc string
}

// values is issues/utils.py get_values: a list, a dict's "values", or a
// bare dict as a list of one.
func values(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case map[string]any:
		if vs, ok := v["values"]; ok {
			l, _ := vs.([]any)
			return l
		}
		return []any{v}
	}
	return nil
}

// stacktraceEntries is get_stacktrace_entries; before threads were rendered
// (2.5.0 and older) only the exceptions count.
func stacktraceEntries(data map[string]any, threads bool) []entry {
	if excs := values(data["exception"]); len(excs) > 0 {
		var out []entry
		for _, e := range excs {
			m, _ := e.(map[string]any)
			out = append(out, entry{obj: m, isException: true})
		}
		return out
	}
	if !threads {
		return nil
	}
	if threads := threadEntries(data); len(threads) > 0 {
		return threads
	}
	st, _ := data["stacktrace"].(map[string]any)
	if !truthy(st["frames"]) {
		return nil
	}
	return []entry{{obj: map[string]any{"stacktrace": st}}}
}

func threadEntries(data map[string]any) []entry {
	threads := values(data["threads"])
	var out []entry
	first := -1
	for i, t := range threads {
		th, _ := t.(map[string]any)
		st, _ := th["stacktrace"].(map[string]any)
		if first < 0 && truthy(st["frames"]) {
			first = i
		}
		out = append(out, entry{obj: map[string]any{"stacktrace": st}, title: threadTitle(th), desc: threadDescription(th)})
	}
	if first < 0 {
		return nil
	}
	e := out[first]
	out = append(out[:first], out[first+1:]...)
	return append([]entry{e}, out...)
}

func threadTitle(t map[string]any) string {
	id, hasID := t["id"]
	hasID = hasID && id != nil
	name := truthy(t["name"])
	switch {
	case hasID && name:
		return fmt.Sprintf("Thread #%s: %s", pyStr(id), pyStr(t["name"]))
	case name:
		return "Thread: " + pyStr(t["name"])
	case hasID:
		return "Thread #" + pyStr(id)
	}
	return "Thread"
}

func threadDescription(t map[string]any) string {
	var parts []string
	if c, ok := t["crashed"]; ok && c != nil {
		if truthy(c) {
			parts = append(parts, "errored: yes")
		} else {
			parts = append(parts, "errored: no")
		}
	}
	if s, ok := t["state"].(string); ok && s != "" {
		parts = append(parts, "state: "+pyTitle(strings.ReplaceAll(s, "_", " ")))
	}
	return strings.Join(parts, ", ")
}

func threadLines(threads []entry, stackOfPlates, inAppOnly bool) []string {
	var lines []string
	for _, t := range threads {
		if len(threads) > 1 {
			lines = append(lines, "", "## "+t.title)
			if t.desc != "" {
				lines = append(lines, "_"+t.desc+"_")
			}
		}
		if len(frames(t.obj)) == 0 {
			lines = append(lines, "", "_No stacktrace found._")
			continue
		}
		lines = append(lines, frameLines(t.obj, stackOfPlates, inAppOnly)...)
	}
	return lines
}

func frames(obj map[string]any) []map[string]any {
	st, _ := obj["stacktrace"].(map[string]any)
	raw, _ := st["frames"].([]any)
	var out []map[string]any
	for _, f := range raw {
		if m, ok := f.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func frameLines(obj map[string]any, stackOfPlates, inAppOnly bool) []string {
	fs := frames(obj)
	if stackOfPlates {
		fs = append([]map[string]any(nil), fs...)
		reverseSlice(fs)
	}
	if inAppOnly {
		// _select_frames: the in-app frames, or all when there are none.
		var app []map[string]any
		for _, f := range fs {
			if f["in_app"] == true {
				app = append(app, f)
			}
		}
		if len(app) > 0 {
			fs = app
		}
	}
	var lines []string
	for _, f := range fs {
		lines = append(lines, "", frameHeader(f))
		if code := codeGutter(f); len(code) > 0 {
			lines = append(lines, code...)
		} else {
			lines = append(lines, "_no source context available_")
		}
		if vars, ok := f["vars"].(map[string]any); ok && len(vars) > 0 {
			lines = append(lines, "", "#### Locals", "")
			keys := make([]string, 0, len(vars))
			for k := range vars {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				lines = append(lines, fmt.Sprintf("* `%s` = `%s`", k, pyStr(vars[k])))
			}
		}
	}
	return lines
}

func frameHeader(f map[string]any) string {
	fn := "<unknown>"
	if truthy(f["filename"]) {
		fn = pyStr(f["filename"])
	} else if truthy(f["abs_path"]) {
		fn = pyStr(f["abs_path"])
	}
	h := "### " + fn
	if ln, ok := f["lineno"]; ok && ln != nil {
		h += ":" + pyStr(ln)
	}
	if truthy(f["function"]) {
		h += " in `" + pyStr(f["function"]) + "`"
	}
	if f["in_app"] == true {
		h += " [in-app]"
	} else {
		h += " [external]"
	}
	if truthy(f["debug_id"]) && !truthy(f["mapped"]) {
		h += " (no sourcemap for debug_id " + pyStr(f["debug_id"]) + ")"
	}
	return h
}

func codeGutter(f map[string]any) []string {
	strs := func(v any) []string {
		l, _ := v.([]any)
		var out []string
		for _, x := range l {
			if x == nil {
				out = append(out, "")
			} else {
				out = append(out, pyStr(x))
			}
		}
		return out
	}
	pre, post := strs(f["pre_context"]), strs(f["post_context"])
	ctx, hasCtx := f["context_line"]
	hasCtx = hasCtx && ctx != nil
	if len(pre) == 0 && !hasCtx && len(post) == 0 {
		return nil
	}
	start := 1
	if ln, ok := f["lineno"].(float64); ok {
		start = max(1, int(ln)-len(pre))
	}
	lines := append([]string(nil), pre...)
	ctxIndex := -1
	if hasCtx {
		ctxIndex = len(lines)
		lines = append(lines, pyStr(ctx))
	}
	lines = append(lines, post...)
	width := max(2, len(strconv.Itoa(start+len(lines)-1)))
	var out []string
	for i, text := range lines {
		mark := "  "
		if i == ctxIndex {
			mark = "▶ "
		}
		out = append(out, fmt.Sprintf("%s%*d | %s", mark, width, start+i, text))
	}
	return out
}

// applySourceMaps is events/utils.py apply_sourcemaps: exception frames
// whose file has an uploaded source map are mapped; frames whose file names
// a debug id with no uploaded map get that id (shown as "no sourcemap").
func applySourceMaps(data map[string]any, maps map[string]SourceMap) {
	dm, _ := data["debug_meta"].(map[string]any)
	images, _ := dm["images"].([]any)
	debugIDFor := map[string]string{}
	for _, im := range images {
		m, _ := im.(map[string]any)
		id, okID := m["debug_id"].(string)
		file, okFile := m["code_file"].(string)
		if okID && okFile && m["type"] == "sourcemap" {
			debugIDFor[file] = strings.ToLower(id)
		}
	}
	if len(debugIDFor) == 0 {
		return
	}
	for _, e := range values(data["exception"]) {
		exc, _ := e.(map[string]any)
		for _, f := range frames(exc) {
			file, _ := f["filename"].(string)
			id, known := debugIDFor[file]
			if !known {
				continue
			}
			sm, uploaded := maps[id]
			if !uploaded {
				f["debug_id"] = id
				continue
			}
			ln, _ := f["lineno"].(float64)
			if ln == 0 {
				continue
			}
			col, _ := f["colno"].(float64)
			if col == 0 {
				col = 1
			}
			mp, ok := sm.lookupLeft(int(ln)-1, int(col)-1)
			if !ok {
				f["debug_id"] = id
				f["sourcemap_error"] = fmt.Sprintf("Error mapping (%d, %d) into sourcemap (%s)", int(ln)-1, int(col)-1, id)
				continue
			}
			src, ok := sm.Sources[mp.Source]
			if !ok || mp.Line < 0 || mp.Line >= len(src) {
				continue
			}
			f["pre_context"] = anyList(src[max(0, mp.Line-5):mp.Line])
			f["context_line"] = src[mp.Line]
			f["post_context"] = anyList(src[mp.Line+1 : min(len(src), mp.Line+5)])
			f["lineno"] = float64(mp.Line + 1)
			f["colno"] = float64(mp.Col + 1)
			f["filename"] = mp.Source
			if mp.Name != "" {
				f["function"] = mp.Name
			} else {
				f["function"] = nil
			}
		}
	}
}

func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func reverseSlice[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// truthy is Python truthiness for decoded JSON.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case float64:
		return v != 0
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return true
}

// pyStr is Python's str() of decoded JSON, close enough for the fake.
func pyStr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case string:
		return v
	case bool:
		if v {
			return "True"
		}
		return "False"
	case float64:
		if v == float64(int64(v)) {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// pyTitle is Python's str.title() for plain words.
func pyTitle(s string) string {
	out := []rune(strings.ToLower(s))
	start := true
	for i, r := range out {
		if unicode.IsLetter(r) {
			if start {
				out[i] = unicode.ToUpper(r)
			}
			start = false
		} else {
			start = true
		}
	}
	return string(out)
}
