package analyze

import (
	"fmt"
	"strings"
	"testing"
)

func results(path string, items ...string) map[string]string {
	return map[string]string{path: `{"results": [` + strings.Join(items, ",") + `]}`}
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func dnsSrv(server, rcode, errText string, answers ...string) string {
	var as []string
	for _, a := range answers {
		as = append(as, fmt.Sprintf(`{"name": "x.", "type": "A", "ttl": 60, "data": %q}`, a))
	}
	return fmt.Sprintf(`{"server": %q, "rcode": %q, "error": %q, "transport": "udp", "answers": [%s], "rtt_ms": 1}`, server, rcode, errText, strings.Join(as, ","))
}

func dnsRes(name, typ, system string, servers ...string) string {
	sys := ""
	if system != "" {
		sys = `, "system": ` + system
	}
	return fmt.Sprintf(`{"name": %q, "type": %q, "ok": false, "servers": [%s]%s, "disagreement": false}`, name, typ, strings.Join(servers, ","), sys)
}

func TestDNS(t *testing.T) {
	ok1 := dnsSrv("192.0.2.53:53", "NOERROR", "", "10.0.0.5")
	ok2 := dnsSrv("192.0.2.54:53", "NOERROR", "", "10.0.0.5")
	runCases(t, analyzeDNS, []tcase{
		{name: "healthy", files: results(dnsPath, dnsRes("api.example", "A", `{"addrs": ["10.0.0.5"]}`, ok1, ok2), dnsRes("api.example", "AAAA", `{"addrs": []}`, dnsSrv("192.0.2.53:53", "NOERROR", "")))},
		{name: "nxdomain everywhere", files: results(dnsPath, dnsRes("nope.example", "A", `{"addrs": null, "error": "not found"}`, dnsSrv("192.0.2.53:53", "NXDOMAIN", ""), dnsSrv("192.0.2.54:53", "NXDOMAIN", ""))),
			want: []string{"dns.nxdomain critical nope.example"}, title: "nope.example does not exist"},
		{name: "servfail on one server", files: results(dnsPath, dnsRes("api.example", "A", "", ok1, dnsSrv("192.0.2.54:53", "SERVFAIL", ""))),
			want: []string{"dns.servfail warning api.example"}},
		{name: "timeout", files: results(dnsPath, dnsRes("api.example", "A", "", dnsSrv("192.0.2.53:53", "", "read udp 192.0.2.2:4000->192.0.2.53:53: i/o timeout"))),
			want: []string{"dns.timeout critical api.example"}},
		{name: "A and AAAA merge into one finding", files: results(dnsPath, dnsRes("nope.example", "A", "", dnsSrv("192.0.2.53:53", "NXDOMAIN", "")), dnsRes("nope.example", "AAAA", "", dnsSrv("192.0.2.53:53", "NXDOMAIN", ""))),
			want: []string{"dns.nxdomain critical nope.example"}},
		{name: "servers disagree", files: results(dnsPath, dnsRes("api.example", "A", "", ok1, dnsSrv("192.0.2.54:53", "NOERROR", "", "203.0.113.9"))),
			want: []string{"dns.disagreement warning api.example"}, title: "disagree about api.example"},
		{name: "round robin overlap", files: results(dnsPath, dnsRes("api.example", "A", "", dnsSrv("a:53", "NOERROR", "", "10.0.0.5", "10.0.0.6"), dnsSrv("b:53", "NOERROR", "", "10.0.0.6", "10.0.0.7"))),
			want: []string{"dns.disagreement info api.example"}},
		{name: "os resolver differs (hosts file)", files: results(dnsPath, dnsRes("api.example", "A", `{"addrs": ["127.0.0.1"]}`, ok1)),
			want: []string{"dns.system_mismatch warning api.example"}},
		{name: "os resolver fails where servers answer", files: results(dnsPath, dnsRes("api.example", "A", `{"addrs": null, "error": "not found"}`, ok1)),
			want: []string{"dns.system_mismatch warning api.example"}},
		{name: "nxdomain rewriting", files: results(dnsPath, `{"name": "api.example", "type": "A", "ok": false, "servers": [`+ok1+`],
			"nxdomain_probe": {"name": "casefile-nx-0123456789ab.api.example.", "rewritten": true, "servers": [`+dnsSrv("192.0.2.53:53", "NOERROR", "", "198.51.100.1")+`]}}`),
			want: []string{"dns.nxdomain_rewriting warning api.example"}},
		{name: "probe not rewritten", files: results(dnsPath, `{"name": "api.example", "type": "A", "ok": true, "servers": [`+ok1+`],
			"nxdomain_probe": {"name": "casefile-nx-0123456789ab.api.example.", "rewritten": false, "servers": [`+dnsSrv("192.0.2.53:53", "NXDOMAIN", "")+`]}}`)},
		{name: "check error", files: results(dnsPath, `{"name": "api.example", "type": "BOGUS", "ok": false, "servers": [], "error": "unknown record type BOGUS"}`),
			want: []string{"dns.error warning api.example"}},
	})
}

func ping(target, method string, sent, recv int, avg float64, extra string) string {
	loss := 0.0
	if sent > 0 {
		loss = float64(sent-recv) / float64(sent) * 100
	}
	return fmt.Sprintf(`{"target": %q, "resolved_ip": "10.0.0.5", "method": %q, "sent": %d, "received": %d, "loss_pct": %.1f,
	  "rtt_ms": {"min": %v, "avg": %v, "max": %v, "stddev": 1}, "ok": %v%s}`, target, method, sent, recv, loss, avg, avg, avg, recv > 0, extra)
}

func TestPing(t *testing.T) {
	runCases(t, analyzePing, []tcase{
		{name: "healthy", files: results(pingPath, ping("api.example", "icmp-raw", 4, 4, 12, ""))},
		{name: "loss", files: results(pingPath, ping("api.example", "icmp-raw", 10, 6, 12, "")), want: []string{"ping.loss warning api.example"}, title: "40% packet loss to api.example (10.0.0.5)"},
		{name: "small loss", files: results(pingPath, ping("api.example", "icmp-raw", 100, 99, 12, "")), want: []string{"ping.loss info api.example"}},
		{name: "no reply", files: results(pingPath, ping("api.example", "icmp-datagram", 4, 0, 0, "")), want: []string{"ping.no_reply warning api.example"}},
		{name: "latency", files: results(pingPath, ping("far.example", "tcp-connect", 4, 4, 420, "")), want: []string{"ping.latency warning far.example"}},
		{name: "error", files: results(pingPath, `{"target": "nope.example", "resolved_ip": "", "method": "", "sent": 0, "received": 0, "loss_pct": 0, "rtt_ms": {}, "ok": false, "error": "lookup nope.example: no such host"}`),
			want: []string{"ping.error warning nope.example"}},
	})
}

func trace(target string, reached bool, end string, hops ...string) string {
	return fmt.Sprintf(`{"target": %q, "resolved_ip": "10.9.9.9", "protocol": "udp", "max_hops": 30, "hops": [%s], "reached": %v, "end_reason": %q}`,
		target, strings.Join(hops, ","), reached, end)
}

func hop(ttl int, ip, note string) string {
	return fmt.Sprintf(`{"ttl": %d, "ip": %q, "rtt_ms": [1, null, 2], "note": %q}`, ttl, ip, note)
}

func TestTrace(t *testing.T) {
	runCases(t, analyzeTrace, []tcase{
		{name: "reached", files: results(tracePath, trace("api.example", true, "reached", hop(1, "10.0.0.1", ""), hop(2, "10.9.9.9", "")))},
		{name: "could not run", files: results(tracePath, `{"target": "api.example", "protocol": "udp", "max_hops": 30, "hops": [], "reached": false, "end_reason": "error", "error": "raw socket: operation not permitted"}`)},
		{name: "stops", files: results(tracePath, trace("api.example", false, "max_hops", hop(1, "10.0.0.1", ""), hop(2, "172.16.0.1", ""), hop(3, "", ""), hop(4, "", ""))),
			want: []string{"trace.incomplete warning api.example"}, title: "stops after 172.16.0.1 (hop 2)"},
		{name: "prohibited", files: results(tracePath, trace("api.example", false, "unreachable", hop(1, "10.0.0.1", ""), hop(2, "172.16.0.1", "!X"))),
			want: []string{"trace.incomplete warning api.example"}},
		{name: "no hop answered", files: results(tracePath, trace("api.example", false, "max_hops", hop(1, "", ""))),
			want: []string{"trace.incomplete warning api.example"}, title: "no answer from any hop"},
		{name: "other checks reached the host", files: merge(results(tracePath, trace("api.example", false, "max_hops", hop(1, "10.0.0.1", ""))),
			results(tcpPath, `{"target": "api.example:443", "resolved_ip": "10.9.9.9", "connected": true, "connect_ms": 3}`)),
			want: []string{"trace.incomplete info api.example"}},
	})
}

func TestTCP(t *testing.T) {
	tcp := func(target string, connected bool, class string) string {
		return fmt.Sprintf(`{"target": %q, "resolved_ip": "127.0.0.1", "connected": %v, "connect_ms": 5000, "class": %q, "error": "dial tcp: %s"}`, target, connected, class, class)
	}
	runCases(t, analyzeTCP, []tcase{
		{name: "connected", files: results(tcpPath, `{"target": "db:5432", "resolved_ip": "10.0.0.7", "connected": true, "connect_ms": 1}`)},
		{name: "refused", files: results(tcpPath, tcp("127.0.0.1:1", false, "refused")), want: []string{"tcp.refused critical 127.0.0.1:1"}, title: "Connection to 127.0.0.1:1 refused"},
		{name: "filtered", files: results(tcpPath, tcp("db:5432", false, "timeout")), want: []string{"tcp.filtered critical db:5432"}, title: "timed out (filtered)"},
		{name: "unreachable", files: results(tcpPath, tcp("db:5432", false, "unreachable")), want: []string{"tcp.unreachable critical db:5432"}},
		{name: "dns", files: results(tcpPath, tcp("nope:5432", false, "dns")), want: []string{"tcp.dns critical nope:5432"}},
		{name: "other", files: results(tcpPath, tcp("db:5432", false, "error")), want: []string{"tcp.error warning db:5432"}},
	})
}

func TestMTU(t *testing.T) {
	ifs := func(mtu int) map[string]string {
		return map[string]string{"system/interfaces.json": fmt.Sprintf(`{"interfaces": [
		  {"index": 1, "name": "lo", "mtu": 65536, "flags": ["up", "loopback", "running"], "addresses": ["127.0.0.1/8"]},
		  {"index": 2, "name": "eth0", "mtu": %d, "flags": ["up", "broadcast", "running"], "addresses": ["192.0.2.2/24"]},
		  {"index": 3, "name": "eth1", "mtu": 576, "flags": ["broadcast"], "addresses": []}]}`, mtu)}
	}
	pmtu := func(bytes int, by string) map[string]string {
		return results(pingPath, ping("api.example", "icmp-raw", 4, 4, 10, fmt.Sprintf(`, "path_mtu": {"bytes": %d, "tried": [{"size": 1500, "reply": false, "note": "no reply"}, {"size": %d, "reply": true}], "reported_by": %q}`, bytes, bytes, by)))
	}
	runCases(t, analyzeMTU, []tcase{
		{name: "normal", files: merge(ifs(1500), pmtu(1500, ""))},
		{name: "tunnel MTU is fine", files: ifs(1400)},
		{name: "interface too low", files: ifs(1000), want: []string{"mtu.interface_low warning eth0"}},
		{name: "path below, reported", files: merge(ifs(1500), pmtu(1400, "10.0.0.1")), want: []string{"mtu.path info api.example"}},
		{name: "path black hole", files: merge(ifs(1500), pmtu(1400, "")), want: []string{"mtu.path warning api.example"}, title: "Path MTU to api.example is 1400 bytes, below the interface MTU 1500"},
		{name: "probe could not run", files: merge(ifs(1500), results(pingPath, ping("api.example", "icmp-datagram", 4, 4, 10, `, "path_mtu": {"bytes": 0, "tried": [], "error": "needs raw ICMP"}`)))},
	})
}
