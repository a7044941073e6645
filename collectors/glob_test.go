package collectors

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func globTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range []string{
		"var/log/acme/a.log", "var/log/acme/x.txt", "var/log/acme/sub/b.log", "var/log/acme/sub/deeper/c.log",
		"var/log/acme/.hidden/d.log", "var/log/other/e.log",
		"proc/1/fd/p.log", "sys/kernel/s.log", "dev/shm/v.log", "opt/proc/keep.log",
	} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if runtime.GOOS != "windows" {
		// A loop: acme/sub/up -> acme. "**" must not follow it.
		if err := os.Symlink(filepath.Join(root, "var/log/acme"), filepath.Join(root, "var/log/acme/sub/up")); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func rels(t *testing.T, root string, paths []string) string {
	t.Helper()
	var out []string
	for _, p := range paths {
		r, err := filepath.Rel(root, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, filepath.ToSlash(r))
	}
	return strings.Join(out, " ")
}

func TestGlob(t *testing.T) {
	root := globTree(t)
	for _, c := range []struct{ pattern, want string }{
		{"/var/log/acme/**/*.log", "var/log/acme/.hidden/d.log var/log/acme/a.log var/log/acme/sub/b.log var/log/acme/sub/deeper/c.log"},
		{"/var/log/acme/*.log", "var/log/acme/a.log"},
		{"/var/log/acme/sub/*/c.log", "var/log/acme/sub/deeper/c.log"},
		{"/var/log/{acme,other}/*.log", "var/log/acme/a.log var/log/other/e.log"},
		{"/var/log/*/[ae].log", "var/log/acme/a.log var/log/other/e.log"},
		{"/var/log/acme/a.log", "var/log/acme/a.log"},
		{"/var/log/acme/missing.log", ""},
		{"/nothing/**/*.log", ""},
		// From the top, the pseudo file systems are not entered; a folder merely named proc is.
		{"/**/*.log", "opt/proc/keep.log var/log/acme/.hidden/d.log var/log/acme/a.log var/log/acme/sub/b.log var/log/acme/sub/deeper/c.log var/log/other/e.log"},
		{"/*/*/*/*.log", "var/log/acme/a.log var/log/other/e.log"}, // not proc/1/fd/p.log
		// Named, they are.
		{"/proc/**/*.log", "proc/1/fd/p.log"},
		{"/sys/*/*.log", "sys/kernel/s.log"},
		{"/dev/shm/*.log", "dev/shm/v.log"},
	} {
		got, err := Glob(filepath.Join(root, filepath.FromSlash(c.pattern)), root)
		if err != nil {
			t.Errorf("%s: %v", c.pattern, err)
			continue
		}
		if r := rels(t, root, got); r != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.pattern, r, c.want)
		}
	}
	if _, err := Glob(filepath.Join(root, "var/log/[acme/*.log"), root); err == nil {
		t.Error("a malformed pattern is an error")
	}
}

// TestGlobBounded: a walk that would read more folders than allowed stops, returns what it
// found with ErrGlobLimit.
func TestGlobBounded(t *testing.T) {
	root := t.TempDir()
	for i := 0; i < 30; i++ {
		d := filepath.Join(root, "logs", strings.Repeat("d", i%5+1), string(rune('a'+i)))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, "x.log"), nil, 0o644)
	}
	all, err := glob(filepath.Join(root, "logs/**/*.log"), root, 1000)
	if err != nil || len(all) != 30 {
		t.Fatalf("unbounded: %d matches, %v", len(all), err)
	}
	some, err := glob(filepath.Join(root, "logs/**/*.log"), root, 10)
	if !errors.Is(err, ErrGlobLimit) || len(some) >= 30 {
		t.Fatalf("bounded: %d matches, %v", len(some), err)
	}
}
