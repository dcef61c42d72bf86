package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/joho/godotenv"

	"bsync/pkg/apiclient"
	"bsync/pkg/gitea"
	"bsync/pkg/peertest"
)

// The real-Gitea case (-real-gitea N): a first sync of N issues against the
// real Gitea from the peers folder (the Bugsink side stays the fake),
// compared with a bare client that replays the issues bsync created, with
// the CPU every process spent. It runs only when asked: it needs the peers
// folder and takes a few minutes.

// realGitea is a real Gitea the benchmark started and stops.
type realGitea struct {
	peertest.Gitea
	pid int
}

// startGitea starts the peers folder's Gitea in dir on a free loopback port.
func startGitea(peers, dir string) (*realGitea, error) {
	script := filepath.Join(peers, "start-gitea.sh")
	if _, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("the real-Gitea case needs the peers folder (-peers or BSYNC_PEERS_DIR): %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("bash", script, dir, strconv.Itoa(port))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("start the real Gitea: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	env, err := godotenv.Read(lines[len(lines)-1])
	if err != nil {
		return nil, fmt.Errorf("read the real Gitea's settings: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "gitea.pid"))
	if err != nil {
		return nil, fmt.Errorf("read the real Gitea's process id: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("read the real Gitea's process id: %w", err)
	}
	return &realGitea{Gitea: peertest.Gitea{URL: env["GITEA_URL"], AdminToken: env["GITEA_TOKEN_ALL"]}, pid: pid}, nil
}

// stop ends the Gitea this benchmark started and waits (at most 10 s) until
// it is gone.
func (g *realGitea) stop() {
	_ = syscall.Kill(g.pid, syscall.SIGTERM)
	for i := 0; i < 100 && syscall.Kill(g.pid, 0) == nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
}

// stopOnSignal stops the Gitea and removes dir, its state, when the
// benchmark is interrupted: Gitea runs apart from this process and would
// outlive it.
func (g *realGitea) stopOnSignal(dir string) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ch
		g.stop()
		_ = os.RemoveAll(dir)
		os.Exit(130)
	}()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// settle waits until Gitea has spent at most one clock tick in half a
// second (its issue indexer works behind the creates), for at most a
// minute, and returns the CPU it spent meanwhile: the next run starts on
// an idle Gitea.
func (g *realGitea) settle() (time.Duration, error) {
	first, err := procCPU(g.pid)
	if err != nil {
		return 0, err
	}
	last := first
	for i := 0; i < 120; i++ {
		time.Sleep(500 * time.Millisecond)
		cur, err := procCPU(g.pid)
		if err != nil {
			return 0, err
		}
		if cur-last <= clockTick {
			return cur - first, nil
		}
		last = cur
	}
	return last - first, nil
}

// idleRate returns the CPU an idle Gitea spends a second (ms, over 3 s),
// which a slow run adds to its CPU per create.
func (g *realGitea) idleRate() (float64, error) {
	if _, err := g.settle(); err != nil {
		return 0, err
	}
	a, err := procCPU(g.pid)
	if err != nil {
		return 0, err
	}
	time.Sleep(3 * time.Second)
	b, err := procCPU(g.pid)
	return ms1(b-a) / 3, err
}

// cpuSnap is the CPU spent so far by each process of a run.
type cpuSnap struct {
	gitea, redis, self, machine time.Duration
}

func (g *realGitea) snap(redisPid int) (cpuSnap, error) {
	s := cpuSnap{self: selfCPU(), machine: machineBusy()}
	var err error
	if s.gitea, err = procCPU(g.pid); err != nil {
		return s, err
	}
	if redisPid > 0 {
		s.redis, _ = procCPU(redisPid)
	}
	return s, nil
}

// realRun is one timed run: bsync's first sync, or a bare replay.
type realRun struct {
	what    string
	creates int
	wall    time.Duration
	gitea   time.Duration // Gitea's CPU during the run
	tail    time.Duration // Gitea's CPU after it until idle (the indexer)
	own     time.Duration // bsync's CPU, or the bare client's
	standIn time.Duration // the Bugsink fake's (this process during a bsync run)
	redis   time.Duration
	machine time.Duration // every process on the host, all cores
	load    string        // 1-minute load average at the start
	// giteaCalls and redisTrips are bsync's requests to Gitea and Redis
	// round trips, as its report counts them (0 for a bare replay, whose
	// Gitea requests are its creates).
	giteaCalls, redisTrips int64
}

// giteaBusy is how many cores Gitea kept busy during the run: its CPU
// over the wall time.
func (r realRun) giteaBusy() float64 { return float64(r.gitea) / float64(r.wall) }

func (r *realRun) take(before, after cpuSnap) {
	r.gitea = after.gitea - before.gitea
	r.redis = after.redis - before.redis
	r.machine = after.machine - before.machine
}

// others is the CPU the run's own processes do not account for: other
// work on the host.
func (r realRun) others() time.Duration {
	return max(0, r.machine-r.gitea-r.own-r.standIn-r.redis)
}

// account makes a fresh Gitea user and repository for one run.
func (g *realGitea) account() (a *peertest.Account, c *gitea.Client, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("make a Gitea user and repository: %v", p)
		}
	}()
	a = g.NewAccount(panicTB{})
	return a, gitea.New(g.URL, a.Token, a.Login, a.Repo, apiclient.Options{}), nil
}

// bsyncRun runs a first sync of n issues (the Bugsink fake at latency per
// call) into a fresh repository and returns the run and a client for it.
func (g *realGitea) bsyncRun(bin, dir string, latency time.Duration, n int) (realRun, *gitea.Client, error) {
	a, c, err := g.account()
	if err != nil {
		return realRun{}, nil, err
	}
	w, err := newWorld(bin, dir, latency)
	if err != nil {
		return realRun{}, nil, err
	}
	defer w.close()
	w.seed(n)
	// os/exec keeps the last of two equal keys: these replace the fake's.
	w.env = append(w.env, "GITEA_URL="+g.URL, "GITEA_API_TOKEN="+a.Token, "GITEA_OWNER="+a.Login, "GITEA_REPO="+a.Repo)
	if _, err := g.settle(); err != nil {
		return realRun{}, nil, err
	}
	run := realRun{what: "bsync", creates: n, load: loadAvg()}
	before, err := g.snap(w.redis.Pid())
	if err != nil {
		return run, nil, err
	}
	r, err := w.bsync(extraEnv, "sync")
	after, err2 := g.snap(w.redis.Pid())
	if synced, _ := r.data()["synced"].(float64); err != nil || err2 != nil || r.code != 0 || int(synced) != n {
		return run, nil, fmt.Errorf("first sync of %d into the real Gitea: exit %d, %v synced, %v %v %v", n, r.code, synced, err, err2, r.data()["errors"])
	}
	run.take(before, after)
	run.wall, run.own, run.standIn = r.wall, r.cpu, after.self-before.self
	run.giteaCalls, run.redisTrips = r.req("gitea"), r.req("redis_round_trips")
	run.tail, err = g.settle()
	return run, c, err
}

// replay is what bsync created in one run: its issues (oldest first) and
// labels.
type replay struct {
	issues []replayIssue
	labels []gitea.LabelSpec
}

type replayIssue struct {
	title, body string
	labels      []string
}

// capture reads back the issues and labels of the repository c names.
func capture(c *gitea.Client) (*replay, error) {
	ctx := context.Background()
	rp := &replay{}
	for rows, err := range c.Issues(ctx, "", gitea.MaxPages) {
		if err != nil {
			return nil, err
		}
		for _, is := range rows {
			ri := replayIssue{title: is.Title, body: is.Body}
			for _, l := range is.Labels {
				ri.labels = append(ri.labels, l.Name)
			}
			rp.issues = append(rp.issues, ri)
		}
	}
	slices.Reverse(rp.issues)
	labels, err := c.Labels(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range labels {
		rp.labels = append(rp.labels, gitea.LabelSpec{Name: l.Name, Color: "#" + strings.TrimPrefix(l.Color, "#"), Description: l.Description})
	}
	return rp, nil
}

// bareRun replays rp into a fresh repository, conns creates at a time; the
// labels are made before the clock starts.
func (g *realGitea) bareRun(rp *replay, conns int) (realRun, error) {
	_, c, err := g.account()
	if err != nil {
		return realRun{}, err
	}
	ids, err := c.EnsureLabels(context.Background(), rp.labels, true)
	if err != nil {
		return realRun{}, err
	}
	opts := make([]gitea.CreateIssueOption, len(rp.issues))
	for i, is := range rp.issues {
		opts[i] = gitea.CreateIssueOption{Title: is.title, Body: is.body}
		for _, name := range is.labels {
			opts[i].Labels = append(opts[i].Labels, ids[name])
		}
	}
	if _, err := g.settle(); err != nil {
		return realRun{}, err
	}
	run := realRun{what: "bare, " + strconv.Itoa(conns) + " conn.", creates: len(opts), load: loadAvg()}
	before, err := g.snap(0)
	if err != nil {
		return run, err
	}
	start := time.Now()
	err = createAll(c, opts, conns)
	run.wall = time.Since(start)
	after, err2 := g.snap(0)
	if err != nil || err2 != nil {
		return run, fmt.Errorf("bare replay of %d issues: %v %v", len(opts), err, err2)
	}
	run.take(before, after)
	run.own = after.self - before.self
	run.tail, err = g.settle()
	return run, err
}
