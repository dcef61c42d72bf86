package cmd

import (
	"fmt"
	"sync"
	"time"

	"bsync/pkg/syncer"
)

// startProgress shows, when stderr is a terminal, one line per project
// with the issues done out of those seen, redrawn at most four times a
// second. Under cron (no terminal) it prints nothing. The returned func
// ends the line.
func (a *app) startProgress(eng *syncer.Engine) func() {
	if a.isTerminal == nil || !a.isTerminal(a.stderr) {
		return func() {}
	}
	var mu sync.Mutex
	var last time.Time
	shown := false
	eng.Opts.Progress = func(project string, done, seen int) {
		mu.Lock()
		defer mu.Unlock()
		if a.now().Sub(last) < 250*time.Millisecond {
			return
		}
		last = a.now()
		shown = true
		fmt.Fprintf(a.stderr, "\r\033[Ksync %s: %d/%d issues", project, done, seen)
	}
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if shown {
			fmt.Fprint(a.stderr, "\r\033[K")
		}
	}
}
