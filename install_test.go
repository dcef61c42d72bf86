package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea/giteatest"
)

// readmeBlock returns the lines of the first fenced block of kind lang
// after heading in the README.
func readmeBlock(t *testing.T, heading, lang string) []string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("the README has no %q", heading)
	}
	s = s[i:]
	start := strings.Index(s, "```"+lang+"\n")
	if start < 0 {
		t.Fatalf("no %s block under %q", lang, heading)
	}
	s = s[start+len(lang)+4:]
	return strings.Split(strings.TrimRight(s[:strings.Index(s, "```")], "\n"), "\n")
}

// scratchInstall is bsync installed as the README says, under a scratch
// root, with the service user to run it as.
type scratchInstall struct {
	root     string
	uid, gid int
	x        *e2e
	printed  string
}

// inRoot rewrites the installed paths of a command line into the scratch root.
func (s *scratchInstall) inRoot(line string) string {
	for _, p := range []string{"/usr/local/bin/", "/etc/bsync/", "/var/log/bsync/"} {
		line = strings.ReplaceAll(line, p, s.root+p)
	}
	return line
}

// asUser runs argv as the bsync user with env, from dir.
func (s *scratchInstall) asUser(t *testing.T, env []string, argv ...string) (int, string, string) {
	t.Helper()
	c := exec.Command(argv[0], argv[1:]...)
	c.Dir, c.Env = "/", env
	c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(s.uid), Gid: uint32(s.gid)}}
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// TestInstallWalksTheReadme follows the README's Install section line by
// line, as root, into a scratch root: the service user, install.sh (its
// printed next steps must be doctor, a dry run, enabling), the env file
// as installed (the sync off), doctor, the dry run, enabling, and the
// crontab.example line, which must be the README's, run as the bsync user
// with cron's environment; then the systemd unit is verified.
func TestInstallWalksTheReadme(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates the bsync system user and runs bsync as it")
	}
	s := &scratchInstall{root: t.TempDir(), x: newE2E(t)}
	for _, d := range []string{filepath.Dir(s.root), s.root} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s.x.bs.SeedDemo(time.Now())
	sudoedits := 0
	for _, line := range readmeBlock(t, "## Install", "sh") {
		cmdline, comment, _ := strings.Cut(line, "#")
		f := strings.Fields(cmdline)
		switch {
		case len(f) >= 2 && f[1] == "useradd":
			s.useradd(t, f[2:])
		case len(f) == 2 && f[1] == "scripts/install.sh":
			s.install(t)
		case len(f) == 2 && f[0] == "sudoedit":
			sudoedits++
			s.edit(t, sudoedits, comment)
		case len(f) > 3 && f[0] == "sudo" && f[1] == "-u" && f[2] == "bsync" && f[3] == "bsync":
			s.runStep(t, f[4:])
		case len(f) > 1 && f[1] == "crontab":
			s.cron(t)
		default:
			t.Fatalf("the README's Install line %q is not walked by this test", line)
		}
	}
	s.verifyUnit(t)
}

func (s *scratchInstall) useradd(t *testing.T, args []string) {
	if _, err := user.Lookup("bsync"); err != nil {
		if out, err := exec.Command("useradd", args...).CombinedOutput(); err != nil {
			t.Fatalf("useradd %v: %v: %s", args, err, out)
		}
	}
	u, err := user.Lookup("bsync")
	if err != nil {
		t.Fatal(err)
	}
	s.uid, _ = strconv.Atoi(u.Uid)
	s.gid, _ = strconv.Atoi(u.Gid)
}

func (s *scratchInstall) install(t *testing.T) {
	c := exec.Command("scripts/install.sh")
	c.Env = append(os.Environ(), "DESTDIR="+s.root, "BSYNC_BIN="+bsyncBin)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("install.sh: %v\n%s", err, out)
	}
	s.printed = string(out)
	steps := regexp.MustCompile(`(?s)Next steps:.*doctor --env-file.*sync --dry-run.*BUGSINK_SYNC_ENABLED=true.*enable --now bsync.timer`)
	if !steps.MatchString(s.printed) {
		t.Errorf("install.sh's next steps are not doctor, a dry run, then enabling:\n%s", out)
	}
	st, err := os.Stat(filepath.Join(s.root, "var/log/bsync"))
	if err != nil {
		t.Fatalf("install.sh made no log directory for the cron line: %v", err)
	}
	if sys := st.Sys().(*syscall.Stat_t); int(sys.Uid) != s.uid || !st.IsDir() {
		t.Errorf("/var/log/bsync is owned by %d, want the bsync user %d", sys.Uid, s.uid)
	}
}

