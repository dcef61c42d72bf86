package cmd

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"bsync/pkg/redact"
	"bsync/pkg/syncstate"
)

type listOptions struct {
	*app
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
	// Environment and BugID are set for an error shared by several
	// environments: the Gitea issue is shared by every mapping of the bug.
	Environment string `json:"environment,omitempty"`
	BugID       string `json:"bug_id,omitempty"`
	// AwaitingFix names the releases without the fix that the error came
	// back from after its Gitea issue was closed, while bsync waits for
	// the fix to ship (docs/regressions.md); absent otherwise.
	AwaitingFix []string `json:"awaiting_fix,omitempty"`
	Error       string   `json:"error,omitempty"`
}

func newListSyncedCmd(a *app) *cobra.Command {
	opts := &listOptions{app: a}
	c := &cobra.Command{
		Use:   "list-synced",
		Short: "List every Bugsink → Gitea mapping (reads Redis only)",
		Long: `Streams every mapping, in Redis's scan order, as one JSON document:
{"success": true, "data": {"mappings": [...], "count": N}}. Filters narrow the
list; --limit stops early. Records are read in batches and printed as they
come, so memory stays flat however many mappings there are.`,
		Args: positional(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runListSynced(cmd.Context(), opts) },
	}
	f := c.Flags()
	f.StringVar(&opts.project, "project", "", "only mappings of this Bugsink project slug")
	f.StringVar(&opts.since, "since", "", "only mappings synced at or after this time (RFC 3339) or within this duration (e.g. 24h or 30d)")
	f.IntVar(&opts.limit, "limit", 0, "stop after this many mappings (0: all)")
	return c
}

