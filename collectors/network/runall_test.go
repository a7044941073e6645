package network

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunAllBounded: at most Env.Concurrency checks run at once, all run, results keep order.
func TestRunAllBounded(t *testing.T) {
	var running, peak atomic.Int32
	checks := make([]int, 12)
	for i := range checks {
		checks[i] = i
	}
	out := runAll(context.Background(), Env{Concurrency: 3}, checks, func(_ context.Context, c int, _ Env) int {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
		running.Add(-1)
		return c * 10
	})
	if peak.Load() > 3 || peak.Load() < 2 {
		t.Errorf("peak concurrency %d, want 3 at most (and some overlap)", peak.Load())
	}
	for i, r := range out {
		if r != i*10 {
			t.Fatalf("out[%d] = %d", i, r)
		}
	}
}
