package daemon

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/collectors/network"
	"github.com/casefile/casefile/history"
	"github.com/casefile/casefile/spec"
)

// runCheck runs a monitor's check once with the same code as `casefile check` (network) or the
// system collectors' sources (samples), and returns the result without monitor, check and time,
// plus the detail document recorded with it.
func runCheck(ctx context.Context, m *spec.Monitor) (history.Result, any) {
	env := network.Env{}
	timeout := spec.Duration(m.Timeout)
	var r history.Result
	switch {
	case m.HTTP != nil:
		c := *m.HTTP
		if c.Timeout == 0 {
			c.Timeout = timeout
		}
		res := network.HTTP(ctx, c, env)
		r = history.Result{Target: res.URL, OK: res.Passed(), LatencyMS: res.Timings.Total, Value: float64(res.Status)}
		if !r.OK {
			r.Error = res.Describe()
		}
		return r, res
	case m.TCP != nil:
		c := *m.TCP
		if c.Timeout == 0 {
			c.Timeout = timeout
		}
		res := network.TCP(ctx, c, env)
		r = history.Result{Target: res.Target, OK: res.Passed(), LatencyMS: res.ConnectMS}
		if !r.OK {
			r.Error = res.Describe()
		}
		return r, res
	case m.DNS != nil:
		return checkDNS(ctx, *m.DNS, timeout)
	case m.Ping != nil:
		c := *m.Ping
		if c.Timeout == 0 {
			c.Timeout = timeout
		}
		res := network.Ping(ctx, c, env)
		r = history.Result{Target: res.Target, OK: res.Passed(), LatencyMS: res.RTTMS.Avg, Value: res.LossPct}
		if !r.OK {
			r.Error = res.Describe()
		}
		return r, res
	case m.Trace != nil:
		c := *m.Trace
		if c.Timeout == 0 {
			c.Timeout = timeout
		}
		res := network.Traceroute(ctx, c, env)
		r = history.Result{Target: res.Target, OK: res.Passed(), Value: float64(len(res.Hops))}
		if n := len(res.Hops); n > 0 {
			for _, rtt := range res.Hops[n-1].RTTMS {
				if rtt != nil {
					r.LatencyMS = *rtt
					break
				}
			}
		}
		if !r.OK {
			r.Error = res.Describe()
		}
		return r, res
	case m.Load != nil:
		return sampleLoad(ctx, *m.Load)
	case m.Memory != nil:
		return sampleMemory(ctx, *m.Memory)
	case m.Disk != nil:
		return sampleDisk(ctx, *m.Disk)
	case m.Clock != nil:
		return sampleClock(ctx, *m.Clock)
	}
	return history.Result{Error: "monitor has no check"}, nil
}

// checkDNS resolves the name for each type through the check's servers (else the resolver
// configuration's) and the OS resolver, like `casefile check dns`. Answer lists what was
// answered, per type, sorted, so a history can tell when the answer changes (flapping DNS).
func checkDNS(ctx context.Context, c spec.DNSCheck, timeout spec.Duration) (history.Result, any) {
	if c.Timeout == 0 {
		c.Timeout = min(timeout, spec.Duration(network.DefaultDNSTimeout))
	}
	var cfg network.ResolverConfig
	if len(c.Servers) == 0 {
		cfg = network.ReadResolverConfig(ctx, "")
	}
	types := c.Types
	if len(types) == 0 {
		types = []string{"A", "AAAA"}
	}
	r := history.Result{Target: c.Name, OK: true}
	var results []network.DNSResult
	var answers, errs []string
	for i, t := range types {
		cc := c
		cc.NXDomainProbe = c.NXDomainProbe && i == 0
		res := network.Resolve(ctx, cc, strings.ToUpper(t), cfg)
		results = append(results, res)
		if !res.Passed() {
			r.OK = false
			errs = append(errs, res.Describe())
		}
		var data []string
		for _, s := range res.Servers {
			r.LatencyMS = max(r.LatencyMS, s.RTTMS)
			for _, a := range s.Answers {
				data = append(data, a.Data)
			}
		}
		if res.System != nil {
			data = append(data, res.System.Addrs...)
		}
		answers = append(answers, res.Type+"="+strings.Join(uniqSorted(data), ","))
	}
	r.Answer = strings.Join(answers, " ")
	r.Error = strings.Join(errs, "; ")
	return r, network.DNSDoc{Resolver: cfg, Results: results}
}

func uniqSorted(v []string) []string {
	sort.Strings(v)
	out := v[:0]
	for i, s := range v {
		if i == 0 || s != v[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

func fmtPct(v float64) string { return fmt.Sprintf("%.1f%%", v) }

func durMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
