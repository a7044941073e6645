package files

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
)

// A folder walk stops at MaxFilesPerSource files; the index and the collector's error say so.
func TestFolderFileLimitIsRecorded(t *testing.T) {
	root := t.TempDir()
	// Hard links of one file: creating 10,000 files is slow on some file systems.
	one := writeFile(t, root, "one", []byte("x\n"))
	for i := range MaxFilesPerSource + 5 {
		dir := filepath.Join(root, fmt.Sprintf("data/d%02d", i/1000))
		if i%1000 == 0 {
			os.MkdirAll(dir, 0o755)
		}
		if err := os.Link(one, filepath.Join(dir, fmt.Sprintf("f%05d", i))); err != nil {
			t.Fatal(err)
		}
	}
	c := &Collector{name: "files.added", folder: "added", patterns: []string{"/data"}, root: root, literal: true}
	sink := &collectorstest.Sink{Family: "files"}
	err := c.Collect(context.Background(), sink)
	if !collectors.IsPartial(err) || !strings.Contains(err.Error(), "10000") || !strings.Contains(err.Error(), "/data") {
		t.Errorf("Collect = %v, want partial naming the file limit", err)
	}
	var idx []Record
	if err := sink.JSON("files/added/index.json", &idx); err != nil {
		t.Fatal(err)
	}
	var limit []Record
	for _, r := range idx {
		if r.Source == "/data" {
			limit = append(limit, r)
		}
	}
	if len(idx) != MaxFilesPerSource+1 || len(limit) != 1 || !strings.Contains(limit[0].Skipped, "limit") {
		t.Errorf("%d records, limit records %+v", len(idx), limit)
	}
}

// The walk of a folder does not enter <root>/proc, /sys or /dev unless the path named is inside
// them; what it did not enter is listed.
func TestWalkSkipsPseudoFolders(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"etc/a.conf", "proc/1/status", "sys/kernel/x", "dev/null.txt", "srv/proc/keep.txt"} {
		writeFile(t, root, p, []byte("v\n"))
	}
	c := &Collector{name: "files.added", folder: "added", patterns: []string{"/"}, root: root, literal: true}
	sink := &collectorstest.Sink{Family: "files"}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatalf("Collect = %v", err)
	}
	got := strings.Join(sink.Files(), " ")
	if want := "files/added/etc/a.conf files/added/index.json files/added/srv/proc/keep.txt"; got != want {
		t.Errorf("files\n got %s\nwant %s", got, want)
	}
	var idx []Record
	sink.JSON("files/added/index.json", &idx)
	skipped := map[string]string{}
	for _, r := range idx {
		if r.Skipped != "" {
			skipped[r.Source] = r.Skipped
		}
	}
	for _, d := range []string{"/proc", "/sys", "/dev"} {
		if !strings.Contains(skipped[d], "pseudo file system") {
			t.Errorf("%s: record %q", d, skipped[d])
		}
	}

	// Named, it is walked.
	c = &Collector{name: "files.added", folder: "added", patterns: []string{"/proc/1"}, root: root, literal: true}
	sink = &collectorstest.Sink{Family: "files"}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatalf("Collect = %v", err)
	}
	if _, ok := sink.File("files/added/proc/1/status"); !ok {
		t.Errorf("named folder inside /proc not walked: %v", sink.Files())
	}
}
