package daemon

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/casefile/casefile/history"
	"github.com/casefile/casefile/internal/testenv"
)

// dnsTarget is a DNS server on loopback answering A queries for any name with 127.0.0.2.
func dnsTarget(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		if len(q.Question) == 1 && q.Question[0].Qtype == dns.TypeA {
			rr, _ := dns.NewRR(q.Question[0].Name + " 60 IN A 127.0.0.2")
			m.Answer = append(m.Answer, rr)
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func lastResults(t *testing.T, td *testDaemon, names ...string) map[string]*history.Result {
	t.Helper()
	out := map[string]*history.Result{}
	waitFor(t, 15*time.Second, "a result of every monitor", func() bool {
		st, err := td.client.Status(context.Background())
		if err != nil {
			return false
		}
		for _, m := range st.Monitors {
			if m.Last != nil {
				out[m.Name] = m.Last
			}
		}
		return len(out) == len(names)
	})
	return out
}

// TestEveryCheckKind runs each kind of monitor against real loopback peers (TCP listener, HTTP
// server, a DNS server answering on 127.0.0.1) and the real machine (samples), and checks what
// each records.
func TestEveryCheckKind(t *testing.T) {
	tcpAddr, _ := tcpTarget(t)
	dnsAddr := dnsTarget(t)
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"status":"up"}`)) })}
	go hs.Serve(hln)
	t.Cleanup(func() { hs.Close() })
	td := startDaemon(t, specHead+fmt.Sprintf(`monitors:
  - {name: tcp, interval: 1s, tcp: {target: %q}}
  - {name: http, interval: 1s, http: {url: "http://%s/health", expect_status: 200, json_field: status, json_equals: up}}
  - {name: dns, interval: 1s, dns: {name: api.test.example, types: [A], servers: [%q]}}
  - {name: load, interval: 1s, load: {}}
  - {name: mem, interval: 1s, memory: {max_used_percent: 100}}
  - {name: disk, interval: 1s, disk: {path: /}}
  - {name: clock, interval: 1s, clock: {}}
`, tcpAddr, hln.Addr(), dnsAddr))
	rs := lastResults(t, td, "tcp", "http", "dns", "load", "mem", "disk", "clock")
	check := func(name string, ok bool, what string) {
		if !ok {
			t.Errorf("%s: %s: %+v (detail %s)", name, what, *rs[name], rs[name].Detail)
		}
	}
	r := rs["tcp"]
	check("tcp", r.OK && r.Check == "tcp" && r.Target == tcpAddr && r.LatencyMS > 0, "want ok, target and connect time")
	r = rs["http"]
	check("http", r.OK && r.Value == 200 && r.LatencyMS > 0 && strings.Contains(string(r.Detail), `"timings_ms"`), "want ok, status 200, timings")
	r = rs["dns"]
	check("dns", r.OK && r.Answer == "A=127.0.0.2" && r.Target == "api.test.example" && strings.Contains(string(r.Detail), dnsAddr), "want the answer A=127.0.0.2 from the loopback server")
	r = rs["load"]
	check("load", r.OK && r.Target == "load1" && strings.Contains(string(r.Detail), "load15"), "want ok (no threshold) and the three averages")
	r = rs["mem"]
	check("mem", r.OK && r.Value > 0 && r.Value <= 100, "want the used percentage")
	r = rs["disk"]
	check("disk", r.OK && r.Target == "/" && r.Value > 0 && strings.Contains(string(r.Detail), "total_bytes"), "want the used percentage of /")
	r = rs["clock"]
	// A container's kernel may well say the clock is not synchronised: either way it is recorded.
	check("clock", r.Check == "clock" && (r.OK || strings.Contains(r.Error, "STA_UNSYNC")) && strings.Contains(string(r.Detail), "offset_ms"), "want the kernel's offset")
}

// TestPingAndTraceMonitors needs root (raw ICMP sockets) as casefile check ping and trace do.
func TestPingAndTraceMonitors(t *testing.T) {
	testenv.NeedRoot(t)
	td := startDaemon(t, specHead+`monitors:
  - {name: ping, interval: 2s, ping: {host: 127.0.0.1, count: 2}}
  - {name: trace, interval: 3s, trace: {host: 127.0.0.1, max_hops: 3, protocol: icmp}}
`)
	rs := lastResults(t, td, "ping", "trace")
	if r := rs["ping"]; !r.OK || r.Value != 0 || r.LatencyMS <= 0 || !strings.Contains(string(r.Detail), `"received": 2`) && !strings.Contains(string(r.Detail), `"received":2`) {
		t.Errorf("ping: %+v %s", *r, r.Detail)
	}
	if r := rs["trace"]; !r.OK || r.Value != 1 {
		t.Errorf("trace: %+v %s", *r, r.Detail)
	}
}
