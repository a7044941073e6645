package logs

import (
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors/collectorstest"
)

// TestDoubleStarLogs: a spec log path with "**" finds logs at any depth under the literal part,
// and rotations deep down are still grouped with their log.
func TestDoubleStarLogs(t *testing.T) {
	root := t.TempDir()
	h := time.Hour
	lines := genLines(testNow.Add(-2*h), testNow, time.Minute, rfc3339Fmt)
	for _, f := range []string{"var/log/acme/top.log", "var/log/acme/svc/a/app.log", "var/log/acme/svc/a/app.log.1", "var/log/acme/svc/b/c/deep.log", "var/log/acme/svc/b/c/deep.txt", "proc/9/fd/x.log"} {
		writeFile(t, root, f, lines, testNow, false)
	}
	src := &fileSource{name: "acme", globs: []string{"/var/log/acme/**/*.log*"}, root: root, now: testNow,
		since: 24 * h, maxFile: 1 << 20, maxTotal: 10 << 20}
	sink := &collectorstest.Sink{Family: "logs"}
	idx, err := collect(t, src, sink)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range idx.Files {
		got = append(got, e.Source)
	}
	want := "/var/log/acme/svc/a/app.log /var/log/acme/svc/b/c/deep.log /var/log/acme/top.log /var/log/acme/svc/a/app.log.1"
	if strings.Join(got, " ") != want {
		t.Fatalf("files\n got %v\nwant %s", got, want)
	}
	if _, ok := sink.File("logs/acme/var/log/acme/svc/b/c/deep.log"); !ok {
		t.Fatalf("deep.log not collected: %v", sink.Files())
	}
	// From the top: the root's /proc is not walked.
	src.globs = []string{"/**/*.log"}
	idx, err = collect(t, src, &collectorstest.Sink{Family: "logs"})
	for _, e := range idx.Files {
		if strings.HasPrefix(e.Source, "/proc/") {
			t.Fatalf("walked into /proc: %+v (err %v)", e, err)
		}
	}
	if len(idx.Files) != 3 {
		t.Fatalf("from the top: %d files, err %v", len(idx.Files), err)
	}
}
