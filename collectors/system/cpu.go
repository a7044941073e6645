package system

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/shirou/gopsutil/v3/cpu"
	"github.com/shirou/gopsutil/v3/load"
)

// cpuSample is how long the utilisation sample watches the CPU.
const cpuSample = 200 * time.Millisecond

// CPU is system/cpu.json.
type CPU struct {
	Model         string   `json:"model"`
	Vendor        string   `json:"vendor"`
	MHz           float64  `json:"mhz"`
	CacheSizeKB   int32    `json:"cache_size_kb"`
	Sockets       int      `json:"sockets"`
	PhysicalCores int      `json:"physical_cores"`
	LogicalCores  int      `json:"logical_cores"`
	Load          *Load    `json:"load"`
	Utilization   *CPUUtil `json:"utilization"`
}

// Load is the run-queue load average (not on Windows).
type Load struct {
	Load1  float64 `json:"load1"`
	Load5  float64 `json:"load5"`
	Load15 float64 `json:"load15"`
}

// CPUUtil is the share of CPU time, in percent of all logical CPUs, spent in each state during
// the sample.
type CPUUtil struct {
	SampleMS int64   `json:"sample_ms"`
	Busy     float64 `json:"busy_percent"`
	User     float64 `json:"user_percent"`
	System   float64 `json:"system_percent"`
	Idle     float64 `json:"idle_percent"`
	IOWait   float64 `json:"iowait_percent"`
	Steal    float64 `json:"steal_percent"`
	Other    float64 `json:"other_percent"`
}

func collectCPU(ctx context.Context, s *source) (any, error) {
	g := s.gctx(ctx)
	var p problems
	out := CPU{}
	infos, err := cpu.InfoWithContext(g)
	p.add("cpu info", err)
	sockets := map[string]bool{}
	for _, i := range infos {
		sockets[i.PhysicalID] = true
	}
	if len(infos) > 0 {
		out.Model, out.Vendor, out.MHz, out.CacheSizeKB = infos[0].ModelName, infos[0].VendorID, infos[0].Mhz, infos[0].CacheSize
		out.Sockets = len(sockets)
	}
	out.LogicalCores, err = cpu.CountsWithContext(g, true)
	p.add("logical cores", err)
	out.PhysicalCores, err = cpu.CountsWithContext(g, false)
	p.add("physical cores", err)

	if runtime.GOOS != "windows" {
		if avg, err := load.AvgWithContext(g); err == nil {
			out.Load = &Load{avg.Load1, avg.Load5, avg.Load15}
		} else {
			p.add("load average", err)
		}
	}

	util, err := sampleCPU(ctx, s, cpuSample)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	p.add("utilization", err)
	out.Utilization = util
	return out, p.err()
}

// sampleCPU reads the CPU time counters twice, d apart. It returns nil when no time passed
// between the two reads (a frozen fixture, or a clock that did not move).
func sampleCPU(ctx context.Context, s *source, d time.Duration) (*CPUUtil, error) {
	g := s.gctx(ctx)
	t0, err := cpu.TimesWithContext(g, false)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := sleep(ctx, d); err != nil {
		return nil, err
	}
	if s.betweenSamples != nil {
		s.betweenSamples()
	}
	elapsed := time.Since(start)
	if s.sampleElapsed > 0 {
		elapsed = s.sampleElapsed
	}
	t1, err := cpu.TimesWithContext(g, false)
	if err != nil {
		return nil, err
	}
	if len(t0) == 0 || len(t1) == 0 {
		return nil, fmt.Errorf("no cpu times")
	}
	return cpuUtil(t0[0], t1[0], elapsed), nil
}

func cpuUtil(a, b cpu.TimesStat, elapsed time.Duration) *CPUUtil {
	total := func(t cpu.TimesStat) float64 {
		// Guest time is already counted in user time on Linux.
		return t.User + t.System + t.Idle + t.Nice + t.Iowait + t.Irq + t.Softirq + t.Steal
	}
	dt := total(b) - total(a)
	if dt <= 0 {
		return nil
	}
	pct := func(x float64) float64 { return round2(100 * x / dt) }
	u := &CPUUtil{
		SampleMS: elapsed.Milliseconds(),
		User:     pct(b.User + b.Nice - a.User - a.Nice),
		System:   pct(b.System - a.System),
		Idle:     pct(b.Idle - a.Idle),
		IOWait:   pct(b.Iowait - a.Iowait),
		Steal:    pct(b.Steal - a.Steal),
		Other:    pct(b.Irq + b.Softirq - a.Irq - a.Softirq),
	}
	u.Busy = round2(100 - u.Idle - u.IOWait)
	return u
}

func round2(x float64) float64 {
	if x < 0 {
		return -float64(int64(-x*100+0.5)) / 100
	}
	return float64(int64(x*100+0.5)) / 100
}
