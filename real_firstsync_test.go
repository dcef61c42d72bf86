package main

import (
	"slices"
	"strings"
	"testing"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/peertest"
)

// flyerProjects are the six projects of the flyer-crawler installation,
// whose slugs give every kind of label.
var flyerProjects = []string{
	"flyer-crawler-backend", "flyer-crawler-backend-test", "flyer-crawler-frontend",
	"flyer-crawler-frontend-test", "flyer-crawler-infrastructure", "flyer-crawler-test-infrastructure",
}

// flyerLabels are the labels the README promises each of them.
var flyerLabels = map[string][]string{
	"flyer-crawler-backend":             {"bug:backend", "env:production", "source:bugsink"},
	"flyer-crawler-backend-test":        {"bug:backend", "env:test", "source:bugsink"},
	"flyer-crawler-frontend":            {"bug:frontend", "env:production", "source:bugsink"},
	"flyer-crawler-frontend-test":       {"bug:frontend", "env:test", "source:bugsink"},
	"flyer-crawler-infrastructure":      {"bug:infrastructure", "env:production", "source:bugsink"},
	"flyer-crawler-test-infrastructure": {"bug:infrastructure", "env:test", "source:bugsink"},
}

// spreadRecorded deals the recorded events over the projects so that no
// project gets two of one title (Bugsink would group them into one issue).
func spreadRecorded(events []recordedEvent, projects []string) map[string][]recordedEvent {
	out := map[string][]recordedEvent{}
	for i, e := range events {
		for k := range projects {
			p := projects[(i+k)%len(projects)]
			if !slices.ContainsFunc(out[p], func(o recordedEvent) bool { return o.Type == e.Type && o.Value == e.Value }) {
				out[p] = append(out[p], e)
				break
			}
		}
	}
	return out
}

// TestRealFirstSyncOfRecordedEvents ingests every recorded SDK payload into
// the real Bugsink as its SDK sends it, and checks that Bugsink derives the
// recorded type, value and stacktrace_md (what the fake serves), that the
// first sync makes exactly one labelled Gitea issue per Bugsink issue with
// the title and body `bsync preview` showed, resolves them all, and that a
// second sync does nothing.
func TestRealFirstSyncOfRecordedEvents(t *testing.T) {
	t.Parallel()
	p := newRealPair(t, peertest.BugsinkServer(t), flyerProjects...)
	events := recordedEvents(t)
	dealt := spreadRecorded(events, flyerProjects)
	for proj, es := range dealt {
		for _, e := range es {
			p.ingest(t, proj, e)
		}
	}

	type previewed struct {
		Title, Body string
		Labels      []string
	}
	previews := map[string]previewed{}
	projectOf := map[string]string{}
	total := 0
	for proj, es := range dealt {
		issues := p.bugsinkIssues(t, proj)
		if len(issues) != len(es) {
			t.Fatalf("%s: %d bugsink issues for %d events of distinct titles", proj, len(issues), len(es))
		}
		for _, is := range issues {
			i := slices.IndexFunc(es, func(e recordedEvent) bool { return e.Type == is.Type && e.Value == is.Value })
			if i < 0 {
				t.Errorf("%s: bugsink derived %q, %q, which no recorded .issue.json names", proj, is.Type, is.Value)
				continue
			}
			// The recorded files were written by Bugsink after 2.5.0, which
			// also renders the stacks of events without an exception; for
			// those the fake's port renders as 2.5.0 does.
			want := strings.TrimSpace(es[i].StacktraceMD)
			if _, ok := es[i].Data["exception"]; !ok {
				want = bugsinktest.StacktraceMarkdown(es[i].Raw, bugsinktest.Title(is.Type, is.Value), nil)
			}
			if _, md := p.latestEvent(t, is.ID); md != want {
				t.Errorf("%s: the real stacktrace_md differs from the recorded one or the port's\n--- real ---\n%s\n--- want ---\n%s", es[i].Name, md, want)
			}
			code, doc, stderr := p.run(t, "preview", is.ID)
			d, _ := doc["data"].(map[string]any)
			if code != 0 || d == nil {
				t.Fatalf("preview %s: exit %d %v %s", is.ID, code, doc, stderr)
			}
			var labels []string
			for _, l := range d["labels"].([]any) {
				labels = append(labels, l.(string))
			}
			slices.Sort(labels)
			previews[is.ID] = previewed{Title: d["title"].(string), Body: d["body"].(string), Labels: labels}
			projectOf[is.ID] = proj
			total++
		}
	}
	if total != len(events) {
		t.Fatalf("%d bugsink issues for %d recorded events dealt without repeating a title in a project", total, len(events))
	}

	d := p.sync(t)
	if d["synced"] != float64(total) || d["pass"] != "full" {
		t.Fatalf("first sync: synced %v, pass %v; want %d, full", d["synced"], d["pass"], total)
	}
	for id, gi := range p.assertOnePerIssue(t) {
		want := previews[id]
		if gi.Title != want.Title {
			t.Errorf("%s: gitea title %q, preview showed %q", id, gi.Title, want.Title)
		}
		if gi.Body != want.Body {
			t.Errorf("%s: the gitea body is not the one preview showed\n--- gitea ---\n%s\n--- preview ---\n%s", id, gi.Body, want.Body)
		}
		if got := gi.labelNames(); !slices.Equal(got, want.Labels) || !slices.Equal(got, flyerLabels[projectOf[id]]) {
			t.Errorf("%s (%s): gitea labels %v, preview %v, README %v", id, projectOf[id], got, want.Labels, flyerLabels[projectOf[id]])
		}
	}

	d = p.sync(t)
	if d["synced"] != float64(0) || d["skipped"] != float64(0) || len(p.giteaIssues(t)) != total {
		t.Errorf("second sync: synced %v, skipped %v, %d gitea issues (want 0, 0, %d)", d["synced"], d["skipped"], len(p.giteaIssues(t)), total)
	}
}
