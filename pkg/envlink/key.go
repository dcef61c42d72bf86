// Package envlink decides which Bugsink issues are one bug: the same error
// (as Bugsink groups errors) seen in projects of one component, each
// project one environment. It is pure: no I/O.
package envlink

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bugsink's grouping mechanisms (a project's grouping_mechanism, 2.5.0+).
const (
	// GroupingV1 groups by "type: first line of value ⋄ transaction"
	// (issues/grouping_mechanisms/v1.py), Bugsink's only grouping before
	// 2.5.0.
	GroupingV1 = "bugsink-v1"
	// GroupingV2 groups by "type: value" with variable parts of the value
	// masked and the transaction left out (issues/grouping_mechanisms/v2.py).
	GroupingV2 = "bugsink-v2"
)

// transactionCap is how much of the first event's transaction Bugsink
// keeps on the issue (issues/utils.py get_denormalized_fields_for_data).
const transactionCap = 200

// defaultPart is the fingerprint part that stands for the default grouping.
const defaultPart = "{{ default }}"

// Error is what a Bugsink issue's grouping key is built from.
type Error struct {
	// Mechanism is the project's grouping_mechanism; "" (a Bugsink before
	// 2.5.0, which does not expose it) is GroupingV1.
	Mechanism string
	// Type and Value are the calculated_type and calculated_value
	// (what Bugsink derived from the main exception or log message).
	Type, Value string
	// Transaction is the transaction: the first event's, cut at
	// 200 characters, "" for none.
	Transaction string
	// Event is true when the newest event was read; then EventTransaction
	// and Fingerprint are the event's own (raw JSON, nil when absent).
	Event            bool
	EventTransaction json.RawMessage
	Fingerprint      json.RawMessage
}

// Key returns a key that two issues share only if Bugsink, applying the
// grouping of their projects to both, would put their events in one issue
// (issues/utils.py get_key_with_mechanism_for_data). It is stricter than
// Bugsink's own key, never looser: it keeps the whole value where Bugsink
// keeps a masked first line (v2 masks numbers, ids and the like; bsync does
// not copy that masking, so "user 12 not found" and "user 13 not found"
// stay apart), and issues of projects on different mechanisms never share
// one. ok is false when the key cannot be known exactly (a transaction cut
// at 200 characters with no event to read it from, a fingerprint of
// another shape than a list of strings and integers), and when it would
// rest on a generic log template (GenericTemplate): a fingerprint that does
// not use the default grouping still links such a message.
func Key(e Error) (key string, ok bool) {
	mech := e.Mechanism
	if mech == "" {
		mech = GroupingV1
	}
	if mech != GroupingV1 && mech != GroupingV2 {
		return "", false
	}
	def, ok := defaultKey(mech, e)
	if !ok {
		return "", false
	}
	generic := e.Type == LogMessageType && GenericTemplate(e.Value)
	var parts []string
	if e.Event && !isNull(e.Fingerprint) {
		if parts, ok = fingerprintParts(e.Fingerprint); !ok {
			return "", false
		}
	}
	if len(parts) == 0 {
		// No fingerprint, or an empty one (falsy): the default grouping.
		if generic {
			return "", false
		}
		return mech + "\x00" + def, true
	}
	usedDefault := false
	for i, p := range parts {
		if p == defaultPart {
			parts[i], usedDefault = def, true
		}
	}
	if usedDefault && generic {
		return "", false
	}
	tag := "fingerprint"
	if usedDefault {
		tag = mech + " fingerprint"
	}
	return tag + "\x00" + strings.Join(parts, "\x00"), true
}

// defaultKey is the mechanism's own key, kept whole (see Key).
func defaultKey(mech string, e Error) (string, bool) {
	if mech == GroupingV2 {
		return e.Type + "\x00" + e.Value, true
	}
	tx, ok := transaction(e)
	if !ok {
		return "", false
	}
	return e.Type + "\x00" + e.Value + "\x00" + tx, true
}

// transaction is the transaction as v1 groups by it: the event's, or
// "<no transaction>" for none.
func transaction(e Error) (string, bool) {
	const none = "<no transaction>"
	if e.Event {
		if isNull(e.EventTransaction) {
			return none, true
		}
		var s string
		if json.Unmarshal(e.EventTransaction, &s) != nil {
			// Bugsink takes str() of any other value; not worth copying.
			return "", false
		}
		if s == "" {
			return none, true
		}
		return s, true
	}
	if e.Transaction == "" {
		return none, true
	}
	if utf8.RuneCountInString(e.Transaction) >= transactionCap {
		return "", false // maybe cut: the event would tell
	}
	return e.Transaction, true
}

// fingerprintParts reads a fingerprint as Bugsink's str() of each part
// would give it, for the parts whose str() is plain: strings and integers.
func fingerprintParts(raw json.RawMessage) ([]string, bool) {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, r := range list {
		var s string
		if json.Unmarshal(r, &s) == nil {
			out = append(out, s)
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(r)), 10, 64)
		if err != nil {
			return nil, false
		}
		out = append(out, strconv.FormatInt(n, 10))
	}
	return out, true
}

func isNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}

// BugID names one bug: an error key within a component. It is a hash, so
// it carries nothing of the error's text into Gitea or Redis keys.
func BugID(component, key string) string {
	sum := sha256.Sum256([]byte(component + "\x00\x00" + key))
	return hex.EncodeToString(sum[:16])
}
