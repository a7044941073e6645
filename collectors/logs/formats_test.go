package logs

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
)

// The samples below are generated here, one line shape per family, in the shapes those programs
// write; none is copied from another project.

// zoneX is the "local" zone of the samples: timestamps without a zone are read in it.
var zoneX = time.FixedZone("X", 5*3600)

type familySample struct {
	name   string // test name
	family string // expected detected format (family, or family@position)
	step   time.Duration
	header string                          // lines before the first entry
	line   func(t time.Time, i int) string // one entry; must hold "event <i>;"
}

func familySamples() []familySample {
	x := func(t time.Time) time.Time { return t.In(zoneX) }
	return []familySample{
		{"iis-w3c", "iis-w3c", 10 * time.Minute,
			"#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2026-11-26 00:00:00\n#Fields: date time s-sitename s-ip cs-method cs-uri-stem cs-uri-query s-port c-ip sc-status\n",
			func(t time.Time, i int) string {
				return fmt.Sprintf("%s W3SVC1 198.51.100.4 GET /health - 443 203.0.113.9 200 event %d;\n", t.UTC().Format("2006-01-02 15:04:05"), i)
			}},
		{"windows-cbs", "windows-cbs", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s, Info                  CBS    Session: 30546173_%d initialized by client WindowsUpdateAgent, event %d;\n", x(t).Format("2006-01-02 15:04:05"), 4261722401+i, i)
		}},
		{"wevtutil-text", "wevtutil-text", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("Event[%d]:\n  Log Name: System\n  Source: Service Control Manager\n  Date: %s\n  Event ID: 7036\n  Task: N/A\n  Level: Information\n  Description: \nThe Example service entered the running state, event %d;\n",
				i, t.UTC().Format("2006-01-02T15:04:05.0000000Z"), i)
		}},
		{"iso8601", "iso8601", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s INFO  [worker-2] com.acme.Job - event %d;\n", t.In(time.FixedZone("", -7*3600)).Format("2006-01-02T15:04:05.000-07:00"), i)
		}},
		{"iso8601-comma", "iso8601", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s - INFO  [QuorumPeer:/0:0:0:0:0:0:0:0:2181] - event %d;\n", x(t).Format("2006-01-02 15:04:05,000"), i)
		}},
		{"dashed-dotted", "dashed-dotted", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s R12-M0-N3 RAS KERNEL INFO event %d;\n", x(t).Format("2006-01-02-15.04.05.000000"), i)
		}},
		{"bluegene", "dashed-dotted@field4", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("- %d %s R12-M0-N3-C:J07-U01 %s R12-M0-N3-C:J07-U01 RAS KERNEL INFO event %d;\n",
				t.Unix(), x(t).Format("2006.01.02"), x(t).Format("2006-01-02-15.04.05.000000"), i)
		}},
		{"thunderbird", "epoch@field1", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("- %d %s dn228 %s dn228/dn228 crond[%d]: event %d;\n", t.Unix(), x(t).Format("2006.01.02"), x(t).Format(time.Stamp), 2900+i, i)
		}},
		{"weekday", "weekday", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s <airportd[93]> _processScanResult: event %d;\n", x(t).Format("Mon Jan _2 15:04:05.000"), i)
		}},
		{"dotted", "dotted", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s kernel: event %d;\n", x(t).Format("2006.01.02 15:04:05"), i)
		}},
		{"dotted-date", "dotted-date", 6 * time.Hour, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s node17 kernel: event %d;\n", x(t).Format("2006.01.02"), i)
		}},
		{"syslog-year", "syslog-year", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s router01 %%LINK-3-UPDOWN: Interface Gi0/%d, event %d;\n", x(t).Format("Jan _2 2006 15:04:05"), i%8, i)
		}},
		{"syslog", "syslog", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s gateway sshd[%d]: event %d;\n", x(t).Format(time.Stamp), 2000+i, i)
		}},
		{"syslog-pri", "syslog", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("<13>%s gateway app: event %d;\n", x(t).Format(time.Stamp), i)
		}},
		{"ctime", "ctime", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("[%s] [mpm_event:notice] [pid 42:tid 7] event %d;\n", x(t).Format("Mon Jan 02 15:04:05.000000 2006"), i)
		}},
		{"java-util-logging", "java-util-logging", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s com.acme.Main run\nINFO: event %d;\n", x(t).Format("Jan 2, 2006 3:04:05 PM"), i)
		}},
		{"apache-access", "apache-access@field3", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("192.0.2.%d - alice [%s] \"GET /item/%d HTTP/1.1\" 200 512 \"event %d;\"\n", i%250, t.In(time.FixedZone("", -7*3600)).Format("02/Jan/2006:15:04:05 -0700"), i, i)
		}},
		{"klog", "klog", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("I%s    4242 controller.go:42] event %d;\n", x(t).Format("0102 15:04:05.000000"), i)
		}},
		{"log4j-yy", "log4j-yy", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s INFO executor.Executor: Finished task %d.0 in stage 1.0, event %d;\n", x(t).Format("06/01/02 15:04:05"), i, i)
		}},
		{"compact-hdfs", "compact", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s %d INFO dfs.DataNode$PacketResponder: Received block blk_%d event %d;\n", x(t).Format("060102 150405"), 100+i, 4000+i, i)
		}},
		{"compact-health", "compact", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s|Step_LSC|30002312|onStandStepChanged %d event %d;\n", x(t).Format("20060102-15:04:05:000"), 3000+i, i)
		}},
		{"logcat", "logcat", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%s  1702  %d D WindowManager: event %d;\n", x(t).Format("01-02 15:04:05.000"), 2000+i, i)
		}},
		{"bracketed-time", "bracketed-time", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("[%s] chrome.exe - example.net:443 open through proxy p.example.net:5070 HTTPS, event %d;\n", x(t).Format("01.02 15:04:05"), i)
		}},
		{"windows-event", "windows-event@field1", 10 * time.Minute, "Level,Date and Time,Source,Event ID,Task Category\n", func(t time.Time, i int) string {
			return fmt.Sprintf("Information,%s,Service Control Manager,7036,None,\"The Example service entered the running state, event %d;\"\n", x(t).Format("1/2/2006 3:04:05 PM"), i)
		}},
		{"epoch-seconds", "epoch", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%d.%03d node-a app: event %d;\n", t.Unix(), t.Nanosecond()/1e6, i)
		}},
		{"epoch-millis", "epoch", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("%d node-a app: event %d;\n", t.UnixMilli(), i)
		}},
		{"json-key", "iso8601@key:\"time\":\"", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("{\"level\":\"info\",\"time\":\"%s\",\"msg\":\"event %d;\"}\n", t.UTC().Format(time.RFC3339Nano), i)
		}},
		{"docker-json", "iso8601@key:\"time\":\"", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("{\"log\":\"GET /api/items?page=%d %s event %d;\\n\",\"stream\":\"stdout\",\"time\":\"%s\"}\n", i, strings.Repeat("a", 200), i, t.UTC().Format(time.RFC3339Nano))
		}},
		{"logfmt-end", "iso8601@key:ts=", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("level=info msg=\"event %d; processed batch\" uptime=%d lastts=2017-05-01T10:00:00Z ts=%s\n", i, 1000+i, t.UTC().Format(time.RFC3339))
		}},
		{"level-first", "iso8601@field1", 10 * time.Minute, "", func(t time.Time, i int) string {
			return fmt.Sprintf("INFO  %s worker ready, event %d;\n", x(t).Format("2006-01-02 15:04:05.000"), i)
		}},
	}
}

