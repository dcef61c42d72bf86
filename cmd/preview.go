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
	"bsync/pkg/codeindex"
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
	// Assignees are the code owners the issue would be created with.
	Assignees []string `json:"assignees"`
	// Link says, when environments are linked, which bug the issue is one
	// environment of, and the Gitea issue it would join (0: none yet).
	Link *previewLink `json:"link"`
}

type previewLink struct {
	syncer.Link
	GiteaIssueNumber int `json:"gitea_issue_number,omitempty"`
	// Unknown says why the Gitea issue it would join is not known (the
	// sync state could not be read).
	Unknown string `json:"unknown,omitempty"`
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
	code, notes, closeStore := a.previewCode(ctx, cfg)
	defer closeStore()
	r, link, owners := syncer.PreviewNew(ctx, *p, *is, ev, syncer.Options{ProjectLabels: cfg.ProjectLabels, LinkEnvironments: cfg.LinkEnvironments,
		Components: cfg.Components, Render: render.Options{BugsinkURL: cfg.BugsinkURL, MaxBodyBytes: cfg.MaxBodyBytes}}, code)
	d := previewData{BugsinkIssueID: id, Project: p.Slug, Title: r.Title, Labels: syncer.LabelsFor(p.Slug, cfg.ProjectLabels),
		Body: r.Body, BodyBytes: len(r.Body), Warnings: append(append([]string{}, r.Warnings...), notes...), Assignees: append([]string{}, owners...)}
	if code != nil {
		d.Warnings = append(d.Warnings, code.Notes()...)
	}
	if link != nil {
		d.Link = &previewLink{Link: *link}
		if n, err := a.bugIssue(ctx, cfg, link.BugID); err != nil {
			d.Link.Unknown = fmt.Sprintf("the sync state was not read: %v", err)
		} else {
			d.Link.GiteaIssueNumber = n
		}
	}
	return a.emit(d, nil, func(w io.Writer) { d.table(w) })
}

// table prints the preview for reading: title, labels, assignees, the
// bug it joins, the raw Markdown and the warnings.
func (d previewData) table(w io.Writer) {
	fmt.Fprintf(w, "Title:  %s\nLabels: %s\n", d.Title, strings.Join(d.Labels, ", "))
	if len(d.Assignees) > 0 {
		fmt.Fprintf(w, "Assign: %s\n", strings.Join(d.Assignees, ", "))
	}
	if l := d.Link; l != nil && l.GiteaIssueNumber > 0 {
		fmt.Fprintf(w, "Link:   %s, environment %s: joins Gitea issue #%d\n", l.Component, l.Environment, l.GiteaIssueNumber)
	} else if l != nil && l.Unknown != "" {
		fmt.Fprintf(w, "Link:   %s, environment %s: %s\n", l.Component, l.Environment, l.Unknown)
	} else if l != nil {
		fmt.Fprintf(w, "Link:   %s, environment %s: no Gitea issue yet\n", l.Component, l.Environment)
	}
	fmt.Fprintf(w, "\n%s", d.Body)
	for _, m := range d.Warnings {
		fmt.Fprintf(w, "\nwarning: %s", m)
	}
}

// previewCode is the code index a sync would consult, reading the code
// mappings projects earned and learning none; nil, with a note, when no
// Gitea repository is configured.
func (a *app) previewCode(ctx context.Context, cfg *config) (*codeindex.Index, []string, func()) {
	if cfg.GiteaURL == "" || cfg.GiteaToken.reveal() == "" || cfg.GiteaOwner == "" || cfg.GiteaRepo == "" {
		return nil, []string{"no Gitea repository is configured, so the preview has no code links or assignees"}, func() {}
	}
	x := codeindex.New(a.giteaClient(cfg), codeindex.Options{Mappings: cfg.CodeMappings, Assign: cfg.Assign == "codeowners"})
	store, err := a.openStore(ctx, cfg)
	if err != nil {
		return x, []string{fmt.Sprintf("the code mappings projects earned could not be read (%v): the preview links only through mappings its own event earns", err)}, func() {}
	}
	x.Remember(store, false)
	return x, nil, func() { store.Close() }
}

// bugIssue returns the Gitea issue the sync state records for a bug (0
// when none).
func (a *app) bugIssue(ctx context.Context, cfg *config, bugID string) (int, error) {
	store, err := a.openStore(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	b, _, err := store.Bug(ctx, bugID)
	return b.Number, err
}
