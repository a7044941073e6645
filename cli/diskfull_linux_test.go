package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/casefile/casefile/internal/testenv"
)

// collectOnto runs collect --out onto a fresh tmpfs of the given size, adding a 4 MiB log.
func collectOnto(t *testing.T, size string) (code int, stderr string, entries []os.DirEntry, out string) {
	t.Helper()
	testenv.NeedRoot(t) // to mount a tmpfs
	out = t.TempDir()
	if err := syscall.Mount("tmpfs", out, "tmpfs", 0, "size="+size); err != nil {
		testenv.Missing(t, "mounting a tmpfs (root with CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(out, 0) })
	big := filepath.Join(t.TempDir(), "big.log")
	var b strings.Builder
	for b.Len() < 4<<20 {
		b.WriteString("2026-11-27T10:00:00Z INFO request served in 12ms path=/api/v1/items status=200\n")
	}
	os.WriteFile(big, []byte(b.String()), 0o644)
	var so, se bytes.Buffer
	code = Run(context.Background(), []string{"collect", "--out", out, "--only", "files", "--add", big}, strings.NewReader(""), &so, &se)
	entries, _ = os.ReadDir(out)
	return code, se.String(), entries, out
}

// A disk that fills during collection: the file that did not fit is left out and recorded, the
// bundle of what fitted is written, and the run exits 3.
func TestDiskFillsDuringCollection(t *testing.T) {
	code, stderr, entries, out := collectOnto(t, "256k")
	if code != ExitPartial {
		t.Fatalf("exit %d, want %d\n%s", code, ExitPartial, stderr)
	}
	if !strings.Contains(stderr, "no space left on device") || !strings.Contains(stderr, "1 files left out") {
		t.Errorf("stderr does not say what happened:\n%s", stderr)
	}
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "casefile-") {
		t.Fatalf("output folder holds %v, want just the bundle", entries)
	}
	var so, se bytes.Buffer
	if c := Run(context.Background(), []string{"verify", filepath.Join(out, entries[0].Name())}, nil, &so, &se); c != 0 {
		t.Errorf("verify: %d %s %s", c, so.String(), se.String())
	}
}

// A disk too full for the archive itself: exit 1, a clear error, nothing left behind.
func TestDiskTooFullForBundle(t *testing.T) {
	code, stderr, entries, _ := collectOnto(t, "8k")
	if code != ExitError {
		t.Fatalf("exit %d, want %d\n%s", code, ExitError, stderr)
	}
	if !strings.Contains(stderr, "no space left on device") {
		t.Errorf("error does not say the disk is full:\n%s", stderr)
	}
	if len(entries) != 0 {
		t.Errorf("left behind on the full disk: %v", entries)
	}
}
