package cmd

import (
	"encoding/json"
	"io"
)

// envelope is the one JSON document every command prints on stdout:
// {"success": true, "data": {...}} or {"success": false, "error": {...}}
// (with "data" too when a report exists, e.g. a partial sync).
type envelope struct {
	Success bool       `json:"success"`
	Data    any        `json:"data,omitempty"`
	Error   *errorBody `json:"error,omitempty"`
}

type errorBody struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	ExitCode int    `json:"exit_code"`
	Details  any    `json:"details,omitempty"`
}

// writeJSON prints v as indented JSON without HTML escaping.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printSuccess prints {"success": true, "data": data}.
func (a *App) printSuccess(data any) error {
	a.printed = true
	return writeJSON(a.Stdout, envelope{Success: true, Data: data})
}

// emit prints a command's result: a table for a person (--output table),
// else one JSON document, a success with data or a failure with data. It
// returns failure, which decides the exit code.
func (a *App) emit(data any, failure error, table func(io.Writer)) error {
	if a.output != "json" {
		table(a.Stdout)
		a.printed = true
		return failure
	}
	if failure != nil {
		a.printFailure(failure, data, nil)
		return failure
	}
	return a.printSuccess(data)
}

// printFailure prints {"success": false, "error": …, "data": data} for err.
func (a *App) printFailure(err error, data, details any) {
	code, name := classify(err)
	a.printed = true
	_ = writeJSON(a.Stdout, envelope{Success: false, Data: data,
		Error: &errorBody{Code: name, Message: err.Error(), ExitCode: code, Details: details}})
}
