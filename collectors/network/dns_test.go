package network

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/casefile/casefile/internal/testenv"
	"github.com/casefile/casefile/spec"
)

// startDnsmasq runs a real dnsmasq on 127.0.0.1 at a free port, serving only the given options'
// records (no upstreams, no /etc/hosts), and returns "127.0.0.1:port".
func startDnsmasq(t *testing.T, opts ...string) string {
	t.Helper()
	bin := testenv.NeedTool(t, "dnsmasq") // Debian package dnsmasq
	port := freePort(t)
	dir := t.TempDir()
	args := append([]string{"--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
		"--bind-interfaces", "--listen-address=127.0.0.1", "--port=" + strconv.Itoa(port),
		"--pid-file=" + filepath.Join(dir, "pid"), "--log-facility=-", "--local-ttl=300", "--local=/test/"}, opts...)
	cmd := exec.Command(bin, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if r := Query(context.Background(), addr, "ready.probe.", dns.TypeA, 200*time.Millisecond); r.Error == "" {
			return addr
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("dnsmasq did not answer on %s:\n%s", addr, out.String())
	return ""
}

// freePort returns a port free for both UDP and TCP on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		l, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		l.Close()
		if err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

func answerData(r DNSServerResult) []string {
	var out []string
	for _, a := range r.Answers {
		out = append(out, a.Type+" "+a.Data)
	}
	return out
}

func TestDNSAgainstDnsmasq(t *testing.T) {
	var big []string
	for i := 1; i <= 60; i++ {
		big = append(big, fmt.Sprintf("--host-record=big.test,10.9.0.%d", i))
	}
	a := startDnsmasq(t, append([]string{
		"--host-record=api.test,10.1.0.1,fd00::1",
		"--cname=alias.test,api.test",
		"--txt-record=txt.test,hello world",
		"--mx-host=mx.test,mail.test,10",
	}, big...)...)
	b := startDnsmasq(t, "--host-record=api.test,10.1.0.2", "--address=/rewrite.test/10.66.0.1")
	ctx := context.Background()
	one := func(name, typ string, servers ...string) DNSResult {
		return Resolve(ctx, spec.DNSCheck{Name: name, Servers: servers, Timeout: spec.Duration(2 * time.Second)}, typ, ResolverConfig{})
	}

	t.Run("known records", func(t *testing.T) {
		for _, c := range []struct {
			name, typ string
			want      []string
		}{
			{"api.test", "A", []string{"A 10.1.0.1"}},
			{"api.test", "AAAA", []string{"AAAA fd00::1"}},
			{"alias.test", "CNAME", []string{"CNAME api.test."}},
			{"txt.test", "TXT", []string{"TXT hello world"}},
			{"mx.test", "MX", []string{"MX 10 mail.test."}},
		} {
			r := one(c.name, c.typ, a)
			s := r.Servers[0]
			if !r.OK || s.Rcode != "NOERROR" || s.Error != "" || s.Truncated || s.Transport != "udp" || r.Disagreement {
				t.Errorf("%s %s: %+v", c.name, c.typ, r)
			}
			if got := answerData(s); !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s %s answers %v, want %v", c.name, c.typ, got, c.want)
			}
			if s.Answers[0].TTL != 300 || s.Answers[0].Name != dns.Fqdn(c.name) || s.RTTMS <= 0 {
				t.Errorf("%s %s: answer %+v rtt %v", c.name, c.typ, s.Answers[0], s.RTTMS)
			}
			if !strings.Contains(strings.Join(s.Flags, " "), "aa") || !strings.Contains(strings.Join(s.Flags, " "), "rd") {
				t.Errorf("%s %s: flags %v, want aa and rd", c.name, c.typ, s.Flags)
			}
		}
	})

	t.Run("truncated answer retried over TCP", func(t *testing.T) {
		r := one("big.test", "A", a)
		s := r.Servers[0]
		if !r.OK || !s.Truncated || s.Transport != "tcp" || len(s.Answers) != 60 {
			t.Fatalf("big.test: ok %v truncated %v transport %s answers %d error %q", r.OK, s.Truncated, s.Transport, len(s.Answers), s.Error)
		}
		if strings.Contains(strings.Join(s.Flags, " "), "tc") {
			t.Errorf("TCP answer still flagged tc: %v", s.Flags)
		}
	})

	t.Run("name that does not exist", func(t *testing.T) {
		r := one("nope.test", "A", a)
		if r.OK || r.Servers[0].Rcode != "NXDOMAIN" || len(r.Servers[0].Answers) != 0 {
			t.Fatalf("nope.test: %+v", r)
		}
		if !strings.Contains(r.Describe(), "NXDOMAIN") {
			t.Errorf("describe: %s", r.Describe())
		}
	})

	t.Run("servers disagree", func(t *testing.T) {
		r := one("api.test", "A", a, b)
		if !r.Disagreement || len(r.Disagreements) != 1 || !r.OK {
			t.Fatalf("api.test through two servers: %+v", r)
		}
		want := fmt.Sprintf("%s returned [10.1.0.1] but %s returned [10.1.0.2]", a, b)
		if r.Disagreements[0] != want {
			t.Errorf("disagreement %q, want %q", r.Disagreements[0], want)
		}
	})

	t.Run("NXDOMAIN rewriting", func(t *testing.T) {
		r := Resolve(ctx, spec.DNSCheck{Name: "rewrite.test", Servers: []string{b}, NXDomainProbe: true}, "A", ResolverConfig{})
		if r.NXDomainProbe == nil || !r.NXDomainProbe.Rewritten || r.OK {
			t.Fatalf("rewriting server: %+v", r.NXDomainProbe)
		}
		if !strings.HasPrefix(r.NXDomainProbe.Name, "casefile-nx-") || !strings.HasSuffix(r.NXDomainProbe.Name, ".rewrite.test.") {
			t.Errorf("probe name %q", r.NXDomainProbe.Name)
		}
		want := "dns rewrite.test A: NXDOMAIN rewritten: " + strings.TrimSuffix(r.NXDomainProbe.Name, ".") + " resolved to 10.66.0.1 at " + b
		if got := r.Describe(); got != want {
			t.Errorf("describe %q, want %q", got, want)
		}
		// Through the collector: one of two checks fails and the collector's error names the
		// rewriting (it ended in an empty reason before).
		doc := RunDNS(ctx, []spec.DNSCheck{
			{Name: "rewrite.test", Types: []string{"A"}, Servers: []string{b}, NXDomainProbe: true},
			{Name: "api.test", Types: []string{"A"}, Servers: []string{b}},
		}, Env{Root: "testdata/plain"})
		err := summarize(doc.Results)
		if err == nil || !strings.Contains(err.Error(), "1 of 2 checks failed: dns rewrite.test A: NXDOMAIN rewritten: casefile-nx-") ||
			!strings.HasSuffix(err.Error(), " resolved to 10.66.0.1 at "+b) {
			t.Errorf("collector error: %v", err)
		}
		r = Resolve(ctx, spec.DNSCheck{Name: "api.test", Servers: []string{a}, NXDomainProbe: true}, "A", ResolverConfig{})
		if r.NXDomainProbe == nil || r.NXDomainProbe.Rewritten || r.NXDomainProbe.Servers[0].Rcode != "NXDOMAIN" || !r.OK {
			t.Fatalf("honest server: %+v", r.NXDomainProbe)
		}
	})

	t.Run("server not answering", func(t *testing.T) {
		dead := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
		r := Resolve(ctx, spec.DNSCheck{Name: "api.test", Servers: []string{a, dead}, Timeout: spec.Duration(300 * time.Millisecond)}, "A", ResolverConfig{})
		if r.OK || r.Servers[1].Error == "" || r.Servers[0].Error != "" {
			t.Fatalf("dead server: %+v", r)
		}
	})

	t.Run("unknown type", func(t *testing.T) {
		if r := one("api.test", "BOGUS", a); r.OK || !strings.Contains(r.Error, "unknown record type") {
			t.Fatalf("%+v", r)
		}
	})

	t.Run("collector", func(t *testing.T) {
		doc := RunDNS(ctx, []spec.DNSCheck{{Name: "api.test", Servers: []string{a}}, {Name: "nope.test", Types: []string{"a"}, Servers: []string{a}}}, Env{Root: "testdata/plain"})
		if len(doc.Results) != 3 || doc.Results[0].Type != "A" || doc.Results[1].Type != "AAAA" || doc.Results[2].Type != "A" {
			t.Fatalf("results: %+v", doc.Results)
		}
		if !doc.Results[0].OK || !doc.Results[1].OK || doc.Results[2].OK {
			t.Errorf("ok: %v %v %v", doc.Results[0].OK, doc.Results[1].OK, doc.Results[2].OK)
		}
		if runtime.GOOS == "linux" && !reflect.DeepEqual(doc.Resolver.Servers, []string{"192.0.2.1", "fe80::1%eth0"}) {
			t.Errorf("resolver: %+v", doc.Resolver)
		}
	})
}

func TestResolverConfig(t *testing.T) {
	if runtime.GOOS != "linux" {
		// Not a missing requirement: the reader under test is the Linux one; other OSes ask
		// their own resolver APIs (tested on those OSes).
		t.Skip("resolv.conf and systemd-resolved are Linux's")
	}
	ctx := context.Background()
	cfg := ReadResolverConfig(ctx, "testdata/plain")
	want := ResolverConfig{Source: "/etc/resolv.conf", Servers: []string{"192.0.2.1", "fe80::1%eth0"}, Search: []string{"example.net"}}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("plain: %+v, want %+v", cfg, want)
	}
	cfg = ReadResolverConfig(ctx, "testdata/resolved")
	want = ResolverConfig{Source: "/etc/resolv.conf", Servers: []string{"192.0.2.53", "2001:db8::53"}, Search: []string{"corp.example"},
		Stub: []string{"127.0.0.53"}, StubSource: "/run/systemd/resolve/resolv.conf"}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("systemd-resolved: %+v, want %+v", cfg, want)
	}
	if cfg := ReadResolverConfig(ctx, "testdata/missing"); cfg.Error == "" || len(cfg.Servers) != 0 {
		t.Errorf("missing: %+v", cfg)
	}
	if got := normalizeServer("fe80::1%eth0"); got != "[fe80::1%eth0]:53" {
		t.Errorf("normalizeServer: %s", got)
	}
}

func TestParseScutil(t *testing.T) {
	out := `DNS configuration

resolver #1
  search domain[0] : corp.example
  nameserver[0] : 192.0.2.10
  nameserver[1] : 2001:db8::10
  if_index : 6 (en0)
  flags    : Request A records, Request AAAA records
  reach    : 0x00000002 (Reachable)

resolver #2
  domain   : local
  options  : mdns
  timeout  : 5

DNS configuration (for scoped queries)

resolver #1
  nameserver[0] : 192.0.2.99
`
	servers, search := parseScutil([]byte(out))
	if !reflect.DeepEqual(servers, []string{"192.0.2.10", "2001:db8::10"}) || !reflect.DeepEqual(search, []string{"corp.example"}) {
		t.Errorf("servers %v search %v", servers, search)
	}
}
