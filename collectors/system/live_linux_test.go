package system

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func liveSource(t *testing.T) *source {
	t.Helper()
	s, err := newSource("/")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLiveHostFacts(t *testing.T) {
	s := liveSource(t)
	v, err := collectHost(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	h := v.(Host)
	var u unix.Utsname
	unix.Uname(&u)
	hn, _ := os.Hostname()
	if h.Hostname != hn || h.KernelVersion != unix.ByteSliceToString(u.Release[:]) ||
		h.KernelArch != unix.ByteSliceToString(u.Machine[:]) || h.OS != "linux" {
		t.Errorf("host = %+v, want hostname %q, uname %q %q", h.Platform, hn, u.Release, u.Machine)
	}
	if h.Platform.Platform == "" || h.PlatformFamily == "" {
		t.Errorf("platform not found: %+v", h.Platform)
	}
	if h.BootTime == nil || h.UptimeSeconds == nil || *h.UptimeSeconds <= 0 {
		t.Fatalf("boot %v uptime %v", h.BootTime, h.UptimeSeconds)
	}
	// btime and uptime are two views of one instant (btime is whole seconds), unless lxcfs
	// shows the container's own uptime.
	if mi, _ := os.ReadFile("/proc/self/mountinfo"); strings.Contains(string(mi), "lxcfs") {
		return
	}
	if d := time.Since(*h.BootTime).Seconds() - *h.UptimeSeconds; d < -2 || d > 2 {
		t.Errorf("boot time %s and uptime %.0fs disagree by %.1fs", h.BootTime, *h.UptimeSeconds, d)
	}
}

func TestLiveCPUAndMemory(t *testing.T) {
	s := liveSource(t)
	v, err := collectCPU(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	c := v.(CPU)
	if c.LogicalCores < runtime.NumCPU() || c.PhysicalCores < 1 || c.PhysicalCores > c.LogicalCores || c.Model == "" {
		t.Errorf("cpu = %+v (NumCPU %d)", c, runtime.NumCPU())
	}
	if c.Load == nil || c.Utilization == nil {
		t.Fatalf("load %v utilization %v", c.Load, c.Utilization)
	}
	u := c.Utilization
	sum := u.User + u.System + u.Idle + u.IOWait + u.Steal + u.Other
	if sum < 99 || sum > 101 || u.SampleMS < 190 || u.SampleMS > 1000 {
		t.Errorf("utilization %+v sums to %.2f", *u, sum)
	}

	v, err = collectMemory(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	m := v.(Memory)
	if m.TotalBytes == 0 || m.AvailableBytes > m.TotalBytes || m.FreeBytes > m.TotalBytes || m.Swap == nil {
		t.Errorf("memory = %+v", m)
	}
}

// TestLiveProcessesSeeBusyProcess burns CPU in this process during the sample and expects to
// find it in top_cpu with its command line.
func TestLiveProcessesSeeBusyProcess(t *testing.T) {
	s := liveSource(t)
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		x := 0
		for !stop.Load() {
			x++
		}
		_ = x
	}()
	v, err := collectProcesses(context.Background(), s)
	stop.Store(true)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	p := v.(Processes)
	if p.Total < 2 || len(p.TopCPU) == 0 || len(p.TopCPU) > topN || len(p.TopMemory) > topN {
		t.Fatalf("processes: total %d, top %d/%d", p.Total, len(p.TopCPU), len(p.TopMemory))
	}
	var me *Process
	for i := range p.TopCPU {
		if p.TopCPU[i].PID == int32(os.Getpid()) {
			me = &p.TopCPU[i]
		}
	}
	if me == nil {
		t.Fatalf("this busy process (pid %d) is not in top_cpu: %+v", os.Getpid(), p.TopCPU)
	}
	// On a loaded machine the busy goroutine may get little CPU; it must still register.
	if me.CPUPercent <= 0 || me.RSSBytes == 0 || me.Started == nil ||
		!strings.Contains(me.Cmdline, "-test.") || me.UID != int64(os.Getuid()) {
		t.Errorf("this process: %+v", *me)
	}
	for i := 1; i < len(p.TopMemory); i++ {
		if p.TopMemory[i].RSSBytes > p.TopMemory[i-1].RSSBytes {
			t.Errorf("top_memory not sorted at %d", i)
		}
	}
}

func TestLiveLimitsMatchGetrlimit(t *testing.T) {
	v, err := collectLimits(context.Background(), liveSource(t))
	if err != nil {
		t.Fatal(err)
	}
	l := v.(Limits)
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	got := l.Process["nofile"]
	if got.Soft == nil || *got.Soft != rl.Cur {
		t.Errorf("nofile soft = %v, getrlimit %d", got.Soft, rl.Cur)
	}
	if l.Kernel["fs.file-max"] == "" {
		t.Errorf("no fs.file-max: %v", l.Kernel)
	}
}

func TestLiveTime(t *testing.T) {
	v, err := collectTime(context.Background(), liveSource(t))
	if err != nil {
		t.Fatal(err)
	}
	tm := v.(Time)
	_, off := time.Now().Zone()
	if os.Getenv("TZ") == "" && tm.OffsetSeconds != off {
		t.Errorf("offset %d, Go says %d", tm.OffsetSeconds, off)
	}
	if tm.NTP.Kernel == nil || tm.NTP.Synchronized == nil {
		t.Errorf("adjtimex not read: %+v", tm.NTP)
	}
}

// TestCancelled: a cancelled context stops the sampling collectors at once, with the context's
// error and no output.
func TestCancelled(t *testing.T) {
	s := liveSource(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, a := range areas {
		if a.name != "cpu" && a.name != "processes" && a.name != "disks" {
			continue
		}
		sink := newSink()
		start := time.Now()
		err := runArea(a, s)(ctx, sink)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v", a.name, err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("%s took %s after cancel", a.name, d)
		}
		if len(sink.Files()) != 0 {
			t.Errorf("%s wrote %v", a.name, sink.Files())
		}
	}
}

// TestDeadlineMidSample: a deadline that falls inside the 200 ms samples ends them early.
func TestDeadlineMidSample(t *testing.T) {
	s := liveSource(t)
	for _, a := range areas {
		if a.name != "cpu" && a.name != "processes" {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		start := time.Now()
		err := runArea(a, s)(ctx, newSink())
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: err = %v", a.name, err)
		}
		if d := time.Since(start); d > 150*time.Millisecond {
			t.Errorf("%s took %s with a 30ms deadline", a.name, d)
		}
	}
}
