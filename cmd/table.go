package cmd

import (
	"fmt"
	"io"

	"bsync/pkg/syncer"
)

func printSyncTable(w io.Writer, rep *syncer.Report) {
	tw := newTable(w)
	mode := "sync"
	if rep.DryRun {
		mode = "dry run"
	}
	if rep.Pass != "" {
		mode += " (" + rep.Pass + " pass)"
	}
	fmt.Fprintf(tw, "%s: synced %d, skipped %d, failed %d, regressed %d, recurring %d, reopened in bugsink %d, re-resolved %d, deferred %d, below threshold %d, muted ignored %d in %d ms\n\n",
		mode, rep.Synced, rep.Skipped, rep.Failed, rep.Regressed, rep.Recurring, rep.ReopenedInBugsink, rep.Resolved, rep.Deferred, rep.BelowThreshold, rep.Muted, rep.DurationMS)
	fmt.Fprintln(tw, "PROJECT\tPASS\tSEEN\tUNRESOLVED\tSYNCED\tSKIPPED\tFAILED\tDEFERRED\tBELOW")
	for _, p := range rep.Projects {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", p.Slug, p.Pass, p.Seen, p.Unresolved, p.Synced, p.Skipped, p.Failed, p.Deferred, p.Below)
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
		fmt.Fprintf(tw, "next run:\t%s\n", d.NextRun.Format("2006-01-02 15:04:05 UTC"))
	} else {
		fmt.Fprintf(tw, "last run:\tnever\n")
	}
	fmt.Fprintf(tw, "total synced:\t%d\n", d.TotalSynced)
	stale := "no"
	if d.Stale {
		stale = "yes: " + d.StaleReason
	}
	fmt.Fprintf(tw, "stale:\t%s\n", stale)
	if d.Running != nil {
		fmt.Fprintf(tw, "running:\t%v\n", d.Running)
	}
	tw.Flush()
}
