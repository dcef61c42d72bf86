package gitea

import (
	"context"
	"fmt"
	"net/http"
)

// Labels lists every label of the repository, in pages of the server's
// size (label lists carry no Link header).
//
// Gitea API: GET /repos/{owner}/{repo}/labels?page=&limit=
func (c *Client) Labels(ctx context.Context) ([]Label, error) {
	var all []Label
	for rows, err := range listPages[Label](ctx, c, c.repoPath("/labels"), nil, MaxPages) {
		if err != nil {
			return nil, fmt.Errorf("list gitea labels: %w", err)
		}
		all = append(all, rows...)
	}
	return all, nil
}

// CreateLabel creates a label. Gitea does not refuse a second label with
// the same name, so callers look first (EnsureLabels does).
//
// Gitea API: POST /repos/{owner}/{repo}/labels
func (c *Client) CreateLabel(ctx context.Context, name, color, description string) (*Label, error) {
	body := map[string]any{"name": name, "color": color, "description": description}
	var l Label
	if err := c.do(ctx, http.MethodPost, c.repoPath("/labels"), nil, body, &l); err != nil {
		return nil, fmt.Errorf("create gitea label %q: %w", name, err)
	}
	return &l, nil
}

// LabelSpec is a label bsync wants: exact name and the colour to create it
// with when it is missing.
type LabelSpec struct {
	Name        string
	Color       string
	Description string
}

// EnsureLabels returns the id of every wanted label, matched by exact,
// case-sensitive name; where a repository holds several labels of one name
// the lowest id is used. Missing labels are created. With create false
// nothing is written and missing labels are left out of the map.
func (c *Client) EnsureLabels(ctx context.Context, want []LabelSpec, create bool) (map[string]int64, error) {
	existing, err := c.Labels(ctx)
	if err != nil {
		return nil, err
	}
	ids := map[string]int64{}
	for _, l := range existing {
		if cur, ok := ids[l.Name]; !ok || l.ID < cur {
			ids[l.Name] = l.ID
		}
	}
	out := map[string]int64{}
	for _, w := range want {
		if id, ok := ids[w.Name]; ok {
			out[w.Name] = id
			continue
		}
		if !create {
			continue
		}
		l, err := c.CreateLabel(ctx, w.Name, w.Color, w.Description)
		if err != nil {
			return nil, err
		}
		ids[w.Name] = l.ID
		out[w.Name] = l.ID
	}
	return out, nil
}

// ProbeLabelWrite checks, creating nothing, that the token may write the
// repository's labels: Gitea refuses an empty create with 422 ("[Name]:
// Required") only once the token, its write:issue scope, the repository
// and its user's write access have passed (routers/api/v1/api.go routes it
// through reqToken, reqRepoWriter, then bind; seen on 1.25.4). It returns
// nil for that 422 and the refusal otherwise.
func (c *Client) ProbeLabelWrite(ctx context.Context) error {
	err := c.do(ctx, http.MethodPost, c.repoPath("/labels"), nil, map[string]any{}, nil)
	if StatusCode(err) == http.StatusUnprocessableEntity {
		return nil
	}
	if err == nil {
		return fmt.Errorf("an empty label was accepted; check the repository")
	}
	return err
}
