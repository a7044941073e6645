package collectors

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what the manifest records about one collector run.
type Result struct {
	Name       string    `json:"name"`
	Family     string    `json:"family"`
	Status     Status    `json:"status"`
	Start      time.Time `json:"start"`
	DurationMS int64     `json:"duration_ms"`
	Error      string    `json:"error,omitempty"`
	Files      []string  `json:"files"`
}

// RunSink is a Sink the runner can finish. The bundle stage provides it.
type RunSink interface {
	Sink
	// Finish closes the sink. ok reports whether the collector ended in time; when false, files
	// still open are discarded. It returns the files kept and any write problems (for example a
	// file dropped because it could not be redacted).
	Finish(ok bool) (files []string, problems []string)
}

// Event reports progress. Done is false when a collector starts.
type Event struct {
	Name   string
	Done   bool
	Result Result
}

// Runner runs collectors concurrently, each with its own timeout.
type Runner struct {
	// Concurrency bounds collectors running at once (default 8).
	Concurrency int
	// Timeout returns the timeout for a collector by name (default 30s).
	Timeout func(name string) time.Duration
	// Now is the clock; Pinned makes every start time Now() and every duration 0 (SOURCE_DATE_EPOCH).
	Now    func() time.Time
	Pinned bool
	// Sink makes the sink one collector writes to.
	Sink func(c Collector) RunSink
	// Progress, when set, is called (from the runner's goroutines, serialised) on start and end.
	Progress func(Event)
	// Budget bounds the memory collectors hold in buffers (collectors.Budget); it reaches them
	// through their context (BudgetFrom). Default: a budget of DefaultBudget per Run.
	Budget *Budget
	// MaxAbandoned bounds the collectors that ignored their timeout and still run (default 4).
	// Their sinks are finished, so their writes fail, but their goroutines cannot be stopped from
	// outside; once this many linger, the runner starts no more collectors and records each one
	// it did not start as failed, so that stuck goroutines do not pile up (in the daemon too).
	MaxAbandoned int
	// Abandoned counts the abandoned collectors still running. A process that makes a Runner per
	// collection (the daemon) passes one for its lifetime, so that the bound spans collections;
	// nil: this Runner's own count.
	Abandoned *Abandoned

	own Abandoned
}

// Abandoned counts collectors that ignored their timeout and whose Collect has not returned yet.
type Abandoned struct{ n atomic.Int32 }

// Count reports how many are still running.
func (a *Abandoned) Count() int { return int(a.n.Load()) }

// DefaultMaxAbandoned is the default of Runner.MaxAbandoned.
const DefaultMaxAbandoned = 4

func (r *Runner) abandoned() *Abandoned {
	if r.Abandoned != nil {
		return r.Abandoned
	}
	return &r.own
}

// Lingering reports how many abandoned collectors are still running.
func (r *Runner) Lingering() int { return r.abandoned().Count() }

// Run runs every collector and returns one result each, sorted by name. It returns ctx.Err() when
// the parent context was cancelled (the results are then incomplete and should not be shipped).
func (r *Runner) Run(ctx context.Context, cs []Collector) ([]Result, error) {
	n := r.Concurrency
	if n <= 0 {
		n = 8
	}
	now := r.Now
	if now == nil {
		now = time.Now
	}
	if BudgetFrom(ctx) == nil {
		b := r.Budget
		if b == nil {
			b = NewBudget(DefaultBudget)
		}
		ctx = WithBudget(ctx, b)
	}
	maxAb := r.MaxAbandoned
	if maxAb <= 0 {
		maxAb = DefaultMaxAbandoned
	}
	sem := make(chan struct{}, n)
	results := make([]Result, len(cs))
	var wg sync.WaitGroup
	var pmu sync.Mutex
	progress := func(e Event) {
		if r.Progress != nil {
			pmu.Lock()
			defer pmu.Unlock()
			r.Progress(e)
		}
	}
	for i, c := range cs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		if l := r.Lingering(); l >= maxAb {
			<-sem
			results[i] = Result{Name: c.Name(), Family: c.Family(), Start: now().UTC(), Files: []string{},
				Status: StatusFailed, Error: fmt.Sprintf("not started: %d collectors that ignored their timeout are still running", l)}
			progress(Event{Name: c.Name(), Done: true, Result: results[i]})
			continue
		}
		wg.Add(1)
		go func(i int, c Collector) {
			defer wg.Done()
			defer func() { <-sem }()
			progress(Event{Name: c.Name()})
			results[i] = r.runOne(ctx, c, now)
			progress(Event{Name: c.Name(), Done: true, Result: results[i]})
		}(i, c)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sort.Slice(results, func(a, b int) bool { return results[a].Name < results[b].Name })
	return results, nil
}

