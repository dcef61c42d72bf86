package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/gitea/giteatest"
)

// unitValues returns every value of key in a systemd unit file.
func unitValues(t *testing.T, path, key string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), key+"="); ok {
			out = append(out, v)
		}
	}
	return out
}

// TestUnitCanWriteTheExampleMetricsFile checks that the service's sandbox
// (ProtectSystem=strict) leaves the example metrics directory writable.
func TestUnitCanWriteTheExampleMetricsFile(t *testing.T) {
	example, err := os.ReadFile("scripts/bsync.env.example")
	if err != nil {
		t.Fatal(err)
	}
	var metrics string
	for _, line := range strings.Split(string(example), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimPrefix(line, "# "), "BSYNC_METRICS_FILE="); ok {
			metrics = v
		}
	}
	rw := unitValues(t, "scripts/systemd/bsync.service", "ReadWritePaths")
	if metrics == "" || len(rw) == 0 || !strings.Contains(" "+strings.Join(rw, " ")+" ", " -"+filepath.Dir(metrics)+" ") {
		t.Errorf("ReadWritePaths %v does not cover the example metrics file %q", rw, metrics)
	}
}

// TestInstalledUnitRunsAsAnUnprivilegedUser installs bsync as the README
// says (a system user bsync, scripts/install.sh, here under a DESTDIR), then
// runs the unit's own ExecStart as that user against the fakes and a
// redis-server. It needs root (to create the user and switch to it).
func TestInstalledUnitRunsAsAnUnprivilegedUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates the bsync system user and runs bsync as it")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("no useradd")
	}
	if _, err := user.Lookup("bsync"); err != nil {
		if out, err := exec.Command("useradd", "--system", "--no-create-home", "--user-group", "bsync").CombinedOutput(); err != nil {
			t.Fatalf("useradd: %v: %s", err, out)
		}
	}
	u, err := user.Lookup("bsync")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)

	dest := t.TempDir()
	// The service user must reach the installed files through the temp dirs.
	for _, d := range []string{filepath.Dir(dest), dest} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	install := exec.Command("scripts/install.sh")
	install.Env = append(os.Environ(), "DESTDIR="+dest, "BSYNC_BIN="+bsyncBin)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("install.sh: %v\n%s", err, out)
	}
	envPath := filepath.Join(dest, "etc/bsync/bsync.env")
	st, err := os.Stat(envPath)
	if err != nil {
		t.Fatal(err)
	}
	if sys := st.Sys().(*syscall.Stat_t); st.Mode().Perm() != 0o640 || sys.Uid != 0 || int(sys.Gid) != gid {
		t.Errorf("env file mode %v owner %d:%d, want 0640 root:bsync", st.Mode().Perm(), sys.Uid, sys.Gid)
	}

	x := newE2E(t)
	x.bs.SeedDemo(time.Now())
	env := strings.Join([]string{"BUGSINK_URL=" + x.bs.URL, "BUGSINK_API_TOKEN=" + bugsinktest.Token,
		"GITEA_URL=" + x.gt.URL, "GITEA_API_TOKEN=" + giteatest.Token, "GITEA_OWNER=projectium",
		"GITEA_REPO=flyer-crawler", "BUGSINK_SYNC_ENABLED=true", "REDIS_URL=" + x.redis.URL()}, "\n") + "\n"
	// Fill the installed file in place, keeping its owner and mode.
	if err := os.WriteFile(envPath, []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}

	unit := filepath.Join(dest, "etc/systemd/system/bsync.service")
	if got := unitValues(t, unit, "User"); len(got) != 1 || got[0] != "bsync" {
		t.Fatalf("unit User=%v", got)
	}
	exec0 := unitValues(t, unit, "ExecStart")
	if len(exec0) != 1 {
		t.Fatalf("ExecStart=%v", exec0)
	}
	line := strings.ReplaceAll(exec0[0], "/usr/local/bin/", dest+"/usr/local/bin/")
	line = strings.ReplaceAll(line, "/etc/bsync/", dest+"/etc/bsync/")
	argv := strings.Fields(line)
	c := exec.Command(argv[0], argv[1:]...)
	c.Dir = "/"
	c.Env = []string{"PATH=/usr/bin:/bin"}
	c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		t.Fatalf("the unit's command as bsync: %v\nstdout %s\nstderr %s", err, out.String(), errb.String())
	}
	var doc struct {
		Success bool `json:"success"`
		Data    struct {
			Synced int `json:"synced"`
		} `json:"data"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || !doc.Success || doc.Data.Synced != 10 {
		t.Errorf("report %s (err %v)", out.String(), err)
	}
}
