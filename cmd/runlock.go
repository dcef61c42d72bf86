package cmd

import (
	"context"
	"errors"
	"os"

	"bsync/pkg/syncstate"
)

// holdRunLock takes the run lock for a command that changes the sync state
// outside a sync (reindex, forget), so it never works beside a running
// sync. A lock held by another run is a lockHeldError (exit 4). The
// returned release gives the lock back.
func (a *app) holdRunLock(ctx context.Context, cfg *config, store *syncstate.Store) (release func(), err error) {
	host, _ := os.Hostname()
	info := syncstate.LockInfo{Token: randomToken(), Host: host, PID: os.Getpid(), StartedAt: a.now().UTC(), BootID: syncstate.BootID()}
	lock, holder, err := store.AcquireLock(ctx, info, lockTTL(cfg.Timeout))
	if errors.Is(err, syncstate.ErrLockHeld) {
		return nil, &lockHeldError{holder: holder}
	}
	if err != nil {
		return nil, err
	}
	logTakeOver(a.logger(), lock)
	return func() { _ = lock.Release(context.WithoutCancel(ctx)) }, nil
}
