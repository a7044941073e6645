//go:build unix

package logs

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
	"github.com/casefile/casefile/internal/testenv"
	"github.com/casefile/casefile/redact"
)

func shSource(name, script string, maxFile int64, filter bool, since time.Time) *cmdSource {
	return &cmdSource{
		name: name, file: name + ".log", since: since, filter: filter, maxFile: maxFile,
		argv:    func() []string { return []string{"sh", "-c", script} },
		skipErr: skipOnDenied(name),
	}
}

func TestCommandLogFloodKeepsNewest(t *testing.T) {
	testenv.NeedTool(t, "seq")
	src := shSource("flood", `seq -f "2026-11-27T11:00:00Z flood line %g" 1 300000`, 64<<10, false, testNow.Add(-time.Hour))
	sink := &collectorstest.Sink{Family: "logs"}
	if err := src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	got, _ := sink.File("logs/flood/flood.log")
	if len(got) > 64<<10 || len(got) < 60<<10 || !bytes.HasSuffix(got, []byte("flood line 300000\n")) || !bytes.HasPrefix(got, []byte("2026-11-27T11:00:00Z flood line ")) {
		t.Fatalf("kept %d bytes, starting %q: want the newest whole lines, at most 64KiB", len(got), firstLine(string(got)))
	}
	kept, seen, ok := sink.Truncated("logs/flood/flood.log")
	if !ok || kept != int64(len(got)) || seen < 300000*30 {
		t.Fatalf("truncation (%d, %d, %v)", kept, seen, ok)
	}
}

func TestCommandLogWindowFilter(t *testing.T) {
	script := `echo "2026-11-27T09:00:00Z too old"; echo "  old continuation"; echo "2026-11-27T11:30:00Z inside"; echo "  new continuation"`
	src := shSource("win", script, 1<<20, true, testNow.Add(-time.Hour))
	sink := &collectorstest.Sink{Family: "logs"}
	if err := src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	got, _ := sink.File("logs/win/win.log")
	if string(got) != "2026-11-27T11:30:00Z inside\n  new continuation\n" {
		t.Fatalf("got %q", got)
	}
}

func TestCommandLogSkips(t *testing.T) {
	sink := &collectorstest.Sink{Family: "logs"}
	denied := shSource("denied", `echo "dmesg: read kernel buffer failed: Operation not permitted" >&2; exit 1`, 1<<20, false, testNow)
	if err := denied.Collect(context.Background(), sink); !collectors.IsSkip(err) || !strings.Contains(err.Error(), "not permitted") {
		t.Errorf("denied: got %v, want skip", err)
	}
	missing := &cmdSource{name: "missing", file: "x", maxFile: 1 << 20, argv: func() []string { return []string{"casefile-no-such-binary"} }}
	if err := missing.Collect(context.Background(), sink); !collectors.IsSkip(err) {
		t.Errorf("missing binary: got %v, want skip", err)
	}
	broken := shSource("broken", `echo "something else broke" >&2; exit 3`, 1<<20, false, testNow)
	if err := broken.Collect(context.Background(), sink); err == nil || collectors.IsSkip(err) || !strings.Contains(err.Error(), "something else broke") {
		t.Errorf("failing command: got %v, want a failure with its stderr", err)
	}
	partial := shSource("partial", `echo "2026-11-27T11:30:00Z some output"; exit 2`, 1<<20, false, testNow)
	if err := partial.Collect(context.Background(), sink); !collectors.IsPartial(err) {
		t.Errorf("output then failure: got %v, want partial", err)
	}
	if _, ok := sink.File("logs/partial/partial.log"); !ok {
		t.Error("partial output not kept")
	}
}

func TestCommandLogHonoursContext(t *testing.T) {
	src := shSource("hang", `echo start; exec sleep 30`, 1<<20, false, testNow)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	begin := time.Now()
	err := src.Collect(ctx, &collectorstest.Sink{Family: "logs"})
	if err == nil || time.Since(begin) > 5*time.Second {
		t.Fatalf("got %v after %s, want a prompt context error", err, time.Since(begin))
	}
}

func TestCommandLogKeepsOutputBeforeDeadline(t *testing.T) {
	src := shSource("slow", `echo "2026-11-27T11:59:00Z printed before the hang"; exec sleep 30`, 1<<20, false, testNow)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	sink := &collectorstest.Sink{Family: "logs"}
	err := src.Collect(ctx, sink)
	if !collectors.IsPartial(err) || ctx.Err() != nil {
		t.Fatalf("got %v (ctx %v), want partial before the deadline", err, ctx.Err())
	}
	if got, _ := sink.File("logs/slow/slow.log"); string(got) != "2026-11-27T11:59:00Z printed before the hang\n" {
		t.Fatalf("kept %q", got)
	}
}

// TestOSDefaultsLive runs the OS default sources on this machine: each either collects lines
// inside the window or skips with a reason.
func TestOSDefaultsLive(t *testing.T) {
	now := time.Now()
	cs, err := Collectors(collectors.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	p := &tsParser{ref: now, loc: time.Local}
	for _, c := range cs {
		if _, ok := c.(*cmdSource); !ok {
			continue
		}
		sink := &collectorstest.Sink{Family: "logs"}
		err := c.Collect(context.Background(), sink)
		switch {
		case collectors.IsSkip(err):
			t.Logf("%s skipped: %v", c.Name(), err)
			continue
		case err != nil:
			t.Errorf("%s: %v", c.Name(), err)
			continue
		}
		var idx Index
		if err := sink.JSON("logs/"+strings.TrimPrefix(c.Name(), "logs.")+".json", &idx); err != nil {
			t.Fatal(err)
		}
		e := idx.Files[0]
		t.Logf("%s: %s, %d bytes kept of %d", c.Name(), e.Status, e.Kept, e.Seen)
		if e.Status != "collected" {
			continue
		}
		data, _ := sink.File(e.Path)
		n := 0
		for _, line := range strings.Split(string(data), "\n") {
			if ts, ok := p.parse([]byte(line)); ok {
				n++
				if ts.Before(now.Add(-24*time.Hour - time.Minute)) {
					t.Errorf("%s: line outside the window: %q", c.Name(), line)
					break
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no timestamped lines in %d bytes", c.Name(), len(data))
		}
	}
}

func TestPlantedSecretsRedacted(t *testing.T) {
	root := t.TempDir()
	var b bytes.Buffer
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "%s worker %d ok\n", testNow.Add(-time.Duration(5000-i)*time.Second).UTC().Format(time.RFC3339), i)
		if i%500 == 7 {
			fmt.Fprintf(&b, "%s login user=bob password=hunter2-planted-%d\n", testNow.Add(-time.Duration(5000-i)*time.Second).UTC().Format(time.RFC3339), i)
		}
	}
	writeFile(t, root, "var/log/app.log", b.Bytes(), testNow, false)
	writeFile(t, root, "var/log/app.log.1.gz", b.Bytes(), testNow.Add(-time.Hour), true)
	eng, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	sink := &collectorstest.Sink{Family: "logs", Redactor: eng}
	src := &fileSource{name: "app", globs: []string{"/var/log/app.log*"}, root: root, now: testNow, since: 24 * time.Hour, maxFile: 1 << 20, maxTotal: 1 << 20}
	if err := src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	for _, f := range sink.Files() {
		data, _ := sink.File(f)
		if bytes.Contains(data, []byte("hunter2")) {
			t.Errorf("%s: planted secret survived", f)
		}
	}
	if rep := eng.Report(); rep.Total < 20 {
		t.Errorf("redactions %d, want at least 20 (10 per file)", rep.Total)
	}
}
