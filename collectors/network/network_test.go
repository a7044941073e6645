package network

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
	"github.com/casefile/casefile/spec"
)

func names(cs []collectors.Collector) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name())
	}
	return out
}

func TestCollectorsFromSpec(t *testing.T) {
	cs, err := Collectors(collectors.Options{Spec: &spec.Spec{}})
	if err != nil || len(cs) != 0 {
		t.Fatalf("empty network section: %v %v", names(cs), err)
	}
	if cs, err := Collectors(collectors.Options{}); err != nil || len(cs) != 0 {
		t.Fatalf("no spec: %v %v", names(cs), err)
	}
	s := &spec.Spec{Network: spec.Network{
		DNS:   []spec.DNSCheck{{Name: "a.test"}},
		Ping:  []spec.PingCheck{{Host: "127.0.0.1"}},
		Trace: []spec.Trace{{Host: "127.0.0.1"}},
		TCP:   []spec.TCPCheck{{Target: "127.0.0.1:1"}},
		HTTP:  []spec.HTTPCheck{{URL: "http://127.0.0.1:1/"}},
	}}
	cs, err = Collectors(collectors.Options{Spec: s})
	if err != nil || fmt.Sprint(names(cs)) != "[network.dns network.ping network.trace network.tcp network.http]" {
		t.Fatalf("collectors %v, %v", names(cs), err)
	}
	for _, c := range cs {
		if c.Family() != collectors.FamilyNetwork {
			t.Errorf("%s family %q", c.Name(), c.Family())
		}
	}
	s.Network.HTTP[0].URL = "ftp://x"
	if _, err := Collectors(collectors.Options{Spec: s}); err == nil || !strings.Contains(err.Error(), "network.http[0]") {
		t.Errorf("bad URL: %v", err)
	}
}

func TestTCPCollectorStatus(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()

	run := func(targets ...string) (TCPDoc, error) {
		var checks []spec.TCPCheck
		for _, tg := range targets {
			checks = append(checks, spec.TCPCheck{Target: tg})
		}
		cs, err := CollectorsFor(spec.Network{TCP: checks}, Env{})
		if err != nil || len(cs) != 1 {
			t.Fatal(err)
		}
		sink := &collectorstest.Sink{Family: "network"}
		err = cs[0].Collect(context.Background(), sink)
		var doc TCPDoc
		if jerr := sink.JSON("network/tcp.json", &doc); jerr != nil {
			t.Fatal(jerr)
		}
		return doc, err
	}
	doc, err := run(l.Addr().String())
	if err != nil || len(doc.Results) != 1 || !doc.Results[0].Connected {
		t.Errorf("all ok: %+v %v", doc, err)
	}
	doc, err = run(l.Addr().String(), closedAddr)
	if !collectors.IsPartial(err) || !doc.Results[0].Connected || doc.Results[1].Class != "refused" {
		t.Errorf("one refused: %+v %v", doc, err)
	}
	if !strings.Contains(err.Error(), "1 of 2 checks failed") || !strings.Contains(err.Error(), closedAddr) {
		t.Errorf("partial error text: %v", err)
	}
	doc, err = run(closedAddr, closedAddr)
	if err == nil || collectors.IsPartial(err) || !strings.Contains(err.Error(), "all 2 checks failed") {
		t.Errorf("all refused: %v", err)
	}
	if doc, _ := run("127.0.0.1"); doc.Results[0].Class != "error" {
		t.Errorf("no port: %+v", doc)
	}
}

// slowTargets is a spec of 20 targets that each take about a second on loopback: 14 HTTP
// requests to a server that answers after 1 s and 6 pings of 5 echoes 250 ms apart.
func slowTargets(t testing.TB) spec.Network {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	var n spec.Network
	for i := range 14 {
		n.HTTP = append(n.HTTP, spec.HTTPCheck{URL: fmt.Sprintf("%s/t%d", srv.URL, i), ExpectStatus: 200})
	}
	for range 6 {
		n.Ping = append(n.Ping, spec.PingCheck{Host: "127.0.0.1", Count: 5, Interval: spec.Duration(250 * time.Millisecond)})
	}
	return n
}

type runSink struct{ *collectorstest.Sink }

func (s runSink) Finish(bool) ([]string, []string) { return s.Files(), nil }

// runSpec runs the network collectors of n through the real runner, as casefile collect does.
func runSpec(t testing.TB, n spec.Network) ([]collectors.Result, time.Duration) {
	return runSpecWith(t, n, 30*time.Second, &collectorstest.Sink{Family: "network"})
}

func runSpecWith(t testing.TB, n spec.Network, timeout time.Duration, sink *collectorstest.Sink) ([]collectors.Result, time.Duration) {
	cs, err := CollectorsFor(n, Env{})
	if err != nil {
		t.Fatal(err)
	}
	r := &collectors.Runner{
		Timeout: func(string) time.Duration { return timeout },
		Now:     time.Now,
		Sink:    func(collectors.Collector) collectors.RunSink { return runSink{sink} },
	}
	start := time.Now()
	res, err := r.Run(context.Background(), cs)
	if err != nil {
		t.Fatal(err)
	}
	return res, time.Since(start)
}

func TestTargetsRunConcurrently(t *testing.T) {
	res, took := runSpec(t, slowTargets(t))
	for _, r := range res {
		if r.Status != collectors.StatusOK {
			t.Errorf("%s: %s %s", r.Name, r.Status, r.Error)
		}
	}
	// Sequentially this is 20 s; the bound of 16 targets per check type makes it about 2 s.
	if took > 5*time.Second {
		t.Errorf("20 one-second targets took %v", took)
	}
	t.Logf("20 one-second targets: %v", took)
}

// A target slower than the collector's timeout is recorded as timed out; the others' results are
// kept.
func TestCollectorTimeoutKeepsResults(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	fast := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer fast.Close()
	sink := &collectorstest.Sink{Family: "network"}
	res, took := runSpecWith(t, spec.Network{HTTP: []spec.HTTPCheck{{URL: slow.URL}, {URL: fast.URL}}}, time.Second, sink)
	if len(res) != 1 || res[0].Status != collectors.StatusPartial || took > 2*time.Second {
		t.Fatalf("%+v after %v", res, took)
	}
	var doc HTTPDoc
	if err := sink.JSON("network/http.json", &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Results[0].ErrorClass != "timeout" || !doc.Results[1].OK {
		t.Errorf("%+v", doc.Results)
	}
}

func BenchmarkSpec20SlowTargets(b *testing.B) {
	n := slowTargets(b)
	for b.Loop() {
		_, took := runSpec(b, n)
		b.ReportMetric(took.Seconds(), "s/spec")
	}
}
