package syncer

import (
	"context"
	"errors"
	"iter"
	"testing"
	"time"

	"bsync/pkg/bugsink"
)

// gatedListing holds the first project's listings until both listings of
// the two other projects were asked for too (or fails them after a while).
// Project 1's last_seen listing is only asked for after its digest_order
// page was read, so that is five asks in all.
type gatedListing struct {
	BugsinkAPI
	asked chan int // project ids, as their listings are asked for
}

func (g *gatedListing) IssuePagesBy(ctx context.Context, projectID int, sort string, desc bool) iter.Seq2[[]bugsink.Issue, error] {
	inner := g.BugsinkAPI.IssuePagesBy(ctx, projectID, sort, desc)
	return func(yield func([]bugsink.Issue, error) bool) {
		g.asked <- projectID
		if projectID == 1 {
			for deadline := time.Now().Add(5 * time.Second); len(g.asked) < 5; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					yield(nil, errors.New("the other projects' listings were not read ahead"))
					return
				}
			}
		}
		inner(yield)
	}
}

// An incremental pass reads the first pages of the next projects' listings
// side by side, so that their latencies do not add up.
func TestIncrementalListingsAreReadAhead(t *testing.T) {
	e := newEnv(t)
	for _, slug := range []string{"shop-a", "shop-b", "shop-c"} {
		seedHistory(e, slug, 3)
	}
	e.run(t, Options{})
	eng := e.engine(Options{BugsinkConcurrency: 6})
	eng.Bugsink = &gatedListing{BugsinkAPI: e.bc, asked: make(chan int, 64)}
	rep, err := eng.Run(t.Context())
	if err != nil || rep.Pass != PassIncremental || len(rep.Errors) != 0 {
		t.Fatalf("pass %s, %v, errors %v", rep.Pass, err, rep.Errors)
	}
}
