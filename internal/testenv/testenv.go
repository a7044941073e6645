// Package testenv decides what a test does when something it needs (root, a Debian tool,
// chromium, ../shared/corpus) is missing: on a laptop it skips with a message; where
// CASEFILE_REQUIRE_ALL=1 is set (.ci/run sets it) it fails, so CI never skips silently.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Strict reports whether missing requirements fail instead of skip.
func Strict() bool { return os.Getenv("CASEFILE_REQUIRE_ALL") == "1" }

// Missing skips the test with the reason, or fails it under CASEFILE_REQUIRE_ALL=1.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if Strict() {
		t.Fatalf("required by CASEFILE_REQUIRE_ALL=1 but missing: "+format, args...)
	}
	t.Skipf("skipped, missing: "+format, args...)
}

// NeedRoot requires root on Linux (network namespaces, tmpfs mounts, raw sockets).
func NeedRoot(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("needs Linux (this is %s)", runtime.GOOS)
	}
	if os.Geteuid() != 0 {
		Missing(t, "root (run as root, as CI does)")
	}
}

// NeedTool requires a program on PATH and returns its path.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s on PATH (.ci/run installs it): %v", name, err)
	}
	return p
}

// SharedDir returns ../shared/<rel> beside the module root, requiring it to exist.
func SharedDir(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "..", "go.mod")); err != nil {
				break // the main module, not a nested one such as bench/
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			Missing(t, "module root above the working folder")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", rel)
	if _, err := os.Stat(p); err != nil {
		Missing(t, "../shared/%s beside the repository: %v", rel, err)
	}
	return p
}
