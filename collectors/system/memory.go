package system

import (
	"context"
	"runtime"

	"github.com/shirou/gopsutil/v3/mem"
)

// Memory is system/memory.json. Byte counts are bytes; on Linux they come from /proc/meminfo.
type Memory struct {
	TotalBytes     uint64  `json:"total_bytes"`
	AvailableBytes uint64  `json:"available_bytes"`
	UsedBytes      uint64  `json:"used_bytes"`
	FreeBytes      uint64  `json:"free_bytes"`
	UsedPercent    float64 `json:"used_percent"`
	BuffersBytes   uint64  `json:"buffers_bytes"`
	CachedBytes    uint64  `json:"cached_bytes"`
	SharedBytes    uint64  `json:"shared_bytes"`
	DirtyBytes     uint64  `json:"dirty_bytes"`
	SlabBytes      uint64  `json:"slab_bytes"`
	CommitLimit    uint64  `json:"commit_limit_bytes"`
	CommittedAS    uint64  `json:"committed_as_bytes"`
	HugePagesTotal uint64  `json:"huge_pages_total"`
	HugePagesFree  uint64  `json:"huge_pages_free"`
	HugePageBytes  uint64  `json:"huge_page_size_bytes"`
	Swap           *Swap   `json:"swap"`
}

// Swap is the swap part of memory.json.
type Swap struct {
	TotalBytes  uint64  `json:"total_bytes"`
	UsedBytes   uint64  `json:"used_bytes"`
	FreeBytes   uint64  `json:"free_bytes"`
	UsedPercent float64 `json:"used_percent"`
	// SwappedIn and SwappedOut count bytes moved from and to swap since boot (Linux: pswpin and
	// pswpout of /proc/vmstat, in 4 KiB pages).
	SwappedIn  uint64 `json:"swapped_in_bytes"`
	SwappedOut uint64 `json:"swapped_out_bytes"`
}

func collectMemory(ctx context.Context, s *source) (any, error) {
	g := s.gctx(ctx)
	var p problems
	vm, err := mem.VirtualMemoryWithContext(g)
	if err != nil {
		return nil, err
	}
	out := Memory{
		TotalBytes: vm.Total, AvailableBytes: vm.Available, UsedBytes: vm.Used, FreeBytes: vm.Free,
		UsedPercent: round2(vm.UsedPercent), BuffersBytes: vm.Buffers, CachedBytes: vm.Cached,
		SharedBytes: vm.Shared, DirtyBytes: vm.Dirty, SlabBytes: vm.Slab, CommitLimit: vm.CommitLimit,
		CommittedAS: vm.CommittedAS, HugePagesTotal: vm.HugePagesTotal, HugePagesFree: vm.HugePagesFree,
		HugePageBytes: vm.HugePageSize,
	}
	sw, err := mem.SwapMemoryWithContext(g)
	p.add("swap", ignoreNotImpl(err))
	if err == nil {
		out.Swap = &Swap{TotalBytes: sw.Total, UsedBytes: sw.Used, FreeBytes: sw.Free,
			UsedPercent: round2(sw.UsedPercent), SwappedIn: sw.Sin, SwappedOut: sw.Sout}
		if runtime.GOOS == "linux" {
			// gopsutil takes Linux swap sizes from sysinfo(2), which ignores the root; meminfo has them.
			out.Swap.TotalBytes, out.Swap.FreeBytes = vm.SwapTotal, vm.SwapFree
			out.Swap.UsedBytes, out.Swap.UsedPercent = vm.SwapTotal-vm.SwapFree, 0
			if vm.SwapTotal > 0 {
				out.Swap.UsedPercent = round2(100 * float64(vm.SwapTotal-vm.SwapFree) / float64(vm.SwapTotal))
			}
		}
	}
	return out, p.err()
}
