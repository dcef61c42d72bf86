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
	"bytes"
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

func run(keep bool) error {
	dir, err := os.MkdirTemp("", "bsync-sandbox-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	bin := filepath.Join(dir, "bsync")
	step("building bsync")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}

	redis, err := redistest.Launch(dir)
	if err != nil {
		return err
	}
	defer redis.Stop()
	bs := bugsinktest.New()
	defer bs.Close()
	bs.SeedDemo(time.Now().UTC())
	gt := giteatest.New("projectium", "flyer-crawler")
	defer gt.Close()

	env := []string{
		"BUGSINK_URL=" + bs.URL,
		"BUGSINK_API_TOKEN=" + bugsinktest.Token,
		"GITEA_URL=" + gt.URL,
		"GITEA_API_TOKEN=" + giteatest.Token,
		"GITEA_OWNER=projectium",
		"GITEA_REPO=flyer-crawler",
		"BUGSINK_SYNC_ENABLED=true",
		"BUGSINK_SYNC_INTERVAL=15",
		"REDIS_URL=" + redis.URL(),
	}
	fmt.Fprintf(os.Stderr, "sandbox: fake Bugsink %s (%d issues in 6 projects), fake Gitea %s, redis-server %s (db 15)\n",
		bs.URL, len(bs.IssueIDs()), gt.URL, redis.Addr)

	envFile := filepath.Join(dir, "sandbox.env")
	if err := os.WriteFile(envFile, []byte(strings.Join(env, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	bsync := func(args ...string) (string, int) {
		c := exec.Command(bin, append(args, "--env-file", envFile)...)
		c.Env = append(os.Environ(), env...)
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, os.Stderr
		err := c.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return out.String(), code
	}
	show := func(title string, args ...string) string {
		step(title + ": bsync " + strings.Join(args, " "))
		out, code := bsync(args...)
		fmt.Print(out)
		fmt.Printf("(exit code %d)\n", code)
		return out
	}

	show("check the setup, writes nothing", "doctor", "--output", "table")
	show("preview, writes nothing", "sync", "--dry-run", "--output", "table")
	show("first sync", "sync", "--output", "table")
	show("second sync creates nothing (the JSON report cron and CI read)", "sync")
	show("status", "status")
	show("mappings", "list-synced", "--limit", "3")

	issues := gt.Issues()
	step(fmt.Sprintf("the fake Gitea now holds %d issues; issue #1 as bsync wrote it", len(issues)))
	if len(issues) > 0 {
		fmt.Printf("title:  %s\nlabels: %s\n\n%s\n", issues[0].Title, strings.Join(gt.LabelNames(1), ", "), issues[0].Body)
	}
	if !keep {
		return nil
	}
	step("sandbox is up; in another shell:")
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		q, _ := json.Marshal(v)
		fmt.Printf("export %s=%s\n", k, q)
	}
	fmt.Println("# then: go run . sync --dry-run   (Ctrl-C here stops the sandbox)")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	return nil
}

func step(s string) { fmt.Printf("\n==> %s\n", s) }
