package daemon

import (
	"context"
	"encoding/json"
	"time"

	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/history"
	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/spec"
)

// monitorState is what the daemon keeps in memory about one monitor between runs.
type monitorState struct {
	failures    int       // failures in a row
	lastTrigger time.Time // when its trigger last fired (rate limit)
	next        time.Time // when it runs next
	runs        int
}

// firstOffset spreads the first runs of n monitors over the interval: monitor i starts in the
// i-th n-th of it, at a random point there, so that ten monitors started together do not fire
// together (and do not all fire at once after every restart either).
func firstOffset(i, n int, interval time.Duration, rnd func() float64) time.Duration {
	if n < 1 {
		n = 1
	}
	slot := interval / time.Duration(n)
	return time.Duration(i)*slot + time.Duration(rnd()*float64(slot))
}

// nextSlot is the first slot after now on the grid slot, slot+interval, ...: a run that took
// longer than the interval skips the slots it overlapped instead of firing them in a burst.
func nextSlot(slot time.Time, interval time.Duration, now time.Time) time.Time {
	slot = slot.Add(interval)
	if !slot.After(now) {
		missed := now.Sub(slot)/interval + 1
		slot = slot.Add(missed * interval)
	}
	return slot
}

// jittered is when a run of the slot fires: up to jitter after it.
func jittered(slot time.Time, jitter time.Duration, rnd func() float64) time.Time {
	return slot.Add(time.Duration(rnd() * float64(jitter)))
}

// startMonitorsLocked starts one goroutine per monitor of s. d.mu is held.
func (d *Daemon) startMonitorsLocked(s *spec.Spec) {
	ctx, cancel := context.WithCancel(d.runCtx)
	d.monCancel = cancel
	states := map[string]*monitorState{}
	now := d.cfg.Now()
	n := len(s.Monitors)
	for i := range s.Monitors {
		m := s.Monitors[i]
		st := d.states[m.Name] // a reload keeps the counts of monitors it keeps
		if st == nil {
			st = &monitorState{lastTrigger: d.lastFired[m.Name]}
			if sum := d.summaryOf(m.Name); sum != nil {
				st.failures = sum.FailuresInARow // a restart keeps them too
			}
		}
		first := now.Add(firstOffset(i, n, time.Duration(m.Interval), d.cfg.Rand))
		st.next = first
		states[m.Name] = st
		d.monWG.Add(1)
		go func() {
			defer d.monWG.Done()
			d.loop(ctx, &m, st, first)
		}()
	}
	d.states = states
}

// stopMonitors cancels the monitors (an in-flight check's context ends) and waits for them.
func (d *Daemon) stopMonitors() {
	d.mu.Lock()
	cancel := d.monCancel
	d.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	d.monWG.Wait()
}

func (d *Daemon) summaryOf(name string) *history.MonitorSummary {
	sums, err := d.store.Summary()
	if err != nil {
		return nil
	}
	for i := range sums {
		if sums[i].Name == name {
			return &sums[i]
		}
	}
	return nil
}

func (d *Daemon) loop(ctx context.Context, m *spec.Monitor, st *monitorState, slot time.Time) {
	interval, jitter := time.Duration(m.Interval), time.Duration(m.Jitter)
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for {
		at := jittered(slot, jitter, d.cfg.Rand)
		d.mu.Lock()
		st.next = at
		d.mu.Unlock()
		timer.Reset(max(at.Sub(d.cfg.Now()), 0))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		d.runOnce(ctx, m, st)
		slot = nextSlot(slot, interval, d.cfg.Now())
	}
}

