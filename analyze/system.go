package analyze

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Thresholds of the system analyzers.
const (
	diskWarnPct  = 90.0
	diskCritPct  = 95.0
	memWarnAvail = 10.0 // available RAM, percent of total
	memCritAvail = 5.0
	swapWarnPct  = 50.0
	loadWarnX    = 2.0 // load15 per logical core
)

type disksDoc struct {
	Partitions []struct {
		Device     string   `json:"device"`
		Mountpoint string   `json:"mountpoint"`
		Fstype     string   `json:"fstype"`
		Options    []string `json:"options"`
		Usage      *struct {
			TotalBytes        float64 `json:"total_bytes"`
			UsedBytes         float64 `json:"used_bytes"`
			FreeBytes         float64 `json:"free_bytes"`
			UsedPercent       float64 `json:"used_percent"`
			InodesTotal       float64 `json:"inodes_total"`
			InodesUsed        float64 `json:"inodes_used"`
			InodesFree        float64 `json:"inodes_free"`
			InodesUsedPercent float64 `json:"inodes_used_percent"`
		} `json:"usage"`
	} `json:"partitions"`
}

// alwaysFull are filesystems that are full by construction (read-only images).
var alwaysFull = []string{"squashfs", "iso9660", "udf", "cramfs", "erofs", "romfs"}

func analyzeDisk(src Source) []Finding {
	const p = "system/disks.json"
	var d disksDoc
	if !readJSON(src, p, &d) {
		return nil
	}
	var out []Finding
	seen := map[string]bool{}  // mount points already judged (a mount listed twice)
	plain := map[string]bool{} // devices with a mount that is not a bind mount
	for _, m := range d.Partitions {
		if !slices.Contains(m.Options, "bind") {
			plain[m.Device] = true
		}
	}
	for _, m := range d.Partitions {
		u := m.Usage
		if u == nil || seen[m.Mountpoint] || slices.Contains(m.Options, "ro") || slices.Contains(alwaysFull, m.Fstype) {
			continue
		}
		seen[m.Mountpoint] = true
		if slices.Contains(m.Options, "bind") && plain[m.Device] {
			continue // the same filesystem is judged at its own mount
		}
		e := []Evidence{ev(src, p, "mountpoint", m.Mountpoint)}
		if u.TotalBytes > 0 && u.UsedPercent >= diskWarnPct {
			sev := Warning
			if u.UsedPercent >= diskCritPct {
				sev = Critical
			}
			out = append(out, Finding{
				ID: "disk.full", Severity: sev, Target: m.Mountpoint, Evidence: e,
				Title: fmt.Sprintf("Filesystem %s is %.0f%% full (%s free)", m.Mountpoint, u.UsedPercent, bytesHuman(u.FreeBytes)),
				Detail: fmt.Sprintf("%s (%s on %s) has %s of %s free; %.2f%% of the space available to unprivileged users is used.",
					m.Mountpoint, m.Fstype, m.Device, bytesHuman(u.FreeBytes), bytesHuman(u.TotalBytes), u.UsedPercent),
				NextStep: fmt.Sprintf("Free space on %s (old logs, core dumps, caches: `du -xh %s | sort -h | tail`) or grow the filesystem; writes fail once it is full.", m.Mountpoint, m.Mountpoint),
			})
		}
		if u.InodesTotal > 0 && u.InodesUsedPercent >= diskWarnPct {
			sev := Warning
			if u.InodesUsedPercent >= diskCritPct {
				sev = Critical
			}
			out = append(out, Finding{
				ID: "disk.inodes_full", Severity: sev, Target: m.Mountpoint, Evidence: e,
				Title: fmt.Sprintf("Filesystem %s has used %.0f%% of its inodes", m.Mountpoint, u.InodesUsedPercent),
				Detail: fmt.Sprintf("%s (%s on %s) has %.0f of %.0f inodes free: new files cannot be created once none are left, whatever the free space.",
					m.Mountpoint, m.Fstype, m.Device, u.InodesFree, u.InodesTotal),
				NextStep: fmt.Sprintf("Find folders with many small files on %s (`du -x --inodes %s | sort -n | tail`: session files, mail queues, caches) and remove what is not needed.", m.Mountpoint, m.Mountpoint),
			})
		}
	}
	return out
}

type memoryDoc struct {
	TotalBytes     float64 `json:"total_bytes"`
	AvailableBytes float64 `json:"available_bytes"`
	Swap           *struct {
		TotalBytes  float64 `json:"total_bytes"`
		UsedBytes   float64 `json:"used_bytes"`
		UsedPercent float64 `json:"used_percent"`
	} `json:"swap"`
}

