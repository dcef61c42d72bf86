package bugsink

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// EventData is the part of a stored Sentry event payload that bsync reads.
// Fields the tool must never copy (frame vars, request headers, cookies,
// bodies, user data) are not decoded at all, so they cannot leak by
// accident further down.
type EventData struct {
	Platform  string         `json:"platform"`
	Level     string         `json:"level"`
	Release   string         `json:"release"`
	Env       string         `json:"environment"`
	Request   *Request       `json:"request"`
	Exception ExceptionList  `json:"exception"`
	LogEntry  *LogEntry      `json:"logentry"`
	Message   flexibleString `json:"message"`
	// Threads is the threads interface: where SDKs put the stack of a
	// logged message or captured message (attach_stacktrace), or the stacks
	// of all threads.
	Threads ThreadList `json:"threads"`
	// Stacktrace is an event-level stack trace (older JavaScript SDKs send
	// the stack of a captured message here).
	Stacktrace *Stacktrace `json:"stacktrace"`
	DebugMeta  *DebugMeta  `json:"debug_meta"`
	// Transaction and Fingerprint are kept raw: they are read only to
	// tell which issues Bugsink would group together (package envlink).
	Transaction json.RawMessage `json:"transaction"`
	Fingerprint json.RawMessage `json:"fingerprint"`
}

// Request is the HTTP request an event was captured in; only the method and
// URL are kept.
type Request struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

// LogEntry is a logged message (events without an exception). Params are
// the message's arguments as sent (a list or an object), for SDKs that do
// not send the formatted message.
type LogEntry struct {
	Message   string          `json:"message"`
	Formatted string          `json:"formatted"`
	Params    json.RawMessage `json:"params"`
}

// Exception is one exception of a (possibly chained) error.
type Exception struct {
	Type       string      `json:"type"`
	Value      string      `json:"value"`
	Module     string      `json:"module"`
	Mechanism  *Mechanism  `json:"mechanism"`
	Stacktrace *Stacktrace `json:"stacktrace"`
}

// Mechanism says how an exception was caught and, in newer SDKs, how it
// links to the others of the event: Source is the attribute it was found
// under in its parent ("__cause__", "__context__", "cause", "errors[0]",
// "exceptions[0]"), ExceptionID and ParentID place it in the tree, and
// IsExceptionGroup marks a group (Python's ExceptionGroup, JavaScript's
// AggregateError).
type Mechanism struct {
	Type             string   `json:"type"`
	Source           string   `json:"source"`
	Synthetic        bool     `json:"synthetic"`
	IsExceptionGroup bool     `json:"is_exception_group"`
	ExceptionID      *FlexInt `json:"exception_id"`
	ParentID         *FlexInt `json:"parent_id"`
}

// Thread is one thread of the threads interface.
type Thread struct {
	ID         FlexString  `json:"id"`
	Name       string      `json:"name"`
	Crashed    bool        `json:"crashed"`
	Current    bool        `json:"current"`
	Stacktrace *Stacktrace `json:"stacktrace"`
}

// ThreadList accepts {"values": [...]} or a bare list, as Bugsink does.
type ThreadList []Thread

// UnmarshalJSON implements json.Unmarshaler.
func (l *ThreadList) UnmarshalJSON(b []byte) error {
	trimmed := strings.TrimSpace(string(b))
	if strings.HasPrefix(trimmed, "[") {
		var list []Thread
		err := json.Unmarshal(b, &list)
		*l = list
		return tolerateTypes(err)
	}
	var wrapped struct {
		Values []Thread `json:"values"`
	}
	err := json.Unmarshal(b, &wrapped)
	*l = wrapped.Values
	return tolerateTypes(err)
}

// DebugMeta lists the debug files (source maps) an event's frames refer to.
type DebugMeta struct {
	Images []DebugImage `json:"images"`
}

// DebugImage is one debug file: for JavaScript, Type "sourcemap", the
// generated file CodeFile and the DebugID its source map was uploaded under.
type DebugImage struct {
	Type     string `json:"type"`
	CodeFile string `json:"code_file"`
	DebugID  string `json:"debug_id"`
}

// FlexString accepts a JSON string or number (thread ids come as both).
type FlexString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *FlexString) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil
	}
	switch v := v.(type) {
	case string:
		*s = FlexString(v)
	case float64:
		*s = FlexString(strconv.FormatFloat(v, 'f', -1, 64))
	default:
		*s = ""
	}
	return nil
}

// Stacktrace holds frames ordered oldest to newest: the crashing frame is last.
type Stacktrace struct {
	Frames []Frame `json:"frames"`
}

