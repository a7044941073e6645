package daemon

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/system"
	"github.com/casefile/casefile/spec"
)

// syncBuffer is a log sink tests read while the daemon writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testDaemon is a real daemon running in this process on a socket in a fresh folder.
type testDaemon struct {
	*Daemon
	dir, specPath, socket string
	log                   *syncBuffer
	client                *Client
	cancel                context.CancelFunc
	done                  chan error
}

const specHead = "apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: test}\n"

// shortDir is a fresh folder with a short path (a socket path has at most 104-108 bytes).
func shortDir(t testing.TB) string {
	dir, err := os.MkdirTemp("", "cfd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// smallRegistry builds the system family only: a real collection that takes about a second.
func smallRegistry() *collectors.Registry {
	r := &collectors.Registry{}
	r.Register(collectors.FamilySystem, system.Collectors)
	return r
}

func startDaemon(t testing.TB, specYAML string, mod ...func(*Config)) *testDaemon {
	t.Helper()
	dir := shortDir(t)
	td := &testDaemon{dir: dir, specPath: filepath.Join(dir, "spec.yaml"), socket: filepath.Join(dir, "d.sock"), log: &syncBuffer{}}
	if runtime.GOOS == "windows" {
		td.socket = `\\.\pipe\casefile-test-` + filepath.Base(dir)
	}
	if err := os.WriteFile(td.specPath, []byte(specYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Load:     func(ctx context.Context) (*spec.Spec, []byte, spec.Source, error) { return spec.Load(ctx, td.specPath) },
		StateDir: filepath.Join(dir, "state"), Socket: td.socket,
		Log:     slog.New(slog.NewTextHandler(td.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Version: "test", Hostname: "testhost", Username: "root", Root: "/", Registry: smallRegistry(),
		Environ: []string{"PATH=/usr/bin"},
	}
	for _, m := range mod {
		m(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d, err := New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	td.Daemon, td.cancel, td.done = d, cancel, make(chan error, 1)
	go func() { td.done <- d.Run(ctx) }()
	td.client = NewClient(td.socket)
	t.Cleanup(func() { td.stop(t) })
	return td
}

// stop shuts the daemon down (once) and returns Run's error.
func (td *testDaemon) stop(t testing.TB) error {
	td.cancel()
	select {
	case err, ok := <-td.done:
		if ok {
			close(td.done)
		}
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("daemon did not stop within 30s")
	}
	return nil
}

// waitFor polls cond every 50ms until it holds or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tcpTarget is a loopback listener that accepts and closes connections; close it to refuse.
func tcpTarget(t testing.TB) (addr string, closeFn func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	var once sync.Once
	closeFn = func() { once.Do(func() { ln.Close() }) }
	t.Cleanup(closeFn)
	return ln.Addr().String(), closeFn
}

// refusedTarget is a loopback address nothing listens on (a listener opened and closed).
func refusedTarget(t testing.TB) string {
	addr, closeFn := tcpTarget(t)
	closeFn()
	return addr
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}