func (r *Runner) runOne(parent context.Context, c Collector, now func() time.Time) Result {
	timeout := 30 * time.Second
	if r.Timeout != nil {
		if d := r.Timeout(c.Name()); d > 0 {
			timeout = d
		}
	}
	res := Result{Name: c.Name(), Family: c.Family(), Start: now().UTC(), Files: []string{}}
	begin := time.Now()
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()

	sink := r.Sink(c)
	done := make(chan error, 1)
	// state: 0 running, 1 returned, 2 abandoned by the runner (counted in r.abandoned() until it
	// returns).
	var state atomic.Int32
	go func() {
		defer func() {
			if !state.CompareAndSwap(0, 1) {
				r.abandoned().n.Add(-1)
			}
		}()
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v\n%s", p, firstFrames(debug.Stack(), 12))
			}
		}()
		done <- c.Collect(ctx, sink)
	}()

	var err error
	inTime := true
	select {
	case err = <-done:
	case <-ctx.Done():
		// The collector ignored its context: give it a moment, then abandon it. Its sink is
		// finished below, so anything it writes later is refused.
		select {
		case err = <-done:
		case <-time.After(100 * time.Millisecond):
			err = ctx.Err()
			inTime = false
			if state.CompareAndSwap(0, 2) {
				r.abandoned().n.Add(1)
			}
		}
	}
	if ctx.Err() == context.DeadlineExceeded && parent.Err() == nil {
		inTime = inTime && err == nil
	}
	files, problems := sink.Finish(inTime)
	res.Files = files
	if !r.Pinned {
		res.DurationMS = time.Since(begin).Milliseconds()
	}

	switch {
	case parent.Err() != nil:
		res.Status, res.Error = StatusFailed, "interrupted"
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && (err != nil || !inTime):
		res.Status, res.Error = StatusTimedOut, fmt.Sprintf("timed out after %s", timeout)
	case err == nil:
		res.Status = StatusOK
	case IsSkip(err):
		res.Status, res.Error = StatusSkipped, err.Error()
	case IsPartial(err):
		res.Status, res.Error = StatusPartial, err.Error()
	default:
		res.Status, res.Error = StatusFailed, err.Error()
	}
	if len(problems) > 0 {
		if res.Status == StatusOK {
			res.Status = StatusPartial
		}
		res.Error = strings.TrimPrefix(res.Error+"; "+joinProblems(problems), "; ")
	}
	return res
}

// firstFrames keeps the first n lines of a stack trace: enough to find the bug, bounded in size.
func firstFrames(stack []byte, n int) string {
	lines := strings.SplitN(string(stack), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// Select filters collectors by --only and --skip lists (names or families) and the spec's disable
// list. A selector that matches nothing is an error, so typos don't silently collect everything.
func Select(cs []Collector, only, skip, disable []string) ([]Collector, error) {
	matches := func(c Collector, sel string) bool {
		sel = strings.TrimSpace(sel)
		if sel == "command" {
			sel = FamilyCommands
		}
		return sel == c.Name() || sel == c.Family() || strings.HasPrefix(c.Name(), sel+".")
	}
	for _, list := range [][]string{only, skip} {
		for _, sel := range list {
			// A family is always a valid name, even when this spec gives it no collector.
			found := knownFamily(sel)
			for _, c := range cs {
				if matches(c, sel) {
					found = true
					break
				}
			}
			if !found {
				return nil, fmt.Errorf("no collector or family named %q (known: %s)", sel, knownNames(cs))
			}
		}
	}
	var out []Collector
	for _, c := range cs {
		keep := len(only) == 0
		for _, sel := range only {
			keep = keep || matches(c, sel)
		}
		for _, sel := range append(append([]string{}, skip...), disable...) {
			if matches(c, sel) {
				keep = false
			}
		}
		if keep {
			out = append(out, c)
		}
	}
	return out, nil
}

func knownFamily(sel string) bool {
	switch strings.TrimSpace(sel) {
	case FamilySystem, FamilyNetwork, FamilyLogs, FamilyCommands, FamilyFiles, "command":
		return true
	}
	return false
}

func knownNames(cs []Collector) string {
	seen := map[string]bool{}
	var names []string
	for _, c := range cs {
		for _, n := range []string{c.Family(), c.Name()} {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Bounds on a collector's error text in the manifest: it is read in summaries and tables, and
// one collector with thousands of problems must not make it megabytes long.
const (
	maxProblems    = 20
	maxProblemText = 300
)

// joinProblems joins at most maxProblems problems, each cut to maxProblemText bytes, and says
// how many more there were.
func joinProblems(problems []string) string {
	var parts []string
	for i, p := range problems {
		if i == maxProblems {
			parts = append(parts, fmt.Sprintf("… and %d more", len(problems)-maxProblems))
			break
		}
		if len(p) > maxProblemText {
			cut := maxProblemText
			for cut > 0 && p[cut]&0xC0 == 0x80 {
				cut--
			}
			p = p[:cut] + "…"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}
