package system

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/shirou/gopsutil/v3/disk"
)

// statTimeout bounds one filesystem's usage query: a dead network mount can block statfs for
// minutes, and one such mount must not cost the other partitions.
const statTimeout = 2 * time.Second

// Disks is system/disks.json.
type Disks struct {
	Partitions []Partition `json:"partitions"`
}

// pseudoFS are kernel interface filesystems: no space to run out of, nothing a support case needs.
var pseudoFS = map[string]bool{
	"proc": true, "sysfs": true, "cgroup": true, "cgroup2": true, "devpts": true, "mqueue": true,
	"securityfs": true, "debugfs": true, "tracefs": true, "pstore": true, "bpf": true,
	"configfs": true, "fusectl": true, "hugetlbfs": true, "autofs": true, "binfmt_misc": true,
	"rpc_pipefs": true, "nsfs": true, "efivarfs": true, "selinuxfs": true, "devfs": true,
}

// Partition is one mounted filesystem; kernel pseudo filesystems (proc, sysfs, cgroup, ...) are
// left out, tmpfs and overlay stay (they fill up too).
type Partition struct {
	Device     string   `json:"device"`
	Mountpoint string   `json:"mountpoint"`
	FSType     string   `json:"fstype"`
	Options    []string `json:"options"`
	Usage      *Usage   `json:"usage"`
	// Error says why usage is missing (timed out, permission denied).
	Error string `json:"error,omitempty"`
}

// Usage is what statfs reports for a mounted filesystem.
type Usage struct {
	TotalBytes        uint64  `json:"total_bytes"`
	UsedBytes         uint64  `json:"used_bytes"`
	FreeBytes         uint64  `json:"free_bytes"`
	UsedPercent       float64 `json:"used_percent"`
	InodesTotal       uint64  `json:"inodes_total"`
	InodesUsed        uint64  `json:"inodes_used"`
	InodesFree        uint64  `json:"inodes_free"`
	InodesUsedPercent float64 `json:"inodes_used_percent"`
}

func collectDisks(ctx context.Context, s *source) (any, error) {
	all, err := disk.PartitionsWithContext(s.gctx(ctx), true)
	if err != nil && len(all) == 0 {
		return nil, err
	}
	parts := all[:0]
	for _, pt := range all {
		if !pseudoFS[pt.Fstype] {
			parts = append(parts, pt)
		}
	}
	var p problems
	p.add("partitions", err)
	out := Disks{Partitions: make([]Partition, 0, len(parts))}
	type result struct {
		u   *disk.UsageStat
		err error
	}
	// statfs runs concurrently for all mounts; a hung one is abandoned after statTimeout (its
	// goroutine ends when the kernel returns).
	results := make([]chan result, len(parts))
	for i, pt := range parts {
		results[i] = make(chan result, 1)
		path := pt.Mountpoint
		if !s.isHost {
			path = filepath.Join(s.root, filepath.FromSlash(path))
		}
		go func(ch chan<- result, path string) {
			u, err := disk.UsageWithContext(ctx, path)
			ch <- result{u, err}
		}(results[i], path)
	}
	deadline := time.NewTimer(statTimeout)
	defer deadline.Stop()
	expired := false
	for i, pt := range parts {
		opts := pt.Opts
		if opts == nil {
			opts = []string{}
		}
		part := Partition{Device: pt.Device, Mountpoint: pt.Mountpoint, FSType: pt.Fstype, Options: opts}
		var r result
		got := false
		if !expired {
			select {
			case r = <-results[i]:
				got = true
			case <-deadline.C:
				expired = true
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if !got {
			select {
			case r = <-results[i]:
				got = true
			default:
			}
		}
		switch {
		case !got:
			part.Error = fmt.Sprintf("statfs timed out after %s", statTimeout)
			p.add(pt.Mountpoint, errors.New(part.Error))
		case r.err != nil:
			part.Error = r.err.Error()
		default:
			part.Usage = &Usage{
				TotalBytes: r.u.Total, UsedBytes: r.u.Used, FreeBytes: r.u.Free,
				UsedPercent: round2(r.u.UsedPercent), InodesTotal: r.u.InodesTotal,
				InodesUsed: r.u.InodesUsed, InodesFree: r.u.InodesFree,
				InodesUsedPercent: round2(r.u.InodesUsedPercent),
			}
		}
		out.Partitions = append(out.Partitions, part)
	}
	sort.SliceStable(out.Partitions, func(a, b int) bool {
		return out.Partitions[a].Mountpoint < out.Partitions[b].Mountpoint
	})
	return out, p.err()
}
