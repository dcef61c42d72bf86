package cmd

import (
	"fmt"
	"os"
	"sync"
	"time"

	"bsync/pkg/syncer"
)

// isTerminal reports whether w is a character device (a person's terminal,
// not a cron log file or a pipe).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// startProgress shows, when stderr is a terminal, one line per project
// with the issues done out of those seen, redrawn at most four times a
// second. Under cron (no terminal) it prints nothing. The returned func
// ends the line.
func (a *App) startProgress(eng *syncer.Engine) func() {
	terminal := isTerminal
	if a.IsTerminal != nil {
		terminal = a.IsTerminal
	}
	if !terminal(a.Stderr) {
		return func() {}
	}
	var mu sync.Mutex
	var last time.Time
	shown := false
	eng.Opts.Progress = func(project string, done, seen int) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < 250*time.Millisecond {
			return
		}
		last = time.Now()
		shown = true
		fmt.Fprintf(a.Stderr, "\r\033[Ksync %s: %d/%d issues", project, done, seen)
	}
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if shown {
			fmt.Fprint(a.Stderr, "\r\033[K")
		}
	}
}
