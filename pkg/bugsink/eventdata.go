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
}

// Request is the HTTP request an event was captured in; only the method and
// URL are kept.
type Request struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

// LogEntry is a logged message (events without an exception).
type LogEntry struct {
	Message   string `json:"message"`
	Formatted string `json:"formatted"`
}

// Exception is one exception of a (possibly chained) error.
type Exception struct {
	Type       string      `json:"type"`
	Value      string      `json:"value"`
	Module     string      `json:"module"`
	Stacktrace *Stacktrace `json:"stacktrace"`
}

// Stacktrace holds frames ordered oldest to newest: the crashing frame is last.
type Stacktrace struct {
	Frames []Frame `json:"frames"`
}

// Frame is one stack frame, without its local variables.
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
