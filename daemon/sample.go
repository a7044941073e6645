package daemon

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/shirou/gopsutil/v3/disk"
	"github.com/shirou/gopsutil/v3/load"
	"github.com/shirou/gopsutil/v3/mem"

	"github.com/casefile/casefile/history"
	"github.com/casefile/casefile/spec"
)

// The system samples read what the system collectors read (gopsutil's load average, virtual
// memory and filesystem usage; the kernel's clock discipline), one value each, cheaply enough to
// run every few seconds.

func sampleLoad(ctx context.Context, c spec.LoadSample) (history.Result, any) {
	r := history.Result{Target: "load1"}
	if runtime.GOOS == "windows" {
		r.Error = "the load average is not available on windows"
		return r, nil
	}
	avg, err := load.AvgWithContext(ctx)
	if err != nil {
		r.Error = "reading the load average: " + err.Error()
		return r, nil
	}
	r.Value = avg.Load1
	r.OK = c.Max == 0 || avg.Load1 <= c.Max
	if !r.OK {
		r.Error = fmt.Sprintf("load average %.2f above %g", avg.Load1, c.Max)
	}
	return r, map[string]float64{"load1": avg.Load1, "load5": avg.Load5, "load15": avg.Load15}
}

func sampleMemory(ctx context.Context, c spec.MemorySample) (history.Result, any) {
	r := history.Result{Target: "memory"}
	vm, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		r.Error = "reading memory use: " + err.Error()
		return r, nil
	}
	r.Value = round2(vm.UsedPercent)
	r.OK = c.MaxUsedPercent == 0 || vm.UsedPercent <= c.MaxUsedPercent
	if !r.OK {
		r.Error = fmt.Sprintf("memory %s used, above %g%%", fmtPct(vm.UsedPercent), c.MaxUsedPercent)
	}
	return r, map[string]any{"total_bytes": vm.Total, "available_bytes": vm.Available, "used_percent": r.Value}
}

func sampleDisk(ctx context.Context, c spec.DiskSample) (history.Result, any) {
	r := history.Result{Target: c.Path}
	u, err := disk.UsageWithContext(ctx, c.Path)
	if err != nil {
		r.Error = fmt.Sprintf("reading the usage of %s: %v", c.Path, err)
		return r, nil
	}
	r.Value = round2(u.UsedPercent)
	r.OK = c.MaxUsedPercent == 0 || u.UsedPercent <= c.MaxUsedPercent
	if !r.OK {
		r.Error = fmt.Sprintf("%s is %s full, above %g%%", c.Path, fmtPct(u.UsedPercent), c.MaxUsedPercent)
	}
	return r, map[string]any{"total_bytes": u.Total, "free_bytes": u.Free, "used_percent": r.Value,
		"inodes_used_percent": round2(u.InodesUsedPercent)}
}

// clockState is the kernel's view of the clock (Linux adjtimex, read only).
type clockState struct {
	OffsetMS       float64 `json:"offset_ms"`
	Unsynchronized bool    `json:"unsynchronized"`
	MaxErrorMS     float64 `json:"max_error_ms"`
	EstErrorMS     float64 `json:"est_error_ms"`
}

func sampleClock(_ context.Context, c spec.ClockSample) (history.Result, any) {
	r := history.Result{Target: "clock"}
	st, err := readClock()
	if err != nil {
		r.Error = err.Error()
		return r, nil
	}
	r.Value = st.OffsetMS
	limit := durMS(time.Duration(c.MaxOffset))
	switch {
	case st.Unsynchronized:
		r.Error = "the kernel says the clock is not synchronized (STA_UNSYNC)"
	case limit > 0 && math.Abs(st.OffsetMS) > limit:
		r.Error = fmt.Sprintf("clock offset %.3f ms beyond %s", st.OffsetMS, time.Duration(c.MaxOffset))
	default:
		r.OK = true
	}
	return r, st
}
