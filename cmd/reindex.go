package cmd

import (
	"context"
	"errors"
	"os"

	"github.com/spf13/cobra"

	"bsync/pkg/syncer"
	"bsync/pkg/syncstate"
)

func newReindexCmd(a *App) *cobra.Command {
	var dryRun bool
	c := &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild lost mappings from the markers in the Gitea repository",
		Long: `Reads every issue of the Gitea repository (all pages, open and closed), finds
bsync's hidden marker in each body, and writes the mapping of every Bugsink
issue that has none. A mapping that exists is never overwritten: one that points
at another Gitea issue is reported as a conflict. Several Gitea issues for one
Bugsink issue are reported as duplicates (the lowest number is mapped).

A sync on a store that is new or was wiped does this by itself before creating
anything; run it by hand after restoring Redis from an old backup.`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runReindex(cmd.Context(), dryRun) },
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "report what would be written, write nothing")
	return c
}

func (a *App) runReindex(ctx context.Context, dryRun bool) error {
	cfg, err := a.config(Needs{Gitea: true})
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
	if !dryRun {
		host, _ := os.Hostname()
		lock, holder, err := store.AcquireLock(ctx, syncstate.LockInfo{Token: randomToken(), Host: host, PID: os.Getpid(), StartedAt: a.Now().UTC()}, lockTTL(cfg.Timeout))
		if errors.Is(err, syncstate.ErrLockHeld) {
			a.printFailure(err, nil, map[string]any{"holder": holderView(holder)})
			return err
		}
		if err != nil {
			return err
		}
		defer lock.Release(context.WithoutCancel(ctx))
	}
	eng := &syncer.Engine{Gitea: a.giteaClient(cfg), State: store, Log: a.logger(), Now: a.Now, Opts: syncer.Options{Version: a.Version}}
	rep, _, err := eng.Reindex(ctx, !dryRun)
	if err != nil {
		return err
	}
	if !dryRun {
		if err := store.MarkStateComplete(ctx, "bsync reindex "+a.Version); err != nil {
			return err
		}
		_ = a.refreshCount(store)
	}
	a.logger().Info("reindex done", "scanned", rep.Scanned, "found", rep.Found, "written", rep.Written, "conflicts", len(rep.Conflicts), "duplicates", len(rep.Duplicates))
	return a.printSuccess(rep)
}
