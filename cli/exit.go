package cli

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes, documented in `casefile help exit-codes`.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitPartial     = 3
	ExitInterrupted = 130
)

// ExitError carries an exit code with an error. A nil Err means: exit with Code, print nothing.
type exitError struct {
	Code int
	Err  error
}

func (e *exitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *exitError) Unwrap() error { return e.Err }

// withCode wraps err with an exit code.
func withCode(code int, err error) error { return &exitError{Code: code, Err: err} }

// usageError marks a bad flag or argument (exit 2).
func usageError(format string, args ...any) error {
	return &exitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// exitCode maps an error to the process exit code. This is the only place that does.
func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.Code
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	default:
		return ExitError
	}
}

const exitCodesHelp = `casefile exit codes:

  0    success
  1    error: nothing useful was produced (bad spec, unreadable bundle, failed check)
  2    usage: unknown command or help topic, bad flag or argument (also a time or size out of
       range), a --log or --add pattern that is no valid glob, or an --out folder (the
       current folder by default) that cannot be created or written
  3    bundle written, but at least one collector failed or timed out
       (see the manifest's collectors[].status and error)
  130  interrupted (Ctrl-C or SIGTERM): no bundle and no temporary files are left

casefile verify exits 0 only when every file matches the manifest, 1 otherwise.
casefile check exits 0 when the check passes, 1 when it fails.
casefile analyze exits 0 whatever the findings, 1 when the bundle cannot be read.
With --json, a command that fails before printing its document prints
{"error": "...", "exit_code": N} on stdout.
`
