//go:build unix

package daemon

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGHUPReloads sends this process a real SIGHUP: the daemon reloads its spec file (a bad
// one is refused and logged with its line, a good one applied).
func TestSIGHUPReloads(t *testing.T) {
	addr, _ := tcpTarget(t)
	td := startDaemon(t, specHead+fmt.Sprintf("monitors:\n  - {name: db, interval: 1s, tcp: {target: %q}}\n", addr))
	ctx := context.Background()
	time.Sleep(200 * time.Millisecond) // the signal handler is installed by Run
	os.WriteFile(td.specPath, []byte(specHead+"monitors:\n  - {name: db, interval: soon, tcp: {target: 'a:1'}}\n"), 0o600)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitFor(t, 5*time.Second, "the refused reload", func() bool {
		st, _ := td.client.Status(ctx)
		return st != nil && strings.Contains(st.Reload.Error, td.specPath+":5: monitors[0].interval")
	})
	os.WriteFile(td.specPath, []byte(specHead+fmt.Sprintf("monitors:\n  - {name: db, interval: 1s, tcp: {target: %q}}\n  - {name: mem, interval: 1s, memory: {}}\n", addr)), 0o600)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitFor(t, 5*time.Second, "the good reload", func() bool {
		st, _ := td.client.Status(ctx)
		return st != nil && st.Reload.Error == "" && len(st.Monitors) == 2
	})
	if !strings.Contains(td.log.String(), "SIGHUP: reloading the spec") {
		t.Errorf("log:\n%s", indent(td.log.String()))
	}
}