// collectOne runs a file source over one file and returns the index entry, the bytes collected and
// the collector's error.
func collectOne(t *testing.T, data []byte, mtime time.Time, src *fileSource) (FileEntry, []byte, error) {
	t.Helper()
	root := t.TempDir()
	writeFile(t, root, "var/log/app.log", data, mtime, false)
	src.name, src.globs, src.root = "app", []string{"/var/log/app.log"}, root
	if src.maxFile == 0 {
		src.maxFile, src.maxTotal = 1<<20, 10<<20
	}
	if src.loc == nil {
		src.loc = zoneX
	}
	sink := &collectorstest.Sink{Family: "logs"}
	idx, err := collect(t, src, sink)
	e := entry(t, idx, "/var/log/app.log")
	out, _ := sink.File("logs/app/var/log/app.log")
	return e, out, err
}

func TestFamiliesDetectedAndWindowed(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, s := range familySamples() {
		t.Run(s.name, func(t *testing.T) {
			n := 60
			from := now.Add(-time.Duration(n-1) * s.step)
			var b bytes.Buffer
			b.WriteString(s.header)
			for i := 0; i < n; i++ {
				b.WriteString(s.line(from.Add(time.Duration(i)*s.step), i))
			}
			data := b.Bytes()
			p := &tsParser{ref: now, loc: zoneX}
			f := detectFormat(data, p)
			if f.String() != s.family {
				t.Fatalf("detected %q, want %q; first line %q", f.String(), s.family, firstLine(string(data[len(s.header):])))
			}
			// Every line's time as the family reads it.
			p.format = f
			for i := 0; i < n; i++ {
				line := s.line(from.Add(time.Duration(i)*s.step), i)
				want := from.Add(time.Duration(i) * s.step)
				if f.fam.dateOnly {
					y, m, d := want.In(zoneX).Date()
					want = time.Date(y, m, d, 0, 0, 0, 0, zoneX)
				}
				var got time.Time
				ok := false
				for _, l := range strings.SplitAfter(line, "\n") { // the entry's timestamped line
					if got, ok = p.parse([]byte(l)); ok {
						break
					}
				}
				if !ok || !got.Equal(want.Truncate(time.Millisecond)) && !got.Equal(want) {
					t.Fatalf("line %q: read %v %v, want %v", line, got, ok, want)
				}
			}
			// The window's start: the line 2/3 of the way through (for day-only dates, that
			// line's whole day).
			k := 2 * n / 3
			since := from.Add(time.Duration(k) * s.step)
			first := k
			if f.fam.dateOnly {
				for first > 0 && sameDay(from.Add(time.Duration(first-1)*s.step), since) {
					first--
				}
			}
			e, out, err := collectOne(t, data, now, &fileSource{now: now, since: now.Sub(since)})
			if err != nil {
				t.Fatalf("collect: %v", err)
			}
			if e.Status != "collected" || !e.Timestamps || e.Format != s.family {
				t.Fatalf("entry %+v", e)
			}
			in, out1 := fmt.Sprintf("event %d;", first), fmt.Sprintf("event %d;", first-1)
			if !bytes.Contains(out, []byte(in)) || bytes.Contains(out, []byte(out1)) || !bytes.Contains(out, []byte(fmt.Sprintf("event %d;", n-1))) {
				t.Fatalf("window from %s: want %q and the last line kept, %q left out; got from %q", since, in, out1, firstLine(string(out)))
			}
		})
	}
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.In(zoneX).Date()
	by, bm, bd := b.In(zoneX).Date()
	return ay == by && am == bm && ad == bd
}

