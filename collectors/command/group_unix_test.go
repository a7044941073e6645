//go:build unix

package command

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/casefile/casefile/spec"
)

// A command that exits while its background child still holds stdout (issue 14): the command is
// done once it exits, so the collector is ok with the output so far, and the child (the whole
// process group) is gone when the collector returns.
func TestBackgroundChildHoldingOutput(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	script := "sleep 77.31 & echo $! > " + pidFile + "; echo started"
	begin := time.Now()
	sink, res, err := runSpec(t, context.Background(), spec.Command{Name: "bg", Shell: true, Script: script}, "")
	took := time.Since(begin)
	if err != nil {
		t.Errorf("collector: %v, want ok", err)
	}
	if res.Error != "" || res.TimedOut || res.ExitCode == nil || *res.ExitCode != 0 {
		t.Errorf("result %+v, want exit code 0 and no error", res)
	}
	if got := file(sink, "commands/bg/stdout.txt"); got != "started\n" {
		t.Errorf("stdout %q, want \"started\\n\"", got)
	}
	if took > 3*time.Second {
		t.Errorf("took %s: the command exited at once", took)
	}
	b, rerr := os.ReadFile(pidFile)
	if rerr != nil {
		t.Fatal(rerr)
	}
	pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
	if perr != nil || pid <= 1 {
		t.Fatalf("pid file %q", b)
	}
	if alive(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the background child %d outlived the collector", pid)
	}
}

// alive reports whether pid still runs: kill(pid, 0) succeeds and, on Linux, it is no zombie
// waiting for its new parent (init, in a container often slow or absent) to reap it. A process
// killed by SIGKILL may take a moment to be gone.
func alive(pid int) bool {
	deadline := time.Now().Add(2 * time.Second)
	for {
		err := syscall.Kill(pid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return false
		}
		if runtime.GOOS == "linux" {
			if st, rerr := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); rerr == nil {
				if i := strings.LastIndexByte(string(st), ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
					return false
				}
			}
		}
		if time.Now().After(deadline) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
}
