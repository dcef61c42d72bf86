package cmd

import (
	"fmt"
	"io"
	"strings"

	"bsync/pkg/syncer"
)

func printSyncTable(w io.Writer, rep *syncer.Report) {
	tw := newTable(w)
	mode, created, linked := "sync", "created", "linked"
	if rep.DryRun {
		mode, created, linked = "dry run", "would create", "would link"
	}
	if rep.Pass != "" {
		mode += " (" + rep.Pass + " pass)"
	}
	fmt.Fprintf(tw, "%s: %s %d, %s %d, skipped %d, failed %d, regressed %d, recurring %d, awaiting fix %d, reopened in bugsink %d, re-resolved %d, deferred %d, below threshold %d, muted ignored %d in %d ms\n\n",
		mode, created, rep.NewIssues, linked, rep.Linked, rep.Skipped, rep.Failed, rep.Regressed, rep.Recurring, rep.AwaitingFix, rep.ReopenedInBugsink, rep.Resolved, rep.Deferred, rep.BelowThreshold, rep.Muted, rep.DurationMS)
	fmt.Fprintf(tw, "PROJECT\tPASS\tSEEN\tUNRESOLVED\t%s\t%s\tSKIPPED\tFAILED\tDEFERRED\tBELOW\n", strings.ToUpper(created), strings.ToUpper(linked))
	for _, p := range rep.Projects {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", p.Slug, p.Pass, p.Seen, p.Unresolved, p.NewIssues, p.Linked, p.Skipped, p.Failed, p.Deferred, p.Below)
	}
	list := rep.Created
	if rep.DryRun {
		list = rep.WouldCreate
	}
	if len(list) > 0 {
		fmt.Fprintln(tw, "\nGITEA\tPROJECT\tTITLE")
		for _, c := range list {
			num := "(new)"
			if c.GiteaIssueNumber > 0 {
				num = fmt.Sprintf("#%d", c.GiteaIssueNumber)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", num, c.Project, c.Title)
		}
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(tw, "\nwarning: %s", w)
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(tw, "\nerror: %s %s %s: %s", e.Stage, e.Project, e.BugsinkIssueID, e.Message)
	}
	fmt.Fprintln(tw)
	tw.Flush()
}

func printStatusTable(w io.Writer, d statusData) {
	tw := newTable(w)
	fmt.Fprintf(tw, "enabled:\t%v\n", d.Enabled)
	if d.LastRun != nil {
		fmt.Fprintf(tw, "last run:\t%s (%s)\n", d.LastRun.Format("2006-01-02 15:04:05 UTC"), d.LastOutcome)
	} else {
		fmt.Fprintf(tw, "last run:\tnever\n")
	}
	switch {
	case !d.Enabled:
		fmt.Fprintf(tw, "next run:\tnone: the sync is disabled\n")
	case d.NextRun != nil:
		fmt.Fprintf(tw, "next run:\t%s\n", d.NextRun.Format("2006-01-02 15:04:05 UTC"))
	}
	fmt.Fprintf(tw, "total synced:\t%d\n", d.TotalSynced)
	stale := "no"
	if d.Stale {
		stale = "yes: " + d.StaleReason
	}
	fmt.Fprintf(tw, "stale:\t%s\n", stale)
	if h := d.Running; h != nil {
		fmt.Fprintf(tw, "running:\tpid %d on %s since %s\n", h.PID, h.Host, h.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if h := d.DeadHolder; h != nil {
		fmt.Fprintf(tw, "lock:\tleft by pid %d on %s (started %s), which is gone; the next run takes it over\n", h.PID, h.Host, h.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	tw.Flush()
}
