package logs

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
	"github.com/casefile/casefile/internal/testenv"
	"github.com/casefile/casefile/spec"
)

var testNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

type lineFmt func(t time.Time, i int) string

var (
	rfc3339Fmt lineFmt = func(t time.Time, i int) string {
		return fmt.Sprintf("%s app[42]: request %d done token=abc%d\n", t.UTC().Format(time.RFC3339Nano), i, i)
	}
	log4jFmt lineFmt = func(t time.Time, i int) string {
		s := fmt.Sprintf("%s INFO  [main] com.acme.App - event %d\n", t.In(time.Local).Format("2006-01-02 15:04:05,000"), i)
		if i%17 == 0 {
			s += "java.lang.IllegalStateException: boom\n\tat com.acme.App.run(App.java:42)\n"
		}
		return s
	}
	syslogFmt lineFmt = func(t time.Time, i int) string {
		return fmt.Sprintf("%s host acme[7]: tick %d\n", t.In(time.Local).Format(time.Stamp), i)
	}
	accessFmt lineFmt = func(t time.Time, i int) string {
		return fmt.Sprintf("192.0.2.%d - - [%s] \"GET /api/%d HTTP/1.1\" 200 512 \"-\" \"curl/8\"\n", i%250, t.Format("02/Jan/2006:15:04:05 -0700"), i)
	}
)

// genLines renders one line per step from..to.
func genLines(from, to time.Time, step time.Duration, f lineFmt) []byte {
	var b bytes.Buffer
	i := 0
	for ts := from; ts.Before(to); ts = ts.Add(step) {
		b.WriteString(f(ts, i))
		i++
	}
	return b.Bytes()
}

func writeFile(t *testing.T, root, rel string, data []byte, mtime time.Time, gz bool) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	out := data
	if gz {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		out = z.Bytes()
	}
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// windowOfData is the reference cut: from the first timestamped line inside the window.
func windowOfData(data []byte, since, ref time.Time) []byte {
	return data[linearWindowStart(data, since, &tsParser{ref: ref, loc: time.Local}):]
}

type fixture struct {
	root  string
	files map[string][]byte // rel path -> uncompressed content
}

