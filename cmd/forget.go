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
	"bsync/pkg/gitea"
	"bsync/pkg/syncstate"
)

type forgetOptions struct {
	*app
	ids   []string
	close bool
}

type forgetData struct {
	Forgotten []string `json:"forgotten"`
	NotFound  []string `json:"not_found"`
	// LeftOpen lists the Gitea issues of forgotten mappings that were not
	// closed (without --close, or when closing failed): each keeps its
	// marker beside the new issue the next sync files. Closed lists those
	// --close closed; an issue another environment's mapping still uses is
	// in neither.
	LeftOpen []int `json:"left_open"`
	Closed   []int `json:"closed"`
}

// forgotten is one forgotten mapping's Gitea issue.
type forgotten struct {
	id     string
	number int
	shared bool // another environment's mapping still uses the issue
}

func newForgetCmd(a *app) *cobra.Command {
	opts := &forgetOptions{app: a}
	c := &cobra.Command{
		Use:   "forget <bugsink-issue-uuid>...",
		Short: "Remove mappings so the next sync treats those Bugsink issues as new",
		Long: `Removes the Redis mappings of the given Bugsink issues (hyphenated UUIDs).
The next sync creates a new Gitea issue for each of them that is unresolved
(it is a full pass: forgetting drops the projects' watermarks); one whose
error is still mapped in another environment rejoins that Gitea issue.
A malformed id is a usage error and then nothing is deleted. While a sync is
running it exits 4 (locked) and changes nothing.

The old Gitea issue is left as it is and listed under left_open: it keeps
its bsync marker, so a reindex after Redis is lost maps the Bugsink issue
to the lowest-numbered of its issues. --close closes each old issue with a
comment saying why (it needs the GITEA_* variables); an issue another
environment's mapping still uses is left alone.`,
		Args: positional(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ids = args
			return runForget(cmd.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.close, "close", false, "close each forgotten mapping's Gitea issue with a comment (needs the GITEA_* variables)")
	return c
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
	var gc *gitea.Client
	if opts.close {
		cfg, err := opts.config(needGitea)
		if err != nil {
			return err
		}
		gc = opts.giteaClient(cfg)
	}
	gone, err := opts.forgetMappings(ctx, ids)
	if err != nil {
		return err
	}
	d := forgetData{Forgotten: []string{}, NotFound: []string{}, LeftOpen: []int{}, Closed: []int{}}
	for _, id := range ids {
		if !slices.ContainsFunc(gone, func(f forgotten) bool { return f.id == id }) {
			d.NotFound = append(d.NotFound, id)
			continue
		}
		d.Forgotten = append(d.Forgotten, id)
		opts.logger().Info("forgot mapping", "bugsink_issue", id)
	}
	failure := opts.closeForgotten(ctx, gc, gone, &d)
	return opts.emit(d, failure, func(w io.Writer) { printForgetTable(w, d) })
}

// closeForgotten closes the old Gitea issues (gc nil: leaves them open and
// says so), and returns an error naming those it could not close.
func (opts *forgetOptions) closeForgotten(ctx context.Context, gc *gitea.Client, gone []forgotten, d *forgetData) error {
	var failed []string
	for _, f := range gone {
		if f.shared || f.number <= 0 || slices.Contains(d.LeftOpen, f.number) || slices.Contains(d.Closed, f.number) {
			continue
		}
		if gc == nil {
			d.LeftOpen = append(d.LeftOpen, f.number)
			opts.logger().Warn("the forgotten mapping's Gitea issue stays open beside the one the next sync files; close it in Gitea (its mapping is gone, so a later forget --close cannot find it)", "gitea_issue", f.number)
			continue
		}
		if err := closeWithComment(ctx, gc, f); err != nil {
			d.LeftOpen = append(d.LeftOpen, f.number)
			failed = append(failed, fmt.Sprintf("#%d: %v", f.number, err))
			continue
		}
		d.Closed = append(d.Closed, f.number)
	}
	if len(failed) > 0 {
		return fmt.Errorf("the mappings were forgotten, but Gitea issue(s) could not be closed: %s", strings.Join(failed, "; "))
	}
	return nil
}

// closeWithComment says why on the old issue, then closes it.
func closeWithComment(ctx context.Context, gc *gitea.Client, f forgotten) error {
	body := fmt.Sprintf("bsync forgot Bugsink issue `%s` (`bsync forget --close`): the next sync files it as a new issue if it is still unresolved. Closing this one.", f.id)
	if _, err := gc.Comment(ctx, f.number, body); err != nil {
		return err
	}
	_, err := gc.SetState(ctx, f.number, "closed")
	return err
}

func printForgetTable(w io.Writer, d forgetData) {
	tw := newTable(w)
	fmt.Fprintln(tw, "BUGSINK ISSUE\tRESULT")
	for _, id := range d.Forgotten {
		fmt.Fprintf(tw, "%s\tforgotten\n", id)
	}
	for _, id := range d.NotFound {
		fmt.Fprintf(tw, "%s\tnot found\n", id)
	}
	for _, n := range d.Closed {
		fmt.Fprintf(tw, "gitea #%d\tclosed with a comment\n", n)
	}
	for _, n := range d.LeftOpen {
		fmt.Fprintf(tw, "gitea #%d\tleft open (close it, or forget with --close)\n", n)
	}
	tw.Flush()
}

// forgetMappings deletes the mappings of ids, under the run lock, and
// returns those that existed, with their Gitea issues.
func (opts *forgetOptions) forgetMappings(ctx context.Context, ids []string) (gone []forgotten, err error) {
	err = opts.withState(ctx, 30*time.Second, func(ctx context.Context, cfg *config, store *syncstate.Store) (err error) {
		// Never beside a running sync: it would write back the watermarks
		// dropped below.
		release, err := opts.holdRunLock(ctx, cfg, store)
		if err != nil {
			return err
		}
		defer release()
		bugs := map[string]string{}
		numbers := map[string]int{}
		for _, id := range ids {
			entry, found, err := store.Get(ctx, id)
			if err != nil {
				return err
			}
			if !found {
				continue
			}
			numbers[id] = 0
			if entry.Record != nil {
				numbers[id] = entry.Record.GiteaIssueNumber
				if entry.Record.BugID != "" {
					bugs[id] = entry.Record.BugID
				}
			}
		}
		if len(numbers) == 0 {
			return nil
		}
		// A forgotten issue shows in no incremental listing unless it
		// changes: the next run lists every project in full. The
		// watermarks go first, so a failure leaves every mapping in place.
		if _, err := store.ForgetWatermarks(ctx); err != nil {
			return err
		}
		deleted, err := store.Delete(ctx, ids)
		if err != nil {
			return err
		}
		// Out of their bugs too: a bug left without issues is filed anew.
		if err := store.ForgetBugMembers(ctx, bugs); err != nil {
			return err
		}
		for _, id := range deleted {
			f := forgotten{id: id, number: numbers[id]}
			if bug, ok := bugs[id]; ok {
				b, found, err := store.Bug(ctx, bug)
				f.shared = err != nil || found && len(b.Members) > 0
			}
			gone = append(gone, f)
		}
		return nil
	})
	return gone, err
}
