package logs

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
	"github.com/casefile/casefile/internal/testenv"
)

// TestUnreadableFile checks that a file the collecting user may not read is recorded as
// unreadable, the others are still collected, and the collector ends partial. Root reads
// everything, so as root the check re-runs this test binary as nobody.
func TestUnreadableFile(t *testing.T) {
	if dir := os.Getenv("CASEFILE_UNREADABLE_ROOT"); dir != "" {
		checkUnreadable(t, dir)
		return
	}
	dir, err := os.MkdirTemp("", "casefile-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	now := time.Now()
	writeFile(t, dir, "logs/ok.log", genLines(now.Add(-time.Hour), now, time.Minute, rfc3339Fmt), now, false)
	writeFile(t, dir, "logs/secret.log", genLines(now.Add(-time.Hour), now, time.Minute, rfc3339Fmt), now, false)
	os.Chmod(filepath.Join(dir, "logs"), 0o755)
	if err := os.Chmod(filepath.Join(dir, "logs/secret.log"), 0o000); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		checkUnreadable(t, dir)
		return
	}
	if !unprivilegedRerun(t, dir) {
		testenv.Missing(t, "re-running the test binary as nobody (uid 65534) to see a permission error as root (see the log above)")
	}
}

func checkUnreadable(t *testing.T, root string) {
	src := &fileSource{name: "u", globs: []string{"/logs/*.log"}, root: root, now: time.Now(), since: 24 * time.Hour, maxFile: 1 << 20, maxTotal: 1 << 20}
	sink := &collectorstest.Sink{Family: "logs"}
	err := src.Collect(context.Background(), sink)
	if !collectors.IsPartial(err) || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("got %v, want a partial failure naming the permission problem", err)
	}
	var idx Index
	if err := sink.JSON("logs/u.json", &idx); err != nil {
		t.Fatal(err)
	}
	if e := entry(t, idx, "/logs/secret.log"); e.Status != "unreadable" || e.Path != "" {
		t.Errorf("secret.log: %+v, want unreadable", e)
	}
	if e := entry(t, idx, "/logs/ok.log"); e.Status != "collected" {
		t.Errorf("ok.log: %+v, want collected", e)
	}
}

// unprivilegedRerun copies the test binary where nobody can run it and runs this test as nobody.
func unprivilegedRerun(t *testing.T, dir string) bool {
	self, err := os.Executable()
	if err != nil {
		return false
	}
	bin := filepath.Join(dir, "logs.test")
	in, err := os.Open(self)
	if err != nil {
		return false
	}
	defer in.Close()
	out, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		return false
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return false
	}
	out.Close()
	cmd := exec.Command(bin, "-test.run=^TestUnreadableFile$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CASEFILE_UNREADABLE_ROOT="+dir)
	cmd.Dir = dir
	if !asNobody(cmd) {
		return false
	}
	outp, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(string(outp), "--- FAIL") {
			t.Fatalf("as nobody: %v\n%s", err, outp)
		}
		t.Logf("running as nobody failed: %v\n%s", err, outp)
		return false
	}
	if !strings.Contains(string(outp), "PASS") {
		t.Fatalf("as nobody: no PASS\n%s", outp)
	}
	t.Logf("as nobody: %s", strings.TrimSpace(string(outp)))
	return true
}
