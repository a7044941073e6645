package spec

import (
	"strings"
	"testing"
	"time"
)

const daemonHead = "apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: x}\n"

func TestMonitorsParse(t *testing.T) {
	s, err := Parse("m.yaml", []byte(daemonHead+`upload: {url: "https://intake.example"}
daemon: {history_max_age: 14d, history_max_size: 32MiB, history_window: 6h, socket_group: casefile}
monitors:
  - {name: api, interval: 5s, timeout: 2s, jitter: 1s, http: {url: "http://127.0.0.1:8080/health"},
     trigger: {failures_in_a_row: 3, min_interval: 1h, keep: 5, upload: true}}
  - {name: db, tcp: {target: "127.0.0.1:5432"}}
  - {name: dns, interval: 10s, dns: {name: api.example, servers: ["127.0.0.1:5353"]}}
  - {name: route, interval: 5m, trace: {host: 127.0.0.1, max_hops: 5}}
  - {name: load, interval: 30s, load: {max: 8}}
  - {name: mem, memory: {max_used_percent: 95}}
  - {name: disk, disk: {}}
  - {name: clock, clock: {max_offset: 500ms}}
`))
	if err != nil {
		t.Fatal(err)
	}
	checks := []string{"http", "tcp", "dns", "trace", "load", "memory", "disk", "clock"}
	for i, m := range s.Monitors {
		if m.Check() != checks[i] {
			t.Errorf("monitor %s: check %q, want %q", m.Name, m.Check(), checks[i])
		}
	}
	api, db := s.Monitors[0], s.Monitors[1]
	if time.Duration(api.Interval) != 5*time.Second || time.Duration(api.Timeout) != 2*time.Second || time.Duration(api.Jitter) != time.Second {
		t.Errorf("api timing %+v", api)
	}
	if tr := api.Trigger; tr == nil || tr.FailuresInARow != 3 || time.Duration(tr.MinInterval) != time.Hour || tr.Keep != 5 || !tr.Upload {
		t.Errorf("trigger %+v", api.Trigger)
	}
	// Defaults: 60s interval, timeout = interval capped at 30s, jitter = interval/10 capped at 5s.
	if time.Duration(db.Interval) != time.Minute || time.Duration(db.Timeout) != 30*time.Second || time.Duration(db.Jitter) != 5*time.Second {
		t.Errorf("db defaults %+v", db)
	}
	if l := s.Monitors[4]; time.Duration(l.Timeout) != 30*time.Second || time.Duration(l.Jitter) != 3*time.Second || l.Load.Max != 8 {
		t.Errorf("load defaults %+v", l)
	}
	if d := s.Monitors[6].Disk; d.Path != "/" {
		t.Errorf("disk path default %q", d.Path)
	}
	if got := s.Monitors[2].DNS.Types; len(got) != 2 {
		t.Errorf("dns types default %v", got)
	}
	if s.Daemon.MaxAge() != 14*24*time.Hour || s.Daemon.MaxSize() != 32<<20 || s.Daemon.Window() != 6*time.Hour || s.Daemon.SocketGroup != "casefile" {
		t.Errorf("daemon %+v", s.Daemon)
	}
	var none DaemonCfg
	if none.MaxAge() != DefaultHistoryMaxAge || none.MaxSize() != DefaultHistoryMaxSize || none.Window() != DefaultHistoryWindow {
		t.Errorf("daemon defaults")
	}
	// The effective spec round-trips with the new fields.
	out, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Parse("round-trip", out)
	if err != nil {
		t.Fatalf("re-parsing: %v\n%s", err, out)
	}
	out2, _ := s2.Marshal()
	if string(out) != string(out2) {
		t.Errorf("marshal not stable:\n%s\n---\n%s", out, out2)
	}
}

