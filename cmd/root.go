// Package cmd is bsync's command line: cobra commands, configuration,
// output and exit codes. The sync itself lives in pkg/syncer.
package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"bsync/pkg/syncstate"
)

// Main runs bsync with args (without the program name) and returns the
// process exit code. lookupEnv reads the environment (os.LookupEnv);
// version and commit are the -ldflags values, "" when not set. It never
// calls os.Exit, so tests can call it.
func Main(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer, version, commit string) int {
	syncstate.SilenceDriverLogs()
	a := &app{lookupEnv: lookupEnv, environ: os.Environ, stdout: stdout, stderr: stderr, now: time.Now,
		build: readBuildInfo(version, commit, debug.ReadBuildInfo), isTerminal: isTerminal}
	return a.run(ctx, args)
}

// isTerminal reports whether w is a person's terminal (not a cron log file
// or a pipe).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// run executes one command line and returns the exit code.
func (a *app) run(ctx context.Context, args []string) int {
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag") {
		err = &usageError{msg: err.Error()}
	}
	code, _ := classify(err)
	if !a.printed {
		_ = a.emit(nil, err, nil)
	}
	fmt.Fprintf(a.stderr, "bsync: %v\n", err)
	return code
}

// newRootCmd builds the command tree.
func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "bsync",
		Short: "Turn unresolved Bugsink errors into labelled Gitea issues",
		Long: `bsync copies every unresolved error from Bugsink into a Gitea issue, records the
mapping in Redis (db 15) and resolves the error in Bugsink. Run "bsync sync"
from cron; "bsync status" tells whether the sync is alive.

Configuration comes from the environment and a .env file (the environment
wins, also when a variable is set but empty); flags win over both. See the
README for every variable.` + "\n" + exitStatusHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       a.build.Version,
	}
	root.SetVersionTemplate("bsync {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	a.output = outputJSON
	a.flags = map[string]string{}
	pf := root.PersistentFlags()
	pf.StringVar(&a.envFile, "env-file", ".env", "read variables from this file (the real environment wins)")
	pf.VarP(&a.output, "output", "o", "output on stdout: json, or table for a person")
	bindSettingFlags(pf, "", a.flags)
	root.PersistentPreRun = func(cmd *cobra.Command, _ []string) {
		a.envNamed = cmd.Flags().Changed("env-file")
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