// acmeTree builds /var/log/acme with the current log, a plain and two compressed rotations, an
// access log older than the window at its start, a huge line, a binary file and an xz file
// reaching back past the window.
func acmeTree(t *testing.T) fixture {
	root := t.TempDir()
	fx := fixture{root: root, files: map[string][]byte{}}
	add := func(rel string, data []byte, mtime time.Time, gz bool) {
		writeFile(t, root, rel, data, mtime, gz)
		fx.files[rel] = data
	}
	h := time.Hour
	add("var/log/acme/app.log", genLines(testNow.Add(-6*h), testNow, 7*time.Second, log4jFmt), testNow, false)
	add("var/log/acme/app.log.1", genLines(testNow.Add(-12*h), testNow.Add(-6*h), 11*time.Second, syslogFmt), testNow.Add(-6*h), false)
	add("var/log/acme/app.log.2.gz", genLines(testNow.Add(-30*h), testNow.Add(-12*h), 13*time.Second, rfc3339Fmt), testNow.Add(-12*h), true)
	add("var/log/acme/app.log.3.gz", genLines(testNow.Add(-48*h), testNow.Add(-30*h), 13*time.Second, rfc3339Fmt), testNow.Add(-30*h), true)
	// zstd and bzip2 rotations of another log, made with the real tools when installed.
	add("var/log/acme/worker.log", genLines(testNow.Add(-2*h), testNow, 5*time.Second, rfc3339Fmt), testNow, false)
	for _, z := range []struct{ tool, ext, rm string }{{"zstd", ".zst", "--rm"}, {"bzip2", ".bz2", "-z"}} {
		if _, err := exec.LookPath(z.tool); err != nil {
			// Optional on a laptop (the rest of the fixture still runs); .ci/run installs it.
			if testenv.Strict() {
				testenv.NeedTool(t, z.tool)
			}
			continue
		}
		rel := "var/log/acme/worker.log-2026112" + map[string]string{".zst": "7", ".bz2": "6"}[z.ext]
		from := map[string]time.Duration{".zst": 26 * h, ".bz2": 50 * h}[z.ext]
		data := genLines(testNow.Add(-from), testNow.Add(-from+24*h), 9*time.Second, accessFmt)
		writeFile(t, root, rel, data, testNow, false)
		if out, err := exec.Command(z.tool, "-q", z.rm, filepath.Join(root, rel)).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v %s", z.tool, err, out)
		}
		mt := testNow.Add(-from + 24*h)
		os.Chtimes(filepath.Join(root, rel+z.ext), mt, mt)
		fx.files[rel+z.ext] = data
	}
	add("var/log/acme/access.log", genLines(testNow.Add(-26*h), testNow, 3*time.Second, accessFmt), testNow.Add(-time.Minute), false)
	long := append(genLines(testNow.Add(-30*h), testNow.Add(-29*h), time.Minute, rfc3339Fmt), "2026-11-26T07:00:00Z old huge "+strings.Repeat("o", 3<<20)+"\n"...)
	long = append(long, genLines(testNow.Add(-2*h), testNow.Add(-h), time.Minute, rfc3339Fmt)...)
	long = append(long, "2026-11-27T11:30:00Z new huge "+strings.Repeat("n", 3<<19)+"\n"...)
	long = append(long, "\tcontinuation of the huge line\n"...)
	add("var/log/acme/huge.log", long, testNow, false)
	bin := make([]byte, 64<<10)
	for i := range bin {
		bin[i] = byte(i * 31)
	}
	add("var/log/acme/core.bin", bin, testNow, false)
	old := genLines(testNow.Add(-30*h), testNow.Add(-20*h), 17*time.Second, rfc3339Fmt)
	writeFile(t, root, "var/log/acme/old.log.xz", collectorstest.XZ(t, old), testNow.Add(-20*h), false)
	fx.files["var/log/acme/old.log.xz"] = old
	if err := os.MkdirAll(filepath.Join(root, "var/log/acme/archive.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	return fx
}

func collect(t *testing.T, c collectors.Collector, sink *collectorstest.Sink) (Index, error) {
	t.Helper()
	err := c.Collect(context.Background(), sink)
	var idx Index
	if jerr := sink.JSON("logs/"+strings.TrimPrefix(c.Name(), "logs.")+".json", &idx); jerr != nil && err == nil {
		t.Fatalf("index: %v", jerr)
	}
	return idx, err
}

func entry(t *testing.T, idx Index, source string) FileEntry {
	t.Helper()
	for _, e := range idx.Files {
		if e.Source == source {
			return e
		}
	}
	t.Fatalf("no index entry for %s in %+v", source, idx.Files)
	return FileEntry{}
}

func TestFixtureTreeWindowRotationsFormats(t *testing.T) {
	fx := acmeTree(t)
	opts := collectors.Options{Root: fx.root, Now: testNow, Spec: &spec.Spec{Logs: []spec.LogSource{
		{Name: "acme", Paths: []string{"/var/log/acme/*"}, Since: spec.Duration(24 * time.Hour)},
	}}}
	cs, err := Collectors(opts)
	if err != nil {
		t.Fatal(err)
	}
	if cs[0].Name() != "logs.acme" || cs[0].Family() != collectors.FamilyLogs {
		t.Fatalf("first collector %s/%s, want logs.acme/logs", cs[0].Name(), cs[0].Family())
	}
	sink := &collectorstest.Sink{Family: "logs"}
	idx, err := collect(t, cs[0], sink)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	since := testNow.Add(-24 * time.Hour)
	// Newest first: every current file, then first rotations, then second ...
	var order []string
	for _, e := range idx.Files {
		order = append(order, e.Source)
	}
	wantOrder := []string{"/var/log/acme/access.log", "/var/log/acme/app.log", "/var/log/acme/core.bin",
		"/var/log/acme/huge.log", "/var/log/acme/old.log.xz", "/var/log/acme/worker.log", "/var/log/acme/app.log.1",
		"/var/log/acme/worker.log-20261127.zst", "/var/log/acme/app.log.2.gz", "/var/log/acme/worker.log-20261126.bz2",
		"/var/log/acme/app.log.3.gz"}
	if strings.Join(order, " ") != strings.Join(wantOrder, " ") {
		t.Errorf("order\n got %v\nwant %v", order, wantOrder)
	}

	checks := []struct {
		rel, out, status string
		cut              bool // the window cuts the file (timestamps used)
	}{
		{"var/log/acme/app.log", "logs/acme/var/log/acme/app.log", "collected", false},
		{"var/log/acme/app.log.1", "logs/acme/var/log/acme/app.log.1", "collected", false},
		{"var/log/acme/app.log.2.gz", "logs/acme/var/log/acme/app.log.2", "collected", true},
		{"var/log/acme/access.log", "logs/acme/var/log/acme/access.log", "collected", true},
		{"var/log/acme/huge.log", "logs/acme/var/log/acme/huge.log", "collected", true},
		{"var/log/acme/app.log.3.gz", "", "outside_window", false},
		{"var/log/acme/worker.log-20261127.zst", "logs/acme/var/log/acme/worker.log-20261127", "collected", true},
		{"var/log/acme/worker.log-20261126.bz2", "", "outside_window", false},
		{"var/log/acme/core.bin", "", "binary", false},
		{"var/log/acme/old.log.xz", "logs/acme/var/log/acme/old.log", "collected", true},
	}
	for _, c := range checks {
		if fx.files[c.rel] == nil {
			t.Logf("%s not made (tool missing)", c.rel)
			continue
		}
		e := entry(t, idx, "/"+c.rel)
		if e.Status != c.status || e.Path != c.out {
			t.Errorf("%s: status %q path %q, want %q %q (%s)", c.rel, e.Status, e.Path, c.status, c.out, e.Reason)
			continue
		}
		if c.out == "" {
			if _, ok := sink.File("logs/acme/" + c.rel); ok {
				t.Errorf("%s: written although %s", c.rel, c.status)
			}
			continue
		}
		got, _ := sink.File(c.out)
		ref := testNow
		if c.rel == "var/log/acme/app.log.1" {
			ref = testNow.Add(-6 * time.Hour)
		}
		want := windowOfData(fx.files[c.rel], since, ref)
		if c.cut == (len(want) == len(fx.files[c.rel])) {
			t.Errorf("%s: fixture does not exercise the window as intended", c.rel)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: collected %d bytes, want the %d bytes from the window start (first line %q)", c.rel, len(got), len(want), firstLine(string(got)))
		}
		if e.Kept != int64(len(want)) || e.Seen != int64(len(want)) || e.Truncated {
			t.Errorf("%s: kept %d seen %d truncated %v, want %d uncut", c.rel, e.Kept, e.Seen, e.Truncated, len(want))
		}
		if _, _, ok := sink.Truncated(c.out); ok {
			t.Errorf("%s: SetTruncated called for an uncut file", c.rel)
		}
	}
	// The huge in-window line is whole, the huge old one is gone, its continuation stays.
	got, _ := sink.File("logs/acme/var/log/acme/huge.log")
	if !bytes.Contains(got, []byte(strings.Repeat("n", 3<<19)+"\n\tcontinuation")) || bytes.Contains(got, []byte("old huge")) {
		t.Error("huge.log: long lines not handled")
	}
}

func TestCapsKeepNewestPart(t *testing.T) {
	fx := acmeTree(t)
	const fileCap = 64 << 10
	src := &fileSource{name: "acme", globs: []string{"/var/log/acme/app.log*"}, root: fx.root, now: testNow,
		since: 24 * time.Hour, maxFile: fileCap, maxTotal: 160 << 10}
	sink := &collectorstest.Sink{Family: "logs"}
	idx, err := collect(t, src, sink)
	if err != nil {
		t.Fatal(err)
	}
	budget := headroom(160<<10) - 3*indexEntrySize
	since := testNow.Add(-24 * time.Hour)
	for _, rel := range []string{"var/log/acme/app.log", "var/log/acme/app.log.1", "var/log/acme/app.log.2.gz"} {
		e := entry(t, idx, "/"+rel)
		ref := testNow
		if strings.HasSuffix(rel, ".1") {
			ref = testNow.Add(-6 * time.Hour)
		}
		window := windowOfData(fx.files[rel], since, ref)
		limit := min(int64(fileCap), budget)
		if budget <= 0 {
			if e.Status != "cap_reached" {
				t.Errorf("%s: status %s, want cap_reached", rel, e.Status)
			}
			continue
		}
		got, _ := sink.File(e.Path)
		if e.Status != "collected" || int64(len(got)) > limit || len(got) < int(limit)-4096 {
			t.Fatalf("%s: status %s, %d bytes, want collected with at most %d (and close to it)", rel, e.Status, len(got), limit)
		}
		if !bytes.HasSuffix(window, got) || window[len(window)-len(got)-1] != '\n' {
			t.Errorf("%s: collected part is not the newest whole lines of the window", rel)
		}
		kept, seen, ok := sink.Truncated(e.Path)
		if !ok || kept != int64(len(got)) || seen != int64(len(window)) || !e.Truncated || e.Seen != seen || e.Kept != kept {
			t.Errorf("%s: truncation recorded (%d, %d, %v), entry %+v; want (%d, %d)", rel, kept, seen, ok, e, len(got), len(window))
		}
		budget -= int64(len(got))
	}
	if budget < 0 || budget > 4096 {
		t.Errorf("%d bytes of the collector cap left unused or overdrawn", budget)
	}
}

func TestCollectorCapReached(t *testing.T) {
	root := t.TempDir()
	line := func(ts time.Time, i int) string { // exactly 100 bytes
		s := fmt.Sprintf("%s n=%04d ", ts.UTC().Format(time.RFC3339), i)
		return s + strings.Repeat("c", 99-len(s)) + "\n"
	}
	for i, name := range []string{"a.log", "b.log", "c.log"} {
		writeFile(t, root, name, genLines(testNow.Add(-time.Hour), testNow, time.Minute, line), testNow.Add(-time.Duration(i)*time.Second), false)
	}
	// headroom(3650) = 3536, less 3 index entries of 512 = 2000: two files of 1000 bytes use it all.
	src := &fileSource{name: "abc", globs: []string{"/*.log"}, root: root, now: testNow, since: 24 * time.Hour, maxFile: 1000, maxTotal: 3650}
	sink := &collectorstest.Sink{Family: "logs"}
	idx, err := collect(t, src, sink)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"collected", "collected", "cap_reached"} {
		e := idx.Files[i]
		if e.Status != want {
			t.Errorf("%s: %s, want %s", e.Source, e.Status, want)
		}
		if want == "collected" && (e.Kept != 1000 || e.Seen != 6000 || !e.Truncated) {
			t.Errorf("%s: kept %d seen %d, want the last 1000 of 6000", e.Source, e.Kept, e.Seen)
		}
	}
	if _, ok := sink.File("logs/abc/c.log"); ok {
		t.Error("c.log written past the collector cap")
	}
}

