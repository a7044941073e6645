package history

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/testenv"
)

// TestDiskFull: on a 4 MiB tmpfs filled by another file, Append fails with ErrFull naming the
// path, the rows committed before stay readable and intact, and once the other file is gone
// the store takes rows again.
func TestDiskFull(t *testing.T) {
	testenv.NeedRoot(t)
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=4m,mode=0700"); err != nil {
		testenv.Missing(t, "a tmpfs mount (%v)", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	p := filepath.Join(dir, "state", "history.db")
	s, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	for ; n < 200; n++ {
		if err := s.Append(benchResult(n)); err != nil {
			t.Fatal(err)
		}
	}
	// Something else fills the disk.
	ballast := filepath.Join(dir, "ballast")
	f, err := os.Create(ballast)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	f.Close()
	var appendErr error
	for i := 0; i < 10000; i++ {
		if appendErr = s.Append(benchResult(n)); appendErr != nil {
			break
		}
		n++
	}
	if !errors.Is(appendErr, ErrFull) || !strings.Contains(appendErr.Error(), p) {
		t.Fatalf("after %d rows: %v, want ErrFull naming %s", n, appendErr, p)
	}
	t.Logf("%d rows stored; then: %v", n, appendErr)
	got, err := s.Window(time.Time{}, time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d rows readable, %d committed", len(got), n)
	}
	os.Remove(ballast)
	if err := s.Append(benchResult(n)); err != nil {
		t.Fatalf("append after space came back: %v", err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got, _ := s2.Window(time.Time{}, time.Time{}, ""); len(got) != n+1 {
		t.Fatalf("reopened: %d rows, want %d", len(got), n+1)
	}
}
