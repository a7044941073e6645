package files

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
	"github.com/casefile/casefile/spec"
)

// fixture builds a host tree under a temporary root.
func fixture(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	mk := func(p, content string) {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk("etc/acme/a.conf", "a = 1\n")
	mk("etc/acme/b.conf", "b = 2\n")
	mk("etc/acme/big.conf", strings.Repeat(strings.Repeat("x", 99)+"\n", 9)+strings.Repeat("T", 99)+"\n")
	mk("etc/acme/sub/deep.conf", "deep\n")
	mk("etc/outside/secret.txt", "outside\n")
	os.Symlink("a.conf", filepath.Join(root, "etc/acme/link.conf"))
	os.Symlink("missing.conf", filepath.Join(root, "etc/acme/dangling.conf"))
	os.Symlink("../outside", filepath.Join(root, "etc/acme/dirlink.conf"))
	return root
}

func TestGlobsThroughRoot(t *testing.T) {
	root := fixture(t)
	s := &spec.Spec{Files: []spec.FileSource{{Name: "acme", Paths: []string{"/etc/acme/*.conf"}, MaxFileSize: 100}}}
	cs, err := Collectors(collectors.Options{Spec: s, Root: root})
	if err != nil || len(cs) != 1 || cs[0].Name() != "files.acme" || cs[0].Family() != "files" {
		t.Fatalf("collectors %v %v", cs, err)
	}
	sink := &collectorstest.Sink{Family: "files"}
	err = cs[0].Collect(context.Background(), sink)
	// The dangling symlink is an error, so the collector is partial, not failed.
	if !collectors.IsPartial(err) || !strings.Contains(err.Error(), "dangling symlink") {
		t.Fatalf("Collect = %v, want partial with the dangling link", err)
	}
	got := strings.Join(sink.Files(), " ")
	want := "files/acme/etc/acme/a.conf files/acme/etc/acme/b.conf files/acme/etc/acme/big.conf files/acme/etc/acme/link.conf files/acme/index.json"
	if got != want {
		t.Errorf("files\n got %s\nwant %s", got, want)
	}
	// The cap keeps the tail and records the cut.
	big, _ := sink.File("files/acme/etc/acme/big.conf")
	if string(big) != strings.Repeat("T", 99)+"\n" {
		t.Errorf("big.conf kept %d bytes %q", len(big), big[:10])
	}
	if kept, seen, ok := sink.Truncated("files/acme/etc/acme/big.conf"); !ok || kept != 100 || seen != 1000 {
		t.Errorf("truncation record %d/%d %v", kept, seen, ok)
	}
	var idx []Record
	if err := sink.JSON("files/acme/index.json", &idx); err != nil {
		t.Fatal(err)
	}
	by := map[string]Record{}
	for _, r := range idx {
		by[filepath.Base(r.Source)] = r
	}
	if r := by["link.conf"]; r.LinkTo != "a.conf" || r.Bundle == "" {
		t.Errorf("symlink record %+v", r)
	}
	if r := by["dirlink.conf"]; r.Skipped != "symlink to a folder (not followed)" {
		t.Errorf("folder symlink record %+v", r)
	}
	if r := by["big.conf"]; !r.Truncated || r.Kept != 100 || r.Size != 1000 {
		t.Errorf("big record %+v", r)
	}
	// Paths in the index are host paths, not fixture paths.
	if r := by["a.conf"]; r.Source != "/etc/acme/a.conf" {
		t.Errorf("source %q", r.Source)
	}
}

func TestUnreadableFile(t *testing.T) {
	// Root reads any file, so force the error with a path whose parent is a regular file.
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644)
	c := &Collector{name: "files.x", folder: "x", patterns: []string{"/f/child"}, root: root, literal: true}
	sink := &collectorstest.Sink{Family: "files"}
	err := c.Collect(context.Background(), sink)
	// Its only source failed: the collector failed, said why, and still wrote its index.
	if err == nil || collectors.IsPartial(err) || collectors.IsSkip(err) || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("Collect = %v, want a failure naming the cause", err)
	}
	if _, ok := sink.File("files/x/index.json"); !ok {
		t.Errorf("no index.json")
	}
}

func TestNothingMatchedIsSkipped(t *testing.T) {
	c := New("none", []string{"/does/not/exist/*.log"}, t.TempDir(), 0)
	err := c.Collect(context.Background(), &collectorstest.Sink{Family: "files"})
	if !collectors.IsSkip(err) {
		t.Fatalf("Collect = %v, want skip", err)
	}
}

func TestBundlePathWindowsStyle(t *testing.T) {
	c := &Collector{folder: "x"}
	for in, want := range map[string]string{
		"/etc/a.conf":        "files/x/etc/a.conf",
		"/var/../etc/passwd": "files/x/var/etc/passwd",
	} {
		if got := c.bundlePath(in); got != want {
			t.Errorf("bundlePath(%q) = %q, want %q", in, got, want)
		}
	}
}