// A date inside a message, anywhere in the file, does not move the window.
func TestStrayDateInMessage(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	for i := 0; i < 40; i++ {
		ts := now.Add(-time.Duration(40-i) * time.Minute).In(zoneX).Format(time.Stamp)
		switch i {
		case 0:
			fmt.Fprintf(&b, "%s host app[7]: $Id: x.c,v 1.2 2002/03/24 13:02:28 $ loaded, event %d;\n", ts, i)
		case 20:
			fmt.Fprintf(&b, "%s host app[7]: version 4.1 built 2017-05-01 10:00:00, event %d;\n2017-05-01 10:00:00 continuation line quoting the build\n", ts, i)
		default:
			fmt.Fprintf(&b, "%s host app[7]: event %d;\n", ts, i)
		}
	}
	e, out, err := collectOne(t, b.Bytes(), now, &fileSource{now: now, since: 30 * time.Minute})
	if err != nil || e.Status != "collected" || e.Format != "syslog" {
		t.Fatalf("err %v entry %+v", err, e)
	}
	if !bytes.HasPrefix(out, []byte(now.Add(-30*time.Minute).In(zoneX).Format(time.Stamp))) || !bytes.Contains(out, []byte("event 39;")) {
		t.Fatalf("window moved: kept from %q", firstLine(string(out)))
	}

	// An unstamped file with one such line is kept whole, not dropped as outside the window.
	var u bytes.Buffer
	for i := 0; i < 40; i++ {
		if i == 17 {
			u.WriteString("Component version 4.1 built 2017-05-01 10:00:00 by ci\n")
			continue
		}
		fmt.Fprintf(&u, "worker %d: processing batch %d\n", i%4, i)
	}
	e, out, err = collectOne(t, u.Bytes(), now, &fileSource{now: now, since: time.Hour})
	if e.Status != "collected" || !bytes.Equal(out, u.Bytes()) {
		t.Fatalf("file with a stray date: %+v, %d of %d bytes (%v)", e, len(out), u.Len(), err)
	}
	if want := fmt.Sprintf("no timestamps recognised, kept all %d bytes (tried: ", u.Len()); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("note %v, want %q", err, want)
	}
}

