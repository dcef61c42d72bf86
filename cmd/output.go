package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// outputFormat is --output: json (the default, one document for a program)
// or table (for a person). It is a pflag.Value, so any other value is a
// usage error when the flags are parsed.
type outputFormat string

const (
	outputJSON  outputFormat = "json"
	outputTable outputFormat = "table"
)

func (o *outputFormat) String() string { return string(*o) }
func (o *outputFormat) Type() string   { return "format" }
func (o *outputFormat) Set(v string) error {
	switch outputFormat(v) {
	case outputJSON, outputTable:
		*o = outputFormat(v)
		return nil
	}
	return fmt.Errorf("want json or table, not %q", v)
}

// envelope is the one JSON document every command prints on stdout:
// {"success": true, "data": {...}} or {"success": false, "error": {...}}
// (with "data" too when a report exists, e.g. a partial sync).
type envelope struct {
	Success bool       `json:"success"`
	Data    any        `json:"data,omitempty"`
	Error   *errorBody `json:"error,omitempty"`
}

type errorBody struct {
	Code     errorCode `json:"code"`
	Message  string    `json:"message"`
	ExitCode int       `json:"exit_code"`
	Details  any       `json:"details,omitempty"`
}

// encodeJSON writes v with the settings every command shares: no HTML
// escaping (titles keep their < and &), indented by indent.
func encodeJSON(w io.Writer, v any, prefix, indent string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, indent)
	return enc.Encode(v)
}

// marshalJSON is encodeJSON into a byte slice without the final newline.
func marshalJSON(v any, prefix, indent string) []byte {
	var b bytes.Buffer
	_ = encodeJSON(&b, v, prefix, indent)
	return bytes.TrimRight(b.Bytes(), "\n")
}

// newTable returns the tabwriter every table is printed with.
func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

// jsonIndent is how a JSON document is indented: pretty ("  ") for a
// person at a terminal; one line otherwise, so a cron log gains one line a
// run and `tail -1 log | jq` reads the last report.
func (a *app) jsonIndent() string {
	if a.isTerminal != nil && a.isTerminal(a.stdout) {
		return "  "
	}
	return ""
}

// emit is the one way a command prints its result: with --output table,
// table(w) for a person (when there is data) and the failure's line; else one
// JSON document, a success with data or a failure with data. It returns
// failure, which decides the exit code.
func (a *app) emit(data any, failure error, table func(io.Writer)) error {
	a.printed = true
	if a.output == outputTable {
		if table != nil {
			table(a.stdout)
		}
		if failure != nil {
			printTableFailure(a.stdout, failure)
		}
		return failure
	}
	if failure == nil {
		return encodeJSON(a.stdout, envelope{Success: true, Data: data}, "", a.jsonIndent())
	}
	code, name := classify(failure)
	var details any
	if d, ok := failure.(interface{ details() any }); ok {
		details = d.details()
	}
	_ = encodeJSON(a.stdout, envelope{Success: false, Data: data,
		Error: &errorBody{Code: name, Message: failure.Error(), ExitCode: code, Details: details}}, "", a.jsonIndent())
	return failure
}

// printTableFailure is the line a failure ends a table with.
func printTableFailure(w io.Writer, failure error) {
	code, name := classify(failure)
	fmt.Fprintf(w, "error (%s, exit %d): %v\n", name, code, failure)
}
