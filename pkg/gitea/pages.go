package gitea

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"sync"
)

// FallbackPageLimit is the page asked for when the server's cap is unknown:
// Gitea's default [api] MAX_RESPONSE_ITEMS (modules/setting/api.go).
const FallbackPageLimit = 50

// MaxPages bounds one listing by default.
const MaxPages = 10000

// ErrPageCap means a listing reached its page cap with more rows possibly
// left: what it read is not the whole list.
var ErrPageCap = errors.New("listing reached its page cap")

// pageSize is what the client learned of the server's page size.
type pageSize struct {
	mu      sync.Mutex
	learned bool
	size    int // 0: unknown
}

// PageSize returns the largest page the server serves, learned once per
// client from GET /settings/api (max_response_items), or 0 when the server
// does not say (the endpoint is missing, refused or unreadable).
//
// Gitea API: GET /settings/api
func (c *Client) PageSize(ctx context.Context) int {
	c.pages.mu.Lock()
	defer c.pages.mu.Unlock()
	if c.pages.learned {
		return c.pages.size
	}
	var s struct {
		MaxResponseItems int `json:"max_response_items"`
		DefaultPagingNum int `json:"default_paging_num"`
	}
	err := c.get(ctx, "/settings/api", nil, &s)
	if ctx.Err() != nil {
		return 0 // the run is ending: learn nothing from a cancelled call
	}
	c.pages.learned = true
	if err == nil && s.MaxResponseItems > 0 {
		c.pages.size = s.MaxResponseItems
	}
	return c.pages.size
}

// listPages walks a page/limit listing of path a page at a time, asking
// for pages of the server's own size (services/convert/utils.go
// ToCorrectPageSize caps limit at MAX_RESPONSE_ITEMS, so asking for more
// yields shorter pages than asked). With the size known, a shorter page is
// the end; with it unknown, only an empty page is (a short page could be
// the cap), which costs one request more and never misses a row. Reading
// more than maxPages full pages ends in ErrPageCap.
func listPages[T any](ctx context.Context, c *Client, path string, query url.Values, maxPages int) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		size := c.PageSize(ctx)
		limit := size
		if limit <= 0 {
			limit = FallbackPageLimit
		}
		for page := 1; ; page++ {
			if page > maxPages {
				yield(nil, fmt.Errorf("list %s: %w (%d pages of %d)", APIPath+path, ErrPageCap, maxPages, limit))
				return
			}
			q := url.Values{}
			for k, v := range query {
				q[k] = v
			}
			q.Set("page", strconv.Itoa(page))
			q.Set("limit", strconv.Itoa(limit))
			var rows []T
			if err := c.get(ctx, path, q, &rows); err != nil {
				yield(nil, err)
				return
			}
			if len(rows) == 0 {
				return
			}
			if !yield(rows, nil) {
				return
			}
			if size > 0 && len(rows) < size {
				return
			}
		}
	}
}
