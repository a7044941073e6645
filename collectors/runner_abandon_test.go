package collectors_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
)

// A collector that ignores its context is abandoned; once MaxAbandoned of them still run, the
// runner starts no more and says why; when they return, the count goes back down.
func TestRunnerBoundsAbandoned(t *testing.T) {
	release := make(chan struct{})
	stubborn := func(name string) collectors.Collector {
		return fn(name, func(ctx context.Context, s collectors.Sink) error {
			<-release // ignores its context
			return nil
		})
	}
	var budgetSeen *collectors.Budget
	later := fn("later", func(ctx context.Context, s collectors.Sink) error {
		budgetSeen = collectors.BudgetFrom(ctx)
		return nil
	})
	r := &collectors.Runner{Concurrency: 1, MaxAbandoned: 2, Timeout: func(string) time.Duration { return 30 * time.Millisecond }}
	res, _, err := run(t, context.Background(), r, stubborn("a"), stubborn("b"), later)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]collectors.Result{}
	for _, x := range res {
		byName[x.Name] = x
	}
	if byName["system.a"].Status != collectors.StatusTimedOut || byName["system.b"].Status != collectors.StatusTimedOut {
		t.Errorf("stubborn collectors: %+v", res)
	}
	if l := byName["system.later"]; l.Status != collectors.StatusFailed || !strings.Contains(l.Error, "not started: 2 collectors that ignored their timeout") {
		t.Errorf("later: %+v, want not started", l)
	}
	if r.Lingering() != 2 {
		t.Errorf("lingering %d, want 2", r.Lingering())
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for r.Lingering() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if r.Lingering() != 0 {
		t.Fatalf("lingering %d after the collectors returned", r.Lingering())
	}
	// With room again, the next run starts it, and it gets the run's memory budget.
	res, _, err = run(t, context.Background(), r, later)
	if err != nil || res[0].Status != collectors.StatusOK || budgetSeen == nil || budgetSeen.Limit() != collectors.DefaultBudget {
		t.Fatalf("second run: %+v %v, budget %v", res, err, budgetSeen)
	}

	// A count shared by runners (one per collection, as the daemon makes them) spans them.
	shared := &collectors.Abandoned{}
	release2 := make(chan struct{})
	defer close(release2)
	stuck := fn("stuck", func(ctx context.Context, s collectors.Sink) error { <-release2; return nil })
	mk := func() *collectors.Runner {
		return &collectors.Runner{MaxAbandoned: 1, Abandoned: shared, Timeout: func(string) time.Duration { return 30 * time.Millisecond }}
	}
	if res, _, _ := run(t, context.Background(), mk(), stuck); res[0].Status != collectors.StatusTimedOut || shared.Count() != 1 {
		t.Fatalf("first runner: %+v, count %d", res, shared.Count())
	}
	if res, _, _ := run(t, context.Background(), mk(), later); res[0].Status != collectors.StatusFailed {
		t.Fatalf("second runner started a collector while one lingers: %+v", res)
	}
}
