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
	exitOK          = 0   // everything worked
	exitFatal       = 1   // fatal error: an API or Redis unreachable, a token refused, a malformed answer
	exitUsage       = 2   // usage or configuration error; nothing was written
	exitPartial     = 3   // sync finished but some issues failed (the report lists them)
	exitLocked      = 4   // another sync holds the run lock; nothing was done
	exitStale       = 5   // status --fail-if-stale: the last run failed, never happened, or is too old
	exitTimeout     = 124 // the whole-run --timeout expired; finished issues are recorded
	exitInterrupted = 130 // SIGINT or SIGTERM; finished issues are recorded
)

// exitStatusHelp is appended to every command's help.
const exitStatusHelp = `
EXIT STATUS
  0    success
  1    fatal error (API or Redis unreachable, token refused, malformed answer)
  2    usage or configuration error; nothing was written (an unknown project
       slug is found by reading Bugsink's project list, before anything else)
  3    sync finished, but some issues failed (listed in the JSON report)
  4    another sync holds the run lock; nothing was done
  5    status --fail-if-stale: last run failed, never happened, or is stale
  124  the --timeout expired; finished issues are recorded
  130  interrupted by SIGINT or SIGTERM; finished issues are recorded`

// errorCode names the kind of a failure in the JSON error document.
type errorCode string

const (
	codeUsage       errorCode = "usage"
	codeConfig      errorCode = "config"
	codeError       errorCode = "error"
	codePartial     errorCode = "partial"
	codeLocked      errorCode = "locked"
	codeStale       errorCode = "stale"
	codeTimeout     errorCode = "timeout"
	codeInterrupted errorCode = "interrupted"
	codeDoctor      errorCode = "doctor"
	// codeGiteaRepository: GITEA_OWNER/GITEA_REPO name no repository the
	// token can see.
	codeGiteaRepository errorCode = "gitea_repository"
)

// usageError is a command-line mistake (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitError carries an explicit exit code and the error code shown in the
// JSON error document.
type exitError struct {
	code int
	name errorCode
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// classify maps an error to its exit code and JSON error code.
func classify(err error) (int, errorCode) {
	var ee *exitError
	var ue *usageError
	var ce *configError
	var up *syncer.UnknownProjectsError
	switch {
	case err == nil:
		return exitOK, ""
	case errors.As(err, &ee):
		return ee.code, ee.name
	case errors.As(err, &ue):
		return exitUsage, codeUsage
	case errors.As(err, &ce), errors.As(err, &up):
		return exitUsage, codeConfig
	case errors.Is(err, syncstate.ErrLockHeld):
		return exitLocked, codeLocked
	case errors.Is(err, context.DeadlineExceeded):
		return exitTimeout, codeTimeout
	case errors.Is(err, context.Canceled), errors.Is(err, syncer.ErrInterrupted):
		return exitInterrupted, codeInterrupted
	}
	return exitFatal, codeError
}
