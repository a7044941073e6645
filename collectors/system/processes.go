package system

import (
	"context"
	"sort"
	"time"

	"github.com/shirou/gopsutil/v3/mem"
)

const (
	// topN processes are listed by CPU and by memory.
	topN = 25
	// procWindow is the window over which per-process CPU use is measured.
	procWindow = 200 * time.Millisecond
	// maxCmdline caps one process's command line.
	maxCmdline = 4096
)

// Processes is system/processes.json.
type Processes struct {
	SampleMS int64          `json:"sample_ms"`
	Total    int            `json:"total"`
	Threads  int64          `json:"threads"`
	ByState  map[string]int `json:"by_state"`
	// TopCPU holds the topN processes by CPU use during the sample, TopMemory by resident memory.
	TopCPU    []Process `json:"top_cpu"`
	TopMemory []Process `json:"top_memory"`
}

// Process is one process in a top list.
type Process struct {
	PID  int32  `json:"pid"`
	PPID int32  `json:"ppid"`
	Name string `json:"name"`
	User string `json:"user"`
	// UID is the real user id (-1 where the OS has none).
	UID        int64      `json:"uid"`
	State      string     `json:"state"`
	CPUPercent float64    `json:"cpu_percent"`
	CPUSeconds float64    `json:"cpu_seconds"`
	RSSBytes   uint64     `json:"rss_bytes"`
	VMSBytes   uint64     `json:"vms_bytes"`
	MemPercent float64    `json:"mem_percent"`
	Threads    int32      `json:"threads"`
	Started    *time.Time `json:"started"`
	Cmdline    string     `json:"cmdline"`
	// CmdlineTruncated is set when the command line was longer than 4096 bytes.
	CmdlineTruncated bool `json:"cmdline_truncated,omitempty"`
}

// procSample is what one cheap pass over all processes yields.
type procSample struct {
	pid, ppid  int32
	name       string
	state      string
	cpuSeconds float64
	rss, vms   uint64
	threads    int32
	uid        int64
}

func collectProcesses(ctx context.Context, s *source) (any, error) {
	var p problems
	first, err := snapshotProcs(ctx, s)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := sleep(ctx, procWindow); err != nil {
		return nil, err
	}
	if s.betweenSamples != nil {
		s.betweenSamples()
	}
	second, err := snapshotProcs(ctx, s)
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	if s.sampleElapsed > 0 {
		elapsed = s.sampleElapsed
	}

	var total uint64
	if vm, err := mem.VirtualMemoryWithContext(s.gctx(ctx)); err == nil {
		total = vm.Total
	} else {
		p.add("total memory", err)
	}

	before := make(map[int32]float64, len(first))
	for _, x := range first {
		before[x.pid] = x.cpuSeconds
	}
	out := Processes{SampleMS: elapsed.Milliseconds(), Total: len(second), ByState: map[string]int{}}
	all := make([]Process, 0, len(second))
	for _, x := range second {
		out.Threads += int64(x.threads)
		if x.state != "" { // Windows has no process states
			out.ByState[x.state]++
		}
		pr := Process{PID: x.pid, PPID: x.ppid, Name: x.name, UID: x.uid, State: x.state,
			CPUSeconds: round2(x.cpuSeconds), RSSBytes: x.rss, VMSBytes: x.vms, Threads: x.threads}
		// A process born during the sample counts from zero.
		if d := x.cpuSeconds - before[x.pid]; d > 0 && elapsed > 0 {
			pr.CPUPercent = round2(100 * d / elapsed.Seconds())
		}
		if total > 0 {
			pr.MemPercent = round2(100 * float64(x.rss) / float64(total))
		}
		all = append(all, pr)
	}
	out.TopCPU = topBy(all, func(a, b *Process) bool {
		if a.CPUPercent != b.CPUPercent {
			return a.CPUPercent > b.CPUPercent
		}
		return a.CPUSeconds > b.CPUSeconds
	})
	out.TopMemory = topBy(all, func(a, b *Process) bool { return a.RSSBytes > b.RSSBytes })

	// Details (command line, user, start time) only for the listed processes.
	details := map[int32]*Process{}
	for _, list := range [][]Process{out.TopCPU, out.TopMemory} {
		for i := range list {
			details[list[i].PID] = &list[i]
		}
	}
	if err := fillDetails(ctx, s, details); err != nil {
		p.add("process details", err)
	}
	for _, list := range [][]Process{out.TopCPU, out.TopMemory} {
		for i := range list {
			d := details[list[i].PID]
			list[i].UID, list[i].User, list[i].Started = d.UID, d.User, d.Started
			list[i].Cmdline, list[i].CmdlineTruncated = d.Cmdline, d.CmdlineTruncated
		}
	}
	return out, p.err()
}

// topBy returns copies of the first topN processes in the order less gives, ties by PID.
func topBy(all []Process, less func(a, b *Process) bool) []Process {
	sorted := make([]Process, len(all))
	copy(sorted, all)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := &sorted[i], &sorted[j]
		if less(a, b) {
			return true
		}
		if less(b, a) {
			return false
		}
		return a.PID < b.PID
	})
	if len(sorted) > topN {
		sorted = sorted[:topN]
	}
	return sorted
}

// cutCmdline caps a command line at maxCmdline bytes.
func cutCmdline(c string) (string, bool) {
	if len(c) <= maxCmdline {
		return c, false
	}
	return c[:maxCmdline], true
}
