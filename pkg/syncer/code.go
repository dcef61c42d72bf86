package syncer

import (
	"context"

	"bsync/pkg/bugsink"
	"bsync/pkg/codeindex"
	"bsync/pkg/render"
)

// CodeIndex finds where an event's frames live in the Gitea repository
// and who owns them (a *codeindex.Index, built once per run).
type CodeIndex interface {
	Locate(ctx context.Context, project, release string, frames []codeindex.Frame) *codeindex.Located
	// Notes are what the run says once: refs it could not read, releases
	// without a tag, CODEOWNERS problems, projects whose frames matched
	// nothing.
	Notes() []string
}

// locate asks the code index about an event's in-app frames: the links
// for its issue body and the owners to assign. Both are empty when there
// is no index, no event, or the repository could not be read.
func (pp *preparer) locate(ctx context.Context, slug string, ev *bugsink.Event) (*render.Code, []string) {
	if pp.Code == nil || ev == nil {
		return nil, nil
	}
	frames := render.CodeFrames(ev)
	in := make([]codeindex.Frame, len(frames))
	for i, f := range frames {
		in[i] = codeindex.Frame{Paths: f.Paths, Line: f.Line, InApp: true}
	}
	loc := pp.Code.Locate(ctx, slug, ev.Data.Release, in)
	if loc == nil {
		return nil, nil
	}
	return codeView(loc, frames), loc.Owners
}

// codeView is what the renderer shows of a located event.
func codeView(loc *codeindex.Located, frames []render.CodeFrame) *render.Code {
	c := &render.Code{Repo: loc.FullName, Kind: render.AtBranch, RefName: loc.Ref.Name, RefSHA: loc.Ref.SHA,
		Links: make([]render.CodeLink, len(loc.Links))}
	switch loc.Ref.Kind {
	case codeindex.Tag:
		c.Kind, c.ReleaseURL = render.AtTag, loc.Ref.RefURL(loc.RepoURL)
	case codeindex.Commit:
		c.Kind, c.ReleaseURL = render.AtCommit, loc.Ref.RefURL(loc.RepoURL)
	}
	for i, l := range loc.Links {
		c.Links[i] = render.CodeLink{Path: l.Path, Line: l.Line, URL: l.URL, Function: frames[i].Function}
	}
	return c
}

// PreviewNew renders the Gitea issue a sync would create for a Bugsink
// issue, with the code links and the assignees it would write: code is
// consulted as a sync consults it (nil: no repository read). It writes
// nothing. owners is empty when nobody would be assigned.
func PreviewNew(ctx context.Context, p bugsink.Project, is bugsink.Issue, ev *bugsink.Event, opts Options, code CodeIndex) (out render.Output, link *Link, owners []string) {
	pp := &preparer{Engine: &Engine{Opts: opts, Code: code}}
	view, owners := pp.locate(ctx, p.Slug, ev)
	out, l := pp.renderNew(p, is, ev, view)
	if l.bug != "" {
		link = &Link{Component: l.place.Component, Environment: l.place.Env, BugID: l.bug}
	}
	return out, link, owners
}
