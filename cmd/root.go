// Package cmd is bsync's command line: cobra commands, configuration,
// JSON output and exit codes. The sync itself lives in pkg/syncer.
package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"bsync/pkg/syncstate"
)

// Main runs bsync with args (without the program name) and returns the
// process exit code. It never calls os.Exit, so tests can call it.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, version, commit string) int {
	syncstate.SilenceDriverLogs()
	app := &App{Getenv: getenv, Stdout: stdout, Stderr: stderr, Now: time.Now, Version: version, Commit: commit}
	return app.Run(ctx, args)
}

// Run executes one command line and returns the exit code.
func (a *App) Run(ctx context.Context, args []string) int {
	root := NewRootCmd(a)
	root.SetArgs(args)
	root.SetOut(a.Stdout)
	root.SetErr(a.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag") {
		err = &usageError{msg: err.Error()}
	}
	code, _ := classify(err)
	if !a.printed {
		a.printFailure(err, nil, nil)
	}
	fmt.Fprintf(a.Stderr, "bsync: %v\n", err)
	return code
}

// NewRootCmd builds the command tree.
func NewRootCmd(a *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "bsync",
		Short: "Turn unresolved Bugsink errors into labelled Gitea issues",
		Long: `bsync copies every unresolved error from Bugsink into a Gitea issue, records the
mapping in Redis (db 15) and resolves the error in Bugsink. Run "bsync sync"
from cron; "bsync status" tells whether the sync is alive.

Configuration comes from the environment and a .env file (the environment
wins); see the README for every variable.` + "\n" + exitStatusHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       a.Version,
	}
	root.SetVersionTemplate("bsync {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.envFile, "env-file", ".env", "read variables from this file (the real environment wins)")
	pf.StringVar(&a.logLevel, "log-level", "", "log level on stderr: debug, info, warn, error (env BSYNC_LOG_LEVEL)")
	pf.StringVar(&a.logFormat, "log-format", "", "log format on stderr: text or json (env BSYNC_LOG_FORMAT)")
	pf.StringVarP(&a.output, "output", "o", "json", "output on stdout: json, or table for a person")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		a.envNamed = cmd.Flags().Changed("env-file")
		switch a.output {
		case "json", "table", "text":
		default:
			return &usageError{msg: fmt.Sprintf("--output %q: want json or table", a.output)}
		}
		return nil
	}
	root.AddCommand(newSyncCmd(a), newStatusCmd(a), newForgetCmd(a), newListSyncedCmd(a), newDoctorCmd(a), newPreviewCmd(a), newReindexCmd(a), newVersionCmd(a))
	for _, c := range root.Commands() {
		c.Long = strings.TrimSpace(c.Long) + "\n" + exitStatusHelp
	}
	return root
}

// positional wraps a cobra argument check so its failure is a usage error.
func positional(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &usageError{msg: err.Error()}
		}
		return nil
	}
}