func TestSinkCapGetsHeadroom(t *testing.T) {
	fx := acmeTree(t)
	src := &fileSource{name: "acme", globs: []string{"/var/log/acme/access.log"}, root: fx.root, now: testNow,
		since: 24 * time.Hour, maxFile: 10 << 20, maxTotal: 100 << 20}
	sink := &collectorstest.Sink{Family: "logs", MaxFile: 512 << 10}
	idx, err := collect(t, src, sink)
	if err != nil {
		t.Fatal(err)
	}
	e := idx.Files[0]
	if !e.Truncated || e.Kept > headroom(512<<10) {
		t.Fatalf("kept %d of %d with a 512KiB sink cap, want at most %d", e.Kept, e.Seen, headroom(512<<10))
	}
}

func TestGrowingFile(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "grow.log")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	now := time.Now()
	bw := bufio.NewWriter(f)
	for i := 0; i < 200000; i++ {
		fmt.Fprintf(bw, "%s seq=%d %s\n", now.Add(-time.Hour).UTC().Format(time.RFC3339), i, strings.Repeat("g", 40))
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	// A writer keeps appending while the collector reads.
	stop := make(chan struct{})
	started := make(chan struct{})
	done := make(chan int)
	go func() {
		i := 200000
		for {
			select {
			case <-stop:
				done <- i
				return
			default:
			}
			// One write per line, as a logger does.
			fmt.Fprintf(f, "%s seq=%d %s\n", time.Now().UTC().Format(time.RFC3339), i, strings.Repeat("g", 40))
			i++
			if i == 201000 {
				close(started)
			}
		}
	}()
	<-started
	src := &fileSource{name: "grow", globs: []string{"/grow.log"}, root: root, now: now, since: 24 * time.Hour,
		maxFile: 64 << 20, maxTotal: 100 << 20}
	sink := &collectorstest.Sink{Family: "logs", MaxFile: 100 << 20}
	idx, err := collect(t, src, sink)
	close(stop)
	written := <-done
	if err != nil {
		t.Fatal(err)
	}
	e := idx.Files[0]
	got, _ := sink.File(e.Path)
	if e.Status != "collected" || int64(len(got)) != e.Size || e.Kept != e.Size {
		t.Fatalf("status %s, got %d bytes, index size %d kept %d: want the file as it was when opened", e.Status, len(got), e.Size, e.Kept)
	}
	if !bytes.HasSuffix(got, []byte("\n")) {
		t.Error("collected part ends inside a line")
	}
	lines := bytes.Split(bytes.TrimSuffix(got, []byte("\n")), []byte("\n"))
	for i, l := range lines {
		if !bytes.Contains(l, []byte(fmt.Sprintf("seq=%d ", i))) {
			t.Fatalf("line %d is %q: lines out of sequence", i, l)
		}
	}
	if len(lines) < 201000 || len(lines) > written {
		t.Fatalf("%d lines collected; %d were written before the read began and %d in all", len(lines), 201000, written)
	}
	t.Logf("%d lines collected while %d were written", len(lines), written)
}

