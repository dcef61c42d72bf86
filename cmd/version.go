package cmd

import (
	"runtime"

	"github.com/spf13/cobra"
)

func newVersionCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the build's version and commit",
		Long:  "Prints the version and commit this binary was built from, and the Go version.",
		Args:  positional(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			return a.printSuccess(map[string]string{"version": a.Version, "commit": a.Commit, "go": runtime.Version()})
		},
	}
}
