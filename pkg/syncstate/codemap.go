package syncstate

import (
	"context"
	"encoding/json"
	"fmt"

	"bsync/pkg/codeindex"
)

// CodeMapPrefix + "{owner}/{repo}:{project slug}" → JSON list of the code
// mappings the project earned in that repository (codeindex.Learned).
const CodeMapPrefix = "bugsink:codemap:"

// CodeMapKey returns the key of a project's earned code mappings in a
// repository.
func CodeMapKey(repo, project string) string { return CodeMapPrefix + repo + ":" + project }

// LearnedMappings reads the code mappings a project earned in a
// repository (none when it earned none yet).
func (s *Store) LearnedMappings(ctx context.Context, repo, project string) ([]codeindex.Learned, error) {
	out, err := getJSON[[]codeindex.Learned](ctx, s, CodeMapKey(repo, project), "code mappings of "+project)
	if err != nil || out == nil {
		return nil, err
	}
	return *out, nil
}

// SaveLearnedMappings writes the code mappings a project earned in a
// repository. They never expire.
func (s *Store) SaveLearnedMappings(ctx context.Context, repo, project string, ms []codeindex.Learned) error {
	b, err := json.Marshal(ms)
	if err != nil {
		return fmt.Errorf("encode code mappings of %s: %w", project, err)
	}
	if err := s.rdb.Set(ctx, CodeMapKey(repo, project), b, 0).Err(); err != nil {
		return fmt.Errorf("redis write code mappings of %s: %w", project, err)
	}
	return nil
}
