package syncer

import (
	"context"

	"bsync/pkg/bugsink"
)

// slottedBugsink bounds the calls to Bugsink in flight: each call, with
// its retries, holds one of the slots. Listings run one page at a time
// and are not counted. Waiting for a slot ends with the caller's context.
type slottedBugsink struct {
	BugsinkAPI
	slots chan struct{}
}

// slotted makes call holding one of s's slots, unless ctx ends first.
func slotted[T any](ctx context.Context, s slottedBugsink, call func() (T, error)) (T, error) {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
		return call()
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// done adapts a call that returns only an error to slotted.
func done(err error) (struct{}, error) { return struct{}{}, err }

func (s slottedBugsink) Issue(ctx context.Context, ref string) (*bugsink.Issue, error) {
	return slotted(ctx, s, func() (*bugsink.Issue, error) { return s.BugsinkAPI.Issue(ctx, ref) })
}

func (s slottedBugsink) LatestEvent(ctx context.Context, issueID string) (*bugsink.Event, error) {
	return slotted(ctx, s, func() (*bugsink.Event, error) { return s.BugsinkAPI.LatestEvent(ctx, issueID) })
}

func (s slottedBugsink) Resolve(ctx context.Context, ref string) error {
	_, err := slotted(ctx, s, func() (struct{}, error) { return done(s.BugsinkAPI.Resolve(ctx, ref)) })
	return err
}

func (s slottedBugsink) ResolveNext(ctx context.Context, ref string) error {
	_, err := slotted(ctx, s, func() (struct{}, error) { return done(s.BugsinkAPI.ResolveNext(ctx, ref)) })
	return err
}

func (s slottedBugsink) Comment(ctx context.Context, ref, text string) error {
	_, err := slotted(ctx, s, func() (struct{}, error) { return done(s.BugsinkAPI.Comment(ctx, ref, text)) })
	return err
}

func (s slottedBugsink) IssueEvents(ctx context.Context, issueID string, limit int) ([]bugsink.EventRef, error) {
	return slotted(ctx, s, func() ([]bugsink.EventRef, error) { return s.BugsinkAPI.IssueEvents(ctx, issueID, limit) })
}

func (s slottedBugsink) Event(ctx context.Context, id string) (*bugsink.Event, error) {
	return slotted(ctx, s, func() (*bugsink.Event, error) { return s.BugsinkAPI.Event(ctx, id) })
}
