package collectors_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
)

// testSink is a RunSink over the in-memory sink that records whether Finish saw the collector end
// in time.
type testSink struct {
	*collectorstest.Sink
	mu       sync.Mutex
	finished bool
	inTime   bool
}

func (s *testSink) Finish(ok bool) ([]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished, s.inTime = true, ok
	return s.Files(), nil
}

func run(t *testing.T, ctx context.Context, r *collectors.Runner, cs ...collectors.Collector) ([]collectors.Result, map[string]*testSink, error) {
	t.Helper()
	sinks := map[string]*testSink{}
	var mu sync.Mutex
	r.Sink = func(c collectors.Collector) collectors.RunSink {
		mu.Lock()
		defer mu.Unlock()
		s := &testSink{Sink: &collectorstest.Sink{Family: c.Family()}}
		sinks[c.Name()] = s
		return s
	}
	res, err := r.Run(ctx, cs)
	return res, sinks, err
}

func fn(name string, f func(ctx context.Context, s collectors.Sink) error) collectors.Collector {
	return collectors.Func{CName: "system." + name, CFamily: "system", Fn: f}
}

func TestRunnerStatuses(t *testing.T) {
	cs := []collectors.Collector{
		fn("ok", func(ctx context.Context, s collectors.Sink) error {
			return s.WriteJSON("system/ok.json", map[string]int{"a": 1})
		}),
		fn("skipped", func(ctx context.Context, s collectors.Sink) error { return collectors.Skip("no %s here", "systemd") }),
		fn("partial", func(ctx context.Context, s collectors.Sink) error {
			s.WriteJSON("system/partial.json", 1)
			return collectors.Partial(errors.New("one of two sources unreadable"))
		}),
		fn("failed", func(ctx context.Context, s collectors.Sink) error { return fmt.Errorf("boom") }),
		fn("panics", func(ctx context.Context, s collectors.Sink) error { panic("nil map write") }),
		fn("slow", func(ctx context.Context, s collectors.Sink) error {
			<-ctx.Done()
			return ctx.Err()
		}),
		fn("stubborn", func(ctx context.Context, s collectors.Sink) error {
			time.Sleep(2 * time.Second) // ignores its context
			return nil
		}),
	}
	r := &collectors.Runner{Concurrency: 3, Timeout: func(name string) time.Duration {
		if name == "system.slow" || name == "system.stubborn" {
			return 150 * time.Millisecond
		}
		return 5 * time.Second
	}}
	start := time.Now()
	res, sinks, err := run(t, context.Background(), r, cs...)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("run took %v; a collector ignoring its context must not hold up the run", el)
	}
	want := map[string]collectors.Status{
		"system.ok": collectors.StatusOK, "system.skipped": collectors.StatusSkipped, "system.partial": collectors.StatusPartial,
		"system.failed": collectors.StatusFailed, "system.panics": collectors.StatusFailed,
		"system.slow": collectors.StatusTimedOut, "system.stubborn": collectors.StatusTimedOut,
	}
	if len(res) != len(want) {
		t.Fatalf("got %d results, want %d", len(res), len(want))
	}
	for i, r := range res {
		if i > 0 && res[i-1].Name >= r.Name {
			t.Errorf("results not sorted by name: %s before %s", res[i-1].Name, r.Name)
		}
		if r.Status != want[r.Name] {
			t.Errorf("%s: status %s, want %s (error %q)", r.Name, r.Status, want[r.Name], r.Error)
		}
		if r.Family != "system" || r.Start.IsZero() {
			t.Errorf("%s: family %q start %v", r.Name, r.Family, r.Start)
		}
	}
	byName := map[string]collectors.Result{}
	for _, r := range res {
		byName[r.Name] = r
	}
	if e := byName["system.skipped"].Error; e != "no systemd here" {
		t.Errorf("skip reason %q", e)
	}
	if e := byName["system.panics"].Error; !strings.HasPrefix(e, "panic: nil map write") {
		t.Errorf("panic error %q", e)
	}
	if e := byName["system.slow"].Error; e != "timed out after 150ms" {
		t.Errorf("timeout error %q", e)
	}
	if got := byName["system.ok"].Files; len(got) != 1 || got[0] != "system/ok.json" {
		t.Errorf("ok files %v", got)
	}
	if !sinks["system.ok"].inTime || sinks["system.stubborn"].inTime {
		t.Errorf("Finish(inTime): ok=%v stubborn=%v", sinks["system.ok"].inTime, sinks["system.stubborn"].inTime)
	}
	for name, s := range sinks {
		if !s.finished {
			t.Errorf("%s: sink not finished", name)
		}
	}
}

