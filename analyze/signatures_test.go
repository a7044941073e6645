package analyze

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTemplate(t *testing.T) {
	for in, want := range map[string]string{
		`connect to 10.1.2.3:5432 failed after 3 attempts`:                       `connect to <ip> failed after <n> attempts`,
		`request 7f9c2d1e-8b3a-4c5d-9e6f-0a1b2c3d4e5f for user "alice" rejected`: `request <uuid> for user "<*>" rejected`,
		`bad frame at 0xdeadbeef, checksum 9f86d081884c7d65`:                     `bad frame at <hex>, checksum <hex>`,
		`open /var/lib/acme/cache/42/blob-9.bin: no space left on device`:        `open /var/lib/acme/cache/<*>/<*>: no space left on device`,
		`job req-88af31x timed out after 1.5s on [fe80::1]:8443`:                 `job req-<id> timed out after <n>s on <ip>`,
		`token [REDACTED:github-token] rejected for id 12`:                       `token [REDACTED:github-token] rejected for id <n>`,
		`peer 2001:db8::7 sent 'bye'`:                                            `peer <ip> sent "<*>"`,
	} {
		if got := Template(in); got != want {
			t.Errorf("Template(%q)\n got %q\nwant %q", in, got, want)
		}
	}
	if Template(`db timeout after 31ms on 10.0.0.1`) != Template(`db timeout after 5ms on 10.0.0.9`) {
		t.Error("two entries of one kind give two templates")
	}
}

// genLog writes n entries: format(i, t) for a time that advances step each entry.
func genLog(start time.Time, step time.Duration, n int, format func(i int, t time.Time) string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(format(i, start.Add(time.Duration(i)*step)))
		b.WriteByte('\n')
	}
	return b.String()
}

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func TestSignaturesSyntaxes(t *testing.T) {
	files := map[string]string{
		"manifest.json": `{"created_at": "2026-11-27T12:00:00Z"}`,
		// syslog: level from the priority and from "error:" words.
		"logs/syslog/var/log/syslog": genLog(t0, time.Second, 6, func(i int, ts time.Time) string {
			if i%2 == 0 {
				return ts.Format("Jan _2 15:04:05") + fmt.Sprintf(" web1 acme[%d]: error: upstream 10.0.0.%d:80 closed connection", 100+i, i)
			}
			return ts.Format("Jan _2 15:04:05") + " web1 acme[99]: started worker"
		}) + "<28>" + t0.Add(time.Hour).Format("Jan _2 15:04:05") + " web1 kernel: disk sda nearly full\n",
		// JSON lines: level and msg keys, RFC 3339 and epoch times.
		"logs/app/var/log/acme/app.json": genLog(t0, time.Second, 4, func(i int, ts time.Time) string {
			return fmt.Sprintf(`{"time": %q, "level": "error", "msg": "payment %d failed: card declined", "user": "u%d"}`, ts.Format(time.RFC3339Nano), 1000+i, i)
		}) + fmt.Sprintf(`{"ts": %d, "level": "warn", "msg": "slow query"}`, t0.Add(time.Minute).UnixMilli()) + "\n" + `{"time": "x", "level": "info", "msg": "ok"}` + "\n",
		// logfmt
		"logs/app/var/log/acme/svc.log": genLog(t0, time.Second, 3, func(i int, ts time.Time) string {
			return fmt.Sprintf(`time=%s level=error msg="cache miss storm" key=k%d`, ts.Format(time.RFC3339), i)
		}) + `time=2026-11-27T10:00:09Z level=warning msg="retrying" attempt=2` + "\n" + `time=2026-11-27T10:00:10Z level=info msg="done"` + "\n",
		// Java: a stack trace's lines belong to its first line.
		"logs/java/opt/acme/server.log": "2026-11-27 10:00:00,123 INFO  [main] Server started\n" +
			"2026-11-27 10:00:01,500 ERROR [http-nio-8080-exec-3] c.a.OrderController - Request failed\n" +
			"java.lang.IllegalStateException: order 4711 not found\n\tat com.acme.Orders.get(Orders.java:42)\n\tat com.acme.OrderController.show(OrderController.java:17)\n" +
			"Caused by: java.sql.SQLException: timeout\n\t... 12 more\n" +
			"2026-11-27 10:00:02,001 ERROR [http-nio-8080-exec-4] c.a.OrderController - Request failed\n" +
			"java.lang.IllegalStateException: order 4712 not found\n\tat com.acme.Orders.get(Orders.java:42)\n" +
			"2026-11-27 10:00:03,000 WARN  [pool-1] c.a.Pool - pool exhausted, waiting\n",
		"logs/app.json": `{"files": []}`,
	}
	doc := Signatures(src(files))
	got := map[string]SignatureSource{}
	for _, s := range doc.Sources {
		got[s.Source] = s
	}
	check := func(p string, entries, errs, warns int, top string, count, line int, first time.Time) {
		t.Helper()
		s, ok := got[p]
		if !ok {
			t.Fatalf("no signatures for %s: %+v", p, doc)
		}
		if s.Entries != entries || s.Errors != errs || s.Warnings != warns {
			t.Errorf("%s: entries/errors/warnings %d/%d/%d, want %d/%d/%d", p, s.Entries, s.Errors, s.Warnings, entries, errs, warns)
		}
		g := s.Signatures[0]
		if g.Template != top || g.Count != count || g.FirstLine != line || g.FirstSeen == nil || !g.FirstSeen.Equal(first) {
			t.Errorf("%s: top signature %+v (first seen %v), want %q ×%d line %d at %v", p, g, fmtTime(g.FirstSeen), top, count, line, first)
		}
		if g.Example == "" || g.LastSeen == nil {
			t.Errorf("%s: example or last seen missing: %+v", p, g)
		}
	}
	check("logs/syslog/var/log/syslog", 7, 3, 1, "web<n> acme[<n>]: error: upstream <ip> closed connection", 3, 1, t0)
	check("logs/app/var/log/acme/app.json", 6, 4, 1, "payment <n> failed: card declined", 4, 1, t0)
	check("logs/app/var/log/acme/svc.log", 5, 3, 1, `level=error msg="<*>" key=k<n>`, 3, 1, t0)
	check("logs/java/opt/acme/server.log", 4, 2, 1, "ERROR [http-nio-<n>-exec-<n>] c.a.OrderController - Request failed", 2, 2, time.Date(2026, 11, 27, 10, 0, 1, 500e6, time.UTC))
	if s := got["logs/app/var/log/acme/app.json"]; s.Signatures[1].Level != "warning" || !s.Signatures[1].FirstSeen.Equal(t0.Add(time.Minute)) {
		t.Errorf("epoch-ms JSON time: %+v", s.Signatures[1])
	}
	if _, ok := got["logs/app.json"]; ok {
		t.Error("a collector index was read as a log")
	}
	if g := got["logs/syslog/var/log/syslog"].Signatures; len(g) != 2 || g[1].Template != "web<n> kernel: disk sda nearly full" || g[1].Level != "warning" {
		t.Errorf("syslog <PRI> warning: %+v", g)
	}
	if testing.Verbose() {
		b, _ := json.MarshalIndent(doc, "", "  ")
		t.Logf("%s", b)
	}
}

