package logs

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors/collectorstest"
	"github.com/casefile/casefile/internal/testenv"
)

// TestXZRotation: a logrotate history compressed by the xz tool (app.log.2.xz) is decoded like
// .gz: ordered as generation 2, cut at the window start, stored without the suffix; a corrupt
// xz file fails alone.
func TestXZRotation(t *testing.T) {
	testenv.NeedTool(t, "xz")
	root := t.TempDir()
	h := time.Hour
	cur := genLines(testNow.Add(-4*h), testNow, 7*time.Second, rfc3339Fmt)
	one := genLines(testNow.Add(-12*h), testNow.Add(-4*h), 11*time.Second, rfc3339Fmt)
	two := genLines(testNow.Add(-40*h), testNow.Add(-12*h), 13*time.Second, rfc3339Fmt)
	writeFile(t, root, "var/log/acme/app.log", cur, testNow, false)
	writeFile(t, root, "var/log/acme/app.log.1", one, testNow.Add(-4*h), false)
	writeFile(t, root, "var/log/acme/app.log.2", two, testNow.Add(-12*h), false)
	if out, err := exec.Command("xz", "-q", filepath.Join(root, "var/log/acme/app.log.2")).CombinedOutput(); err != nil {
		t.Fatalf("xz: %v %s", err, out)
	}
	src := &fileSource{name: "acme", globs: []string{"/var/log/acme/app.log*"}, root: root, now: testNow,
		since: 24 * h, maxFile: 10 << 20, maxTotal: 100 << 20}
	sink := &collectorstest.Sink{Family: "logs"}
	idx, err := collect(t, src, sink)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range idx.Files {
		order = append(order, e.Source)
	}
	if got := strings.Join(order, " "); got != "/var/log/acme/app.log /var/log/acme/app.log.1 /var/log/acme/app.log.2.xz" {
		t.Errorf("order %s", got)
	}
	e := entry(t, idx, "/var/log/acme/app.log.2.xz")
	want := windowOfData(two, testNow.Add(-24*h), testNow)
	got, _ := sink.File("logs/acme/var/log/acme/app.log.2")
	if e.Status != "collected" || e.Compressed != "xz" || e.Path != "logs/acme/var/log/acme/app.log.2" || !e.Timestamps {
		t.Fatalf("entry %+v", e)
	}
	if len(want) == len(two) || !bytes.Equal(got, want) {
		t.Fatalf("collected %d bytes, want the %d of the window (of %d)", len(got), len(want), len(two))
	}

	// The cap keeps the newest whole lines of the decompressed text.
	src.maxFile = 4 << 10
	sink = &collectorstest.Sink{Family: "logs"}
	if idx, err = collect(t, src, sink); err != nil {
		t.Fatal(err)
	}
	e = entry(t, idx, "/var/log/acme/app.log.2.xz")
	got, _ = sink.File(e.Path)
	if !e.Truncated || len(got) == 0 || len(got) > 4<<10 || !bytes.HasSuffix(want, got) || want[len(want)-len(got)-1] != '\n' {
		t.Fatalf("capped xz: %+v, %d bytes", e, len(got))
	}

	// A damaged xz file is that file's failure; the others are still collected.
	writeFile(t, root, "var/log/acme/app.log.3.xz", append(collectorstest.XZ(t, two)[:40], bytes.Repeat([]byte{7}, 200)...), testNow.Add(-13*h), false)
	sink = &collectorstest.Sink{Family: "logs"}
	idx, err = collect(t, src, sink)
	if e := entry(t, idx, "/var/log/acme/app.log.3.xz"); e.Status != "failed" || !strings.Contains(e.Reason, "xz") || err == nil {
		t.Fatalf("damaged xz: %+v, err %v", e, err)
	}
	if e := entry(t, idx, "/var/log/acme/app.log"); e.Status != "collected" {
		t.Fatalf("app.log beside a damaged xz: %+v", e)
	}
}
