package bugsinktest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The cursor follows Django REST framework's CursorPagination (which
// Bugsink's list views use, issues/api_views.py, bugsink/api_pagination.py):
// it holds a position, the primary sort field's value of the last row
// handed out, plus an offset for rows that share that value. The next page
// starts after the position, so rows added or moved elsewhere in the list
// during a scan neither repeat nor push rows out of it. Unlike DRF, the
// fake's position is an opaque sortable string and there is no "previous"
// link.

// keyInt makes an integer sortable as a string (values are non-negative).
func keyInt(n int) string { return pad(strconv.Itoa(n)) }

// keyTime makes a time sortable as a string.
func keyTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func pad(s string) string {
	for len(s) < 20 {
		s = "0" + s
	}
	return s
}

// cursor is a decoded position: rows strictly after pos (in list order),
// then skip offset more.
type cursor struct {
	pos    string
	hasPos bool
	offset int
}

// decodeCursor reads a cursor as DRF's CursorPagination.decode_cursor
// does: Python's lenient base64 (b64decode), ASCII, a query string whose
// "o" (offset, at most offsetCutoff) and "r" must be integers; anything it
// cannot read is "Invalid cursor", anything else it can (even no key at
// all: the first page).
func decodeCursor(raw string) (cursor, bool) {
	b, ok := pyB64Decode(raw)
	if !ok {
		return cursor{}, false
	}
	for _, c := range b {
		if c >= 0x80 {
			return cursor{}, false
		}
	}
	v, _ := url.ParseQuery(string(b)) // parse_qs skips what it cannot read
	c := cursor{}
	if v.Has("o") {
		n, err := strconv.Atoi(v.Get("o"))
		if err != nil || n < 0 {
			return cursor{}, false
		}
		c.offset = min(n, offsetCutoff)
	}
	if v.Has("r") {
		if _, err := strconv.Atoi(v.Get("r")); err != nil {
			return cursor{}, false
		}
	}
	if v.Has("p") {
		c.pos, c.hasPos = v.Get("p"), true
	}
	return c, true
}

// offsetCutoff is CursorPagination.offset_cutoff.
const offsetCutoff = 1000

// pyB64Decode decodes as Python 3.11's base64.b64decode (binascii
// a2b_base64, not strict): bytes outside the alphabet are skipped, a
// complete padding ends the input, and a last group of one character, or
// of two or three without their padding, is an error.
func pyB64Decode(s string) ([]byte, bool) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var out []byte
	quad, pads := 0, 0
	var left byte
	for i := 0; i < len(s); i++ {
		if s[i] == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return out, true
				}
			}
			continue
		}
		v := strings.IndexByte(alphabet, s[i])
		if v < 0 {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			left = byte(v)
		case 1:
			out = append(out, left<<2|byte(v)>>4)
			left = byte(v) & 0x0f
		case 2:
			out = append(out, left<<4|byte(v)>>2)
			left = byte(v) & 0x03
		case 3:
			out = append(out, left<<6|byte(v))
		}
		quad = (quad + 1) % 4
	}
	return out, quad == 0
}

func (c cursor) encode() string {
	v := url.Values{}
	if c.offset > 0 {
		v.Set("o", strconv.Itoa(c.offset))
	}
	if c.hasPos {
		v.Set("p", c.pos)
	}
	return base64.StdEncoding.EncodeToString([]byte(v.Encode()))
}

// paginate writes one page of rows, which are sorted in list order; key
// gives a row's primary sort value and desc says the list runs downwards.
func paginate[T any](s *Server, w http.ResponseWriter, r *http.Request, rows []T, key func(T) string, desc bool) {
	cur := cursor{}
	if raw := r.URL.Query().Get("cursor"); raw != "" {
		c, ok := decodeCursor(raw)
		if !ok {
			writeJSON(w, 404, detail("Invalid cursor"))
			return
		}
		cur = c
	}
	after := func(k string) bool {
		if !cur.hasPos {
			return true
		}
		if desc {
			return k < cur.pos
		}
		return k > cur.pos
	}
	// rows are in list order, so the rows after the position are a tail.
	rest := rows[sort.Search(len(rows), func(i int) bool { return after(key(rows[i])) }):]
	rest = rest[min(cur.offset, len(rest)):]
	end := min(s.pageSize, len(rest))
	page := rest[:end]
	var next *string
	if end < len(rest) {
		// As DRF: the position is the last row whose value differs from
		// the row after the page; rows after it on this page are skipped
		// by offset.
		nc := cursor{}
		compare, found := key(rest[end]), false
		for i := end - 1; i >= 0; i-- {
			k := key(page[i])
			if k != compare {
				nc.pos, nc.hasPos, found = k, true, true
				break
			}
			nc.offset++
		}
		if !found {
			nc = cursor{pos: cur.pos, hasPos: cur.hasPos, offset: cur.offset + end}
		}
		q := r.URL.Query()
		q.Set("cursor", nc.encode())
		origin := "http://" + r.Host
		if s.nextHost != "" {
			origin = s.nextHost
		}
		u := origin + r.URL.Path + "?" + q.Encode()
		next = &u
	}
	if page == nil {
		page = []T{}
	}
	writeJSON(w, 200, map[string]any{"next": next, "previous": nil, "results": page})
}
