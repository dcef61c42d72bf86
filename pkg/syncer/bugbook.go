package syncer

import "sync"

// bugBook is what one run knows of the bugs it files (docs/environments.md):
// a lock per bug, so a bug's Bugsink issues are worked on one at a time;
// and, in a dry run, the first issue of each bug that would be created.
type bugBook struct {
	locks keyedLocks

	dryMu sync.Mutex
	dry   map[string]string // bug → the first Bugsink issue a dry run would file it with
}

// lock takes the bug's lock and returns its unlock.
func (b *bugBook) lock(bug string) func() { return b.locks.lock(bug) }

// wouldFile returns, in a dry run, the first issue of bug that would be
// created; the first caller for a bug (id) is that issue (ok false).
func (b *bugBook) wouldFile(bug, id string) (first string, ok bool) {
	b.dryMu.Lock()
	defer b.dryMu.Unlock()
	if first, ok := b.dry[bug]; ok {
		return first, true
	}
	if b.dry == nil {
		b.dry = map[string]string{}
	}
	b.dry[bug] = id
	return id, false
}

// keyedLocks is a mutex per key, held by one goroutine at a time.
type keyedLocks struct {
	mu sync.Mutex
	m  map[string]*keyedLock
}

type keyedLock struct {
	sync.Mutex
	users int
}

// lock takes key's mutex and returns its unlock.
func (k *keyedLocks) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyedLock{}
		k.m[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
