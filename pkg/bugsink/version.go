package bugsink

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ServerVersion reads the Bugsink version from the OpenAPI schema. Bugsink
// reports its own version there since 2.2.1; "1.0.0" means 2.0.0–2.2.0.
//
// Bugsink API: GET /api/canonical/0/schema/?format=json
func (c *Client) ServerVersion(ctx context.Context) (string, error) {
	var schema struct {
		Info struct {
			Version string `json:"version"`
		} `json:"info"`
	}
	q := url.Values{}
	q.Set("format", "json")
	if err := c.get(ctx, "/schema/", q, &schema); err != nil {
		return "", fmt.Errorf("read bugsink version: %w", err)
	}
	return schema.Info.Version, nil
}

// SupportsResolve reports whether a Bugsink version has the API resolve
// action (2.2.1 and later). The schema of 2.0.0–2.2.0 says "1.0.0".
func SupportsResolve(version string) bool {
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	if len(parts) < 2 {
		return false
	}
	nums := make([]int, 3)
	for i, p := range parts {
		p = strings.TrimFunc(p, func(r rune) bool { return r < '0' || r > '9' })
		n, err := strconv.Atoi(p)
		if err != nil {
			return false
		}
		nums[i] = n
	}
	if nums[0] == 1 {
		return false
	}
	return nums[0] > 2 || nums[0] == 2 && (nums[1] > 2 || nums[1] == 2 && nums[2] >= 1)
}