func TestSignaturesTop50(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 80; i++ {
		for j := 0; j <= i%5; j++ {
			fmt.Fprintf(&b, "ERROR kind%c%c happened\n", 'a'+i/26, 'a'+i%26)
		}
	}
	s := fileSignatures("logs/x/a.log", strings.NewReader(b.String()), time.Time{})
	if s.Templates != 80 || len(s.Signatures) != MaxSignatures || s.Signatures[0].Count != 5 || s.Signatures[49].Count < s.Signatures[0].Count-4 {
		t.Fatalf("templates %d, kept %d, first %+v", s.Templates, len(s.Signatures), s.Signatures[0])
	}
}

func TestLogBurst(t *testing.T) {
	// An hour of routine lines with an error every five minutes; then 40 identical timeouts in
	// 30 seconds.
	base := genLog(t0, 10*time.Second, 360, func(i int, ts time.Time) string {
		if i%30 == 0 {
			return ts.Format(time.RFC3339) + " ERROR cron: job " + fmt.Sprint(i) + " failed"
		}
		return ts.Format(time.RFC3339) + " INFO served request " + fmt.Sprint(i)
	})
	burst := genLog(t0.Add(70*time.Minute), 750*time.Millisecond, 40, func(i int, ts time.Time) string {
		return ts.Format(time.RFC3339Nano) + fmt.Sprintf(" ERROR db: query %d timed out after 5000ms on 10.0.0.%d:5432", i, i%4)
	})
	steady := genLog(t0, 2*time.Second, 1800, func(i int, ts time.Time) string {
		return ts.Format(time.RFC3339) + fmt.Sprintf(" ERROR db: query %d timed out after 5000ms on 10.0.0.%d:5432", i, i%4)
	})
	short := genLog(t0, time.Second, 40, func(i int, ts time.Time) string {
		return ts.Format(time.RFC3339) + " ERROR db: query timed out"
	})
	for _, tc := range []tcase{
		{"burst", map[string]string{"logs/app/var/log/app.log": base + burst},
			[]string{"log.burst warning logs/app/var/log/app.log"}, "Burst of 40 errors in 60s in logs/app/var/log/app.log: ERROR db: query <n> timed out after <n>ms on <ip>"},
		// The same number of errors each minute all along: its own rate, no burst.
		{"steady errors", map[string]string{"logs/app/var/log/app.log": steady}, nil, ""},
		// Forty in 40 s but the file spans less than ten minutes: no baseline to stand out of.
		{"short file", map[string]string{"logs/app/var/log/app.log": short}, nil, ""},
		// Routine errors only.
		{"routine", map[string]string{"logs/app/var/log/app.log": base}, nil, ""},
		// Bursts of warnings are not errors.
		{"warnings", map[string]string{"logs/app/var/log/app.log": base + strings.ReplaceAll(burst, "ERROR", "WARN")}, nil, ""},
	} {
		runCases(t, analyzeLogBursts, []tcase{tc})
	}
	fs := analyzeLogBursts(src(map[string]string{"logs/app/var/log/app.log": base + burst}))
	if fs[0].Evidence[0].Line != 361 {
		t.Errorf("evidence %+v, want the burst's first line 361", fs[0].Evidence)
	}
	// From signatures.json, as collection stages it: the same finding, also citing it.
	doc := Signatures(src(map[string]string{"logs/app/var/log/app.log": base + burst}))
	b, _ := json.MarshalIndent(doc, "", "  ")
	fs2 := analyzeLogBursts(src(map[string]string{"logs/app/var/log/app.log": base + burst, SignaturesPath: string(b)}))
	if len(fs2) != 1 || fs2[0].Title != fs[0].Title || len(fs2[0].Evidence) != 2 || fs2[0].Evidence[1].Line == 0 {
		t.Errorf("from signatures.json: %s", dump(fs2))
	}
}

