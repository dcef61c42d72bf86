package bugsink_test

import (
	"strings"
	"testing"

	"bsync/pkg/bugsink/bugsinktest"
)

// Bugsink's stacktrace_md lists frame variables: the client keeps it only
// for an event whose payload was read whole and has none.
func TestStacktraceMDIsKeptOnlyWithoutVariables(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("p", "P")
	frame := `{"filename":"app.js","function":"f","lineno":1%s}`
	cases := map[string]struct {
		raw  string
		keep bool
	}{
		"no variables":           {`{"platform":"node","exception":{"values":[{"type":"E","stacktrace":{"frames":[` + strings.Replace(frame, "%s", "", 1) + `]}}]}}`, true},
		"exception frame vars":   {`{"exception":{"values":[{"type":"E","stacktrace":{"frames":[` + strings.Replace(frame, "%s", `,"vars":{"password":"VARSECRET"}`, 1) + `]}}]}}`, false},
		"thread frame vars":      {`{"exception":{"values":[{"type":"E"}]},"threads":{"values":[{"stacktrace":{"frames":[` + strings.Replace(frame, "%s", `,"vars":{"t":"VARSECRET"}`, 1) + `]}}]}}`, false},
		"event-level vars":       {`{"message":"m","stacktrace":{"frames":[` + strings.Replace(frame, "%s", `,"vars":{"t":"VARSECRET"}`, 1) + `]}}`, false},
		"escaped key":            {`{"exception":{"values":[{"type":"E","stacktrace":{"frames":[` + strings.Replace(frame, "%s", `,"v\u0061rs":{"t":"VARSECRET"}`, 1) + `]}}]}}`, false},
		"empty vars":             {`{"exception":{"values":[{"type":"E","stacktrace":{"frames":[` + strings.Replace(frame, "%s", `,"vars":{}`, 1) + `]}}]}}`, false},
		"payload not read whole": {`{"level":{"x":1},"exception":{"values":[{"type":"E","stacktrace":{"frames":[` + strings.Replace(frame, "%s", "", 1) + `]}}]}}`, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			id := srv.AddIssue("p", bugsinktest.IssueSpec{RawData: []byte(tc.raw)})
			ev, err := c.LatestEvent(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if got := ev.StacktraceMD != ""; got != tc.keep {
				t.Errorf("stacktrace_md kept %v, want %v: %q", got, tc.keep, ev.StacktraceMD)
			}
			if strings.Contains(ev.StacktraceMD, "VARSECRET") {
				t.Error("a variable reached the client's caller")
			}
		})
	}
}

func TestEventReadsThreadsLinksAndDebugIDs(t *testing.T) {
	srv, c := newPair(t)
	srv.AddProject("p", "P")
	id := srv.AddIssue("p", bugsinktest.IssueSpec{RawData: []byte(`{"platform":"node",
	 "exception":{"values":[{"type":"A","mechanism":{"source":"errors[0]","exception_id":1,"parent_id":0}},
	                        {"type":"B","mechanism":{"is_exception_group":true,"exception_id":0,"synthetic":true}}]},
	 "threads":[{"id":7,"name":"main","crashed":true,"stacktrace":{"frames":[{"function":"f"}]}},{"id":"t-2","current":true}],
	 "stacktrace":{"frames":[{"function":"g"}]},
	 "debug_meta":{"images":[{"type":"sourcemap","code_file":"app.min.js","debug_id":"5D3F7B2A-9C1E-4F6A-8B0D-2E4C6A8F1B3D"}]}}`)})
	ev, err := c.LatestEvent(t.Context(), id)
	if err != nil || ev.DataErr != nil {
		t.Fatal(err, ev.DataErr)
	}
	d := ev.Data
	a, b := d.Exception[0].Mechanism, d.Exception[1].Mechanism
	if a == nil || b == nil || a.Source != "errors[0]" || *a.ExceptionID != 1 || *a.ParentID != 0 || !b.IsExceptionGroup || !b.Synthetic || b.ParentID != nil {
		t.Errorf("mechanisms %+v %+v", a, b)
	}
	if len(d.Threads) != 2 || d.Threads[0].ID != "7" || d.Threads[1].ID != "t-2" || !d.Threads[0].Crashed || !d.Threads[1].Current || d.Threads[0].Stacktrace.Frames[0].Function != "f" {
		t.Errorf("threads %+v", d.Threads)
	}
	if d.Stacktrace == nil || d.Stacktrace.Frames[0].Function != "g" {
		t.Errorf("event-level stack trace %+v", d.Stacktrace)
	}
	if d.DebugMeta == nil || len(d.DebugMeta.Images) != 1 || d.DebugMeta.Images[0].CodeFile != "app.min.js" {
		t.Errorf("debug_meta %+v", d.DebugMeta)
	}
}
