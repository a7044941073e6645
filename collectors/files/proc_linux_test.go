package files

import (
	"context"
	"strings"
	"testing"

	"github.com/casefile/casefile/collectors/collectorstest"
)

// Files in /proc report size 0 yet have content: they are read until EOF (within the cap), not
// by the size the file system reports.
func TestProcFilesAreReadToEOF(t *testing.T) {
	c := &Collector{name: "files.added", folder: "added", patterns: []string{"/proc/meminfo", "/proc/self/mounts"}, root: "/", literal: true}
	sink := &collectorstest.Sink{Family: "files"}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatalf("Collect = %v", err)
	}
	mem, ok := sink.File("files/added/proc/meminfo")
	if !ok || !strings.Contains(string(mem), "MemTotal:") {
		t.Errorf("meminfo: %d bytes %q", len(mem), mem[:min(len(mem), 40)])
	}
	mounts, ok := sink.File("files/added/proc/self/mounts")
	if !ok || !strings.Contains(string(mounts), " proc ") {
		t.Errorf("mounts: %d bytes %q", len(mounts), mounts[:min(len(mounts), 40)])
	}
	if _, _, cut := sink.Truncated("files/added/proc/meminfo"); cut {
		t.Errorf("meminfo recorded as cut")
	}

	// Over the cap, the head is kept and the cut recorded with what was seen.
	c = &Collector{name: "files.added", folder: "added", patterns: []string{"/proc/self/mounts"}, root: "/", literal: true, maxFile: 100}
	sink = &collectorstest.Sink{Family: "files"}
	err := c.Collect(context.Background(), sink)
	mounts, _ = sink.File("files/added/proc/self/mounts")
	kept, seen, cut := sink.Truncated("files/added/proc/self/mounts")
	if len(mounts) == 0 || len(mounts) > 100 || !cut || kept != int64(len(mounts)) || seen <= 100 {
		t.Errorf("capped mounts: %d bytes, truncated %v %d/%d (Collect = %v)", len(mounts), cut, kept, seen, err)
	}
}
