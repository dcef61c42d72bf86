package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"bsync/pkg/syncer"
)

type forgetData struct {
	Forgotten []string `json:"forgotten"`
	NotFound  []string `json:"not_found"`
}

func newForgetCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:   "forget <bugsink-issue-uuid>...",
		Short: "Remove mappings so the next sync treats those Bugsink issues as new",
		Long: `Removes the Redis mappings of the given Bugsink issues (hyphenated UUIDs).
The next sync creates a new Gitea issue for each of them that is unresolved.
A malformed id is a usage error and then nothing is deleted.`,
		Args: positional(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runForget(cmd.Context(), args) },
	}
}

func (a *App) runForget(ctx context.Context, args []string) error {
	var bad []string
	ids := make([]string, 0, len(args))
	for _, arg := range args {
		id := strings.ToLower(strings.TrimSpace(arg))
		if !syncer.ValidIssueID(id) {
			bad = append(bad, arg)
			continue
		}
		ids = append(ids, id)
	}
	if len(bad) > 0 {
		return &usageError{msg: fmt.Sprintf("not a Bugsink issue id (a hyphenated UUID): %s; nothing was deleted", strings.Join(bad, ", "))}
	}
	cfg, err := a.config(Needs{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	store, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	deleted, err := store.Delete(ctx, ids)
	if err != nil {
		return err
	}
	d := forgetData{Forgotten: []string{}, NotFound: []string{}}
	gone := map[string]bool{}
	for _, id := range deleted {
		gone[id] = true
		d.Forgotten = append(d.Forgotten, id)
	}
	for _, id := range ids {
		if !gone[id] && !contains(d.NotFound, id) {
			d.NotFound = append(d.NotFound, id)
		}
	}
	for _, id := range d.Forgotten {
		a.logger().Info("forgot mapping", "bugsink_issue", id)
	}
	return a.printSuccess(d)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
