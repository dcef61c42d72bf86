package syncer

import (
	"context"

	"bsync/pkg/bugsink"
)

// slottedBugsink bounds the calls to Bugsink in flight: each call, with
// its retries, holds one of the slots. Listings run one page at a time
// and are not counted.
type slottedBugsink struct {
	BugsinkAPI
	slots chan struct{}
}

func (s slottedBugsink) hold() func() {
	s.slots <- struct{}{}
	return func() { <-s.slots }
}

func (s slottedBugsink) Issue(ctx context.Context, ref string) (*bugsink.Issue, error) {
	defer s.hold()()
	return s.BugsinkAPI.Issue(ctx, ref)
}

func (s slottedBugsink) LatestEvent(ctx context.Context, issueID string) (*bugsink.Event, error) {
	defer s.hold()()
	return s.BugsinkAPI.LatestEvent(ctx, issueID)
}

func (s slottedBugsink) Resolve(ctx context.Context, ref string) error {
	defer s.hold()()
	return s.BugsinkAPI.Resolve(ctx, ref)
}

func (s slottedBugsink) ResolveNext(ctx context.Context, ref string) error {
	defer s.hold()()
	return s.BugsinkAPI.ResolveNext(ctx, ref)
}

func (s slottedBugsink) Comment(ctx context.Context, ref, text string) error {
	defer s.hold()()
	return s.BugsinkAPI.Comment(ctx, ref, text)
}
