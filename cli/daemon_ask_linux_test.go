package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/casefile/casefile/intake"
	"github.com/casefile/casefile/internal/testenv"
	"github.com/casefile/casefile/remote"
)

// openPTY opens a pseudo-terminal: the master side (the test's keyboard and screen) and the
// terminal the command gets as stdin and stderr.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		testenv.Missing(t, "a pseudo-terminal (/dev/ptmx): %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0)
	}
	if err != nil {
		m.Close()
		testenv.Missing(t, "a pseudo-terminal: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		testenv.Missing(t, "a pseudo-terminal: %v", err)
	}
	return m, s
}

// A daemon in the foreground on a terminal puts a request under consent: ask to the person
// there; "y" lets it collect and upload (a real intake), and the log records the approval.
func TestDaemonAsksOnTerminal(t *testing.T) {
	data := t.TempDir()
	key, err := intake.LoadKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	filed := make(chan intake.Record, 4)
	srv, err := intake.New(intake.Options{DataDir: data, Key: key, OnFiled: func(r intake.Record) { filed <- r }})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.Close(); srv.Close() }()
	bg := context.Background()
	run := func(args ...string) string {
		var so, se bytes.Buffer
		if code := Run(bg, args, strings.NewReader(""), &so, &se); code != 0 {
			t.Fatalf("%v: %d %s", args, code, se.String())
		}
		return strings.TrimSpace(so.String())
	}
	state := filepath.Join(t.TempDir(), "state")
	tok := run("intake", "enroll-token", "--data", data)
	host := run("daemon", "--enroll", tok, "--intake", hs.URL, "--state-dir", state)
	rid := run("intake", "request", "--data", data, "--ticket", "4830", "--host", host, "--note", "slow API at 2 a.m.")
	sp := filepath.Join(t.TempDir(), "spec.yaml")
	os.WriteFile(sp, []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: ask-test}\n"+
		"collectors: {only: [system.host]}\nupload: {url: \""+hs.URL+"\", consent: ask}\n"), 0o600)

	master, tty := openPTY(t)
	defer master.Close()
	var mu sync.Mutex
	var screen bytes.Buffer
	asked := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		once := sync.Once{}
		for {
			n, err := master.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			seen := strings.Contains(screen.String(), "Collect and upload it? [y/n]")
			mu.Unlock()
			if seen {
				once.Do(func() { close(asked) })
			}
			if err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithCancel(bg)
	done := make(chan int, 1)
	go func() {
		var so bytes.Buffer
		done <- Run(ctx, []string{"daemon", "--spec", sp, "--state-dir", state, "--socket", filepath.Join(state, "d.sock")}, tty, &so, tty)
	}()
	defer func() {
		cancel()
		<-done
		tty.Close()
	}()
	select {
	case <-asked:
	case <-time.After(30 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("no question on the terminal:\n%s", screen.String())
	}
	mu.Lock()
	question := screen.String()
	mu.Unlock()
	if !strings.Contains(question, rid) || !strings.Contains(question, "ticket 4830") || !strings.Contains(question, "slow API at 2 a.m.") {
		t.Fatalf("the question:\n%s", question)
	}
	if _, err := master.Write([]byte("y\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case rec := <-filed:
		if rec.Ticket != "4830" {
			t.Fatalf("filed %+v", rec)
		}
	case <-time.After(60 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("nothing filed after y:\n%s", screen.String())
	}
	b, _ := os.ReadFile(filepath.Join(state, remote.LogFile))
	if !strings.Contains(string(b), `"event":"approved"`) {
		t.Fatalf("local log:\n%s", b)
	}
}
