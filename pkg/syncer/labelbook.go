package syncer

import (
	"context"
	"slices"
	"sync"

	"bsync/pkg/gitea"
)

// labelBook holds the label ids of one run: every label the run can need
// is looked up (and the missing ones created, unless create is false)
// once, on first use.
type labelBook struct {
	gitea interface {
		EnsureLabels(context.Context, []gitea.LabelSpec, bool) (map[string]int64, error)
	}
	create bool

	mu     sync.Mutex
	wanted []string
	ids    map[string]int64
	// missing are the labels an issue needed that Gitea does not have (a
	// dry run creates none), in the order they were first needed.
	missing []string
}

// want adds labels the run can need (before the first look-up).
func (b *labelBook) want(names ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range names {
		if !slices.Contains(b.wanted, l) {
			b.wanted = append(b.wanted, l)
		}
	}
}

// idsFor resolves label names to ids; a name Gitea lacks is left out and
// noted.
func (b *labelBook) idsFor(ctx context.Context, names []string) ([]int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ids == nil {
		ids, err := b.gitea.EnsureLabels(ctx, labelSpecs(b.wanted), b.create)
		if err != nil {
			return nil, err
		}
		b.ids = ids
	}
	var out []int64
	for _, n := range names {
		if id, ok := b.ids[n]; ok {
			out = append(out, id)
		} else if !slices.Contains(b.missing, n) {
			b.missing = append(b.missing, n)
		}
	}
	return out, nil
}

// unknown lists the labels needed that Gitea does not have.
func (b *labelBook) unknown() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.missing)
}