// parseSince reads --since: an RFC 3339 time, or a duration as --max-age
// takes it (72h, 30d) counted back from now.
func parseSince(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := parseAge(v); err == nil {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, &usageError{msg: fmt.Sprintf("--since %q: want an RFC 3339 time or a duration such as 24h or 30d", v)}
}

func runListSynced(ctx context.Context, opts *listOptions) error {
	if opts.limit < 0 {
		return &usageError{msg: "--limit must not be negative"}
	}
	since, err := parseSince(opts.since, opts.now())
	if err != nil {
		return err
	}
	return opts.withState(ctx, 5*time.Minute, func(ctx context.Context, cfg *config, store *syncstate.Store) error {
		return opts.list(ctx, cfg, store, since)
	})
}

// list streams the mappings that pass the filters.
func (opts *listOptions) list(ctx context.Context, cfg *config, store *syncstate.Store, since time.Time) error {
	issueBase := ""
	if cfg.GiteaURL != "" && cfg.GiteaOwner != "" && cfg.GiteaRepo != "" {
		issueBase = cfg.GiteaURL + "/" + cfg.GiteaOwner + "/" + cfg.GiteaRepo + "/issues/"
	}
	out := newListWriter(opts.app)
	for e, err := range store.Mappings(ctx) {
		if err != nil {
			return out.abort(fmt.Errorf("read the sync state: %w", err))
		}
		if opts.project != "" && (e.Record == nil || e.Record.Project != opts.project) {
			continue
		}
		if !since.IsZero() && (e.Record == nil || e.Record.SyncedAt.Before(since)) {
			continue
		}
		out.add(viewOf(e, issueBase))
		if opts.limit > 0 && out.count >= opts.limit {
			break
		}
	}
	out.finish()
	return nil
}

func viewOf(e syncstate.Entry, issueBase string) mappingView {
	v := mappingView{BugsinkIssueID: e.ID}
	if e.Record == nil {
		v.Error = fmt.Sprintf("unreadable record: %v", e.Err)
		return v
	}
	r := e.Record
	v.GiteaIssueNumber, v.Project, v.Title, v.Regressions = r.GiteaIssueNumber, r.Project, redact.Text(r.Title), r.Regressions
	v.SyncedAt = syncstate.FormatTime(r.SyncedAt)
	v.GiteaIssueURL = r.GiteaIssueURL
	v.Environment, v.BugID = r.Environment, r.BugID
	if r.AwaitingFix() {
		for _, rel := range r.ReleasesWithout {
			v.AwaitingFix = append(v.AwaitingFix, redact.Text(rel)) // release names come from error reports
		}
	}
	if v.GiteaIssueURL == "" && issueBase != "" && r.GiteaIssueNumber > 0 {
		v.GiteaIssueURL = fmt.Sprintf("%s%d", issueBase, r.GiteaIssueNumber)
	}
	return v
}

// tableBlock is how many rows list-synced aligns at once: a table of any
// length is printed in blocks, so it is never held whole.
const tableBlock = 500

// listWriter streams mappings as they are read: JSON items one by one
// (with the encoder settings of every other document: indented on a
// terminal, one line otherwise), or table rows in blocks. In JSON,
// "success" comes last, so a failure halfway still ends as one valid
// document that says so.
type listWriter struct {
	a      *app
	tw     *tabwriter.Writer
	indent string // "" for one line
	count  int
}

func newListWriter(a *app) *listWriter {
	a.printed = true
	w := &listWriter{a: a, indent: a.jsonIndent()}
	if a.output == outputTable {
		w.tw = newTable(a.stdout)
		fmt.Fprintln(w.tw, "BUGSINK ISSUE\tGITEA\tSYNCED AT\tPROJECT\tTITLE")
	} else {
		fmt.Fprintf(a.stdout, `{%s"data":%s{%s"mappings":%s[`, w.nl(1), w.sp(), w.nl(2), w.sp())
	}
	return w
}

// nl is a new line indented to depth, or nothing on one line.
func (w *listWriter) nl(depth int) string {
	if w.indent == "" {
		return ""
	}
	return "\n" + strings.Repeat(w.indent, depth)
}

// sp is the space after a key's colon, or nothing on one line.
func (w *listWriter) sp() string {
	if w.indent == "" {
		return ""
	}
	return " "
}

func (w *listWriter) add(v mappingView) {
	if w.tw != nil {
		fmt.Fprintf(w.tw, "%s\t%d\t%s\t%s\t%s\n", v.BugsinkIssueID, v.GiteaIssueNumber, v.SyncedAt, v.Project,
			strings.Join(strings.Fields(v.Title), " "))
		if (w.count+1)%tableBlock == 0 {
			w.tw.Flush()
		}
	} else {
		sep := ","
		if w.count == 0 {
			sep = ""
		}
		fmt.Fprintf(w.a.stdout, "%s%s%s", sep, w.nl(3), marshalJSON(v, strings.Repeat(w.indent, 3), w.indent))
	}
	w.count++
}

// closing ends the mappings list and the data object.
func (w *listWriter) closing() string {
	end := w.nl(2)
	if w.count == 0 {
		end = ""
	}
	return fmt.Sprintf(`%s],%s"count":%s%d%s},%s`, end, w.nl(2), w.sp(), w.count, w.nl(1), w.nl(1))
}

func (w *listWriter) finish() {
	if w.tw != nil {
		w.tw.Flush()
		return
	}
	fmt.Fprintf(w.a.stdout, `%s"success":%strue%s}`+"\n", w.closing(), w.sp(), w.nl(0))
}

// abort ends a listing that was cut short and returns err: in JSON, the
// mappings read so far, then "success": false and the error.
func (w *listWriter) abort(err error) error {
	if w.tw != nil {
		w.tw.Flush()
		printTableFailure(w.a.stdout, err)
		return err
	}
	code, name := classify(err)
	body := marshalJSON(errorBody{Code: name, Message: err.Error(), ExitCode: code}, w.indent, w.indent)
	fmt.Fprintf(w.a.stdout, `%s"success":%sfalse,%s"error":%s%s%s}`+"\n", w.closing(), w.sp(), w.nl(1), w.sp(), body, w.nl(0))
	return err
}
