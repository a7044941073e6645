// Package network holds the network collectors (DNS, ping, traceroute, TCP, HTTP) and the checks
// behind `casefile check`. Every target comes from the spec or the command line: nothing else is
// probed. A failed check is data: each result carries ok and error fields, and a collector returns
// collectors.Partial when some of its targets failed and an error when all of them did.
package network

import (
	"context"
	"crypto/x509"
	"fmt"
	"math"
	"os"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/spec"
)

// DefaultConcurrency bounds how many targets of one check type run at once.
const DefaultConcurrency = 16

// Env is what checks take from the machine. The zero value uses the real machine.
type Env struct {
	// Root prefixes host paths read for resolver configuration ("" or "/" for the real host).
	Root string
	// Getenv reads environment variables for HTTP headers and proxies (os.Getenv when nil).
	Getenv func(string) string
	// RootCAs verifies HTTP server certificates (system roots when nil).
	RootCAs *x509.CertPool
	// Now is the clock used for certificate ages and clock skew (time.Now when nil).
	Now func() time.Time
	// Concurrency bounds targets run at once per check type (DefaultConcurrency when 0).
	Concurrency int
}

func (e Env) getenv(k string) string {
	if e.Getenv != nil {
		return e.Getenv(k)
	}
	return os.Getenv(k)
}

func (e Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e Env) concurrency() int {
	if e.Concurrency > 0 {
		return e.Concurrency
	}
	return DefaultConcurrency
}

// Collectors builds one collector per check type named in opts.Spec.Network. An empty section
// yields none: the built-in default spec probes nothing beyond this machine.
func Collectors(opts collectors.Options) ([]collectors.Collector, error) {
	if opts.Spec == nil {
		return nil, nil
	}
	return CollectorsFor(opts.Spec.Network, Env{Root: opts.Root})
}

// CollectorsFor builds the collectors for a network section with an explicit environment.
func CollectorsFor(n spec.Network, env Env) ([]collectors.Collector, error) {
	var out []collectors.Collector
	add := func(name string, fn func(ctx context.Context, s collectors.Sink) error) {
		out = append(out, collectors.Func{CName: "network." + name, CFamily: collectors.FamilyNetwork, Fn: func(ctx context.Context, s collectors.Sink) error {
			ctx, cancel := beforeDeadline(ctx)
			defer cancel()
			return fn(ctx, s)
		}})
	}
	if len(n.DNS) > 0 {
		checks := n.DNS
		add("dns", func(ctx context.Context, s collectors.Sink) error {
			doc := RunDNS(ctx, checks, env)
			return write(s, "network/dns.json", doc, doc.Results)
		})
	}
	if len(n.Ping) > 0 {
		checks := n.Ping
		add("ping", func(ctx context.Context, s collectors.Sink) error {
			res := runAll(ctx, env, checks, Ping)
			return write(s, "network/ping.json", PingDoc{Results: res}, res)
		})
	}
	if len(n.Trace) > 0 {
		checks := n.Trace
		add("trace", func(ctx context.Context, s collectors.Sink) error {
			res := runAll(ctx, env, checks, Traceroute)
			return write(s, "network/trace.json", TraceDoc{Results: res}, res)
		})
	}
	if len(n.TCP) > 0 {
		checks := n.TCP
		add("tcp", func(ctx context.Context, s collectors.Sink) error {
			res := runAll(ctx, env, checks, TCP)
			return write(s, "network/tcp.json", TCPDoc{Results: res}, res)
		})
	}
	if len(n.HTTP) > 0 {
		checks := n.HTTP
		for i, c := range checks {
			if err := ValidateHTTP(c); err != nil {
				return nil, fmt.Errorf("network.http[%d]: %w", i, err)
			}
		}
		add("http", func(ctx context.Context, s collectors.Sink) error {
			res := runAll(ctx, env, checks, HTTP)
			return write(s, "network/http.json", HTTPDoc{Results: res}, res)
		})
	}
	return out, nil
}

// beforeDeadline ends the checks a little before the collector's deadline, so targets still
// running are recorded as timed out and the results are written, rather than the whole
// collector timing out with nothing kept.
func beforeDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	margin := min(max(time.Until(dl)/10, 50*time.Millisecond), time.Second)
	return context.WithDeadline(ctx, dl.Add(-margin))
}

// Outcome is what every result reports for the collector's status.
type Outcome interface {
	Passed() bool
	Describe() string
}

// write stores doc and turns the results into the collector's return value.
func write[R Outcome](s collectors.Sink, path string, doc any, res []R) error {
	if err := s.WriteJSON(path, doc); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return summarize(res)
}

func summarize[R Outcome](res []R) error {
	var failed []string
	for _, r := range res {
		if !r.Passed() {
			failed = append(failed, r.Describe())
		}
	}
	switch {
	case len(failed) == 0:
		return nil
	case len(failed) == len(res):
		return fmt.Errorf("all %d checks failed: %s", len(res), joinLimit(failed, 5))
	default:
		return collectors.Partial(fmt.Errorf("%d of %d checks failed: %s", len(failed), len(res), joinLimit(failed, 5)))
	}
}

func joinLimit(s []string, n int) string {
	out := ""
	for i, v := range s {
		if i == n {
			return out + fmt.Sprintf("; and %d more", len(s)-n)
		}
		if i > 0 {
			out += "; "
		}
		out += v
	}
	return out
}

// runAll runs fn over every check with bounded concurrency; results keep the spec's order.
func runAll[C any, R any](ctx context.Context, env Env, checks []C, fn func(context.Context, C, Env) R) []R {
	out := make([]R, len(checks))
	// Not errgroup.WithContext: one check failing must not cancel the others.
	var g errgroup.Group
	g.SetLimit(env.concurrency())
	for i, c := range checks {
		g.Go(func() error {
			out[i] = fn(ctx, c, env)
			return nil
		})
	}
	g.Wait()
	return out
}

// ms converts a duration to milliseconds rounded to microseconds.
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

func durOr(d spec.Duration, def time.Duration) time.Duration {
	if d > 0 {
		return time.Duration(d)
	}
	return def
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
