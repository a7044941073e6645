package bundle

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
)

// Eight tails of 10 MiB at once, each fed 30 MiB through the redactor, hold no tail in memory:
// the peak heap in use during the run stays under a bound well below one tail per collector
// (held in memory, eight of them were 80 MiB and more). A bound, not a speed.
func TestTailMemoryBound(t *testing.T) {
	if testing.Short() || tailRace {
		t.Skip("moves 240 MiB; not under -short or -race")
	}
	const (
		tails = 8
		room  = 10 << 20
		feed  = 30 << 20
		bound = 40 << 20
	)
	st, _ := tailStage(t, Limits{MaxFileSize: room, MaxCollectorSize: 100 << 20, MaxBundleSize: 500 << 20})
	budget := collectors.NewBudget(collectors.DefaultBudget)
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, tails)
	for i := range tails {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sk := st.Sink(namedCollector{fmt.Sprintf("commands.t%d", i), "commands"})
			tw, err := sk.(collectors.TailSink).CreateTail(fmt.Sprintf("commands/t%d/stdout.txt", i), collectors.TailOptions{Room: room, Budget: budget})
			if err != nil {
				errs <- err
				return
			}
			chunk := make([]byte, 0, 32<<10)
			for n := 0; len(chunk)+80 < cap(chunk); n++ {
				chunk = fmt.Appendf(chunk, "2026-11-27T11:00:00Z kernel: [%8d] eth0: link is up, 1000 Mbps full\n", n)
			}
			for w := 0; w < feed; w += len(chunk) {
				if _, err := tw.Write(chunk); err != nil {
					errs <- err
					return
				}
			}
			if err := tw.Close(); err != nil {
				errs <- err
				return
			}
			if r := tw.Result(); !r.Cut || r.Kept > room || r.Kept < room-(64<<10) {
				errs <- fmt.Errorf("tail %d: %+v", i, r)
			}
			sk.Finish(true)
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	grew := int64(peak.Load()) - int64(base.HeapInuse)
	t.Logf("peak heap in use %.1f MiB (%.1f MiB over the start), budget in use at the end %d", float64(peak.Load())/(1<<20), float64(grew)/(1<<20), budget.InUse())
	if grew > bound {
		t.Errorf("peak heap grew by %.1f MiB during 8 concurrent 10 MiB tails, want under %d MiB", float64(grew)/(1<<20), bound>>20)
	}
	if budget.InUse() != 0 {
		t.Errorf("budget still holds %d bytes", budget.InUse())
	}
}
