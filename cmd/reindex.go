package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"bsync/pkg/syncer"
)

type reindexOptions struct {
	*app
	dryRun bool
}

func newReindexCmd(a *app) *cobra.Command {
	opts := &reindexOptions{app: a}
	c := &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild lost mappings from the markers in the Gitea repository",
		Long: `Reads every issue of the Gitea repository (all pages, open and closed), finds
bsync's hidden marker in each body, and writes the mapping of every Bugsink
issue that has none. A mapping that exists is never overwritten: one that points
at another Gitea issue is reported as a conflict. Several Gitea issues for one
Bugsink issue are reported as duplicates (the open, most recent one is mapped).

A sync on a store that is new or was wiped does this by itself before creating
anything; run it by hand after restoring Redis from an old backup.`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runReindex(cmd.Context(), opts) },
	}
	c.Flags().BoolVar(&opts.dryRun, "dry-run", false, "report what would be written, write nothing")
	return c
}

func runReindex(ctx context.Context, opts *reindexOptions) error {
	a := opts.app
	cfg, err := a.config(needGitea)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	store, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if !opts.dryRun {
		release, err := a.holdRunLock(ctx, cfg, store)
		if err != nil {
			return err
		}
		defer release()
	}
	eng := &syncer.Engine{Gitea: a.giteaClient(cfg), State: store, Log: a.logger(), Now: a.now, Opts: syncer.Options{Version: a.build.Version}}
	rep, _, err := eng.Reindex(ctx, !opts.dryRun)
	if err != nil {
		return err
	}
	if !opts.dryRun {
		if err := store.MarkStateComplete(ctx, "bsync reindex "+a.build.Version); err != nil {
			return err
		}
		_ = a.refreshCount(store)
	}
	a.logger().Info("reindex done", "scanned", rep.Scanned, "found", rep.Found, "written", rep.Written, "conflicts", len(rep.Conflicts), "duplicates", len(rep.Duplicates))
	return a.emit(rep, nil, func(w io.Writer) {
		tw := newTable(w)
		fmt.Fprintf(tw, "scanned:\t%d\nfound:\t%d\nwritten:\t%d\nexisting:\t%d\nconflicts:\t%d\nduplicates:\t%d\ndry run:\t%v\n",
			rep.Scanned, rep.Found, rep.Written, rep.Existing, len(rep.Conflicts), len(rep.Duplicates), rep.DryRun)
		tw.Flush()
	})
}
