package bugsinktest

import (
	"encoding/json"
	"strings"
)

// logMessageType is the type Bugsink gives an event without an exception.
const logMessageType = "Log Message"

// Calculated returns the calculated_type and calculated_value Bugsink
// derives from an event payload at digest (issues/utils.py
// get_type_and_value_for_data): the main (last) exception's type and value;
// for a synthetic exception the crash frame's function and no value; for
// an event without an exception "Log Message" and the message's first line.
// Function names are taken as sent (Bugsink trims native ones).
func Calculated(data json.RawMessage) (typ, value string) {
	var d map[string]any
	if json.Unmarshal(data, &d) != nil {
		return logMessageType, "<no log message>"
	}
	if !truthy(d["exception"]) {
		return logMessage(d)
	}
	excs := values(d["exception"])
	if len(excs) == 0 {
		return "<unknown>", ""
	}
	main, _ := excs[len(excs)-1].(map[string]any)
	if len(main) == 0 {
		return "<unknown>", ""
	}
	if mech, _ := main["mechanism"].(map[string]any); truthy(mech["synthetic"]) {
		if fn := crashFunction(d, excs); fn != "" {
			return fn, ""
		}
		return "<unknown>", ""
	}
	typ = "Error"
	if t, ok := main["type"]; ok {
		typ = trim(pyStr(t), 128)
	}
	if v, ok := main["value"]; ok && v != nil {
		value = trim(pyStr(v), 1024)
	}
	return typ, value
}

// crashFunction is get_crash_location's function: the last in-app frame
// with a function, else the last frame with one.
func crashFunction(d map[string]any, excs []any) string {
	main, _ := excs[len(excs)-1].(map[string]any)
	fs := frames(main)
	if len(fs) == 0 {
		fs = frames(d)
	}
	if len(fs) == 0 {
		if th := values(d["threads"]); len(th) == 1 {
			t, _ := th[0].(map[string]any)
			fs = frames(t)
		}
	}
	fallback := ""
	for i := len(fs) - 1; i >= 0; i-- {
		fn, _ := fs[i]["function"].(string)
		if fn == "" || fn == "<redacted>" || fn == "<unknown>" {
			continue
		}
		if truthy(fs[i]["in_app"]) {
			return fn
		}
		if fallback == "" {
			fallback = fn
		}
	}
	return fallback
}

func logMessage(d map[string]any) (string, string) {
	get := func(k1, k2 string) string {
		m, _ := d[k1].(map[string]any)
		s, _ := m[k2].(string)
		return s
	}
	msg := strings.TrimSpace(firstNonEmpty(get("logentry", "message"), get("logentry", "formatted"),
		get("message", "message"), get("message", "formatted")))
	if msg == "" {
		msg, _ = d["message"].(string)
	}
	if msg == "" {
		return logMessageType, "<no log message>"
	}
	first, _, _ := strings.Cut(strings.ReplaceAll(msg, "\r\n", "\n"), "\n")
	if r := []rune(first); len(r) > 1024 {
		first = string(r[:1024])
	}
	return logMessageType, first
}

// Title is Bugsink's get_title_for_exception_type_and_value.
func Title(typ, value string) string {
	if value == "" {
		return typ
	}
	first, _, _ := strings.Cut(strings.ReplaceAll(value, "\r\n", "\n"), "\n")
	if typ == logMessageType {
		return first
	}
	return typ + ": " + first
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// trim cuts s to n characters, as Bugsink's trim does (it adds "...").
func trim(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}
