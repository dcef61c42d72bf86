package gitea

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// The calls in this file read the repository's code: its tree, tags,
// commits, one file's raw content and who can be assigned. bsync links
// stack frames to files and assigns code owners with them.

// DefaultTreePerPage is Gitea's [api] DEFAULT_GIT_TREES_PER_PAGE: the
// most entries one page of a tree carries (modules/setting/api.go).
const DefaultTreePerPage = 1000

// MaxTreePages bounds one tree read (a million entries at the default
// page size): a repository that large is not read whole.
const MaxTreePages = 1000

// ErrRefNotFound says the repository has no branch, tag or commit by
// that name.
var ErrRefNotFound = errors.New("no such branch, tag or commit in the repository")

// ErrTreeTooBig says a tree holds more entries than the caller will read.
var ErrTreeTooBig = errors.New("tree too big to read")

// Tree is the recursive file listing of one commit.
type Tree struct {
	// SHA is the commit the ref resolved to (Gitea answers the resolved id
	// for a branch, tag or short sha: services/repository/files/tree.go).
	SHA string
	// Files are the paths of the files, as Gitea lists them; directories,
	// submodules and symbolic links (blobs of mode 120000, whose content is
	// the target's path, not code: see Symlinks) are left out.
	Files []string
	// Sizes holds each file's size in bytes, in the order of Files.
	Sizes []int64
	// Symlinks are the paths of the symbolic links.
	Symlinks []string
}

// treePage is one page of GET /repos/{owner}/{repo}/git/trees/{sha}.
type treePage struct {
	SHA     string `json:"sha"`
	Entries []struct {
		Path string `json:"path"`
		Mode string `json:"mode"`
		Type string `json:"type"`
		Size int64  `json:"size"`
	} `json:"tree"`
	Truncated  bool `json:"truncated"`
	Page       int  `json:"page"`
	TotalCount int  `json:"total_count"`
}

// Tree reads the whole recursive tree of ref (a branch, tag or commit) a
// page at a time: Gitea cuts a recursive listing into pages of at most
// DEFAULT_GIT_TREES_PER_PAGE entries and sets truncated while more follow.
// The first page names the commit the ref resolved to, and every later
// page is read by that commit's id, so a push while the tree is read
// cannot change it. A tree of more than maxEntries entries (files and
// directories; 0: no bound but MaxTreePages) is ErrTreeTooBig, known from
// the first page's total_count. An unknown ref is ErrRefNotFound (Gitea
// answers 400 "sha not found").
//
// Gitea API: GET /repos/{owner}/{repo}/git/trees/{sha}?recursive=1&page=&per_page=
func (c *Client) Tree(ctx context.Context, ref string, maxEntries int) (*Tree, error) {
	t := &Tree{}
	perPage := c.treePerPage
	if perPage <= 0 {
		perPage = DefaultTreePerPage
	}
	at := ref
	for page := 1; ; page++ {
		if page > MaxTreePages {
			return nil, fmt.Errorf("read gitea tree at %q: %w (%d pages of %d)", ref, ErrPageCap, MaxTreePages, perPage)
		}
		p, err := c.treePage(ctx, at, page, perPage)
		if err != nil {
			return nil, fmt.Errorf("read gitea tree at %q: %w", ref, err)
		}
		if page == 1 {
			if maxEntries > 0 && p.TotalCount > maxEntries {
				return nil, fmt.Errorf("read gitea tree at %q: %w (%d entries, at most %d read)", ref, ErrTreeTooBig, p.TotalCount, maxEntries)
			}
			t.SHA = p.SHA
			if reFullSHA.MatchString(p.SHA) {
				at = p.SHA
			}
		} else if p.SHA != t.SHA {
			return nil, fmt.Errorf("read gitea tree at %q: %q moved from %s to %s while it was read", ref, ref, t.SHA, p.SHA)
		}
		for _, e := range p.Entries {
			switch {
			case e.Type == "blob" && e.Mode == symlinkMode:
				t.Symlinks = append(t.Symlinks, e.Path)
			case e.Type == "blob":
				t.Files = append(t.Files, e.Path)
				t.Sizes = append(t.Sizes, e.Size)
			}
		}
		if !p.Truncated || len(p.Entries) == 0 {
			return t, nil
		}
	}
}

// symlinkMode is the git mode of a symbolic link in a tree listing.
const symlinkMode = "120000"

var reFullSHA = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

