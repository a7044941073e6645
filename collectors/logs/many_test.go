//go:build unix

package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
)

// smallLogs writes n one-line logs named <prefix>NNNNN.log into dir, modified at mtime.
func smallLogs(t *testing.T, dir, prefix string, n int, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("%s%05d.log", prefix, i))
		line := fmt.Sprintf("%s n=%d ok\n", mtime.Add(-time.Minute).UTC().Format(time.RFC3339), i)
		if err := os.WriteFile(p, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, mtime, mtime)
	}
}

// More files than one source lists (issue 14): the index stays within its bound and whole JSON,
// its room never exceeds the cap (max_total was negative), the newest files are the ones kept,
// the cut is counted in the index and named in the note, and the collector is partial.
func TestManyFilesBoundedIndex(t *testing.T) {
	root := t.TempDir()
	smallLogs(t, filepath.Join(root, "d"), "new", 100, testNow.Add(-time.Hour))
	smallLogs(t, filepath.Join(root, "d"), "old", 10, testNow.Add(-48*time.Hour))
	// headroom(21200)/(2*512) = 20 files listed.
	src := &fileSource{name: "many", globs: []string{"/d/*.log"}, root: root, now: testNow, since: 24 * time.Hour, maxFile: 1 << 20, maxTotal: 21200}
	sink := &collectorstest.Sink{Family: "logs"}
	err := src.Collect(context.Background(), sink)
	if !collectors.IsPartial(err) || !strings.Contains(err.Error(), "80 of the 110 files matched were left out") {
		t.Errorf("got %v, want partial naming the 80 files left out", err)
	}
	raw, _ := sink.File("logs/many.json")
	var idx Index
	if jerr := json.Unmarshal(raw, &idx); jerr != nil {
		t.Fatalf("index is not whole JSON (%d bytes): %v", len(raw), jerr)
	}
	if idx.MaxTotal <= 0 || idx.FileLimit != 20 || len(idx.Files) != 20 || idx.FilesMatched != 110 ||
		idx.Omitted == nil || idx.Omitted.FileLimit != 80 || idx.Omitted.OutsideWindow != 10 {
		t.Fatalf("index: max_total %d, file_limit %d, %d files listed, %d matched, omitted %+v; want 20 of 110 listed, 80+10 omitted",
			idx.MaxTotal, idx.FileLimit, len(idx.Files), idx.FilesMatched, idx.Omitted)
	}
	for _, e := range idx.Files {
		if e.Status != "collected" || !strings.Contains(e.Source, "/new") {
			t.Errorf("%s: %s (%s), want a file inside the window collected", e.Source, e.Status, e.Reason)
		}
		if _, ok := sink.File(e.Path); !ok {
			t.Errorf("%s: listed as collected but not written", e.Path)
		}
	}
}

// An index that would not fit the file cap (long paths) drops its last entries, counted as
// unlisted, and stays whole JSON.
func TestIndexFitsFileCap(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, strings.Repeat("long-folder-name-", 10))
	smallLogs(t, dir, strings.Repeat("x", 60), 30, testNow.Add(-time.Hour))
	src := &fileSource{name: "long", globs: []string{filepath.ToSlash(strings.TrimPrefix(dir, root)) + "/*.log"}, root: root, now: testNow,
		since: 24 * time.Hour, maxFile: 1 << 20, maxTotal: 1 << 20}
	sink := &collectorstest.Sink{Family: "logs", MaxFile: 8 << 10}
	src.Collect(context.Background(), sink)
	raw, _ := sink.File("logs/long.json")
	var idx Index
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatalf("index is not whole JSON (%d bytes): %v", len(raw), err)
	}
	if len(raw) > 8<<10 || idx.Omitted == nil || idx.Omitted.Unlisted == 0 || len(idx.Files)+idx.Omitted.Unlisted+idx.Omitted.FileLimit != 30 {
		t.Errorf("index of %d bytes, %d listed, omitted %+v", len(raw), len(idx.Files), idx.Omitted)
	}
}

