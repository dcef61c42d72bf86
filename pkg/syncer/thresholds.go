package syncer

import (
	"strings"

	"bsync/pkg/bugsink"
)

// Levels are Sentry's event levels, most severe first.
var Levels = []string{"fatal", "error", "warning", "info", "debug"}

// levelRank returns 0 for fatal … 4 for debug, and -1 for an unknown level.
func levelRank(l string) int {
	l = strings.ToLower(strings.TrimSpace(l))
	if l == "warn" {
		l = "warning"
	}
	if l == "critical" {
		l = "fatal"
	}
	for i, x := range Levels {
		if x == l {
			return i
		}
	}
	return -1
}

// ValidLevel reports whether l names a level.
func ValidLevel(l string) bool { return levelRank(l) >= 0 }

// levelAtLeast reports whether level is as severe as min or more. An
// unknown level counts as error, Sentry's default.
func levelAtLeast(level, min string) bool {
	r := levelRank(level)
	if r < 0 {
		r = levelRank("error")
	}
	return r <= levelRank(min)
}

// eventLevel is the newest event's level; without one, Sentry's default.
func eventLevel(ev *bugsink.Event) string {
	if ev == nil || ev.Data.Level == "" {
		return "error"
	}
	return ev.Data.Level
}