func TestMonitorErrors(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"no check", "monitors:\n  - {name: m, interval: 5s}\n",
			"bad.yaml:5: monitors[0]: exactly one check is required: http, tcp, dns, ping, trace, load, memory, disk or clock"},
		{"two samples", "monitors:\n  - {name: m, load: {}, memory: {}}\n", "bad.yaml:5: monitors[0]: exactly one check is required"},
		{"interval too short", "monitors:\n  - name: m\n    interval: 100ms\n    tcp: {target: '127.0.0.1:1'}\n",
			"bad.yaml:6: monitors[0].interval: must be at least 1s, got 100ms"},
		{"jitter not shorter than interval", "monitors:\n  - name: m\n    interval: 5s\n    jitter: 5s\n    tcp: {target: '127.0.0.1:1'}\n",
			"bad.yaml:7: monitors[0].jitter: must be shorter than the interval (5s), got 5s"},
		{"bad timeout", "monitors:\n  - name: m\n    timeout: soon\n    tcp: {target: '127.0.0.1:1'}\n",
			`bad.yaml:6: monitors[0].timeout: invalid duration "soon"`},
		{"bad tcp target", "monitors:\n  - name: m\n    tcp: {target: nohostport}\n",
			`bad.yaml:6: monitors[0].tcp.target: invalid target "nohostport" (want host:port)`},
		{"bad dns name", "monitors:\n  - name: m\n    dns: {name: 'a..b'}\n", `bad.yaml:6: monitors[0].dns.name: invalid DNS name "a..b"`},
		{"bad ping host", "monitors:\n  - name: m\n    ping: {host: 'x y'}\n", `bad.yaml:6: monitors[0].ping.host: invalid host "x y"`},
		{"bad trace protocol", "monitors:\n  - name: m\n    trace: {host: 127.0.0.1, protocol: gre}\n", `bad.yaml:6: monitors[0].trace.protocol: must be udp, icmp or tcp, got "gre"`},
		{"bad percent", "monitors:\n  - name: m\n    memory: {max_used_percent: 120}\n", "bad.yaml:6: monitors[0].memory.max_used_percent: must be between 0 and 100, got 120"},
		{"not a number", "monitors:\n  - name: m\n    load: {max: lots}\n", `bad.yaml:6: monitors[0].load.max: expected a number, got "lots"`},
		{"relative disk path", "monitors:\n  - name: m\n    disk: {path: var}\n", `bad.yaml:6: monitors[0].disk.path: "var" is a relative path`},
		{"unknown sample key", "monitors:\n  - name: m\n    clock: {max_ofset: 1s}\n", "bad.yaml:6: monitors[0].clock.max_ofset: unknown key"},
		{"trigger without count", "monitors:\n  - name: m\n    tcp: {target: '127.0.0.1:1'}\n    trigger: {keep: 2}\n",
			"bad.yaml:7: monitors[0].trigger.failures_in_a_row: must be 1 or more, got 0"},
		{"trigger upload without upload section", "monitors:\n  - name: m\n    tcp: {target: '127.0.0.1:1'}\n    trigger:\n      failures_in_a_row: 2\n      upload: true\n",
			"bad.yaml:9: monitors[0].trigger.upload: upload: true needs the spec's upload section"},
		{"unknown trigger key", "monitors:\n  - name: m\n    tcp: {target: '127.0.0.1:1'}\n    trigger: {failures: 2}\n",
			"bad.yaml:7: monitors[0].trigger.failures: unknown key"},
		{"duplicate monitor", "monitors:\n  - {name: m, load: {}}\n  - {name: m, memory: {}}\n", `bad.yaml:6: monitors[1].name: duplicate name "m"`},
		{"history too short", "daemon: {history_max_age: 10m}\n", "bad.yaml:4: daemon.history_max_age: must be at least 1h, got 10m0s"},
		{"history too small", "daemon:\n  history_max_size: 1KiB\n", "bad.yaml:5: daemon.history_max_size: must be at least 1MiB, got 1KiB"},
		{"bad group", "daemon:\n  socket_group: 'a;b'\n", `bad.yaml:5: daemon.socket_group: invalid group name "a;b"`},
		{"unknown daemon key", "daemon:\n  socket: /tmp/x\n", "bad.yaml:5: daemon.socket: unknown key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(daemonHead+c.yaml))
			if err == nil {
				t.Fatalf("no error for\n%s", c.yaml)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error:\n  %s\nwant it to contain:\n  %s", err, c.want)
			}
		})
	}
}
