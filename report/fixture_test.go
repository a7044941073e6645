package report

import (
	"github.com/casefile/casefile/analyze"
)

// fixture is a bundle with something in every section: failed and passing network checks, a
// trace that stops, a failed collector, log signatures and redactions. Some values hold markup
// (as a hostile log line or server error could): the page must show them as text.
func fixture() analyze.MapSource {
	return analyze.MapSource{
		"manifest.json": []byte(`{
  "schema_version": 1, "bundle_id": "0b7e6a58-2f3c-4c71-9a5e-3c2d1b0a9f8e",
  "created_at": "2026-11-27T10:41:31Z", "ticket": "4821", "host": "web-07",
  "tool": {"version": "1.4.0"}, "spec": {"name": "acme-agent", "source": "embedded"},
  "collectors": [
    {"name": "system.host", "family": "system", "status": "ok", "start": "2026-11-27T10:41:31.010Z", "duration_ms": 12, "files": []},
    {"name": "system.disks", "family": "system", "status": "ok", "start": "2026-11-27T10:41:31.012Z", "duration_ms": 40, "files": []},
    {"name": "network.dns", "family": "network", "status": "partial", "start": "2026-11-27T10:41:31.015Z", "duration_ms": 310, "error": "api.acme.test A: SERVFAIL", "files": []},
    {"name": "network.http", "family": "network", "status": "failed", "start": "2026-11-27T10:41:31.016Z", "duration_ms": 2150, "error": "all 2 checks failed", "files": []},
    {"name": "network.trace", "family": "network", "status": "partial", "start": "2026-11-27T10:41:31.020Z", "duration_ms": 3020, "files": []},
    {"name": "logs.app", "family": "logs", "status": "timed_out", "start": "2026-11-27T10:41:31.030Z", "duration_ms": 30000, "error": "timed out after 30s", "files": []},
    {"name": "commands.defaults", "family": "commands", "status": "skipped", "start": "2026-11-27T10:41:31.031Z", "duration_ms": 0, "error": "no systemctl", "files": []}
  ],
  "files": [], "redaction": {"total": 7, "files": 3, "dropped": 1}
}`),
		"environment.json": []byte(`{"os": "linux", "arch": "amd64", "pretty_name": "Debian GNU/Linux 12 (bookworm)", "hostname": "web-07",
  "kernel_version": "6.1.0-18-amd64", "timezone": "Europe/Berlin", "locale": {"lang": "de_DE.UTF-8"}, "privileges": {"elevated": false}}`),
		"system/host.json":   []byte(`{"hostname": "web-07", "pretty_name": "Debian GNU/Linux 12 (bookworm)", "kernel_version": "6.1.0-18-amd64", "kernel_arch": "x86_64", "uptime_seconds": 363000, "virtualization": {"system": "kvm", "role": "guest"}, "container": {"detected": false}}`),
		"system/cpu.json":    []byte(`{"model": "Intel Xeon E5", "logical_cores": 4, "load": {"load1": 1.2, "load5": 0.9, "load15": 0.7}}`),
		"system/memory.json": []byte(`{"total_bytes": 8589934592, "available_bytes": 2147483648, "swap": {"total_bytes": 1073741824, "used_bytes": 104857600}}`),
		"system/time.json":   []byte(`{"timezone": "Europe/Berlin", "ntp": {"synchronized": true}}`),
		"system/disks.json": []byte(`{"partitions": [
  {"device": "/dev/sda1", "mountpoint": "/", "fstype": "ext4", "usage": {"total_bytes": 53687091200, "used_percent": 96.2, "inodes_used_percent": 12}},
  {"device": "/dev/sdb1", "mountpoint": "/var/lib/acme", "fstype": "xfs", "usage": {"total_bytes": 214748364800, "used_percent": 41}}]}`),
		"system/interfaces.json": []byte(`{"interfaces": [{"name": "lo", "mtu": 65536, "flags": ["up", "loopback"], "addresses": ["127.0.0.1/8"]},
  {"name": "eth0", "mtu": 1500, "oper_state": "up", "addresses": ["192.0.2.10/24"]}]}`),
		"network/dns.json": []byte(`{"results": [
  {"name": "api.acme.test", "type": "A", "ok": false, "servers": [
    {"server": "127.0.0.53:53", "rcode": "SERVFAIL", "rtt_ms": 41.2, "answers": []},
    {"server": "192.0.2.53:53", "rcode": "NOERROR", "rtt_ms": 12.5, "answers": [{"name": "api.acme.test.", "type": "A", "data": "192.0.2.80"}]}]}]}`),
		"network/ping.json": []byte(`{"results": [{"target": "api.acme.test", "resolved_ip": "192.0.2.80", "method": "icmp-datagram", "sent": 4, "received": 3, "loss_pct": 25, "rtt_ms": {"min": 18.2, "avg": 24.9, "max": 39.1}, "ok": true}]}`),
		"network/tcp.json": []byte(`{"results": [
  {"target": "db.acme.test:5432", "resolved_ip": "192.0.2.81", "connected": false, "connect_ms": 5000, "class": "timeout", "error": "dial tcp 192.0.2.81:5432: i/o timeout"},
  {"target": "api.acme.test:443", "resolved_ip": "192.0.2.80", "connected": true, "connect_ms": 19.4}]}`),
		"network/http.json": []byte(`{"results": [
  {"name": "api", "url": "https://api.acme.test/health", "status": 503, "expect_status": 200, "ok": false,
   "timings_ms": {"dns": 12.1, "connect": 19.8, "tls": 44.0, "ttfb": 410.5, "total": 490.2},
   "tls": {"version": "TLS 1.3", "verified": true, "chain": [{"days_left": 61}]}, "clock_skew_s": 1201.0, "error_class": "status", "error": "status 503, expected 200"},
  {"name": "auth", "url": "https://auth.acme.test/", "status": 0, "ok": false, "timings_ms": {"dns": 3.3, "connect": 21.0, "tls": 30.2, "total": 55.0},
   "tls": {"version": "TLS 1.2", "verified": false, "verify_error_class": "expired", "chain": [{"days_left": -35}]}, "error_class": "tls", "error": "x509: certificate has expired <img src=\"http://192.0.2.99/beacon.png\">"}]}`),
		"network/trace.json": []byte(`{"results": [{"target": "api.acme.test", "resolved_ip": "192.0.2.80", "protocol": "udp", "max_hops": 30,
  "hops": [
    {"ttl": 1, "ip": "10.0.0.1", "rtt_ms": [0.41, 0.38, 0.40]},
    {"ttl": 2, "ip": "172.16.0.1", "rtt_ms": [3.2, null, 3.4]},
    {"ttl": 3, "ip": "", "rtt_ms": [null, null, null]},
    {"ttl": 4, "ip": "198.51.100.7", "rtt_ms": [15.2, 15.9, 16.1], "note": "!X"}],
  "reached": false, "end_reason": "unreachable"}]}`),
		"logs/signatures.json": []byte(`{"sources": [{"source": "app", "entries": 9120, "errors": 412, "warnings": 37, "signatures": [
  {"template": "ERROR connection to <*> failed after <*> ms", "level": "error", "count": 412, "first_seen": "2026-11-27T08:00:01Z", "last_seen": "2026-11-27T10:40:59Z", "example": "ERROR connection to 192.0.2.81:5432 failed after 5000 ms",
   "burst": {"count": 40, "start": "2026-11-27T10:40:00Z", "end": "2026-11-27T10:40:59Z", "window_s": 60, "baseline_per_window": 0.17, "line": 361}},
  {"template": "WARN retrying request <*>", "level": "warning", "count": 37, "first_seen": "2026-11-27T09:12:00Z", "last_seen": "2026-11-27T10:39:00Z", "example": "WARN retrying request 8f3a"}]}]}`),
		"daemon/history.jsonl": fixtureHistory(),
		"redaction.json":       []byte(`{"total": 7, "files": 3, "by_rule": {"github-token": 2, "sensitive-key": 4, "url-password": 1}, "by_file": {}, "dropped": {"files/app/secrets.bin": "binary content cannot be redacted"}}`),
		"findings.json": []byte(`{"findings": [
  {"id": "http.status", "severity": "critical", "title": "HTTP check api (https://api.acme.test/health) returned status 503, expected 200", "detail": "The server answered 503.", "target": "https://api.acme.test/health", "evidence": [{"path": "network/http.json", "line": 3}], "next_step": "Check the service behind the load balancer."},
  {"id": "tls.expired", "severity": "critical", "title": "Certificate for auth.acme.test:443 expired 35 days ago", "detail": "CN=auth.acme.test was valid until 2026-10-23.", "target": "auth.acme.test:443", "evidence": [{"path": "network/http.json", "line": 9}], "next_step": "Renew the server's certificate."},
  {"id": "tcp.filtered", "severity": "critical", "title": "Connection to db.acme.test:5432 timed out (filtered)", "detail": "No answer in 5 s.", "target": "db.acme.test:5432", "evidence": [{"path": "network/tcp.json", "line": 3}], "next_step": "Check firewalls between this host and the database."},
  {"id": "disk.full", "severity": "critical", "title": "Disk / is 96% full", "detail": "Only 2 GiB left.", "target": "/", "evidence": [{"path": "system/disks.json", "line": 2}], "next_step": "Free space: du -xh / | sort -h | tail."},
  {"id": "clock.skew", "severity": "warning", "title": "Clock differs from api.acme.test by 20 minutes", "detail": "Server Date minus local clock: +1201 s.", "target": "api.acme.test", "evidence": [{"path": "network/http.json", "line": 3}], "next_step": "Enable NTP."},
  {"id": "trace.incomplete", "severity": "warning", "title": "Trace to api.acme.test (192.0.2.80) stops after 198.51.100.7 (hop 4)", "detail": "The last hop answered !X (administratively prohibited).", "target": "api.acme.test", "evidence": [{"path": "network/trace.json"}], "next_step": "Ask the owner of 198.51.100.7 about the filter."},
  {"id": "collector.timed_out", "severity": "warning", "title": "Collector logs.app timed out <script>alert(1)</script>", "detail": "It ran past 30 s.", "target": "logs.app", "evidence": [{"path": "manifest.json"}], "next_step": "Raise collectors.timeouts.logs.app."},
  {"id": "ping.loss", "severity": "info", "title": "Ping to api.acme.test lost 25% of packets", "detail": "3 of 4 replies.", "target": "api.acme.test", "evidence": [{"path": "network/ping.json", "line": 4}], "next_step": "Repeat with more packets."}]}`),
	}
}