// runOnce runs one check with the monitor's timeout and records it. A check cut short by a
// shutdown or a reload is not recorded: it says nothing about the target.
func (d *Daemon) runOnce(ctx context.Context, m *spec.Monitor, st *monitorState) {
	cctx, cancel := context.WithTimeout(ctx, time.Duration(m.Timeout))
	start := d.cfg.Now()
	r, detail := runCheck(cctx, m)
	cancel()
	if ctx.Err() != nil {
		return
	}
	r.Monitor, r.Check, r.Time = m.Name, m.Check(), start.UTC()
	if !r.OK && r.Error == "" && cctx.Err() != nil {
		r.Error = "timed out after " + time.Duration(m.Timeout).String()
	}
	l := d.current()
	scrub(&r, detail, l.eng)
	d.record(r)
	d.mu.Lock()
	st.runs++
	before := st.failures
	if r.OK {
		st.failures = 0
	} else {
		st.failures++
	}
	fails := st.failures
	fire := m.Trigger != nil && fails >= m.Trigger.FailuresInARow &&
		(st.lastTrigger.IsZero() || start.Sub(st.lastTrigger) >= time.Duration(m.Trigger.MinInterval))
	if fire {
		st.lastTrigger = start
	}
	d.mu.Unlock()
	// The log says when a monitor goes down and comes back (and every 100th failure in a row),
	// not every failed run of a long outage; the history has every run.
	switch {
	case !r.OK && (fails == 1 || fails%100 == 0):
		d.log.Warn("check failed", "monitor", m.Name, "check", r.Check, "target", r.Target, "failures_in_a_row", fails, "error", r.Error)
	case !r.OK:
		d.log.Debug("check failed", "monitor", m.Name, "failures_in_a_row", fails, "error", r.Error)
	case before > 0:
		d.log.Info("check ok again", "monitor", m.Name, "check", r.Check, "target", r.Target, "after_failures", before)
	default:
		d.log.Debug("check ok", "monitor", m.Name, "latency_ms", r.LatencyMS)
	}
	if fire {
		d.fire(m, fails)
	}
}

// resultQueue bounds the results waiting for the history writer (minutes of ten monitors).
const resultQueue = 1024

// record hands a result to the history writer. The monitors never wait for the disk: a slow
// fsync or a WAL checkpoint would otherwise push their next runs off the schedule. Should the
// writer fall that far behind (a dead disk), results are dropped and counted in the log.
func (d *Daemon) record(r history.Result) {
	select {
	case d.results <- r:
	default:
		if n := d.dropped.Add(1); n == 1 || n%100 == 0 {
			d.log.Error("the history writer is behind (is the disk slow or full?); results dropped", "dropped", n)
		}
	}
}

// writeHistory appends results as they come, in batches of what is waiting (one transaction, one
// fsync each), until the queue is closed.
func (d *Daemon) writeHistory() {
	defer close(d.writerDone)
	for r := range d.results {
		batch := []history.Result{r}
	more:
		for len(batch) < 64 {
			select {
			case r, ok := <-d.results:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		if err := d.store.AppendBatch(batch); err != nil {
			d.log.Error("recording results in the history", "results", len(batch), "error", d.redact(err.Error()))
		}
	}
}

// historyFileName names what monitors record in the redaction engine's report.
const historyFileName = "daemon/history.jsonl"

// scrub redacts every text of a result and its detail with the spec's rules before it is
// stored: no secret from a URL, a header's environment variable or the spec reaches the
// history. A detail that does not stay valid JSON after redaction is kept as a string.
func scrub(r *history.Result, detail any, eng *redact.Engine) {
	r.Target = eng.String(historyFileName, r.Target)
	r.Error = eng.String(historyFileName, r.Error)
	r.Answer = eng.String(historyFileName, r.Answer)
	if detail == nil {
		return
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return
	}
	red, err := eng.Bytes(historyFileName, raw)
	if err != nil {
		return // fail closed: no detail rather than an unredacted one
	}
	if !json.Valid(red) {
		red, _ = json.Marshal(string(red))
	}
	r.Detail = red
}

// newEngine builds the redaction engine for monitor results from the spec's rules. It does
// not pseudonymize: a bundle's own engine does that when it writes the history.
func newEngine(s *spec.Spec, src spec.Source) (*redact.Engine, error) {
	c := *s
	c.Redact.Anonymize = false
	return collect.NewEngine(collect.RedactOptions{Spec: &c, Source: src, CommandSecrets: true})
}