func TestMissingSourceSkipped(t *testing.T) {
	src := &fileSource{name: "none", globs: []string{"/nope/*.log"}, root: t.TempDir(), now: testNow, since: time.Hour, maxFile: 1 << 20, maxTotal: 1 << 20}
	err := src.Collect(context.Background(), &collectorstest.Sink{})
	if !collectors.IsSkip(err) || !strings.Contains(err.Error(), "/nope/*.log") {
		t.Fatalf("got %v, want a skip naming the glob", err)
	}
}

func TestCollectorsFromOptions(t *testing.T) {
	opts := collectors.Options{Root: t.TempDir(), Now: testNow, Logs: []string{"/opt/app/logs/*.log"}, Spec: &spec.Spec{
		Collectors: spec.CollectorsCfg{MaxFileSize: 1 << 20, MaxCollectorSize: 5 << 20},
		Logs: []spec.LogSource{
			{Name: "app", Paths: []string{"/var/log/app/*.log"}, Since: spec.Duration(2 * time.Hour), MaxFileSize: 2 << 20},
			{Name: "syslog", Paths: []string{"/srv/syslog"}},
			{Name: "extra", Paths: []string{"/x"}},
		},
	}}
	cs, err := Collectors(opts)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]collectors.Collector{}
	for _, c := range cs {
		if byName[c.Name()] != nil {
			t.Fatalf("two collectors named %s", c.Name())
		}
		byName[c.Name()] = c
	}
	app, ok := byName["logs.app"].(*fileSource)
	if !ok || app.since != 2*time.Hour || app.maxFile != 2<<20 || app.maxTotal != 5<<20 {
		t.Fatalf("logs.app = %+v", byName["logs.app"])
	}
	if sys := byName["logs.syslog"].(*fileSource); sys.globs[0] != "/srv/syslog" {
		t.Errorf("the spec's syslog source should replace the default one, got %v", sys.globs)
	}
	cli, ok := byName["logs.extra-cli"].(*fileSource)
	if !ok || cli.globs[0] != "/opt/app/logs/*.log" || cli.since != spec.DefaultLogSince || cli.maxFile != 1<<20 {
		t.Fatalf("--log collector = %+v", byName["logs.extra-cli"])
	}
	// --since overrides every source.
	opts.Since = 30 * time.Minute
	cs, _ = Collectors(opts)
	for _, c := range cs {
		if fs, ok := c.(*fileSource); ok && fs.since != 30*time.Minute {
			t.Errorf("%s: since %s, want --since 30m", c.Name(), fs.since)
		}
	}
}

