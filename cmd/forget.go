package cmd

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"bsync/pkg/bugsink"
	"bsync/pkg/syncstate"
)

type forgetOptions struct {
	*app
	ids []string
}

type forgetData struct {
	Forgotten []string `json:"forgotten"`
	NotFound  []string `json:"not_found"`
}

func newForgetCmd(a *app) *cobra.Command {
	opts := &forgetOptions{app: a}
	return &cobra.Command{
		Use:   "forget <bugsink-issue-uuid>...",
		Short: "Remove mappings so the next sync treats those Bugsink issues as new",
		Long: `Removes the Redis mappings of the given Bugsink issues (hyphenated UUIDs).
The next sync creates a new Gitea issue for each of them that is unresolved
(it is a full pass: forgetting drops the projects' watermarks).
A malformed id is a usage error and then nothing is deleted. While a sync is
running it exits 4 (locked) and changes nothing.`,
		Args: positional(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ids = args
			return runForget(cmd.Context(), opts)
		},
	}
}

func runForget(ctx context.Context, opts *forgetOptions) error {
	var bad, ids []string
	for _, arg := range opts.ids {
		id := strings.ToLower(strings.TrimSpace(arg))
		if !bugsink.ValidIssueID(id) {
			bad = append(bad, arg)
		} else if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(bad) > 0 {
		return &usageError{msg: fmt.Sprintf("not a Bugsink issue id (a hyphenated UUID): %s; nothing was deleted", strings.Join(bad, ", "))}
	}
	deleted, err := opts.forgetMappings(ctx, ids)
	if err != nil {
		return err
	}
	d := forgetData{Forgotten: []string{}, NotFound: []string{}}
	for _, id := range ids {
		if slices.Contains(deleted, id) {
			d.Forgotten = append(d.Forgotten, id)
			opts.logger().Info("forgot mapping", "bugsink_issue", id)
		} else {
			d.NotFound = append(d.NotFound, id)
		}
	}
	return opts.emit(d, nil, func(w io.Writer) {
		tw := newTable(w)
		fmt.Fprintln(tw, "BUGSINK ISSUE\tRESULT")
		for _, id := range d.Forgotten {
			fmt.Fprintf(tw, "%s\tforgotten\n", id)
		}
		for _, id := range d.NotFound {
			fmt.Fprintf(tw, "%s\tnot found\n", id)
		}
		tw.Flush()
	})
}

// forgetMappings deletes the mappings of ids, under the run lock, and
// returns those that existed.
func (opts *forgetOptions) forgetMappings(ctx context.Context, ids []string) (deleted []string, err error) {
	err = opts.withState(ctx, 30*time.Second, func(ctx context.Context, cfg *config, store *syncstate.Store) (err error) {
		// Never beside a running sync: it would write back the watermarks
		// dropped below.
		release, err := opts.holdRunLock(ctx, cfg, store)
		if err != nil {
			return err
		}
		defer release()
		known := false
		for _, id := range ids {
			_, found, err := store.Get(ctx, id)
			if err != nil {
				return err
			}
			known = known || found
		}
		if !known {
			return nil
		}
		// A forgotten issue shows in no incremental listing unless it
		// changes: the next run lists every project in full. The
		// watermarks go first, so a failure leaves every mapping in place.
		if _, err := store.ForgetWatermarks(ctx); err != nil {
			return err
		}
		deleted, err = store.Delete(ctx, ids)
		return err
	})
	return deleted, err
}
