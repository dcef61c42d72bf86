package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/syncstate"
)

// app holds what every command shares: its inputs and outputs, the global
// flags, and constructors for the clients. Commands build only what they
// use.
type app struct {
	lookupEnv func(string) (string, bool)
	// environ lists the environment's variables (names bsync does not
	// read are checked for typos); nil: none.
	environ func() []string
	stdout  io.Writer
	stderr  io.Writer
	now     func() time.Time
	build   buildInfo
	// isTerminal tells whether stderr is a person's terminal (progress is
	// shown only there).
	isTerminal func(io.Writer) bool

	envFile  string
	envNamed bool
	output   outputFormat
	// flags holds the text of every setting flag the user set, by variable.
	flags   map[string]string
	log     *slog.Logger
	printed bool
	// configWarnings names what the configuration holds that bsync does
	// not read (see names.go); origin says where the configuration came
	// from when nothing was read.
	configWarnings []string
	origin         string

	bugsinkRequests atomic.Int64
	giteaRequests   atomic.Int64
}

// config loads and validates the configuration for a command that talks to
// need, and sets up the logger it asks for.
func (a *app) config(need needs) (*config, error) {
	file, err := readEnvFile(a.envFile, a.envNamed)
	if err != nil {
		return nil, &configError{problems: []string{err.Error()}}
	}
	var environ []string
	if a.environ != nil {
		environ = a.environ()
	}
	names := checkNames(file, a.envFile, environ)
	a.configWarnings = names.warnings
	a.origin = configOrigin(file, a.envFile, a.envNamed, a.lookupEnv, a.flags)
	cfg, err := loadConfig(source{lookup: a.lookupEnv, file: file, flags: a.flags}, need)
	var ce *configError
	switch {
	case errors.As(err, &ce):
		ce.problems = append(names.errors, ce.problems...)
		if a.origin != "" {
			ce.problems = append(ce.problems, a.origin)
		}
		return nil, ce
	case err != nil:
		return nil, err
	case len(names.errors) > 0:
		return nil, &configError{problems: names.errors}
	}
	a.setupLogger(cfg)
	return cfg, nil
}

// warnConfig logs what the configuration holds that bsync does not read,
// and where it came from when nothing was read.
func (a *app) warnConfig() {
	for _, w := range a.configWarnings {
		a.logger().Warn(w)
	}
	if a.origin != "" {
		a.logger().Warn(a.origin)
	}
}

// setupLogger builds the stderr logger the configuration names.
func (a *app) setupLogger(cfg *config) {
	lv := slog.LevelInfo
	switch cfg.LogLevel {
	case "debug":
		lv = slog.LevelDebug
	case "warn", "warning":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: lv}
	if cfg.LogFormat == "json" {
		a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
	} else {
		a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
	}
}

func (a *app) logger() *slog.Logger {
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(a.stderr, nil))
	}
	return a.log
}

func (a *app) clientOptions(counter *atomic.Int64) apiclient.Options {
	return apiclient.Options{UserAgent: "bsync/" + a.build.Version, Requests: counter}
}

func (a *app) bugsinkClient(cfg *config) *bugsink.Client {
	return bugsink.New(cfg.BugsinkURL, cfg.BugsinkToken.reveal(), a.clientOptions(&a.bugsinkRequests))
}

func (a *app) giteaClient(cfg *config) *gitea.Client {
	return gitea.New(cfg.GiteaURL, cfg.GiteaToken.reveal(), cfg.GiteaOwner, cfg.GiteaRepo, a.clientOptions(&a.giteaRequests))
}

// openStore opens the sync state and checks that Redis answers; the
// caller closes it.
func (a *app) openStore(ctx context.Context, cfg *config) (*syncstate.Store, error) {
	store, err := syncstate.Open(cfg.RedisURL.reveal(), syncstate.WithClock(a.now))
	if err != nil {
		return nil, err
	}
	if err := store.Ping(ctx); err != nil {
		store.Close()
		return nil, &exitError{code: exitFatal, name: codeRedis,
			err: fmt.Errorf("the sync state is unreachable: %w; check REDIS_URL and that Redis runs (`bsync doctor` checks it)", err)}
	}
	return store, nil
}

// withState runs f for a command that needs the sync state only: it loads
// the configuration, opens the state within timeout and closes it after.
func (a *app) withState(ctx context.Context, timeout time.Duration, f func(context.Context, *config, *syncstate.Store) error) error {
	cfg, err := a.config(0)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	store, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	return f(ctx, cfg, store)
}
