package syncer

import (
	"fmt"
	"strings"

	"bsync/pkg/bugsink"
)

// stackLines builds the stack trace text from the event's own frames (never
// from Bugsink's rendered Markdown, which includes local variables).
//
// Order follows what people of the platform expect: Python shows causes
// first and frames oldest first ("most recent call last"), like a Python
// traceback; every other platform shows the main exception first, its
// causes after it, and frames newest first, like a JavaScript or Java
// trace. Frames of the application itself are marked "[app]".
func stackLines(ev *bugsink.Event, maxFrames int) []string {
	if ev == nil {
		return nil
	}
	excs := ev.Data.Exception
	if len(excs) == 0 {
		msg := ev.Data.LogMessage()
		if ev.Data.LogEntry != nil && ev.Data.LogEntry.Formatted != "" {
			msg = ev.Data.LogEntry.Formatted // the message with its arguments filled in
		}
		if msg != "" {
			return []string{"Log message: " + oneLine(truncateBytes(untrusted(msg), maxMessageBytes))}
		}
		return nil
	}
	python := strings.EqualFold(ev.Data.Platform, "python")
	order := make([]int, len(excs))
	for i := range excs {
		if python {
			order[i] = i
		} else {
			order[i] = len(excs) - 1 - i
		}
	}
	var lines []string
	for n, idx := range order {
		e := excs[idx]
		if n > 0 {
			if python {
				lines = append(lines, "", "The above exception was the direct cause of the following exception:", "")
			} else {
				lines = append(lines, "", "Caused by:")
			}
		}
		lines = append(lines, exceptionHeader(e))
		var frames []bugsink.Frame
		if e.Stacktrace != nil {
			frames = e.Stacktrace.Frames
		}
		if python {
			lines = append(lines, framesLines(frames, maxFrames, false)...)
		} else {
			lines = append(lines, framesLines(frames, maxFrames, true)...)
		}
	}
	return lines
}

func exceptionHeader(e bugsink.Exception) string {
	typ := oneLine(untrusted(e.Type))
	if typ == "" {
		typ = "Error"
	}
	if mod := oneLine(untrusted(e.Module)); mod != "" && !strings.Contains(typ, ".") {
		typ = mod + "." + typ
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