// All log sources of a run together collect at most the shared limit.
func TestFileLimitForAllSources(t *testing.T) {
	root := t.TempDir()
	smallLogs(t, filepath.Join(root, "a"), "a", 4, testNow.Add(-time.Hour))
	smallLogs(t, filepath.Join(root, "b"), "b", 4, testNow.Add(-time.Hour))
	all := newFileCount(5)
	sink := &collectorstest.Sink{Family: "logs"}
	collected, left := 0, 0
	for _, name := range []string{"a", "b"} {
		src := &fileSource{name: name, globs: []string{"/" + name + "/*.log"}, root: root, now: testNow, since: 24 * time.Hour, maxFile: 1 << 20, maxTotal: 1 << 20, all: all}
		idx, err := collect(t, src, sink)
		if name == "b" && (!collectors.IsPartial(err) || !strings.Contains(err.Error(), "at most 5 files")) {
			t.Errorf("source b: %v, want partial naming the limit", err)
		}
		for _, e := range idx.Files {
			switch e.Status {
			case "collected":
				collected++
			case "cap_reached":
				left++
			}
		}
	}
	if collected != 5 || left != 3 {
		t.Errorf("%d collected, %d left out; want 5 and 3", collected, left)
	}
}

// A path named with --log that does not exist fails, as --add does; one a spec names is skipped.
func TestExplicitMissingPathFails(t *testing.T) {
	root := t.TempDir()
	for _, g := range []string{"/typo", "/typo/*.log"} {
		src := &fileSource{name: "extra", globs: []string{g}, root: root, now: testNow, since: time.Hour, maxFile: 1 << 20, maxTotal: 1 << 20, explicit: true}
		err := src.Collect(context.Background(), &collectorstest.Sink{Family: "logs"})
		if err == nil || collectors.IsSkip(err) || collectors.IsPartial(err) || !strings.Contains(err.Error(), g) || !strings.Contains(err.Error(), "--log") {
			t.Errorf("--log %s: got %v, want a failure naming the path", g, err)
		}
	}
	// One of two named paths missing: the other is collected, the collector is partial.
	smallLogs(t, filepath.Join(root, "d"), "f", 1, testNow.Add(-time.Minute))
	src := &fileSource{name: "extra", globs: []string{"/typo", "/d/f00000.log"}, root: root, now: testNow, since: time.Hour, maxFile: 1 << 20, maxTotal: 1 << 20, explicit: true}
	if err := src.Collect(context.Background(), &collectorstest.Sink{Family: "logs"}); !collectors.IsPartial(err) || !strings.Contains(err.Error(), "/typo: no such file or folder") {
		t.Errorf("got %v, want partial naming /typo", err)
	}
}

// A FIFO named with --log is said to be no regular file and skipped, never opened (which would
// block); beside a log it is listed as not_regular.
func TestFIFONotRegular(t *testing.T) {
	root := t.TempDir()
	fifo := filepath.Join(root, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	src := &fileSource{name: "extra", globs: []string{"/pipe"}, root: root, now: testNow, since: time.Hour, maxFile: 1 << 20, maxTotal: 1 << 20, explicit: true}
	done := make(chan error, 1)
	go func() { done <- src.Collect(context.Background(), &collectorstest.Sink{Family: "logs"}) }()
	select {
	case err := <-done:
		if !collectors.IsSkip(err) || !strings.Contains(err.Error(), "/pipe: not a regular file (named pipe)") {
			t.Errorf("got %v, want skipped: not a regular file (named pipe)", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the collector blocked on the FIFO")
	}
	smallLogs(t, root, "f", 1, testNow.Add(-time.Minute))
	src.globs = []string{"/*"}
	idx, err := collect(t, src, &collectorstest.Sink{Family: "logs"})
	if err != nil {
		t.Fatal(err)
	}
	if e := entry(t, idx, "/pipe"); e.Status != "not_regular" || !strings.Contains(e.Reason, "named pipe") {
		t.Errorf("pipe: %+v", e)
	}
	if e := entry(t, idx, "/f00000.log"); e.Status != "collected" {
		t.Errorf("log beside the pipe: %+v", e)
	}
}
