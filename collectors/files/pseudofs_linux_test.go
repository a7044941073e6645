package files

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/casefile/casefile/collectors/collectorstest"
	"github.com/casefile/casefile/internal/testenv"
)

func TestPseudoFSByType(t *testing.T) {
	for p, want := range map[string]string{"/proc": "proc", "/sys": "sysfs", t.TempDir(): ""} {
		if got := pseudoFS(p); got != want {
			t.Errorf("pseudoFS(%s) = %q, want %q", p, got, want)
		}
	}
}

// A proc file system mounted somewhere else than /proc is found by its type and not walked,
// unless the path named is inside it.
func TestWalkSkipsMountedProc(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "data/a.conf", []byte("a\n"))
	mnt := filepath.Join(root, "data/p")
	os.MkdirAll(mnt, 0o755)
	if err := syscall.Mount("proc", mnt, "proc", 0, ""); err != nil {
		testenv.Missing(t, "a proc mount in a temp folder (root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })

	c := &Collector{name: "files.added", folder: "added", patterns: []string{"/data"}, root: root, literal: true}
	sink := &collectorstest.Sink{Family: "files"}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatalf("Collect = %v", err)
	}
	if got := strings.Join(sink.Files(), " "); got != "files/added/data/a.conf files/added/index.json" {
		t.Errorf("files %s", got)
	}
	var idx []Record
	sink.JSON("files/added/index.json", &idx)
	if len(idx) != 2 || idx[1].Source != "/data/p" || !strings.Contains(idx[1].Skipped, "proc") {
		t.Errorf("index %+v", idx)
	}

	c = &Collector{name: "files.added", folder: "added", patterns: []string{"/data/p/sys/kernel/random"}, root: root, literal: true}
	sink = &collectorstest.Sink{Family: "files"}
	c.Collect(context.Background(), sink)
	if b, ok := sink.File("files/added/data/p/sys/kernel/random/boot_id"); !ok || len(b) < 16 {
		t.Errorf("named folder inside proc not walked: %v", sink.Files())
	}
}