func (c *Client) treePage(ctx context.Context, ref string, page, perPage int) (*treePage, error) {
	q := url.Values{"recursive": {"1"}, "page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
	var p treePage
	err := c.get(ctx, c.repoPath("/git/trees/"+url.PathEscape(ref)), q, &p)
	if s := StatusCode(err); s == http.StatusBadRequest || s == http.StatusNotFound {
		return nil, fmt.Errorf("%w (%v)", ErrRefNotFound, err)
	}
	return &p, err
}

// Tag is a repository tag and the commit it names.
type Tag struct {
	Name   string `json:"name"`
	Commit struct {
		SHA string `json:"sha"`
	} `json:"commit"`
}

// TagSHA returns the commit a tag names, or ErrRefNotFound when the
// repository has no tag of that name (Gitea answers 404 "tag doesn't
// exist"; a name with '@', '+' or '/' is found as written, checked on
// Gitea 1.25.4).
//
// Gitea API: GET /repos/{owner}/{repo}/tags/{tag}
func (c *Client) TagSHA(ctx context.Context, name string) (string, error) {
	var t Tag
	err := c.get(ctx, c.repoPath("/tags/"+url.PathEscape(name)), nil, &t)
	if StatusCode(err) == http.StatusNotFound {
		return "", fmt.Errorf("read gitea tag %q: %w", name, ErrRefNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read gitea tag %q: %w", name, err)
	}
	if t.Commit.SHA == "" {
		return "", fmt.Errorf("read gitea tag %q: it names no commit", name)
	}
	return t.Commit.SHA, nil
}

// BranchSHA returns the commit a branch points at, or ErrRefNotFound when
// the repository has no such branch (Gitea answers 404).
//
// Gitea API: GET /repos/{owner}/{repo}/branches/{branch}
func (c *Client) BranchSHA(ctx context.Context, name string) (string, error) {
	var b struct {
		Commit struct {
			ID string `json:"id"`
		} `json:"commit"`
	}
	err := c.get(ctx, c.repoPath("/branches/"+url.PathEscape(name)), nil, &b)
	if StatusCode(err) == http.StatusNotFound {
		return "", fmt.Errorf("read gitea branch %q: %w", name, ErrRefNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read gitea branch %q: %w", name, err)
	}
	if b.Commit.ID == "" {
		return "", fmt.Errorf("read gitea branch %q: it names no commit", name)
	}
	return b.Commit.ID, nil
}

// Tags lists every tag of the repository (newest first, as Gitea lists
// them), reading at most maxPages pages.
//
// Gitea API: GET /repos/{owner}/{repo}/tags?page=&limit=
func (c *Client) Tags(ctx context.Context, maxPages int) ([]Tag, error) {
	var all []Tag
	for rows, err := range listPages[Tag](ctx, c, c.repoPath("/tags"), nil, maxPages) {
		if err != nil {
			return nil, fmt.Errorf("list gitea tags: %w", err)
		}
		all = append(all, rows...)
	}
	return all, nil
}

// CommitSHA returns the full id of the commit sha names (a full or an
// abbreviated id), or ErrRefNotFound when the repository has no such
// commit (Gitea answers 404 for a tree or blob id too).
//
// Gitea API: GET /repos/{owner}/{repo}/git/commits/{sha}
func (c *Client) CommitSHA(ctx context.Context, sha string) (string, error) {
	var cm struct {
		SHA string `json:"sha"`
	}
	q := url.Values{"stat": {"false"}, "verification": {"false"}, "files": {"false"}}
	err := c.get(ctx, c.repoPath("/git/commits/"+url.PathEscape(sha)), q, &cm)
	if s := StatusCode(err); s == http.StatusNotFound || s == http.StatusUnprocessableEntity {
		return "", fmt.Errorf("read gitea commit %q: %w", sha, ErrRefNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read gitea commit %q: %w", sha, err)
	}
	return cm.SHA, nil
}

// MaxRawBytes bounds a file read whole (CODEOWNERS): Gitea itself reads
// a CODEOWNERS file up to [ui] MAX_DISPLAY_FILE_SIZE (8 MiB).
const MaxRawBytes = 1 << 20

// ErrFileTooLarge says a file is larger than MaxRawBytes.
var ErrFileTooLarge = errors.New("file too large")

// RawFile reads one file's content at ref (a branch, tag or commit id).
// Gitea answers an unknown ref with the default branch's file, so callers
// pass a ref they know exists. A missing file is a 404 (IsNotFound).
//
// Gitea API: GET /repos/{owner}/{repo}/raw/{filepath}?ref=
func (c *Client) RawFile(ctx context.Context, ref, path string) ([]byte, error) {
	var segs []string
	for _, s := range strings.Split(path, "/") {
		segs = append(segs, url.PathEscape(s))
	}
	var body []byte
	err := c.do(ctx, http.MethodGet, c.repoPath("/raw/"+strings.Join(segs, "/")), url.Values{"ref": {ref}}, nil, &body)
	if err != nil {
		return nil, fmt.Errorf("read gitea file %s at %q: %w", path, ref, err)
	}
	if len(body) > MaxRawBytes {
		return nil, fmt.Errorf("read gitea file %s at %q: %w (%d bytes, at most %d read)", path, ref, ErrFileTooLarge, len(body), MaxRawBytes)
	}
	return body, nil
}

// User is the part of a Gitea user bsync reads.
type User struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
}

// Assignees lists the users Gitea offers as assignees of the repository's
// issues: those with write access (models/repo/user_repo.go
// GetRepoAssignees). Gitea sends the whole list at once, without paging.
//
// Gitea API: GET /repos/{owner}/{repo}/assignees
func (c *Client) Assignees(ctx context.Context) ([]User, error) {
	var users []User
	if err := c.get(ctx, c.repoPath("/assignees"), nil, &users); err != nil {
		return nil, fmt.Errorf("list gitea assignees: %w", err)
	}
	return users, nil
}
