package logs

import (
	"testing"
	"time"
)

func TestParseTimestampFormats(t *testing.T) {
	utc := time.UTC
	ref := time.Date(2026, 11, 27, 12, 0, 0, 0, utc)
	p := &tsParser{ref: ref, loc: utc}
	cases := []struct {
		line string
		want time.Time
	}{
		{"2026-11-27T10:38:54Z app started", time.Date(2026, 11, 27, 10, 38, 54, 0, utc)},
		{"2026-11-27T10:38:54.250+01:00 x", time.Date(2026, 11, 27, 9, 38, 54, 250e6, utc)},
		{"2026-11-27T10:38:54+0000 host systemd[1]: Started", time.Date(2026, 11, 27, 10, 38, 54, 0, utc)},     // journald short-iso
		{"2026-11-27T10:38:54,123456+00:00 Linux version", time.Date(2026, 11, 27, 10, 38, 54, 123456e3, utc)}, // dmesg --time-format=iso
		{"2026-11-27 10:38:54,123 INFO  [main] c.a.App - up", time.Date(2026, 11, 27, 10, 38, 54, 123e6, utc)}, // log4j
		{"2026/11/27 10:38:54 listening on :8080", time.Date(2026, 11, 27, 10, 38, 54, 0, utc)},                // Go log
		{"2026/11/27 10:38:54.000123 main.go:12: x", time.Date(2026, 11, 27, 10, 38, 54, 123e3, utc)},
		{"Nov 27 10:38:54 host sshd[12]: Accepted", time.Date(2026, 11, 27, 10, 38, 54, 0, utc)}, // syslog
		{"Nov  3 01:02:03 host kernel: x", time.Date(2026, 11, 3, 1, 2, 3, 0, utc)},
		{"Dec 31 23:59:59 host x", time.Date(2025, 12, 31, 23, 59, 59, 0, utc)}, // year before the reference
		{"<34>1 2026-11-27T10:38:54.003Z host app - - - msg", time.Date(2026, 11, 27, 10, 38, 54, 3e6, utc)},
		{"<13>Nov 27 10:38:54 host app: msg", time.Date(2026, 11, 27, 10, 38, 54, 0, utc)},
		{"I1127 10:38:54.123456   4242 main.go:42] klog", time.Date(2026, 11, 27, 10, 38, 54, 123456e3, utc)},
		{"E1127 10:38:54.000001       1 x.go:1] err", time.Date(2026, 11, 27, 10, 38, 54, 1e3, utc)},
		{"Nov 27, 2026 10:38:54 PM java.util.logging.X main", time.Date(2026, 11, 27, 22, 38, 54, 0, utc)},
		{"Nov 27, 2026 12:05:00 AM j.u.l", time.Date(2026, 11, 27, 0, 5, 0, 0, utc)},
		{`192.0.2.7 - - [27/Nov/2026:10:38:54 +0100] "GET / HTTP/1.1" 200 12`, time.Date(2026, 11, 27, 9, 38, 54, 0, utc)},
		{`::1 - frank [27/Nov/2026:10:38:54 -0000] "GET /x HTTP/1.0" 404 0 "-" "curl"`, time.Date(2026, 11, 27, 10, 38, 54, 0, utc)},
		{"[Fri Nov 27 10:38:54.123456 2026] [core:error] [pid 42] AH00124: x", time.Date(2026, 11, 27, 10, 38, 54, 123456e3, utc)},
		{"Fri Nov  6 10:38:54 2026 ctime", time.Date(2026, 11, 6, 10, 38, 54, 0, utc)},
		{"2026/11/27 10:38:54 [error] 12#12: *1 open() failed", time.Date(2026, 11, 27, 10, 38, 54, 0, utc)}, // nginx error log
		{"[2026-11-27 10:38:54] production.ERROR: x", time.Date(2026, 11, 27, 10, 38, 54, 0, utc)},
		{"INFO  2026-11-27 10:38:54.5 worker ready", time.Date(2026, 11, 27, 10, 38, 54, 5e8, utc)},
		{`{"level":"info","time":"2026-11-27T10:38:54Z","msg":"x"}`, time.Date(2026, 11, 27, 10, 38, 54, 0, utc)},
		{`time="2026-11-27T10:38:54+01:00" level=info msg=x`, time.Date(2026, 11, 27, 9, 38, 54, 0, utc)},
	}
	for _, c := range cases {
		got, ok := p.parse([]byte(c.line))
		if !ok {
			t.Errorf("%q: no timestamp found", c.line)
			continue
		}
		if !got.Equal(c.want) {
			t.Errorf("%q: got %s, want %s", c.line, got.UTC(), c.want)
		}
	}
	for _, line := range []string{
		"",
		"\tat com.acme.Foo.bar(Foo.java:42)",
		"Caused by: java.lang.IllegalStateException: boom",
		"goroutine 1 [running]:",
		"2026-13-27T10:38:54Z bad month",
		"Now 27 10:38:54 not a month",
		"12345",
	} {
		if got, ok := p.parse([]byte(line)); ok {
			t.Errorf("%q: found timestamp %s, want none", line, got)
		}
	}
}

func TestParseTimestampLocalZone(t *testing.T) {
	loc := time.FixedZone("X", -5*3600)
	p := &tsParser{ref: time.Date(2026, 11, 27, 12, 0, 0, 0, loc), loc: loc}
	got, ok := p.parse([]byte("2026-11-27 10:00:00 no zone"))
	if !ok || !got.Equal(time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)) {
		t.Fatalf("got %v %v, want 15:00 UTC (local zone applied)", got, ok)
	}
}

func BenchmarkParseTimestamp(b *testing.B) {
	p := &tsParser{ref: time.Now(), loc: time.UTC}
	lines := [][]byte{
		[]byte("2026-11-27T10:38:54.250+01:00 x"),
		[]byte("Nov 27 10:38:54 host sshd[12]: Accepted"),
		[]byte(`192.0.2.7 - - [27/Nov/2026:10:38:54 +0100] "GET / HTTP/1.1" 200 12`),
	}
	for i := 0; i < b.N; i++ {
		p.parse(lines[i%len(lines)])
	}
}
