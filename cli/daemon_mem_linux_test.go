package cli

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func rssFileKB(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "RssFile:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

// TestReleaseExecutablePages: the executable's resident pages are dropped and the process goes
// on running (its code and read-only data come back from the page cache as used).
func TestReleaseExecutablePages(t *testing.T) {
	before := rssFileKB(t)
	n := releaseExecutablePages()
	after := rssFileKB(t)
	if n <= 0 || after >= before {
		t.Fatalf("released %d bytes of mappings; RssFile %d kB -> %d kB", n, before, after)
	}
	// Code runs on: a whole command, in this process.
	if code, out, _ := runCLI(t, "version"); code != 0 || !strings.Contains(out, "casefile") {
		t.Fatalf("casefile version after the release: %d %q", code, out)
	}
	t.Logf("released %d MB of mappings; RssFile %d kB -> %d kB", n>>20, before, after)
}
