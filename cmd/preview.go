package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"bsync/pkg/bugsink"
	"bsync/pkg/render"
	"bsync/pkg/syncer"
)

type previewData struct {
	BugsinkIssueID string   `json:"bugsink_issue_id"`
	Project        string   `json:"project"`
	Title          string   `json:"title"`
	Labels         []string `json:"labels"`
	Body           string   `json:"body"`
	BodyBytes      int      `json:"body_bytes"`
	// Warnings say what could not be rendered as the event has it (e.g.
	// Bugsink's source-mapped trace did not parse), as a sync reports them.
	Warnings []string `json:"warnings"`
}

type previewOptions struct {
	*app
	ref string
}

func newPreviewCmd(a *app) *cobra.Command {
	opts := &previewOptions{app: a}
	return &cobra.Command{
		Use:   "preview <bugsink-issue-uuid>",
		Short: "Show the exact Gitea issue bsync would create for one Bugsink issue (writes nothing)",
		Long: `Reads one Bugsink issue and its newest event and prints the title, labels and
Markdown body bsync would create for it, without writing anything anywhere.
With --output table the raw Markdown is printed for reading.`,
		Args: positional(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ref = args[0]
			return runPreview(cmd.Context(), opts)
		},
	}
}

func runPreview(ctx context.Context, opts *previewOptions) error {
	a := opts.app
	id := strings.ToLower(strings.TrimSpace(opts.ref))
	if !bugsink.ValidIssueID(id) {
		return &usageError{msg: fmt.Sprintf("not a Bugsink issue id (a hyphenated UUID): %s", opts.ref)}
	}
	cfg, err := a.config(needBugsink)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	bc := a.bugsinkClient(cfg)
	is, err := bc.Issue(ctx, id)
	if err != nil {
		return fmt.Errorf("read bugsink issue %s: %w", id, err)
	}
	p, err := bc.Project(ctx, is.Project)
	if err != nil {
		return err
	}
	ev, err := bc.LatestEvent(ctx, id)
	if errors.Is(err, bugsink.ErrNoEvents) {
		ev, err = nil, nil
	}
	if err != nil {
		return err
	}
	r := render.Issue(render.Input{Issue: *is, Event: ev, Project: p.Slug,
		Options: render.Options{BugsinkURL: cfg.BugsinkURL, MaxBodyBytes: cfg.MaxBodyBytes}})
	d := previewData{BugsinkIssueID: id, Project: p.Slug, Title: r.Title, Labels: syncer.LabelsFor(p.Slug, cfg.ProjectLabels),
		Body: r.Body, BodyBytes: len(r.Body), Warnings: append([]string{}, r.Warnings...)}
	return a.emit(d, nil, func(w io.Writer) {
		fmt.Fprintf(w, "Title:  %s\nLabels: %s\n\n%s", d.Title, strings.Join(d.Labels, ", "), d.Body)
		for _, m := range d.Warnings {
			fmt.Fprintf(w, "\nwarning: %s", m)
		}
	})
}
