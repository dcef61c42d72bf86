// Command sandbox runs bsync against a local sandbox: a fake Bugsink seeded
// with realistic errors for the six seed projects, a fake Gitea and a
// throwaway redis-server, all on loopback. It builds bsync, runs
// `bsync doctor`, `bsync sync --dry-run`, `bsync sync` twice,
// `bsync status` and `bsync list-synced`, and shows one created issue.
//
//	go run ./scripts/sandbox          # show it once
//	go run ./scripts/sandbox -keep    # keep the servers up and print their env
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea/giteatest"
	"bsync/pkg/syncstate/redistest"
)

func main() {
	keep := flag.Bool("keep", false, "keep the sandbox running after the demo and print its environment")
	flag.Parse()
	if err := run(*keep); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}

// sandbox is the fakes, the redis-server and the bsync binary.
type sandbox struct {
	dir, bin, envFile string
	env               []string
	bs                *bugsinktest.Server
	gt                *giteatest.Server
	redis             *redistest.Server
}

func run(keep bool) error {
	dir, err := os.MkdirTemp("", "bsync-sandbox-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sb := &sandbox{dir: dir, bin: filepath.Join(dir, "bsync")}
	step("building bsync")
	build := exec.Command("go", "build", "-o", sb.bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}
	if err := sb.start(); err != nil {
		return err
	}
	defer sb.stop()
	sb.demo()
	if keep {
		sb.wait()
	}
	return nil
}

// start launches the servers and writes the env file that points at them.
func (sb *sandbox) start() error {
	redis, err := redistest.Launch(sb.dir)
	if err != nil {
		return err
	}
	sb.redis = redis
	sb.bs = bugsinktest.New()
	sb.bs.SeedDemo(time.Now().UTC())
	sb.gt = giteatest.New("projectium", "flyer-crawler")
	seedCode(sb.gt)
	sb.env = []string{
		"BUGSINK_URL=" + sb.bs.URL,
		"BUGSINK_API_TOKEN=" + bugsinktest.Token,
		"GITEA_URL=" + sb.gt.URL,
		"GITEA_API_TOKEN=" + giteatest.Token,
		"GITEA_OWNER=projectium",
		"GITEA_REPO=flyer-crawler",
		"BUGSINK_SYNC_ENABLED=true",
		"BUGSINK_SYNC_INTERVAL=15",
		"REDIS_URL=" + redis.URL(),
	}
	fmt.Fprintf(os.Stderr, "sandbox: fake Bugsink %s (%d issues in 6 projects), fake Gitea %s, redis-server %s (db 15)\n",
		sb.bs.URL, len(sb.bs.IssueIDs()), sb.gt.URL, redis.Addr)
	sb.envFile = filepath.Join(sb.dir, "sandbox.env")
	return os.WriteFile(sb.envFile, []byte(strings.Join(sb.env, "\n")+"\n"), 0o600)
}

// seedCode makes the fake repository the demo application's source: the
// files its in-app frames name, a CODEOWNERS and two owners, so issues
// link their frames and are assigned.
func seedCode(gt *giteatest.Server) {
	files := map[string]string{"README.md": "# flyer-crawler\n",
		"CODEOWNERS": "frontend/.* @frontend-dev\ncrawler/.* @crawler-dev\n"}
	for _, f := range []string{"frontend/src/components/FlyerList.tsx", "frontend/src/routes/Deals.tsx",
		"frontend/src/api/client.ts", "frontend/src/auth/login.ts", "crawler/parse.py", "crawler/worker.py"} {
		files[f] = strings.Repeat("\n", 200)
	}
	gt.Commit("", files)
	gt.AddUser("frontend-dev", "write")
	gt.AddUser("crawler-dev", "write")
}

func (sb *sandbox) stop() {
	if sb.gt != nil {
		sb.gt.Close()
	}
	if sb.bs != nil {
		sb.bs.Close()
	}
	if sb.redis != nil {
		sb.redis.Stop()
	}
}

// show runs bsync with args and prints what it printed and its exit code.
func (sb *sandbox) show(title string, args ...string) {
	step(title + ": bsync " + strings.Join(args, " "))
	c := exec.Command(sb.bin, append(args, "--env-file", sb.envFile)...)
	c.Env = append(os.Environ(), sb.env...)
	c.Stdout, c.Stderr = os.Stdout, os.Stderr
	code := 0
	if ee, ok := c.Run().(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	fmt.Printf("(exit code %d)\n", code)
}

func (sb *sandbox) demo() {
	sb.show("check the setup, writes nothing", "doctor", "--output", "table")
	sb.show("preview, writes nothing", "sync", "--dry-run", "--output", "table")
	sb.show("first sync", "sync", "--output", "table")
	sb.show("second sync creates nothing (the JSON report cron and CI read)", "sync")
	sb.show("status", "status")
	sb.show("mappings", "list-synced", "--limit", "3")
	issues := sb.gt.Issues()
	step(fmt.Sprintf("the fake Gitea now holds %d issues; issue #1 as bsync wrote it", len(issues)))
	if len(issues) > 0 {
		fmt.Printf("title:  %s\nlabels: %s\n\n%s\n", issues[0].Title, strings.Join(sb.gt.LabelNames(1), ", "), issues[0].Body)
	}
}

// wait prints the sandbox's environment and keeps it up until Ctrl-C.
func (sb *sandbox) wait() {
	step("sandbox is up; in another shell:")
	for _, e := range sb.env {
		k, v, _ := strings.Cut(e, "=")
		q, _ := json.Marshal(v)
		fmt.Printf("export %s=%s\n", k, q)
	}
	fmt.Println("# then: go run . sync --dry-run   (Ctrl-C here stops the sandbox)")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
}

func step(s string) { fmt.Printf("\n==> %s\n", s) }
