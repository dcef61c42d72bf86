// Package redistest starts a throwaway redis-server for tests: loopback
// only, a free port, no persistence, stopped when the test ends. It never
// touches an operator's Redis.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a running redis-server.
type Server struct {
	Addr   string
	cmd    *exec.Cmd
	exited chan error
}

// URL returns a redis:// URL for the server with no database named, so
// bsync's default (db 15) applies.
func (s *Server) URL() string { return "redis://" + s.Addr }

// Client returns a go-redis client on db.
func (s *Server) Client(tb testing.TB, db int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, DB: db})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Pid returns the server's process id (0 once stopped), for a benchmark
// that counts the CPU each process spent.
func (s *Server) Pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Stop kills the server now (to test an unreachable Redis mid-run).
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.cmd = nil
	}
}

// Start launches redis-server and registers its stop with tb.Cleanup. The
// test fails (not skips) when redis-server is missing: install it with
// `apt-get install redis-server`.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := Launch(tb.TempDir())
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// Launch starts redis-server with its working files in dir; the caller
// stops it. Used by Start and by the sandbox and benchmark programs.
func Launch(dir string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server not found on PATH (install it: apt-get install redis-server): %w", err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s, err := launchOn(bin, dir, port)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func launchOn(bin, dir string, port int) (*Server, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(bin,
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(port),
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--protected-mode", "yes",
		"--loglevel", "warning",
		"--logfile", filepath.Join(dir, "redis-"+strconv.Itoa(port)+".log"),
	)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	s := &Server{Addr: addr, cmd: cmd}
	exited := make(chan error, 1)
	s.exited = exited
	go func() { exited <- cmd.Wait() }()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			s.cmd = nil
			return nil, fmt.Errorf("redis-server on %s exited at start (%v); see %s", addr, err, filepath.Join(dir, "redis-"+strconv.Itoa(port)+".log"))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return s, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("redis-server on %s did not answer within 5s", addr)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
