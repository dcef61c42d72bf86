package bugsink

import (
	"context"
	"fmt"
	"iter"
	"net/url"
)

// MaxPages bounds one listing (250 rows a page: ten million rows). A server
// that keeps answering with a "next" link beyond it is treated as broken.
const MaxPages = 40000

// pages walks a cursor-paginated list. Bugsink's "next" is an absolute URL
// built from the request the server saw; behind a misconfigured proxy its
// scheme or host can be wrong, so only its query (the cursor and the
// original parameters) is taken and re-issued against the configured base
// URL. That also keeps the token from ever being sent to another host.
func pages[T any](ctx context.Context, c *Client, path string, query url.Values) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		// Only the previous cursor is kept (memory must not grow with the
		// listing): a cursor that repeats it is a loop; a longer cycle
		// ends at MaxPages.
		last := ""
		q := query
		for n := 0; ; n++ {
			if n >= MaxPages {
				yield(nil, fmt.Errorf("list %s: more than %d pages; stopping", path, MaxPages))
				return
			}
			var p page[T]
			if err := c.get(ctx, path, q, &p); err != nil {
				yield(nil, err)
				return
			}
			if !yield(p.Results, nil) {
				return
			}
			if p.Next == nil || *p.Next == "" {
				return
			}
			next, err := url.Parse(*p.Next)
			if err != nil {
				yield(nil, fmt.Errorf("list %s: unreadable next link: %w", path, err))
				return
			}
			nq := next.Query()
			cursor := nq.Get("cursor")
			if cursor == "" || cursor == last {
				yield(nil, fmt.Errorf("list %s: next link repeats or lacks its cursor", path))
				return
			}
			last = cursor
			q = nq
		}
	}
}

// collect reads every page of a listing into one slice.
func collect[T any](seq iter.Seq2[[]T, error]) ([]T, error) {
	var all []T
	for rows, err := range seq {
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	return all, nil
}
