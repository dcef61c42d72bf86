package codeindex

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"bsync/pkg/gitea"
)

// releaseRef resolves a release to a tag, a commit, or the default branch
// (once per release and run).
func (x *Index) releaseRef(ctx context.Context, repo *gitea.Repository, release string) (Ref, error) {
	x.mu.Lock()
	l := x.releases[release]
	if l == nil {
		l = &lazy[Ref]{}
		x.releases[release] = l
	}
	x.mu.Unlock()
	return l.get(func() (Ref, error) { return x.resolveRelease(ctx, repo, release) })
}

// resolveRelease looks the release's tag up by name, one candidate name
// at a time (never by listing every tag), then as a commit id, else falls
// back on the default branch's commit.
func (x *Index) resolveRelease(ctx context.Context, repo *gitea.Repository, release string) (Ref, error) {
	cands := releaseCandidates(release)
	for _, c := range cands {
		sha, err := x.src.TagSHA(ctx, c)
		if err == nil {
			return Ref{Kind: Tag, Name: c, SHA: sha}, nil
		}
		if !errors.Is(err, gitea.ErrRefNotFound) {
			x.note("a release's tag could not be looked up, so its frames are linked at the default branch: %v", err)
			return x.defaultBranch(ctx, repo)
		}
	}
	if c := commitCandidate(release); c != "" {
		sha, err := x.src.CommitSHA(ctx, c)
		switch {
		case err == nil:
			return Ref{Kind: Commit, Name: sha, SHA: sha}, nil
		case !errors.Is(err, gitea.ErrRefNotFound):
			x.note("a release's commit could not be looked up, so its frames are linked at the default branch: %v", err)
		}
	}
	if len(cands) > 0 {
		x.note("release %s names no tag or commit of %s: its frames are linked at the default branch %s",
			quote(release), repo.FullName, repo.DefaultBranch)
	}
	return x.defaultBranch(ctx, repo)
}

// defaultBranch resolves the default branch to its commit, once per run:
// every event linked at the branch is linked at that one commit.
func (x *Index) defaultBranch(ctx context.Context, repo *gitea.Repository) (Ref, error) {
	return x.branch.get(func() (Ref, error) {
		sha, err := x.src.BranchSHA(ctx, repo.DefaultBranch)
		if errors.Is(err, gitea.ErrRefNotFound) {
			return Ref{}, fmt.Errorf("%s has no commit on its default branch %s", repo.FullName, repo.DefaultBranch)
		}
		if err != nil {
			return Ref{}, fmt.Errorf("the default branch %s could not be read: %w", repo.DefaultBranch, err)
		}
		return Ref{Kind: Branch, Name: repo.DefaultBranch, SHA: sha}, nil
	})
}

// tree returns the files of a ref's commit, read once per run by the
// commit's id: a tag and the branch at one commit share one read, and a
// push while it is read changes nothing.
func (x *Index) tree(ctx context.Context, ref Ref) (*Files, error) {
	x.mu.Lock()
	l := x.trees[ref.SHA]
	if l == nil {
		l = &lazy[*Files]{}
		x.trees[ref.SHA] = l
	}
	x.mu.Unlock()
	return l.get(func() (*Files, error) {
		t, err := x.src.Tree(ctx, ref.SHA, x.opt.MaxTreeEntries)
		if errors.Is(err, gitea.ErrTreeTooBig) {
			return nil, fmt.Errorf("the revision is larger than a run reads, so its issues carry no code links or assignees: %w", err)
		}
		if err != nil {
			return nil, err
		}
		return NewFiles(t.Files, t.Sizes).withSymlinks(t.Symlinks), nil
	})
}

// mayHoldLine reports whether a file's size leaves room for the line: a
// file of n bytes has at most n+1 lines.
func (f *Files) mayHoldLine(path string, line int) bool {
	size, ok := f.size[path]
	return ok && (size < 0 || line <= 0 || int64(line)-1 <= size)
}

// holdsLine reports whether the file at the ref has the frame's line: a
// line past its end says the file at that revision is not the code that
// ran. The file is read once per run and revision, and only when its size
// leaves room for the line. A file too large to read is trusted by its
// size; one that cannot be read is not linked (the run says why once).
func (x *Index) holdsLine(ctx context.Context, files *Files, ref Ref, path string, line int) bool {
	if line <= 0 {
		return true
	}
	if !files.mayHoldLine(path, line) {
		return false
	}
	x.mu.Lock()
	key := ref.SHA + "\x00" + path
	l := x.lines[key]
	if l == nil {
		l = &lazy[int]{}
		x.lines[key] = l
	}
	x.mu.Unlock()
	n, err := l.get(func() (int, error) {
		b, err := x.src.RawFile(ctx, ref.SHA, path)
		if errors.Is(err, gitea.ErrFileTooLarge) {
			return MaxLine, nil
		}
		if err != nil {
			return 0, err
		}
		return countLines(b), nil
	})
	if err != nil {
		x.note("a linked file could not be read to check its length, so frames in it are not linked this run: %v", err)
		return false
	}
	return line <= n
}

// countLines counts lines as an editor numbers them: a last line without
// a newline counts.
func countLines(b []byte) int {
	n := bytes.Count(b, []byte{'\n'})
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}