// Several nodes' logs concatenated: the window is found by a linear scan.
func TestOutOfOrderFileScanned(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	for node := 0; node < 3; node++ {
		for i := 0; i < 2000; i++ {
			ts := now.Add(-24 * time.Hour).Add(time.Duration(i) * 43 * time.Second).Truncate(time.Second)
			fmt.Fprintf(&b, "%s node-%d worker: tick %d of node %d %s\n", ts.UTC().Format(time.RFC3339), node, i, node, strings.Repeat("x", 40))
		}
	}
	data := b.Bytes()
	since := now.Add(-2 * time.Hour)
	sp, err := findSpan(bytes.NewReader(data), int64(len(data)), window{since: since}, &tsParser{loc: time.UTC, format: detectFormat(data, &tsParser{loc: time.UTC})})
	if err != nil || !sp.outOfOrder {
		t.Fatalf("span %+v err %v: not detected as out of order", sp, err)
	}
	// The first line in the window, in file order, is node 0's.
	k := 0
	for now.Add(-24 * time.Hour).Add(time.Duration(k) * 43 * time.Second).Before(since) {
		k++
	}
	firstIn := bytes.Index(data, []byte(now.Add(-24*time.Hour).Add(time.Duration(k)*43*time.Second).UTC().Format(time.RFC3339)+" node-0"))
	if sp.start != int64(firstIn) || sp.end != int64(len(data)) {
		t.Fatalf("span [%d, %d), want [%d, %d)", sp.start, sp.end, firstIn, len(data))
	}
	e, out, err := collectOne(t, data, now, &fileSource{now: now, since: 2 * time.Hour, maxFile: 1 << 30, maxTotal: 1 << 30})
	if err != nil || !e.OutOfOrder || !bytes.Equal(out, data[firstIn:]) {
		t.Fatalf("err %v entry %+v, kept %d bytes from %q", err, e, len(out), firstLine(string(out)))
	}
	for node := 0; node < 3; node++ {
		if !bytes.Contains(out, []byte(fmt.Sprintf("tick 1999 of node %d", node))) {
			t.Errorf("node %d's newest line left out", node)
		}
	}

	// In order, the same lines are found by binary search.
	var o bytes.Buffer
	for i := 0; i < 6000; i++ {
		ts := now.Add(-24 * time.Hour).Add(time.Duration(i) * 14 * time.Second)
		fmt.Fprintf(&o, "%s node-0 worker: tick %d\n", ts.UTC().Format(time.RFC3339), i)
	}
	sp, err = findSpan(bytes.NewReader(o.Bytes()), int64(o.Len()), window{since: since}, &tsParser{loc: time.UTC, format: detectFormat(o.Bytes(), &tsParser{loc: time.UTC})})
	if err != nil || sp.outOfOrder {
		t.Fatalf("in-order file: %+v %v", sp, err)
	}
}

