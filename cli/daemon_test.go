//go:build unix

package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/daemon"
	"github.com/casefile/casefile/internal/testenv"
)

func TestStatusWithoutDaemon(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	code, out, stderr := runCLI(t, "status", "--socket", sock)
	if code != ExitError || out != "" || !strings.Contains(stderr, "no casefile daemon is running (nothing answers on "+sock+"); start one with 'casefile daemon'") {
		t.Errorf("status without a daemon: code %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, out, _ = runCLI(t, "status", "--socket", sock, "--json")
	var je jsonError
	if code != ExitError || json.Unmarshal([]byte(out), &je) != nil || je.ExitCode != ExitError || !strings.Contains(je.Error, "no casefile daemon is running") {
		t.Errorf("status --json without a daemon: code %d, stdout %q", code, out)
	}
}

// TestDaemonProcess runs `casefile daemon` as a real process: status (text and JSON) and collect
// are answered through its socket, the collected bundle lands in -o with the monitors' history,
// a collect with --add is made here instead, and SIGTERM stops it gracefully leaving no socket.
func TestDaemonProcess(t *testing.T) {
	dir, err := os.MkdirTemp("", "cfdcli")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	specPath, sock := filepath.Join(dir, "spec.yaml"), filepath.Join(dir, "d.sock")
	os.WriteFile(specPath, []byte(fmt.Sprintf("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: clitest}\n"+
		"monitors:\n  - {name: db, interval: 1s, tcp: {target: %q}}\n", ln.Addr())), 0o644)
	cmd := exec.Command(os.Args[0], "daemon", "--spec", specPath, "--state-dir", filepath.Join(dir, "state"), "--socket", sock)
	cmd.Env = append(os.Environ(), "CASEFILE_TEST_SELF=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, out, _ := runCLI(t, "status", "--socket", sock, "--json")
		var st daemon.Status
		if code == 0 && json.Unmarshal([]byte(out), &st) == nil && len(st.Monitors) == 1 && st.Monitors[0].HistoryCount >= 2 {
			if st.PID != cmd.Process.Pid || st.Spec.Name != "clitest" || st.Monitors[0].Last == nil || !st.Monitors[0].Last.OK {
				t.Errorf("status: %s", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no status with two runs within 15s: code %d %s\nlog:\n%s", code, out, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	code, out, errOut := runCLI(t, "status", "--socket", sock)
	if code != 0 || !strings.Contains(out, "MONITOR") || !strings.Contains(out, "db ") || !strings.Contains(out, "remote requests: none") {
		t.Errorf("status: code %d\n%s%s", code, out, errOut)
	}

	// collect asks the daemon; the bundle lands in -o.
	outDir := filepath.Join(dir, "out")
	code, out, errOut = runCLI(t, "collect", "--socket", sock, "-o", outDir, "--ticket", "4821", "--only", "system.host")
	if code != 0 {
		t.Fatalf("collect through the daemon: code %d\n%s%s", code, out, errOut)
	}
	path := strings.TrimSpace(out)
	if filepath.Dir(path) != outDir || !strings.Contains(errOut, "collected by the casefile daemon") || !strings.Contains(errOut, "wrote "+path) {
		t.Errorf("collect output: stdout %q\nstderr:\n%s", out, errOut)
	}
	c, err := bundle.Read(path, bundle.DefaultReadLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Hashes["daemon/history.jsonl"]; !ok || len(c.Verify()) > 0 || c.Manifest.Ticket != "4821" {
		t.Errorf("bundle from the daemon: history %v, problems %v, ticket %q", ok, c.Verify(), c.Manifest.Ticket)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("bundle mode %v, want 0600 like every bundle", st.Mode())
	}
	// Under sudo the fetched bundle is given to the user who asked, as a local collect does.
	t.Run("sudo owner", func(t *testing.T) {
		testenv.NeedRoot(t)
		t.Setenv("SUDO_UID", "65534")
		t.Setenv("SUDO_GID", "65534")
		code, out, errOut := runCLI(t, "collect", "--socket", sock, "-o", filepath.Join(dir, "sudo"), "--only", "system.host")
		if code != 0 {
			t.Fatalf("code %d\n%s", code, errOut)
		}
		st, err := os.Stat(strings.TrimSpace(out))
		if err != nil {
			t.Fatal(err)
		}
		if sys := st.Sys().(*syscall.Stat_t); sys.Uid != 65534 || sys.Gid != 65534 {
			t.Errorf("bundle owned by %d:%d, want 65534:65534 (SUDO_UID, SUDO_GID)", sys.Uid, sys.Gid)
		}
	})
	// --json prints collect's document with the path in -o.
	code, out, _ = runCLI(t, "collect", "--socket", sock, "-o", outDir, "--only", "system.host", "--json")
	var cr collectResult
	if code != 0 || json.Unmarshal([]byte(out), &cr) != nil || filepath.Dir(cr.Bundle) != outDir || cr.Status != "ok" {
		t.Errorf("collect --json through the daemon: code %d %s", code, out)
	}
	// --add names a path on this side: collect runs here, without the daemon's history.
	localOut := filepath.Join(dir, "local")
	code, out, errOut = runCLI(t, "collect", "--socket", sock, "-o", localOut, "--only", "system.host", "--add", specPath)
	if code != 0 || strings.Contains(errOut, "collected by the casefile daemon") {
		t.Fatalf("collect --add: code %d\n%s", code, errOut)
	}
	if c, err := bundle.Read(strings.TrimSpace(out), bundle.DefaultReadLimits); err != nil {
		t.Error(err)
	} else if _, ok := c.Hashes["daemon/history.jsonl"]; ok {
		t.Error("a local collection holds the daemon's history")
	}

	// SIGTERM: graceful, exit 0, no socket left.
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	err = cmd.Wait()
	if err != nil {
		t.Errorf("daemon exit after SIGTERM: %v\n%s", err, stderr.String())
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("took %v to stop", el)
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind after SIGTERM: %v", err)
	}
	log := stderr.String()
	for _, want := range []string{"daemon started", "collect requested", "daemon stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	// collect with the daemon gone falls back to collecting here.
	code, _, errOut = runCLI(t, "collect", "--socket", sock, "-o", localOut, "--only", "system.host")
	if code != 0 || strings.Contains(errOut, "collected by the casefile daemon") {
		t.Errorf("collect without a daemon: code %d\n%s", code, errOut)
	}
}

// TestDaemonKilledAndRestarted: after kill -9 the socket file is left behind; a new daemon on
// the same state folder and socket replaces it, and the history of the killed one is all there.
func TestDaemonKilledAndRestarted(t *testing.T) {
	dir, err := os.MkdirTemp("", "cfdkill")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // refused: the monitor fails every run
	specPath, sock, state := filepath.Join(dir, "spec.yaml"), filepath.Join(dir, "d.sock"), filepath.Join(dir, "state")
	os.WriteFile(specPath, []byte(fmt.Sprintf("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: killtest}\n"+
		"monitors:\n  - {name: db, interval: 1s, tcp: {target: %q}}\n", addr)), 0o644)
	start := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(os.Args[0], "daemon", "--spec", specPath, "--state-dir", state, "--socket", sock)
		cmd.Env = append(os.Environ(), "CASEFILE_TEST_SELF=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd, &stderr
	}
	status := func(minCount int) daemon.Status {
		deadline := time.Now().Add(15 * time.Second)
		for {
			code, out, _ := runCLI(t, "status", "--socket", sock, "--json")
			var st daemon.Status
			if code == 0 && json.Unmarshal([]byte(out), &st) == nil && len(st.Monitors) == 1 && st.Monitors[0].HistoryCount >= minCount {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("no status with %d runs within 15s: code %d %s", minCount, code, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	cmd, _ := start()
	before := status(4)
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("after kill -9 the socket file should still be there: %v", err)
	}
	cmd2, stderr2 := start()
	after := status(before.Monitors[0].HistoryCount + 1)
	if after.PID != cmd2.Process.Pid {
		t.Errorf("status from pid %d, want the new daemon %d", after.PID, cmd2.Process.Pid)
	}
	// Every run the killed daemon recorded is there, and the count of failures in a row goes on.
	if m := after.Monitors[0]; m.HistoryCount <= before.Monitors[0].HistoryCount || m.FailuresInARow <= before.Monitors[0].FailuresInARow {
		t.Errorf("before the kill %+v, after the restart %+v", before.Monitors[0], m)
	}
	cmd2.Process.Signal(syscall.SIGTERM)
	if err := cmd2.Wait(); err != nil {
		t.Errorf("restarted daemon: %v\n%s", err, stderr2.String())
	}
}
