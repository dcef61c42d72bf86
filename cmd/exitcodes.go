package cmd

import (
	"context"
	"errors"

	"bsync/pkg/syncer"
	"bsync/pkg/syncstate"
)

// Exit codes: one contract for every command, documented in --help and the
// README.
const (
	ExitOK          = 0   // everything worked
	ExitError       = 1   // fatal error: an API or Redis unreachable, a token refused, a malformed answer
	ExitUsage       = 2   // usage or configuration error; nothing was contacted
	ExitPartial     = 3   // sync finished but some issues failed (the report lists them)
	ExitLocked      = 4   // another sync holds the run lock; nothing was done
	ExitStale       = 5   // status --fail-if-stale: the last run failed, never happened, or is too old
	ExitTimeout     = 124 // the whole-run --timeout expired; finished issues are recorded
	ExitInterrupted = 130 // SIGINT or SIGTERM; finished issues are recorded
)

// exitStatusHelp is appended to every command's help.
const exitStatusHelp = `
EXIT STATUS
  0    success
  1    fatal error (API or Redis unreachable, token refused, malformed answer)
  2    usage or configuration error; nothing was contacted
  3    sync finished, but some issues failed (listed in the JSON report)
  4    another sync holds the run lock; nothing was done
  5    status --fail-if-stale: last run failed, never happened, or is stale
  124  the --timeout expired; finished issues are recorded
  130  interrupted by SIGINT or SIGTERM; finished issues are recorded`

// usageError is a command-line mistake (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitError carries an explicit exit code and the error code name shown in
// the JSON error document.
type exitError struct {
	code int
	name string
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// classify maps an error to its exit code and JSON error code name.
func classify(err error) (int, string) {
	var ee *exitError
	var ue *usageError
	var ce *ConfigError
	var up *syncer.UnknownProjectsError
	switch {
	case err == nil:
		return ExitOK, ""
	case errors.As(err, &ee):
		return ee.code, ee.name
	case errors.As(err, &ue):
		return ExitUsage, "usage"
	case errors.As(err, &ce), errors.As(err, &up):
		return ExitUsage, "config"
	case errors.Is(err, syncstate.ErrLockHeld):
		return ExitLocked, "locked"
	case errors.Is(err, context.DeadlineExceeded):
		return ExitTimeout, "timeout"
	case errors.Is(err, context.Canceled), errors.Is(err, syncer.ErrInterrupted):
		return ExitInterrupted, "interrupted"
	}
	return ExitError, "error"
}
