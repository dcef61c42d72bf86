package render

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"bsync/pkg/bugsink"
	"bsync/pkg/safetytest"
)

// place puts error text in one place of an event (or its issue) and
// returns the issue bsync renders: title and body.
type place func(s string) Output

func yes() *bool { b := true; return &b }

func renderEvent(is bugsink.Issue, d bugsink.EventData) Output {
	if is.ID == "" {
		is.ID = testID
	}
	if is.CalculatedType == "" {
		is.CalculatedType = "Error"
	}
	return Issue(Input{Issue: is, Event: &bugsink.Event{Data: d}, Project: "shop", Options: Options{BugsinkURL: safetyBase}})
}

func inFrame(f bugsink.Frame) bugsink.EventData {
	return bugsink.EventData{Platform: "javascript", Exception: bugsink.ExceptionList{{Type: "E", Value: "v",
		Stacktrace: &bugsink.Stacktrace{Frames: []bugsink.Frame{f}}}}}
}

// places are every place error text enters an issue.
var places = map[string]place{
	"title": func(s string) Output { return renderEvent(bugsink.Issue{CalculatedValue: s}, bugsink.EventData{}) },
	"type":  func(s string) Output { return renderEvent(bugsink.Issue{CalculatedType: s}, bugsink.EventData{}) },
	"title from the exception": func(s string) Output {
		return renderEvent(bugsink.Issue{}, bugsink.EventData{Exception: bugsink.ExceptionList{{Type: "E", Value: s}}})
	},
	"exception type and module": func(s string) Output {
		return renderEvent(bugsink.Issue{CalculatedValue: "v"}, bugsink.EventData{Exception: bugsink.ExceptionList{{Type: s, Module: s, Value: "v"}}})
	},
	"frame file": func(s string) Output {
		return renderEvent(bugsink.Issue{}, inFrame(bugsink.Frame{Filename: s, Lineno: 1}))
	},
	"frame abs_path": func(s string) Output {
		return renderEvent(bugsink.Issue{}, inFrame(bugsink.Frame{AbsPath: "https://cdn.example.com/" + s}))
	},
	"frame function": func(s string) Output {
		return renderEvent(bugsink.Issue{}, inFrame(bugsink.Frame{Function: s, InApp: yes()}))
	},
	"context line": func(s string) Output {
		return renderEvent(bugsink.Issue{}, inFrame(bugsink.Frame{Filename: "a.js", ContextLine: s}))
	},
	"log message": func(s string) Output {
		return renderEvent(bugsink.Issue{}, bugsink.EventData{LogEntry: &bugsink.LogEntry{Formatted: s}})
	},
	"log argument": func(s string) Output {
		params, _ := json.Marshal([]any{s, map[string]string{"value": s}})
		return renderEvent(bugsink.Issue{}, bugsink.EventData{LogEntry: &bugsink.LogEntry{Message: "failed: %s %s", Params: params}})
	},
	"request URL": func(s string) Output {
		return renderEvent(bugsink.Issue{}, bugsink.EventData{Request: &bugsink.Request{Method: "GET", URL: "https://shop.example.com/" + s}})
	},
	"release":     func(s string) Output { return renderEvent(bugsink.Issue{}, bugsink.EventData{Release: s}) },
	"environment": func(s string) Output { return renderEvent(bugsink.Issue{}, bugsink.EventData{Env: s}) },
	"platform and level": func(s string) Output {
		return renderEvent(bugsink.Issue{}, bugsink.EventData{Platform: s, Level: s})
	},
	"thread": func(s string) Output {
		return renderEvent(bugsink.Issue{}, bugsink.EventData{Threads: bugsink.ThreadList{{ID: bugsink.FlexString(s), Name: s, Crashed: true,
			Stacktrace: &bugsink.Stacktrace{Frames: []bugsink.Frame{{Filename: "a.js"}}}}}})
	},
	"mechanism source": func(s string) Output {
		zero, one := bugsink.FlexInt(0), bugsink.FlexInt(1)
		return renderEvent(bugsink.Issue{}, bugsink.EventData{Exception: bugsink.ExceptionList{
			{Type: "Cause", Mechanism: &bugsink.Mechanism{Source: s, ExceptionID: &one, ParentID: &zero}},
			{Type: "E", Mechanism: &bugsink.Mechanism{ExceptionID: &zero}}}})
	},
}

// Every credential, in every place error text enters an issue, alone and
// between words, is gone from the title and the body.
func TestEveryCredentialInEveryPlace(t *testing.T) {
	for name, put := range places {
		for _, c := range safetytest.Credentials {
			for _, s := range []string{c.Text, "failed (" + c.Text + ") twice"} {
				r := put(s)
				if strings.Contains(r.Title+r.Body, c.Mark) {
					t.Errorf("%s: %s survived in\n%s\n%s", name, c.Name, r.Title, r.Body)
				}
			}
		}
	}
}

// bugsinkTrim is what Bugsink stores as an issue's calculated_value for a
// longer message: its first 1,023 characters and "…".
func bugsinkTrim(s string) string {
	r := []rune(s)
	if len(r) <= bugsinkCut {
		return s
	}
	return string(r[:bugsinkCut-1]) + "…"
}

// A message Bugsink cut inside a credential shows no part of it: the cut
// falls in the middle of each credential's mark.
func TestCutInsideACredential(t *testing.T) {
	for _, c := range safetytest.Credentials {
		if strings.Contains(c.Text, "\n") {
			continue // the title shows the first line; the PEM key is redacted to its end anyway
		}
		at := strings.Index(c.Text, c.Mark) + len(c.Mark)/2
		// The message cell shows 1,024 bytes: the padding is ASCII, and
		// a space ends it, as a word would.
		msg := strings.Repeat("x", bugsinkCut-2-utf8.RuneCountInString(c.Text[:at])) + " " + c.Text
		value := bugsinkTrim(msg)
		if utf8.RuneCountInString(value) != bugsinkCut {
			t.Fatalf("%d characters", utf8.RuneCountInString(value))
		}
		seen := c.Mark[:6] // the cell cuts a little more
		r := renderEvent(bugsink.Issue{CalculatedValue: value}, bugsink.EventData{})
		if strings.Contains(r.Title+r.Body, seen) {
			t.Errorf("%s cut at %q: its first part shows in\n%s\n%s", c.Name, seen, r.Title, r.Body)
		}
	}
}

// Ordinary messages read whole in the title, the message cell, the trace
// and a log message.
func TestOrdinaryMessagesReadWhole(t *testing.T) {
	for _, msg := range safetytest.Ordinary {
		r := renderEvent(bugsink.Issue{CalculatedType: "AuthError", CalculatedValue: msg},
			bugsink.EventData{Exception: bugsink.ExceptionList{{Type: "AuthError", Value: msg}}})
		if r.Title != "[AuthError] "+msg {
			t.Errorf("title %q, want [AuthError] %s", r.Title, msg)
		}
		if !strings.Contains(r.Body, "| **Message** | `"+msg+"` |") || !strings.Contains(r.Body, "AuthError: "+msg+"\n") {
			t.Errorf("%q not whole in the body:\n%s", msg, r.Body)
		}
		r = renderEvent(bugsink.Issue{}, bugsink.EventData{LogEntry: &bugsink.LogEntry{Formatted: msg}})
		if !strings.Contains(r.Body, "Log message: "+msg+"\n") {
			t.Errorf("%q not whole as a log message:\n%s", msg, r.Body)
		}
	}
}