// No format recognised: the collector is partial with a note, keeps the newest part within the
// cap and records the formats tried.
func TestUnrecognisedTimestamps(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&b, "@@%d~~ opaque record %d %s\n", 7*i, i, strings.Repeat("q", 30))
	}
	data := b.Bytes()
	e, out, err := collectOne(t, data, now, &fileSource{now: now, since: time.Hour, maxFile: 4096, maxTotal: 1 << 20})
	if !collectors.IsPartial(err) {
		t.Fatalf("err %v, want partial", err)
	}
	want := fmt.Sprintf("/var/log/app.log: no timestamps recognised, kept the newest %d of %d bytes (tried: %s)", len(out), len(data), strings.Join(familyNames(), ", "))
	if !strings.Contains(err.Error(), want) {
		t.Errorf("note %q, want %q", err, want)
	}
	if e.Status != "collected" || e.Timestamps || e.Format != "" || len(e.FormatsTried) != len(families) || !e.Truncated {
		t.Errorf("entry %+v", e)
	}
	if len(out) == 0 || len(out) > 4096 || !bytes.HasSuffix(data, out) || out[0] != '@' {
		t.Errorf("kept %d bytes, want the newest whole lines within 4096", len(out))
	}
}

// Absolute since and until: lines after until are left out, in plain and compressed files and in
// files not in time order.
func TestSinceUntilAbsolute(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	from := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	for i := 0; i < 36*60; i++ {
		fmt.Fprintf(&b, "%s app: minute %d;\n", from.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i)
		if i%50 == 0 {
			b.WriteString("\tat com.acme.Loop.run(Loop.java:12)\n")
		}
	}
	data := b.Bytes()
	since := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	until := time.Date(2026, 11, 30, 9, 30, 0, 0, time.UTC)
	start := bytes.Index(data, []byte(since.Format(time.RFC3339)))
	end := bytes.Index(data, []byte(until.Add(time.Minute).Format(time.RFC3339)))
	want := data[start:end]
	for _, gz := range []bool{false, true} {
		root := t.TempDir()
		writeFile(t, root, "app.log", data, now, gz)
		src := &fileSource{name: "app", globs: []string{"/app.log"}, root: root, now: now, since: time.Hour,
			sinceAt: since, until: until, maxFile: 1 << 30, maxTotal: 1 << 30, loc: time.UTC}
		sink := &collectorstest.Sink{Family: "logs"}
		idx, err := collect(t, src, sink)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := sink.File("logs/app/app.log")
		e := entry(t, idx, "/app.log")
		if !bytes.Equal(got, want) || e.Seen != int64(len(want)) || e.Truncated || !idx.Until.Equal(until) || !idx.Since.Equal(since) {
			t.Errorf("gz %v: kept %d bytes from %q to %q, want %d; entry %+v", gz, len(got), firstLine(string(got)), lastLine(got), len(want), e)
		}
	}
	// Linear scan agrees.
	p := &tsParser{loc: time.UTC}
	p.format = detectFormat(data, p)
	sp, total, err := scanSpan(bytes.NewReader(data), window{since: since, until: until}, p, true)
	if err != nil || sp.start != int64(start) || sp.end != int64(end) || total != int64(len(data)) {
		t.Errorf("scanSpan %+v total %d, want [%d, %d)", sp, total, start, end)
	}
	// A window that ends before the file starts keeps nothing.
	e, out, _ := collectOne(t, data, now, &fileSource{now: now, sinceAt: from.Add(-2 * time.Hour), until: from.Add(-time.Hour), loc: time.UTC})
	if e.Status != "outside_window" || len(out) != 0 {
		t.Errorf("window before the file: %+v, %d bytes", e, len(out))
	}
}

