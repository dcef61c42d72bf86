package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"bsync/pkg/syncstate"
)

type listOptions struct {
	project string
	since   string
	limit   int
}

// mappingView is one mapping as list-synced shows it.
type mappingView struct {
	BugsinkIssueID   string `json:"bugsink_issue_id"`
	GiteaIssueNumber int    `json:"gitea_issue_number"`
	GiteaIssueURL    string `json:"gitea_issue_url,omitempty"`
	Project          string `json:"project"`
	Title            string `json:"title"`
	SyncedAt         string `json:"synced_at"`
	Regressions      int    `json:"regressions,omitempty"`
	Error            string `json:"error,omitempty"`
}

func newListSyncedCmd(a *App) *cobra.Command {
	opts := &listOptions{}
	c := &cobra.Command{
		Use:   "list-synced",
		Short: "List every Bugsink → Gitea mapping (reads Redis only)",
		Long: `Streams every mapping in Bugsink issue id order, as one JSON document:
{"success": true, "data": {"mappings": [...], "count": N}}. Filters narrow the
list; --limit stops early. Records are read in batches, so memory stays flat
however many mappings there are.`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runListSynced(cmd.Context(), opts) },
	}
	f := c.Flags()
	f.StringVar(&opts.project, "project", "", "only mappings of this Bugsink project slug")
	f.StringVar(&opts.since, "since", "", "only mappings synced at or after this time (RFC 3339) or within this duration (e.g. 24h)")
	f.IntVar(&opts.limit, "limit", 0, "stop after this many mappings (0: all)")
	return c
}

func parseSince(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, &usageError{msg: fmt.Sprintf("--since %q: want an RFC 3339 time or a duration such as 24h", v)}
}

func (a *App) runListSynced(ctx context.Context, opts *listOptions) error {
	if opts.limit < 0 {
		return &usageError{msg: "--limit must not be negative"}
	}
	since, err := parseSince(opts.since, a.Now())
	if err != nil {
		return err
	}
	cfg, err := a.config(Needs{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	store, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	issueBase := ""
	if cfg.GiteaURL != "" && cfg.GiteaOwner != "" && cfg.GiteaRepo != "" {
		issueBase = cfg.GiteaURL + "/" + cfg.GiteaOwner + "/" + cfg.GiteaRepo + "/issues/"
	}
	out := newListWriter(a, a.output == "json")
	for id, e := range store.Mappings(ctx) {
		if id == "" && e.Err != nil {
			err := fmt.Errorf("read the sync state: %w", e.Err)
			out.abort(err)
			return err
		}
		v := viewOf(id, e, issueBase)
		if opts.project != "" && v.Project != opts.project {
			continue
		}
		if !since.IsZero() && (e.Record == nil || e.Record.SyncedAt.Before(since)) {
			continue
		}
		out.add(v)
		if opts.limit > 0 && out.count >= opts.limit {
			break
		}
	}
	out.finish()
	return nil
}

func viewOf(id string, e syncstate.Entry, issueBase string) mappingView {
	v := mappingView{BugsinkIssueID: id}
	if e.Record == nil {
		v.Error = fmt.Sprintf("unreadable record: %v", e.Err)
		return v
	}
	r := e.Record
	v.GiteaIssueNumber, v.Project, v.Title, v.Regressions = r.GiteaIssueNumber, r.Project, r.Title, r.Regressions
	v.SyncedAt = syncstate.FormatTime(r.SyncedAt)
	v.GiteaIssueURL = r.GiteaIssueURL
	if v.GiteaIssueURL == "" && issueBase != "" && r.GiteaIssueNumber > 0 {
		v.GiteaIssueURL = fmt.Sprintf("%s%d", issueBase, r.GiteaIssueNumber)
	}
	return v
}

// listWriter streams mappings as they are read: JSON items one by one, or
// table rows. In JSON, "success" comes last, so a failure halfway still
// ends as one valid document that says so.
type listWriter struct {
	a     *App
	json  bool
	count int
}

func newListWriter(a *App, asJSON bool) *listWriter {
	w := &listWriter{a: a, json: asJSON}
	if asJSON {
		fmt.Fprint(a.Stdout, "{\n  \"data\": {\n    \"mappings\": [")
	} else {
		fmt.Fprintf(a.Stdout, "%-36s  %6s  %-20s  %-30s  %s\n", "BUGSINK ISSUE", "GITEA", "SYNCED AT", "PROJECT", "TITLE")
	}
	return w
}

func (w *listWriter) add(v mappingView) {
	if w.json {
		b, _ := json.Marshal(v)
		sep := ","
		if w.count == 0 {
			sep = ""
		}
		fmt.Fprintf(w.a.Stdout, "%s\n      %s", sep, b)
	} else {
		fmt.Fprintf(w.a.Stdout, "%-36s  %6d  %-20s  %-30s  %s\n", v.BugsinkIssueID, v.GiteaIssueNumber,
			v.SyncedAt, v.Project, strings.ReplaceAll(v.Title, "\n", " "))
	}
	w.count++
}

func (w *listWriter) finish() {
	if w.json {
		fmt.Fprintf(w.a.Stdout, "\n    ],\n    \"count\": %d\n  },\n  \"success\": true\n}\n", w.count)
	}
	w.a.printed = true
}

// abort ends a JSON document that was cut short: the mappings read so far,
// then "success": false and the error.
func (w *listWriter) abort(err error) {
	if !w.json {
		return // the error goes to stderr as usual
	}
	code, name := classify(err)
	b, _ := json.Marshal(errorBody{Code: name, Message: err.Error(), ExitCode: code})
	fmt.Fprintf(w.a.Stdout, "\n    ],\n    \"count\": %d\n  },\n  \"success\": false,\n  \"error\": %s\n}\n", w.count, b)
	w.a.printed = true
}