// Frame is one stack frame, without its local variables: HasVars only
// says whether the frame carried any (their values are never kept).
type Frame struct {
	Filename    string  `json:"filename"`
	AbsPath     string  `json:"abs_path"`
	Function    string  `json:"function"`
	Module      string  `json:"module"`
	Package     string  `json:"package"`
	Lineno      FlexInt `json:"lineno"`
	Colno       FlexInt `json:"colno"`
	InApp       *bool   `json:"in_app"`
	ContextLine string  `json:"context_line"`
	HasVars     bool    `json:"-"`
}

// UnmarshalJSON implements json.Unmarshaler: it notes whether the frame
// has a "vars" key and drops the variables themselves.
func (f *Frame) UnmarshalJSON(b []byte) error {
	type plain Frame
	var aux struct {
		plain
		Vars json.RawMessage `json:"vars"`
	}
	err := json.Unmarshal(b, &aux)
	*f = Frame(aux.plain)
	f.HasVars = len(aux.Vars) > 0
	return tolerateTypes(err)
}

// FlexInt accepts a JSON number or a numeric string (SDKs send both);
// anything else reads as 0.
type FlexInt int

// UnmarshalJSON implements json.Unmarshaler.
func (n *FlexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v > 1<<31 {
		*n = 0
		return nil
	}
	*n = FlexInt(v)
	return nil
}

// ExceptionList accepts the three shapes SDKs send: {"values": [...]}, a
// bare list, or a single exception object. The last element is the main
// exception; earlier ones are its causes.
type ExceptionList []Exception

// UnmarshalJSON implements json.Unmarshaler for the three shapes.
func (l *ExceptionList) UnmarshalJSON(b []byte) error {
	trimmed := strings.TrimSpace(string(b))
	switch {
	case trimmed == "null" || trimmed == "":
		*l = nil
		return nil
	case strings.HasPrefix(trimmed, "["):
		var list []Exception
		err := json.Unmarshal(b, &list)
		*l = list
		return tolerateTypes(err)
	}
	var wrapped struct {
		Values *[]Exception `json:"values"`
	}
	err := json.Unmarshal(b, &wrapped)
	if wrapped.Values != nil {
		*l = *wrapped.Values
		return tolerateTypes(err)
	}
	if err = tolerateTypes(err); err != nil {
		return err
	}
	var single Exception
	if err := tolerateTypes(json.Unmarshal(b, &single)); err != nil {
		return err
	}
	if single.Type == "" && single.Value == "" && single.Stacktrace == nil {
		*l = nil
		return nil
	}
	*l = ExceptionList{single}
	return nil
}

// tolerateTypes drops a field-type mismatch (an SDK sending a number as a
// string, say): encoding/json still fills every other field, and one odd
// field must not lose the whole stack trace.
func tolerateTypes(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return nil
	}
	return err
}

// Main returns the main exception (the last one), or nil.
func (l ExceptionList) Main() *Exception {
	if len(l) == 0 {
		return nil
	}
	return &l[len(l)-1]
}

// flexibleString accepts "message" as a plain string or as an object with
// "message"/"formatted" (both shapes occur in Sentry payloads).
type flexibleString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *flexibleString) UnmarshalJSON(b []byte) error {
	var plain string
	if err := json.Unmarshal(b, &plain); err == nil {
		*s = flexibleString(plain)
		return nil
	}
	var obj LogEntry
	if err := json.Unmarshal(b, &obj); err != nil {
		*s = ""
		return nil
	}
	if obj.Formatted != "" {
		*s = flexibleString(obj.Formatted)
	} else {
		*s = flexibleString(obj.Message)
	}
	return nil
}

// LogMessage returns the logged message of an event without an exception:
// logentry.message, else logentry.formatted, else message — as Bugsink
// derives its own title.
func (d EventData) LogMessage() string {
	if d.LogEntry != nil {
		if d.LogEntry.Message != "" {
			return d.LogEntry.Message
		}
		if d.LogEntry.Formatted != "" {
			return d.LogEntry.Formatted
		}
	}
	return string(d.Message)
}

// HasVars reports whether any frame of the event (exceptions, threads or
// the event-level stack trace) carries local variables. Bugsink's rendered
// trace lists them, so it must not be read for such an event.
func (d EventData) HasVars() bool {
	var traces []*Stacktrace
	for _, e := range d.Exception {
		traces = append(traces, e.Stacktrace)
	}
	for _, t := range d.Threads {
		traces = append(traces, t.Stacktrace)
	}
	traces = append(traces, d.Stacktrace)
	for _, st := range traces {
		if st == nil {
			continue
		}
		for _, f := range st.Frames {
			if f.HasVars {
				return true
			}
		}
	}
	return false
}
