package bugsink

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
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

// Version is a PEP 440 version, as Bugsink's setuptools_scm build reports
// it: "2.5.0", "2.6.0rc1", "2.5.1.dev49+g5b09ae57".
type Version struct {
	Epoch   int
	Release []int
	// Pre is "a", "b" or "rc" with PreN; empty for none.
	Pre  string
	PreN int
	// Post and Dev are -1 when absent.
	Post, Dev int
	Local     string
}

// rePEP440 is PEP 440's version pattern (Appendix B), case-insensitive.
var rePEP440 = regexp.MustCompile(`(?i)^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)` +
	`(?:[-_.]?(alpha|beta|preview|pre|a|b|c|rc)[-_.]?(\d+)?)?` +
	`(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?` +
	`(?:[-_.]?(dev)[-_.]?(\d+)?)?` +
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`)

// ParseVersion parses a PEP 440 version.
func ParseVersion(s string) (Version, error) {
	m := rePEP440.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("%q is not a PEP 440 version", s)
	}
	num := func(x string) int {
		n, _ := strconv.Atoi(x)
		return n
	}
	v := Version{Epoch: num(m[1]), Post: -1, Dev: -1, Local: strings.ToLower(m[10])}
	for _, p := range strings.Split(m[2], ".") {
		v.Release = append(v.Release, num(p))
	}
	switch strings.ToLower(m[3]) {
	case "":
	case "a", "alpha":
		v.Pre = "a"
	case "b", "beta":
		v.Pre = "b"
	default:
		v.Pre = "rc"
	}
	v.PreN = num(m[4])
	switch {
	case m[5] != "":
		v.Post = num(m[5])
	case m[6] != "":
		v.Post = num(m[7])
	}
	if m[8] != "" {
		v.Dev = num(m[9])
	}
	return v, nil
}

// Compare orders two versions as PEP 440 does (the local part is ignored):
// -1, 0 or +1.
func (v Version) Compare(o Version) int {
	if c := cmpInt(v.Epoch, o.Epoch); c != 0 {
		return c
	}
	for i := 0; i < max(len(v.Release), len(o.Release)); i++ {
		if c := cmpInt(at(v.Release, i), at(o.Release, i)); c != 0 {
			return c
		}
	}
	if c := cmpInt(v.preRank(), o.preRank()); c != 0 {
		return c
	}
	if v.Pre != "" {
		if c := cmpInt(v.PreN, o.PreN); c != 0 {
			return c
		}
	}
	if c := cmpInt(v.Post, o.Post); c != 0 {
		return c
	}
	// No dev part sorts after any dev part.
	vd, od := v.Dev, o.Dev
	if vd < 0 {
		vd = int(^uint(0) >> 1)
	}
	if od < 0 {
		od = int(^uint(0) >> 1)
	}
	return cmpInt(vd, od)
}

// preRank places a dev release of a final before its pre-releases, those
// before the final, as PEP 440 orders them.
func (v Version) preRank() int {
	switch {
	case v.Pre == "" && v.Post < 0 && v.Dev >= 0:
		return 0
	case v.Pre == "a":
		return 1
	case v.Pre == "b":
		return 2
	case v.Pre == "rc":
		return 3
	}
	return 4
}

// Known reports whether the version says anything: setuptools_scm reports
// "0.0.0+unknown" for a build without its version metadata
// (bugsink/version.py).
func (v Version) Known() bool {
	for _, n := range v.Release {
		if n != 0 {
			return true
		}
	}
	return false
}

func at(xs []int, i int) int {
	if i < len(xs) {
		return xs[i]
	}
	return 0
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Support says whether a Bugsink version has what bsync needs.
type Support int

const (
	// Supported: the version is at least MinResolveVersion.
	Supported Support = iota
	// Unsupported: the version is older.
	Unsupported
	// UnknownSupport: the version cannot tell (unparseable, "0.0.0+unknown",
	// or a pre-release of MinResolveVersion itself).
	UnknownSupport
)

// MinResolveVersion is the first Bugsink with the API resolve action.
const MinResolveVersion = "2.2.1"

// ResolveSupport says whether a reported Bugsink version has the API resolve
// action (2.2.1 and later). The schema of 2.0.0–2.2.0 says "1.0.0".
func ResolveSupport(version string) Support {
	v, err := ParseVersion(version)
	if err != nil || !v.Known() {
		return UnknownSupport
	}
	minV, _ := ParseVersion(MinResolveVersion)
	if v.Compare(minV) >= 0 {
		return Supported
	}
	final := v
	final.Pre, final.PreN, final.Post, final.Dev = "", 0, -1, -1
	if final.Compare(minV) == 0 {
		// A development build or pre-release of 2.2.1 itself: it may or
		// may not have the action yet.
		return UnknownSupport
	}
	return Unsupported
}
