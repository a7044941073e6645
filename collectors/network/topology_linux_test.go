package network

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/netns"
	"github.com/casefile/casefile/internal/testenv"
	"github.com/casefile/casefile/spec"
)

// debianTraceroute runs Debian's `traceroute -n` inside the client namespace and returns the first
// address answering each hop ("" for a silent hop).
func debianTraceroute(t *testing.T, c *netns.Chain, args ...string) []string {
	t.Helper()
	testenv.NeedTool(t, "traceroute") // Debian's traceroute (package traceroute)
	out := c.MustRun(t, c.Client, append([]string{"traceroute", "-n"}, args...)...)
	var hops []string
	for _, line := range strings.Split(out, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if _, err := strconv.Atoi(f[0]); err != nil {
			continue
		}
		ip := ""
		for _, x := range f[1:] {
			if net.ParseIP(x) != nil {
				ip = x
				break
			}
		}
		hops = append(hops, ip)
	}
	t.Logf("traceroute -n %s:\n%s", strings.Join(args, " "), out)
	return hops
}

func hopIPs(r TraceResult) []string {
	var out []string
	for _, h := range r.Hops {
		out = append(out, h.IP)
	}
	return out
}

func TestTopology(t *testing.T) {
	t.Parallel()
	c := netns.NewChain(t)
	startServer(t, c, c.Server, ":8080")
	want := []string{c.Router1In, c.Router2In, c.ServerIP}

	trace := func(t *testing.T, proto string, port, maxHops int, wait time.Duration) TraceResult {
		var r TraceResult
		runIn(t, c, c.Client, helperJob{Kind: "trace", Trace: &spec.Trace{
			Host: c.ServerIP, Protocol: proto, Port: port, MaxHops: maxHops, Timeout: spec.Duration(wait)}}, &r)
		t.Logf("%s trace: %+v", proto, r)
		return r
	}
	ping := func(t *testing.T, count int, interval time.Duration, mtu bool) PingResult {
		var r PingResult
		runIn(t, c, c.Client, helperJob{Kind: "ping", Ping: &spec.PingCheck{
			Host: c.ServerIP, Count: count, Interval: spec.Duration(interval), Timeout: spec.Duration(500 * time.Millisecond), MTU: mtu}}, &r)
		t.Logf("ping: %+v", r)
		return r
	}
	tcp := func(t *testing.T, port int) TCPResult {
		var r TCPResult
		runIn(t, c, c.Client, helperJob{Kind: "tcp", TCP: &spec.TCPCheck{
			Target: net.JoinHostPort(c.ServerIP, strconv.Itoa(port)), Timeout: spec.Duration(700 * time.Millisecond)}}, &r)
		t.Logf("tcp: %+v", r)
		return r
	}

	t.Run("clear path", func(t *testing.T) {
		deb := debianTraceroute(t, c, "-w", "1", c.ServerIP)
		if fmt.Sprint(deb) != fmt.Sprint(want) {
			t.Fatalf("Debian traceroute hops %v, want %v", deb, want)
		}
		for _, p := range []struct {
			proto string
			port  int
			flag  []string
		}{{"udp", 0, nil}, {"icmp", 0, []string{"-I"}}, {"tcp", 8080, []string{"-T", "-p", "8080"}}} {
			r := trace(t, p.proto, p.port, 10, time.Second)
			if got := hopIPs(r); fmt.Sprint(got) != fmt.Sprint(deb) {
				t.Errorf("%s trace hops %v, Debian traceroute %v", p.proto, got, deb)
			}
			if !r.Reached || r.EndReason != "reached" {
				t.Errorf("%s trace: reached %v, end %q", p.proto, r.Reached, r.EndReason)
			}
			for _, h := range r.Hops {
				if len(h.RTTMS) != probesPerHop {
					t.Errorf("%s hop %d: %d probes", p.proto, h.TTL, len(h.RTTMS))
				}
				for _, v := range h.RTTMS {
					if v == nil || *v <= 0 {
						t.Errorf("%s hop %d: silent or zero probe %v", p.proto, h.TTL, v)
					}
				}
			}
			if p.flag != nil {
				if deb2 := debianTraceroute(t, c, append(p.flag, "-w", "1", c.ServerIP)...); fmt.Sprint(deb2) != fmt.Sprint(hopIPs(r)) {
					t.Errorf("%s: Debian traceroute %v, ours %v", p.proto, deb2, hopIPs(r))
				}
			}
		}
		p := ping(t, 3, 50*time.Millisecond, false)
		if !p.OK || p.Sent != 3 || p.Received != 3 || p.LossPct != 0 || p.Method != MethodICMPRaw || p.ResolvedIP != c.ServerIP {
			t.Errorf("ping: %+v", p)
		}
		if p.RTTMS.Min <= 0 || p.RTTMS.Min > p.RTTMS.Avg || p.RTTMS.Avg > p.RTTMS.Max {
			t.Errorf("ping rtt: %+v", p.RTTMS)
		}
		if r := tcp(t, 8080); !r.Connected || r.ConnectMS <= 0 {
			t.Errorf("tcp to a listener: %+v", r)
		}
		if r := tcp(t, 9); r.Connected || r.Class != "refused" {
			t.Errorf("tcp to a closed port: %+v", r)
		}
	})

	t.Run("IPv6", func(t *testing.T) {
		want6 := []string{c.Router1In6, c.Router2In6, c.ServerIP6}
		for _, p := range []struct {
			proto string
			port  int
			flag  []string
		}{{"udp", 0, nil}, {"icmp", 0, []string{"-I"}}, {"tcp", 8080, []string{"-T", "-p", "8080"}}} {
			deb := debianTraceroute(t, c, append(append([]string{"-6"}, p.flag...), "-w", "1", c.ServerIP6)...)
			if fmt.Sprint(deb) != fmt.Sprint(want6) {
				t.Errorf("Debian traceroute -6 %v: hops %v, want %v", p.flag, deb, want6)
			}
			var r TraceResult
			runIn(t, c, c.Client, helperJob{Kind: "trace", Trace: &spec.Trace{Host: c.ServerIP6, Protocol: p.proto, Port: p.port, MaxHops: 10}}, &r)
			if fmt.Sprint(hopIPs(r)) != fmt.Sprint(deb) || !r.Reached || r.ResolvedIP != c.ServerIP6 {
				t.Errorf("%s trace over IPv6: %+v, Debian traceroute %v", p.proto, r, deb)
			}
		}
		var p PingResult
		runIn(t, c, c.Client, helperJob{Kind: "ping", Ping: &spec.PingCheck{Host: c.ServerIP6, Count: 2, Interval: spec.Duration(20 * time.Millisecond)}}, &p)
		if !p.OK || p.Received != 2 || p.Method != MethodICMPRaw {
			t.Errorf("ping over IPv6: %+v", p)
		}
		var tr TCPResult
		runIn(t, c, c.Client, helperJob{Kind: "tcp", TCP: &spec.TCPCheck{Target: net.JoinHostPort(c.ServerIP6, "8080")}}, &tr)
		if !tr.Connected {
			t.Errorf("tcp over IPv6: %+v", tr)
		}
	})

	t.Run("unprivileged", func(t *testing.T) {
		job := helperJob{Kind: "ping", Ping: &spec.PingCheck{Host: c.ServerIP, Count: 2, Interval: spec.Duration(20 * time.Millisecond), Port: 8080}}
		// ping_group_range "1 0" (the kernel default) allows no group ICMP datagram sockets.
		c.MustRun(t, c.Client, "sysctl", "-qw", "net.ipv4.ping_group_range=1 0")
		var p PingResult
		runUnprivileged(t, c, c.Client, job, &p)
		t.Logf("ping as nobody, no ICMP sockets: %+v", p)
		if p.Method != MethodTCPConnect || p.Port != 8080 || p.Received != 2 || !p.OK || !strings.Contains(p.MethodNote, "ICMP not permitted") {
			t.Errorf("TCP fallback: %+v", p)
		}
		c.MustRun(t, c.Client, "sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647")
		p = PingResult{}
		runUnprivileged(t, c, c.Client, job, &p)
		t.Logf("ping as nobody with ping_group_range open: %+v", p)
		if p.Method != MethodICMPDatagram || p.Received != 2 || !p.OK || p.Port != 0 {
			t.Errorf("ICMP datagram socket: %+v", p)
		}
		var r TraceResult
		runUnprivileged(t, c, c.Client, helperJob{Kind: "trace", Trace: &spec.Trace{Host: c.ServerIP}}, &r)
		if r.EndReason != "error" || !strings.Contains(r.Error, "needs root or CAP_NET_RAW") {
			t.Errorf("trace as nobody: %+v", r)
		}
	})

	t.Run("path MTU", func(t *testing.T) {
		c.MustRun(t, c.Router2, "ip", "link", "set", "eth1", "mtu", "1400")
		c.MustRun(t, c.Server, "ip", "link", "set", "eth0", "mtu", "1400")
		defer func() {
			c.MustRun(t, c.Router2, "ip", "link", "set", "eth1", "mtu", "1500")
			c.MustRun(t, c.Server, "ip", "link", "set", "eth0", "mtu", "1500")
		}()
		p := ping(t, 1, 0, true)
		if p.PathMTU == nil || p.PathMTU.Bytes != 1400 || p.PathMTU.ReportedBy != c.Router2In {
			t.Errorf("path MTU: %+v", p.PathMTU)
		}
	})

	t.Run("silent router", func(t *testing.T) {
		c.Nft(t, c.Router1, nftChain("output", "icmp type time-exceeded drop"))
		defer c.FlushNft(t, c.Router1)
		deb := debianTraceroute(t, c, "-w", "0.5", c.ServerIP)
		if fmt.Sprint(deb) != fmt.Sprint([]string{"", c.Router2In, c.ServerIP}) {
			t.Fatalf("Debian traceroute hops %v", deb)
		}
		r := trace(t, "udp", 0, 10, 500*time.Millisecond)
		if fmt.Sprint(hopIPs(r)) != fmt.Sprint(deb) || !r.Reached {
			t.Errorf("trace hops %v reached %v, Debian traceroute %v", hopIPs(r), r.Reached, deb)
		}
		if len(r.Hops) > 0 {
			for _, v := range r.Hops[0].RTTMS {
				if v != nil {
					t.Errorf("silent hop has an rtt: %v", *v)
				}
			}
		}
		// The router forwards; only its own ICMP is silenced.
		if p := ping(t, 2, 50*time.Millisecond, false); p.Received != 2 {
			t.Errorf("ping through a silent router: %+v", p)
		}
	})

	t.Run("random loss", func(t *testing.T) {
		c.Nft(t, c.Router2, nftChain("forward", `ip daddr `+c.ServerIP+` icmp type echo-request numgen random mod 100 < 40 drop`))
		defer c.FlushNft(t, c.Router2)
		p := ping(t, 30, 10*time.Millisecond, false)
		if p.Sent != 30 || p.LossPct < 5 || p.LossPct > 85 || !p.OK {
			t.Errorf("ping with 40%% loss: %+v", p)
		}
		if want := float64(p.Sent-p.Received) / float64(p.Sent) * 100; p.LossPct < want-0.1 || p.LossPct > want+0.1 {
			t.Errorf("loss_pct %v, sent %d received %d", p.LossPct, p.Sent, p.Received)
		}
	})

	t.Run("blackhole", func(t *testing.T) {
		c.Nft(t, c.Router2, nftChain("forward", `ip daddr `+c.ServerIP+` drop`))
		defer c.FlushNft(t, c.Router2)
		if p := ping(t, 2, 50*time.Millisecond, false); p.OK || p.Received != 0 || p.LossPct != 100 {
			t.Errorf("ping into a blackhole: %+v", p)
		}
		if r := tcp(t, 8080); r.Connected || r.Class != "timeout" {
			t.Errorf("tcp into a blackhole: %+v", r)
		}
		r := trace(t, "udp", 0, 5, 300*time.Millisecond)
		deb := debianTraceroute(t, c, "-w", "0.3", "-m", "5", c.ServerIP)
		if fmt.Sprint(hopIPs(r)) != fmt.Sprint(deb) {
			t.Errorf("trace hops %v, Debian traceroute %v", hopIPs(r), deb)
		}
		if r.Reached || r.EndReason != "max_hops" || len(r.Hops) != 5 || r.Hops[1].IP != c.Router2In || r.Hops[2].IP != "" {
			t.Errorf("trace into a blackhole: %+v", r)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		c.Nft(t, c.Router2, nftChain("forward", `ip daddr `+c.ServerIP+` reject with icmp type host-unreachable`))
		defer c.FlushNft(t, c.Router2)
		if r := tcp(t, 8080); r.Connected || r.Class != "unreachable" {
			t.Errorf("tcp to an unreachable host: %+v", r)
		}
		r := trace(t, "udp", 0, 10, 500*time.Millisecond)
		if r.Reached || r.EndReason != "unreachable" || len(r.Hops) != 3 || r.Hops[2].Note != "!H" || r.Hops[2].IP != c.Router2In {
			t.Errorf("trace to an unreachable host: %+v", r)
		}
	})
}

// nftChain is a ruleset with one base chain on hook holding rule.
func nftChain(hook, rule string) string {
	return "table inet cf {\n\tchain c {\n\t\ttype filter hook " + hook + " priority 0;\n\t\t" + rule + "\n\t}\n}\n"
}

// TestTopologyDNS resolves through the resolver configuration the client namespace really has:
// two dnsmasq servers in the topology giving different answers, and the OS resolver.
func TestTopologyDNS(t *testing.T) {
	t.Parallel()
	c := netns.NewChain(t)
	testenv.NeedTool(t, "dnsmasq")
	dnsmasq := func(ns, ip, answer string) {
		c.Start(t, ns, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
			"--bind-interfaces", "--listen-address="+ip, "--pid-file="+filepath.Join(t.TempDir(), "pid"),
			"--log-facility=-", "--local-ttl=60", "--local=/test/", "--host-record=api.test,"+answer)
		c.WaitListening(t, ns, "udp", 53)
	}
	dnsmasq(c.Server, c.ServerIP, "10.1.0.1")
	dnsmasq(c.Router2, c.Router2Out, "10.1.0.2")
	c.SetResolvConf(t, c.Client, "nameserver "+c.ServerIP+"\nnameserver "+c.Router2Out+"\nsearch test\n")

	var doc DNSDoc
	runIn(t, c, c.Client, helperJob{Kind: "dns", DNS: []spec.DNSCheck{
		{Name: "api.test", Types: []string{"A"}},
		{Name: "nope.test", Types: []string{"A"}},
	}}, &doc)
	t.Logf("%+v", doc)
	if doc.Resolver.Source != "/etc/resolv.conf" || fmt.Sprint(doc.Resolver.Servers) != fmt.Sprint([]string{c.ServerIP, c.Router2Out}) {
		t.Fatalf("resolver config: %+v", doc.Resolver)
	}
	api := doc.Results[0]
	if len(api.Servers) != 2 || api.Servers[0].Server != c.ServerIP+":53" || fmt.Sprint(answerData(api.Servers[0])) != "[A 10.1.0.1]" ||
		fmt.Sprint(answerData(api.Servers[1])) != "[A 10.1.0.2]" {
		t.Errorf("servers: %+v", api.Servers)
	}
	if api.System == nil || fmt.Sprint(api.System.Addrs) != "[10.1.0.1]" || api.System.Error != "" {
		t.Errorf("system resolver: %+v", api.System)
	}
	// Server 2 disagrees with server 1; the OS resolver asked server 1 and agrees with it.
	if !api.Disagreement || len(api.Disagreements) != 1 || !strings.Contains(api.Disagreements[0], c.Router2Out+":53 returned [10.1.0.2]") {
		t.Errorf("disagreements: %v", api.Disagreements)
	}
	nope := doc.Results[1]
	if nope.OK || nope.System == nil || nope.System.Error != "not found" || nope.Servers[0].Rcode != "NXDOMAIN" {
		t.Errorf("nope.test: %+v", nope)
	}
}