func lastLine(b []byte) string {
	b = bytes.TrimRight(b, "\n")
	return string(b[bytes.LastIndexByte(b, '\n')+1:])
}

// Years missing: taken from the file's modification time, across the December-January turn.
func TestYearInferredAcrossNewYear(t *testing.T) {
	mtime := time.Date(2027, 1, 2, 3, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	start := time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 80; i++ {
		ts := start.Add(time.Duration(i) * time.Hour)
		fmt.Fprintf(&b, "%s host cron[1]: hour %d;\n", ts.Format(time.Stamp), i)
	}
	data := b.Bytes()
	p := &tsParser{ref: mtime, loc: time.UTC}
	p.format = detectFormat(data, p)
	for _, c := range []struct {
		line string
		want time.Time
	}{
		{"Dec 31 23:00:00 host x", time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)},
		{"Jan  1 00:30:00 host x", time.Date(2027, 1, 1, 0, 30, 0, 0, time.UTC)},
		{"Jan  2 04:00:00 host x", time.Date(2027, 1, 2, 4, 0, 0, 0, time.UTC)}, // within a day of the mtime
	} {
		if got, ok := p.parse([]byte(c.line)); !ok || !got.Equal(c.want) {
			t.Errorf("%q: %v %v, want %v", c.line, got, ok, c.want)
		}
	}
	logcat := &tsParser{ref: mtime, loc: time.UTC, format: &tsFormat{fam: familyByName("logcat")}}
	if got, _ := logcat.parse([]byte("12-31 23:59:59.500  1702  2395 D X: y")); got.Year() != 2026 {
		t.Errorf("logcat Dec 31 with a January mtime: %v", got)
	}
	// Collected with a window across the turn: Dec 31 20:00 onwards.
	now := mtime
	e, out, err := collectOne(t, data, mtime, &fileSource{now: now, sinceAt: time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC), loc: time.UTC})
	if err != nil || !bytes.HasPrefix(out, []byte("Dec 31 20:00:00")) || !bytes.Contains(out, []byte("Jan  2 02:00:00")) {
		t.Fatalf("err %v entry %+v; kept from %q", err, e, firstLine(string(out)))
	}
}

func familyByName(name string) *tsFamily {
	for _, f := range families {
		if f.name == name {
			return f
		}
	}
	return nil
}

// Each family on its own lines, without detection context, for lines that look alike.
func TestFamilyParsersRejectNearMisses(t *testing.T) {
	p := &tsParser{ref: testNow, loc: time.UTC}
	for _, c := range []struct{ family, line string }{
		{"epoch", "1234567 short id"},
		{"epoch", "17000000001 eleven digits"},
		{"epoch", "99999999999999 too long"},
		{"dotted-date", "2005.06.031 version"},
		{"dotted-date", "1.2.3.4 an address"},
		{"compact", "0811099 203615"},
		{"compact", "081309 203615 month 13"},
		{"logcat", "13-17 16:13:38.811"},
		{"windows-event", "13/27/2026 10:00:00 AM"},
		{"log4j-yy", "17/13/09 20:10:40"},
		{"windows-cbs", "2016-09-28 04:30:30 Info no comma"},
		{"iis-w3c", "2016-09-28T04:30:30Z"},
		{"syslog", "Nov 32 10:00:00 x"},
		{"bracketed-time", "10.30 25:49:06"},
	} {
		if got, ok := familyByName(c.family).parse(p, []byte(c.line)); ok {
			t.Errorf("%s read %q as %v", c.family, c.line, got)
		}
	}
}