// edit does what the README's sudoedit lines say: the first fills in the
// remotes and leaves the installed switch alone, which must be off; the
// second turns the sync on.
func (s *scratchInstall) edit(t *testing.T, n int, comment string) {
	path := filepath.Join(s.root, "etc/bsync/bsync.env")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if n == 1 {
		if !regexp.MustCompile(`(?m)^BUGSINK_SYNC_ENABLED=false$`).MatchString(text) {
			t.Errorf("the installed env file does not keep the sync off:\n%s", text)
		}
		set := map[string]string{"BUGSINK_URL": s.x.bs.URL, "BUGSINK_API_TOKEN": bugsinktest.Token, "GITEA_URL": s.x.gt.URL,
			"GITEA_API_TOKEN": giteatest.Token, "GITEA_OWNER": "projectium", "GITEA_REPO": "flyer-crawler", "REDIS_URL": s.x.redis.URL()}
		for k, v := range set {
			text = regexp.MustCompile(`(?m)^`+k+`=.*$`).ReplaceAllLiteralString(text, k+"="+v)
		}
	} else {
		if !strings.Contains(comment, "BUGSINK_SYNC_ENABLED=true") {
			t.Fatalf("second sudoedit %q: not understood", comment)
		}
		text = strings.Replace(text, "BUGSINK_SYNC_ENABLED=false", "BUGSINK_SYNC_ENABLED=true", 1)
	}
	// In place: the file keeps the owner and mode install.sh gave it.
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// runStep runs a `sudo -u bsync bsync …` line: doctor must pass, the dry
// run must list what it would create and create nothing.
func (s *scratchInstall) runStep(t *testing.T, args []string) {
	argv := strings.Fields(s.inRoot("/usr/local/bin/bsync " + strings.Join(args, " ")))
	code, out, errb := s.asUser(t, []string{"PATH=/usr/bin:/bin", "HOME=/", "TERM=dumb"}, argv...)
	switch args[0] {
	case "doctor":
		if code != 0 || strings.Contains(out, "FAIL") {
			t.Errorf("doctor as the README says: exit %d\n%s%s", code, out, errb)
		}
	case "sync":
		if code != 0 || !strings.Contains(out, "would create 10") || len(s.x.gt.Issues()) != 0 {
			t.Errorf("the dry run: exit %d, %d issues in Gitea\n%s%s", code, len(s.x.gt.Issues()), out, errb)
		}
	default:
		t.Fatalf("bsync %v: not walked", args)
	}
}

// cron runs the crontab.example line, which must be the README's, as the
// bsync user with cron's environment: the crontab's own variables over
// cron's defaults (SHELL=/bin/sh, PATH=/usr/bin:/bin, HOME, LOGNAME).
func (s *scratchInstall) cron(t *testing.T) {
	readme := ""
	for _, l := range readmeBlock(t, "### cron", "cron") {
		readme = l
	}
	b, err := os.ReadFile("crontab.example")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SHELL": "/bin/sh", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LOGNAME": "bsync"}
	var line string
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && regexp.MustCompile(`^[A-Z]+$`).MatchString(k) {
			env[k] = v
		} else if strings.HasPrefix(l, "*/15 ") {
			line = l
		}
	}
	if line == "" || line != readme {
		t.Fatalf("crontab.example's line %q is not the README's %q", line, readme)
	}
	command := s.inRoot(strings.Join(strings.Fields(line)[5:], " "))
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	for run := 0; run < 2; run++ {
		if code, out, errb := s.asUser(t, envList, env["SHELL"], "-c", command); code != 0 {
			t.Fatalf("the cron line as bsync: exit %d\n%s%s", code, out, errb)
		}
	}
	logb, err := os.ReadFile(filepath.Join(s.root, "var/log/bsync/bsync.log"))
	if err != nil {
		t.Fatal(err)
	}
	var reports []map[string]any
	for _, l := range strings.Split(string(logb), "\n") {
		var doc struct {
			Data map[string]any `json:"data"`
		}
		if strings.HasPrefix(l, "{") && json.Unmarshal([]byte(l), &doc) == nil {
			reports = append(reports, doc.Data)
		}
	}
	if len(reports) != 2 || reports[0]["synced"] != float64(10) || reports[1]["synced"] != float64(0) {
		t.Errorf("the log holds %d one-line reports (want 2: 10 synced, then 0):\n%s", len(reports), logb)
	}
}

// verifyUnit checks the installed units with systemd-analyze where it is
// installed (the binary's path rewritten into the scratch root), then runs
// the service's ExecStart as its User with an empty environment.
func (s *scratchInstall) verifyUnit(t *testing.T) {
	dir := filepath.Join(s.root, "etc/systemd/system")
	unit := filepath.Join(dir, "bsync.service")
	exec0 := unitValues(t, unit, "ExecStart")
	if len(exec0) != 1 || !strings.HasPrefix(exec0[0], "/usr/local/bin/bsync sync --env-file /etc/bsync/bsync.env") {
		t.Fatalf("ExecStart=%v", exec0)
	}
	if got := unitValues(t, unit, "User"); len(got) != 1 || got[0] != "bsync" {
		t.Errorf("unit User=%v", got)
	}
	if _, err := exec.LookPath("systemd-analyze"); err == nil {
		check := t.TempDir()
		for _, name := range []string{"bsync.service", "bsync.timer"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			b = []byte(strings.ReplaceAll(string(b), "/usr/local/bin/bsync", s.root+"/usr/local/bin/bsync"))
			if err := os.WriteFile(filepath.Join(check, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		c := exec.Command("systemd-analyze", "verify", filepath.Join(check, "bsync.service"), filepath.Join(check, "bsync.timer"))
		if out, err := c.CombinedOutput(); err != nil {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
	}
	code, out, errb := s.asUser(t, []string{"PATH=/usr/bin:/bin"}, strings.Fields(s.inRoot(exec0[0]))...)
	var doc struct {
		Success bool `json:"success"`
	}
	if code != 0 || strings.Count(strings.TrimSpace(out), "\n") != 0 || json.Unmarshal([]byte(out), &doc) != nil || !doc.Success {
		t.Errorf("the unit's command as bsync: exit %d\n%s%s", code, out, errb)
	}
}
