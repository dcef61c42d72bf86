package cmd

import (
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildInfo says which build this binary is.
type buildInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
}

// readBuildInfo takes version and commit from -ldflags when they were set
// there, else from what the Go toolchain recorded: the module's version
// (for go install module@version) and the VCS revision and whether the
// work tree had changes (for go build in a checkout).
func readBuildInfo(version, commit string, read func() (*debug.BuildInfo, bool)) buildInfo {
	b := buildInfo{Version: version, Commit: commit, Go: runtime.Version()}
	if bi, ok := read(); ok {
		if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	return b
}

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the build's version and commit",
		Long: `Prints the version and commit this binary was built from (set with -ldflags,
else read from the Go build information), whether the work tree had changes,
and the Go version.`,
		Args: positional(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error { return runVersion(a) },
	}
}

func runVersion(a *app) error {
	b := a.build
	return a.emit(b, nil, func(w io.Writer) {
		tw := newTable(w)
		for _, row := range [][2]string{{"version", b.Version}, {"commit", b.Commit}, {"go", b.Go}} {
			tw.Write([]byte(row[0] + ":\t" + row[1] + "\n"))
		}
		if b.Modified {
			tw.Write([]byte("modified:\tyes\n"))
		}
		tw.Flush()
	})
}
