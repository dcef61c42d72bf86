package cmd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/gitea"
	"bsync/pkg/syncstate"
)

// App holds what every command shares: its inputs and outputs, the global
// flags, and constructors for the clients. Commands build only what they
// use.
type App struct {
	Getenv  func(string) string
	Stdout  io.Writer
	Stderr  io.Writer
	Now     func() time.Time
	Version string
	Commit  string
	// HTTPClient, when set, is used by both API clients (tests).
	HTTPClient *http.Client
	// IsTerminal tells whether stderr is a person's terminal (progress is
	// shown only there); nil means: check the file.
	IsTerminal func(any) bool

	envFile   string
	logLevel  string
	logFormat string
	output    string
	log       *slog.Logger
	printed   bool
	envNamed  bool

	bugsinkRequests atomic.Int64
	giteaRequests   atomic.Int64
}

// config loads and validates the configuration for needs.
func (a *App) config(needs Needs) (*Config, error) {
	cfg, err := LoadConfig(a.Getenv, a.envFile, a.envNamed, needs)
	if err != nil {
		return nil, err
	}
	a.setupLogger(cfg)
	return cfg, nil
}

// setupLogger builds the stderr logger; flags win over the environment.
func (a *App) setupLogger(cfg *Config) {
	level, format := cfg.LogLevel, cfg.LogFormat
	if a.logLevel != "" {
		level = a.logLevel
	}
	if a.logFormat != "" {
		format = a.logFormat
	}
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "warn", "warning":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		a.log = slog.New(slog.NewJSONHandler(a.Stderr, opts))
	} else {
		a.log = slog.New(slog.NewTextHandler(a.Stderr, opts))
	}
}

func (a *App) logger() *slog.Logger {
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(a.Stderr, nil))
	}
	return a.log
}

func (a *App) clientOptions(counter *atomic.Int64) apiclient.Options {
	return apiclient.Options{HTTPClient: a.HTTPClient, UserAgent: "bsync/" + a.Version, Requests: counter}
}

func (a *App) bugsinkClient(cfg *Config) *bugsink.Client {
	return bugsink.New(cfg.BugsinkURL, cfg.BugsinkToken.Reveal(), a.clientOptions(&a.bugsinkRequests))
}

func (a *App) giteaClient(cfg *Config) *gitea.Client {
	return gitea.New(cfg.GiteaURL, cfg.GiteaToken.Reveal(), cfg.GiteaOwner, cfg.GiteaRepo, a.clientOptions(&a.giteaRequests))
}

func (a *App) store(cfg *Config) (*syncstate.Store, error) {
	return syncstate.Open(cfg.RedisURL.Reveal())
}

// openStore opens the sync state and checks that Redis answers; the
// caller closes it.
func (a *App) openStore(ctx context.Context, cfg *Config) (*syncstate.Store, error) {
	store, err := a.store(cfg)
	if err != nil {
		return nil, err
	}
	if err := store.Ping(ctx); err != nil {
		store.Close()
		return nil, fmt.Errorf("the sync state is unreachable: %w", err)
	}
	return store, nil
}