func TestOrderRotations(t *testing.T) {
	mk := func(rel string, age time.Duration) *hostFile { return &hostFile{rel: rel, modTime: testNow.Add(-age)} }
	files := []*hostFile{
		mk("/l/syslog.2.gz", 3*time.Hour), mk("/l/syslog", 0), mk("/l/syslog.10.gz", 30*time.Hour),
		mk("/l/syslog.1", time.Hour), mk("/l/app-20261125.log", 48*time.Hour), mk("/l/app.log", 0),
		mk("/l/app-20261126.log", 24*time.Hour), mk("/l/app.log-2026-11-24.gz", 72*time.Hour),
	}
	order(files)
	var got []string
	for _, f := range files {
		got = append(got, f.rel)
	}
	want := "/l/app.log /l/syslog /l/app-20261126.log /l/syslog.1 /l/app-20261125.log /l/syslog.2.gz /l/app.log-2026-11-24.gz /l/syslog.10.gz"
	if strings.Join(got, " ") != want {
		t.Errorf("order\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestGlobShapes(t *testing.T) {
	dir := t.TempDir()
	lines := genLines(testNow.Add(-time.Hour), testNow, time.Minute, rfc3339Fmt)
	writeFile(t, dir, "nginx/access.log", lines, testNow, false)
	writeFile(t, dir, "nginx/error.log", lines, testNow, false)
	writeFile(t, dir, "nginx/sub/deeper.log", lines, testNow, false)
	writeFile(t, dir, `odd\name.log`, lines, testNow, false)
	t.Chdir(dir)
	// A folder without glob characters means the files in it; a relative glob is named by its
	// absolute path; a backslash in a Unix file name does not reach the bundle path.
	src := &fileSource{name: "shapes", globs: []string{filepath.Join(dir, "nginx"), "odd*"}, root: "/", now: testNow,
		since: 24 * time.Hour, maxFile: 1 << 20, maxTotal: 10 << 20}
	sink := &collectorstest.Sink{Family: "logs"}
	idx, err := collect(t, src, sink)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range idx.Files {
		paths = append(paths, e.Path)
	}
	base := "logs/shapes/" + strings.TrimPrefix(filepath.ToSlash(dir), "/")
	want := []string{base + "/nginx/access.log", base + "/nginx/error.log"}
	if filepath.Separator == '/' {
		want = append(want, base+"/odd_name.log")
	}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("paths\n got %v\nwant %v", paths, want)
	}
}
