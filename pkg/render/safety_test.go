package render

import (
	"bsync/pkg/bugsink"
	"bsync/pkg/safetytest"
)

// The safety invariants and the hostile events live in pkg/safetytest,
// shared with the end-to-end scenarios against the real Gitea.

const safetyBase = "https://bugsink.example.com"

func checkTitle(title string) []string { return safetytest.CheckTitle(title, MaxTitleBytes) }

func checkBody(body string, maxBytes int) []string {
	return safetytest.CheckBody(body, maxBytes, safetyBase)
}

func hostileEvent(s string) *bugsink.Event { return safetytest.HostileEvent(s) }

func hostileLogEvent(s string, threads bool) *bugsink.Event {
	return safetytest.HostileLogEvent(s, threads)
}
