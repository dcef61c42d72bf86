package envlink

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestKeySameErrorAcrossProjects(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	long := strings.Repeat("x", transactionCap)
	cases := []struct {
		name string
		a, b Error
		same bool
	}{
		{"v2: same type and value, other transactions", Error{Mechanism: GroupingV2, Type: "TypeError", Value: "t.map is not a function", Transaction: "/a"},
			Error{Mechanism: GroupingV2, Type: "TypeError", Value: "t.map is not a function", Transaction: "/b"}, true},
		{"v2: other value", Error{Mechanism: GroupingV2, Type: "TypeError", Value: "a"}, Error{Mechanism: GroupingV2, Type: "TypeError", Value: "b"}, false},
		{"v2: other type", Error{Mechanism: GroupingV2, Type: "TypeError", Value: "a"}, Error{Mechanism: GroupingV2, Type: "RangeError", Value: "a"}, false},
		{"v2: values Bugsink masks alike are kept apart", Error{Mechanism: GroupingV2, Type: "E", Value: "user 12 not found"},
			Error{Mechanism: GroupingV2, Type: "E", Value: "user 13 not found"}, false},
		{"v1: same transaction", Error{Type: "E", Value: "v", Transaction: "/a"}, Error{Mechanism: GroupingV1, Type: "E", Value: "v", Transaction: "/a"}, true},
		{"v1: other transaction", Error{Type: "E", Value: "v", Transaction: "/a"}, Error{Type: "E", Value: "v", Transaction: "/b"}, false},
		{"v1: none and empty are alike", Error{Type: "E", Value: "v"}, Error{Type: "E", Value: "v", Event: true, EventTransaction: raw(`""`)}, true},
		{"v1: the event's transaction wins", Error{Type: "E", Value: "v", Transaction: "/a", Event: true, EventTransaction: raw(`"/b"`)},
			Error{Type: "E", Value: "v", Transaction: "/b"}, true},
		{"v1 and v2 never share", Error{Mechanism: GroupingV1, Type: "E", Value: "v"}, Error{Mechanism: GroupingV2, Type: "E", Value: "v"}, false},
		{"fingerprint without default: mechanism-independent", Error{Mechanism: GroupingV1, Type: "A", Event: true, Fingerprint: raw(`["db-down", 3]`)},
			Error{Mechanism: GroupingV2, Type: "B", Event: true, Fingerprint: raw(`["db-down","3"]`)}, true},
		{"fingerprint with default", Error{Mechanism: GroupingV2, Type: "E", Value: "v", Event: true, Fingerprint: raw(`["{{ default }}","x"]`)},
			Error{Mechanism: GroupingV2, Type: "E", Value: "v", Event: true, Fingerprint: raw(`["{{ default }}","x"]`)}, true},
		{"fingerprint with default, other value", Error{Mechanism: GroupingV2, Type: "E", Value: "v", Event: true, Fingerprint: raw(`["{{ default }}","x"]`)},
			Error{Mechanism: GroupingV2, Type: "E", Value: "w", Event: true, Fingerprint: raw(`["{{ default }}","x"]`)}, false},
		{"fingerprint against none", Error{Mechanism: GroupingV2, Type: "E", Value: "v", Event: true, Fingerprint: raw(`["E\u0000v"]`)},
			Error{Mechanism: GroupingV2, Type: "E", Value: "v"}, false},
		{"empty fingerprint is the default", Error{Mechanism: GroupingV2, Type: "E", Value: "v", Event: true, Fingerprint: raw(`[]`)},
			Error{Mechanism: GroupingV2, Type: "E", Value: "v"}, true},
		{"a long transaction read from the event", Error{Type: "E", Event: true, EventTransaction: raw(`"` + long + `y"`)},
			Error{Type: "E", Event: true, EventTransaction: raw(`"` + long + `y"`)}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ka, oka := Key(c.a)
			kb, okb := Key(c.b)
			if !oka || !okb {
				t.Fatalf("keys not known: %v %v", oka, okb)
			}
			if (ka == kb) != c.same {
				t.Errorf("same = %v, want %v (%q, %q)", ka == kb, c.same, ka, kb)
			}
		})
	}
}

func TestKeyUnknown(t *testing.T) {
	cases := map[string]Error{
		"a transaction maybe cut, no event":  {Type: "E", Transaction: strings.Repeat("x", transactionCap)},
		"a fingerprint that is no list":      {Type: "E", Event: true, Fingerprint: json.RawMessage(`"abc"`)},
		"a fingerprint part that is a float": {Type: "E", Event: true, Fingerprint: json.RawMessage(`[1.5]`)},
		"a transaction that is no string":    {Type: "E", Event: true, EventTransaction: json.RawMessage(`{"a":1}`)},
		"an unknown mechanism":               {Mechanism: "bugsink-v9", Type: "E"},
	}
	for name, e := range cases {
		if k, ok := Key(e); ok {
			t.Errorf("%s: key %q, want none", name, k)
		}
	}
}

func TestBugIDSeparatesComponents(t *testing.T) {
	k, _ := Key(Error{Mechanism: GroupingV2, Type: "E", Value: "v"})
	if BugID("labels bug:backend", k) == BugID("labels bug:frontend", k) {
		t.Fatal("one bug id for two components")
	}
	if got := BugID("c", k); len(got) != 32 || got != BugID("c", k) {
		t.Fatalf("bug id %q: want 32 stable hex digits", got)
	}
}

func TestKeyLeavesGenericTemplatesUnlinked(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	if k, ok := Key(Error{Mechanism: GroupingV2, Type: LogMessageType, Value: "%s"}); ok {
		t.Errorf("a catch-all template got key %q", k)
	}
	if k, ok := Key(Error{Mechanism: GroupingV2, Type: LogMessageType, Value: "%s", Event: true, Fingerprint: raw(`["{{ default }}", "x"]`)}); ok {
		t.Errorf("a catch-all template under a default fingerprint got key %q", k)
	}
	if _, ok := Key(Error{Mechanism: GroupingV2, Type: LogMessageType, Value: "%s", Event: true, Fingerprint: raw(`["payments-down"]`)}); !ok {
		t.Error("an explicit fingerprint no longer links a catch-all template")
	}
	if _, ok := Key(Error{Mechanism: GroupingV2, Type: LogMessageType, Value: "Failed to fetch %s"}); !ok {
		t.Error("a template with words is not linked")
	}
	if _, ok := Key(Error{Mechanism: GroupingV2, Type: "ValueError", Value: "%s"}); !ok {
		t.Error("an exception whose value looks like a template is not linked")
	}
}