func TestDetectNeedsEnoughLines(t *testing.T) {
	p := &tsParser{loc: time.UTC}
	if f := detectFormat([]byte("2026-11-27T10:00:00Z one line\n"), p); f.String() != "iso8601" {
		t.Errorf("one-line file: %q", f.String())
	}
	var b bytes.Buffer
	for i := 0; i < 50; i++ {
		if i == 10 || i == 30 {
			b.WriteString("release 2017-05-01 10:00:00 notes\n")
		}
		b.WriteString("free text without any time\n")
	}
	if f := detectFormat(b.Bytes(), p); f != nil {
		t.Errorf("two stray dates among 50 lines made the format %q", f)
	}
}

func BenchmarkDetectFormat(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&buf, "%s host acme[42]: req=%d status=200 %s\n", testNow.Add(time.Duration(i)*time.Second).Format(time.RFC3339), i, strings.Repeat("p", 80))
	}
	data := buf.Bytes()
	p := &tsParser{loc: time.UTC}
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		detectFormat(data, p)
	}
}

// A banner or dump at the top: the format is found further in the head, or in the tail.
func TestDetectPastBanner(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, bannerLines := range []int{70, 3000} {
		var b bytes.Buffer
		for i := 0; i < bannerLines; i++ {
			fmt.Fprintf(&b, "config.option%d = value %d\n", i, i)
		}
		for i := 0; i < 600; i++ {
			fmt.Fprintf(&b, "%s INFO worker event %d;\n", now.Add(-time.Duration(600-i)*time.Minute).In(zoneX).Format("2006-01-02 15:04:05,000"), i)
		}
		e, out, err := collectOne(t, b.Bytes(), now, &fileSource{now: now, since: 2 * time.Hour})
		if err != nil || e.Format != "iso8601" || !bytes.Contains(out, []byte("event 480;")) || bytes.Contains(out, []byte("event 479;")) {
			t.Errorf("banner of %d lines: err %v entry %+v, kept from %q", bannerLines, err, e, firstLine(string(out)))
		}
	}
}

// BenchmarkParseDetected reads lines with their file's detected format (what probes and scans do).
func BenchmarkParseDetected(b *testing.B) {
	lines := [][]byte{
		[]byte("2026-11-27T10:38:54.250+01:00 x"),
		[]byte("Nov 27 10:38:54 host sshd[12]: Accepted"),
		[]byte(`192.0.2.7 - - [27/Nov/2026:10:38:54 +0100] "GET / HTTP/1.1" 200 12`),
	}
	ps := make([]*tsParser, len(lines))
	for i, l := range lines {
		ps[i] = &tsParser{ref: testNow, loc: time.UTC}
		ps[i].format = detectFormat(append(append([]byte{}, l...), append([]byte("\n"), l...)...), ps[i])
		if ps[i].format == nil {
			b.Fatalf("%q: no format", l)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ps[i%3].parse(lines[i%3])
	}
}

// collectors.Options.SinceTime and Until reach every file source and the window of the others.
func TestOptionsSinceTimeUntil(t *testing.T) {
	since := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	until := time.Date(2026, 11, 30, 9, 30, 0, 0, time.UTC)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	opts := collectors.Options{Root: t.TempDir(), Now: now, SinceTime: since, Until: until, Logs: []string{"/x/*.log"}}
	cs, err := Collectors(opts)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cs {
		if fs, ok := c.(*fileSource); ok {
			n++
			if !fs.sinceAt.Equal(since) || !fs.until.Equal(until) {
				t.Errorf("%s: window [%v, %v]", c.Name(), fs.sinceAt, fs.until)
			}
		}
	}
	if n == 0 {
		t.Fatal("no file sources")
	}
	if got := windowStartOf(opts); !got.Equal(since) {
		t.Errorf("windowStartOf %v", got)
	}
	if got := windowOf(opts); got != now.Sub(since) {
		t.Errorf("windowOf %v, want %v", got, now.Sub(since))
	}
}
