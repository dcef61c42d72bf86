package syncer

import (
	"encoding/hex"
	"strings"
	"sync"

	"bsync/pkg/bugsink"
)

// One issue, once per run. The paths that bring issues to a run (a full
// listing, the two listings of an incremental one, the leftover set) can
// bring the same issue twice: a new issue digested late is both slipped
// and listed, a leftover can be listed too. So the run claims every
// unresolved issue where a listed row becomes work (wantedRows, the one
// door of every path), and a second claim of the same id is skipped. The
// queue under MaxCreate is filled from claimed rows only, so it holds an
// issue once. Behind the claims, the state refuses a reservation over a
// mapping or over another create's reservation (Store.Reserve), so no
// create runs twice even if a claim failed. (A slug named twice is one
// project: selectProjects.)

// claims are the issues a run took up. An id is kept as its 16 bytes:
// the set grows with the unresolved issues a run lists (about 24 bytes
// each), never with the resolved history.
type claims struct {
	mu   sync.Mutex
	uuid map[[16]byte]struct{}
	// other holds the ids that are not UUIDs (left alone as invalid, but
	// counted once all the same).
	other map[string]struct{}
}

// claim takes id up for this run; false means it was taken up already.
func (c *claims) claim(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := uuidKey(id); ok {
		if _, dup := c.uuid[k]; dup {
			return false
		}
		if c.uuid == nil {
			c.uuid = map[[16]byte]struct{}{}
		}
		c.uuid[k] = struct{}{}
		return true
	}
	if _, dup := c.other[id]; dup {
		return false
	}
	if c.other == nil {
		c.other = map[string]struct{}{}
	}
	c.other[id] = struct{}{}
	return true
}

// claimed reports whether id was taken up this run.
func (c *claims) claimed(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := uuidKey(id); ok {
		_, in := c.uuid[k]
		return in
	}
	_, in := c.other[id]
	return in
}

// uuidKey packs an issue id (a lowercase hyphenated UUID) into its 16
// bytes.
func uuidKey(id string) (k [16]byte, ok bool) {
	if !bugsink.ValidIssueID(id) {
		return k, false
	}
	_, err := hex.Decode(k[:], []byte(strings.ReplaceAll(id, "-", "")))
	return k, err == nil
}