func analyzeMemory(src Source) []Finding {
	const p = "system/memory.json"
	var m memoryDoc
	if !readJSON(src, p, &m) || m.TotalBytes <= 0 {
		return nil
	}
	var out []Finding
	availPct := m.AvailableBytes / m.TotalBytes * 100
	if availPct < memWarnAvail {
		sev := Warning
		if availPct < memCritAvail {
			sev = Critical
		}
		out = append(out, Finding{
			ID: "memory.low", Severity: sev, Target: "memory",
			Evidence: []Evidence{ev(src, p, "available_bytes", int64(m.AvailableBytes))},
			Title:    fmt.Sprintf("Only %.1f%% of memory is available (%s of %s)", availPct, bytesHuman(m.AvailableBytes), bytesHuman(m.TotalBytes)),
			Detail:   "Available memory (what can be given to programs without swapping, page cache included) is low; the kernel will reclaim cache, swap, and finally kill processes (OOM).",
			NextStep: "See system/processes.json top_memory for the largest processes; look for kernel.oom_kill findings; add memory or lower the heaviest process's limits.",
		})
	}
	if s := m.Swap; s != nil && s.TotalBytes > 0 && s.UsedPercent >= swapWarnPct {
		out = append(out, Finding{
			ID: "memory.swap", Severity: Warning, Target: "swap",
			Evidence: []Evidence{ev(src, p, "used_percent", s.UsedPercent)},
			Title:    fmt.Sprintf("%.0f%% of swap is in use (%s of %s)", s.UsedPercent, bytesHuman(s.UsedBytes), bytesHuman(s.TotalBytes)),
			Detail:   fmt.Sprintf("Swap use this high means memory was short at some point; %.1f%% of RAM is available now.", availPct),
			NextStep: "Compare with system/processes.json top_memory and the kernel logs (OOM kills); a process that swaps responds slowly.",
		})
	}
	return out
}

type cpuDoc struct {
	LogicalCores int `json:"logical_cores"`
	Load         *struct {
		Load1  float64 `json:"load1"`
		Load5  float64 `json:"load5"`
		Load15 float64 `json:"load15"`
	} `json:"load"`
	Utilization *struct {
		IowaitPercent float64 `json:"iowait_percent"`
		StealPercent  float64 `json:"steal_percent"`
	} `json:"utilization"`
}

func analyzeLoad(src Source) []Finding {
	const p = "system/cpu.json"
	var c cpuDoc
	if !readJSON(src, p, &c) || c.Load == nil || c.LogicalCores <= 0 {
		return nil
	}
	cores := float64(c.LogicalCores)
	l := c.Load
	if l.Load15 <= cores && l.Load5 <= loadWarnX*cores {
		return nil
	}
	sev := Info
	if l.Load15 > loadWarnX*cores {
		sev = Warning
	}
	return []Finding{{
		ID: "load.high", Severity: sev, Target: "cpu",
		Evidence: []Evidence{ev(src, p, "load15", l.Load15)},
		Title:    fmt.Sprintf("Load average %.2f is above the %d CPU cores", math.Max(l.Load5, l.Load15), c.LogicalCores),
		Detail: fmt.Sprintf("Load averages 1/5/15 min: %.2f / %.2f / %.2f on %d logical cores. Load counts runnable tasks and tasks waiting on disk, so it is high when CPUs are short or I/O is slow.",
			l.Load1, l.Load5, l.Load15, c.LogicalCores),
		NextStep: "See system/processes.json (top_cpu, by_state disk_sleep) and cpu.json utilization (iowait, steal) to tell CPU shortage from slow storage.",
	}}
}

type timeDoc struct {
	NTP *struct {
		Synchronized *bool    `json:"synchronized"`
		Services     []string `json:"services"`
		Evidence     []string `json:"evidence"`
	} `json:"ntp"`
}

type hostDoc struct {
	Container struct {
		Detected bool   `json:"detected"`
		Runtime  string `json:"runtime"`
	} `json:"container"`
}

func analyzeClock(src Source) []Finding {
	var out []Finding
	const tp = "system/time.json"
	var t timeDoc
	if readJSON(src, tp, &t) && t.NTP != nil && t.NTP.Synchronized != nil && !*t.NTP.Synchronized {
		var h hostDoc
		readJSON(src, "system/host.json", &h)
		sev := Warning
		detail := "The kernel says the clock is not synchronized (what timedatectl shows as \"System clock synchronized: no\")."
		if len(t.NTP.Services) > 0 {
			detail += fmt.Sprintf(" Time service found: %s, but it has not synchronized the clock.", strings.Join(t.NTP.Services, ", "))
		} else {
			detail += " No time service (systemd-timesyncd, chrony, ntpd) was found."
		}
		if h.Container.Detected && len(t.NTP.Services) == 0 {
			// A container shares the host's clock and cannot run a time service of its own.
			sev = Info
			detail += " This is a container: its clock is the host's, which keeps it in sync."
		}
		next := "Enable a time service (`timedatectl set-ntp true`, chrony) and check it reaches its servers (UDP 123); a drifting clock breaks TLS and authentication."
		if sev == Info {
			next = "Nothing to do in the container; if clock.skew findings show, check the host's time service."
		}
		if len(t.NTP.Evidence) > 0 {
			detail += " Evidence: " + strings.Join(t.NTP.Evidence, "; ") + "."
		}
		out = append(out, Finding{
			ID: "clock.unsynchronized", Severity: sev, Target: "clock",
			Evidence: []Evidence{ev(src, tp, "synchronized", false)},
			Title:    "The system clock is not synchronized by NTP",
			Detail:   detail,
			NextStep: next,
		})
	}
	out = append(out, httpClockSkew(src)...)
	return out
}

func bytesHuman(b float64) string {
	const unit = 1024.0
	if b < unit {
		return fmt.Sprintf("%.0f B", b)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	v := b / unit
	i := 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