func TestRunnerBoundsConcurrency(t *testing.T) {
	var cur, peak atomic.Int32
	var cs []collectors.Collector
	for i := 0; i < 12; i++ {
		cs = append(cs, fn(fmt.Sprintf("c%02d", i), func(ctx context.Context, s collectors.Sink) error {
			n := cur.Add(1)
			defer cur.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(30 * time.Millisecond)
			return nil
		}))
	}
	start := time.Now()
	if _, _, err := run(t, context.Background(), &collectors.Runner{Concurrency: 4}, cs...); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p != 4 {
		t.Errorf("peak concurrency %d, want 4", p)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %v", el)
	}
}

func TestRunnerCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	var once sync.Once
	var cs []collectors.Collector
	for i := 0; i < 5; i++ {
		cs = append(cs, fn(fmt.Sprintf("c%d", i), func(ctx context.Context, s collectors.Sink) error {
			once.Do(func() { close(started) })
			<-ctx.Done()
			return ctx.Err()
		}))
	}
	go func() { <-started; cancel() }()
	res, _, err := run(t, ctx, &collectors.Runner{Concurrency: 2}, cs...)
	if !errors.Is(err, context.Canceled) || res != nil {
		t.Fatalf("Run after cancel = %v, %v; want nil, context.Canceled", res, err)
	}
}

func TestRunnerPinnedClock(t *testing.T) {
	at := time.Unix(1700000000, 0).UTC()
	r := &collectors.Runner{Pinned: true, Now: func() time.Time { return at }}
	res, _, err := run(t, context.Background(), r, fn("a", func(ctx context.Context, s collectors.Sink) error {
		time.Sleep(20 * time.Millisecond)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Start.Equal(at) || res[0].DurationMS != 0 {
		t.Errorf("pinned: start %v duration %d", res[0].Start, res[0].DurationMS)
	}
}

func TestSelect(t *testing.T) {
	mk := func(name, fam string) collectors.Collector {
		return collectors.Func{CName: name, CFamily: fam, Fn: func(context.Context, collectors.Sink) error { return nil }}
	}
	all := []collectors.Collector{
		mk("system.host", "system"), mk("system.processes", "system"), mk("network.dns", "network"),
		mk("files.added", "files"), mk("commands.defaults", "commands"),
	}
	names := func(cs []collectors.Collector) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Name())
		}
		return strings.Join(s, ",")
	}
	cases := []struct {
		only, skip, disable []string
		want, err           string
	}{
		{want: "system.host,system.processes,network.dns,files.added,commands.defaults"},
		{only: []string{"network"}, want: "network.dns"},
		{only: []string{"files"}, want: "files.added"},
		{only: []string{"system", "command"}, skip: []string{"system.processes"}, want: "system.host,commands.defaults"},
		{disable: []string{"system.processes"}, only: []string{"system"}, want: "system.host"},
		{only: []string{"sytem"}, err: `no collector or family named "sytem"`},
		{skip: []string{"nope.x"}, err: `no collector or family named "nope.x"`},
	}
	for _, c := range cases {
		got, err := collectors.Select(all, c.only, c.skip, c.disable)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Select(%v,%v): err %v, want %q", c.only, c.skip, err, c.err)
			}
			continue
		}
		if err != nil || names(got) != c.want {
			t.Errorf("Select(%v,%v,%v) = %s, %v; want %s", c.only, c.skip, c.disable, names(got), err, c.want)
		}
	}
}

func TestRegistryRejectsDuplicateNames(t *testing.T) {
	r := &collectors.Registry{}
	f := func(collectors.Options) ([]collectors.Collector, error) {
		return []collectors.Collector{collectors.Func{CName: "system.x", CFamily: "system"}}, nil
	}
	r.Register("system", f)
	r.Register("system", f)
	if _, err := r.Build(collectors.Options{}); err == nil || !strings.Contains(err.Error(), `two collectors named "system.x"`) {
		t.Fatalf("err = %v", err)
	}
}
