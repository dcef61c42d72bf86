package codeindex_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/gitea"
	"bsync/pkg/peertest"
)

// realCodeRepo is a real Gitea repository filled by git pushes (one push
// per commit, with its tags), as a person would.
type realCodeRepo struct {
	g   *peertest.Gitea
	a   *peertest.Account
	dir string // a clone
}

func newRealCodeRepo(t *testing.T) *realCodeRepo {
	g := peertest.GiteaServer(t)
	r := &realCodeRepo{g: g, a: g.NewAccount(t), dir: t.TempDir()}
	u, err := url.Parse(g.URL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(r.a.Login, r.a.Password)
	u.Path = "/" + r.a.Login + "/" + r.a.Repo + ".git"
	r.git(t, "clone", "-q", u.String(), ".")
	r.git(t, "config", "user.email", "dev@example.com")
	r.git(t, "config", "user.name", "dev")
	return r
}

func (r *realCodeRepo) git(t *testing.T, args ...string) string {
	t.Helper()
	return r.gitIn(t, "", args...)
}

func (r *realCodeRepo) gitIn(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", args[0], err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *realCodeRepo) push(t *testing.T, files map[string]string, tags ...string) string {
	for p, c := range files {
		full := filepath.Join(r.dir, filepath.FromSlash(p))
		if c == "" {
			_ = os.Remove(full)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r.git(t, "add", "-A")
	r.git(t, "commit", "-q", "--allow-empty", "-m", "change")
	sha := r.git(t, "rev-parse", "HEAD")
	var refs strings.Builder
	for _, tag := range tags {
		fmt.Fprintf(&refs, "create refs/tags/%s %s\n", tag, sha)
	}
	if len(tags) > 0 {
		r.gitIn(t, refs.String(), "update-ref", "--stdin")
	}
	r.git(t, "push", "-q", "--tags", "origin", "HEAD:main")
	return sha
}

func (r *realCodeRepo) user(t *testing.T, perm string) string {
	u := r.g.NewUser(t, "read:user")
	r.g.AddCollaboratorAs(t, r.a, u.Login, perm)
	return u.Login
}

func (r *realCodeRepo) client(_ *testing.T, hooks map[string]func()) *gitea.Client {
	return gitea.New(r.g.URL, r.a.Token, r.a.Login, r.a.Repo, apiclient.Options{Timeout: 60 * time.Second,
		HTTPClient: &http.Client{Transport: newHookTransport(hooks)}})
}

// realExtraTags is how many tags the real repository gets besides the
// release's: more than a page of the tag listing (50). Gitea takes about a
// second per pushed tag on the test machine (its push hook records each),
// so the 5,001 tags of the fake's run are not repeated here; the lookup by
// name that replaces the listing costs the same at any number of tags.
const realExtraTags = 60

// TestRealLocateScenarios holds the index to the cases on a real
// Gitea: a monorepo, the standard library marked in-app, a line past the
// end of the file, an explicit mapping without the file, a repository that
// is not the source, many tags, a push while the tree is read, a Windows
// prefix, a tree too big to read.
func TestRealLocateScenarios(t *testing.T) {
	runScenarios(t, newRealCodeRepo(t), realExtraTags)
}