// Signatures read only a log's newest MaxSignatureScan bytes, from a line start, when the source
// can stream (the stage), and say how much they skipped.
func TestSignaturesReadTheNewestPart(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "logs", "app"), 0o755)
	f, err := os.Create(filepath.Join(dir, "logs", "app", "big.log"))
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	old := strings.Repeat("2026-11-30T08:00:00Z ERROR old failure in module A\n", (MaxSignatureScan/50)+1000)
	w.WriteString(old)
	for i := 0; i < 100; i++ {
		fmt.Fprintf(w, "2026-12-01T08:00:%02dZ ERROR new failure %d in module B\n", i%60, i)
	}
	w.Flush()
	f.Close()
	doc := Signatures(DirSource(dir))
	if len(doc.Sources) != 1 {
		t.Fatalf("sources %+v", doc.Sources)
	}
	s := doc.Sources[0]
	if s.BytesSkipped <= 0 || s.BytesSkipped > int64(len(old)) {
		t.Errorf("bytes_skipped %d (old part %d)", s.BytesSkipped, len(old))
	}
	found := false
	for _, sig := range s.Signatures {
		if strings.Contains(sig.Template, "module B") && sig.Count == 100 {
			found = true
		}
	}
	if !found || s.Entries > MaxSignatureScan/40 {
		t.Errorf("entries %d, signatures %+v", s.Entries, s.Signatures)
	}
}

func TestSignaturesKeepTheMostInterestingSources(t *testing.T) {
	var d SignaturesDoc
	for i := 0; i < MaxSignatureSources+50; i++ {
		d.keepSource(SignatureSource{Source: fmt.Sprintf("logs/x/%03d.log", i), Entries: 10, Errors: i % 7})
	}
	burst := SignatureSource{Source: "logs/x/burst.log", Entries: 1, Signatures: []Signature{{Burst: &Burst{}}}}
	d.keepSource(burst)
	if len(d.Sources) != MaxSignatureSources || d.SourcesOmitted != 51 {
		t.Fatalf("kept %d, omitted %d", len(d.Sources), d.SourcesOmitted)
	}
	found := false
	for _, s := range d.Sources {
		found = found || s.Source == burst.Source
		if s.Errors == 0 && s.Source != burst.Source {
			t.Errorf("kept %s with no errors while others with errors were dropped", s.Source)
		}
	}
	if !found {
		t.Error("the source with a burst was dropped")
	}
}
