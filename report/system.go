package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/casefile/casefile/analyze"
)

type system struct {
	Facts      []kv
	Disks      []diskRow
	Interfaces []ifaceRow
}

type diskRow struct {
	Mount, Device, FSType, Size, Inodes string
	Pct                                 float64
	Bar                                 float64 // bar width in px (of 120)
	Class                               string
}

type ifaceRow struct {
	Name, MTU, State, Addrs string
}

func buildSystem(src analyze.Source, env obj) *system {
	host, cpu, mem, tm, disks, ifs := obj{}, obj{}, obj{}, obj{}, obj{}, obj{}
	readJSON(src, "system/host.json", (*map[string]any)(&host))
	readJSON(src, "system/cpu.json", (*map[string]any)(&cpu))
	readJSON(src, "system/memory.json", (*map[string]any)(&mem))
	readJSON(src, "system/time.json", (*map[string]any)(&tm))
	readJSON(src, "system/disks.json", (*map[string]any)(&disks))
	readJSON(src, "system/interfaces.json", (*map[string]any)(&ifs))

	s := &system{}
	add := func(k, v string) {
		if strings.TrimSpace(v) != "" {
			s.Facts = append(s.Facts, kv{k, v})
		}
	}
	first := func(vs ...string) string {
		for _, v := range vs {
			if v != "" {
				return v
			}
		}
		return ""
	}
	add("Host name", first(host.str("hostname"), env.str("hostname")))
	add("Operating system", first(host.str("pretty_name"), env.str("pretty_name"), env.str("os")))
	add("Kernel", strings.TrimSpace(first(host.str("kernel_version"), env.str("kernel_version"))+" "+first(host.str("kernel_arch"), env.str("kernel_arch"))))
	virt := first(host.str("virtualization.system"), env.str("virtualization.system"))
	if role := first(host.str("virtualization.role"), env.str("virtualization.role")); role != "" {
		virt = strings.TrimSpace(virt + " " + role)
	}
	add("Virtualization", virt)
	if c := first(host.str("container.detected"), env.str("container.detected")); c == "yes" {
		add("Container", first(host.str("container.runtime"), env.str("container.runtime"), "yes"))
	}
	if up, ok := host.num("uptime_seconds"); ok {
		add("Uptime", humanDuration(up))
	}
	add("Time zone", first(tm.str("timezone"), env.str("timezone")))
	if v := tm.str("ntp.synchronized"); v != "" {
		add("NTP synchronized", v)
	}
	add("Locale", env.str("locale.lang"))
	if e := env.str("privileges.elevated"); e != "" {
		add("Elevated (root/admin)", e)
	}
	cores := first(cpu.str("logical_cores"), env.str("cpu_count"))
	add("CPU", strings.TrimSpace(first(cpu.str("model"), env.str("cpu_model"))+" — "+cores+" logical cores"))
	if l1, ok := cpu.num("load.load1"); ok {
		l5, _ := cpu.num("load.load5")
		l15, _ := cpu.num("load.load15")
		add("Load 1/5/15 min", fmt.Sprintf("%.2f / %.2f / %.2f", l1, l5, l15))
	}
	if t, ok := mem.num("total_bytes"); ok && t > 0 {
		a, _ := mem.num("available_bytes")
		add("Memory", fmt.Sprintf("%s total, %s available (%.0f %%)", humanBytes(t), humanBytes(a), a/t*100))
	}
	if t, ok := mem.num("swap.total_bytes"); ok {
		if t == 0 {
			add("Swap", "none")
		} else {
			u, _ := mem.num("swap.used_bytes")
			add("Swap", fmt.Sprintf("%s of %s used", humanBytes(u), humanBytes(t)))
		}
	}

	for _, d := range disks.list("partitions") {
		o := asObj(d)
		pct, ok := o.num("usage.used_percent")
		if !ok {
			continue
		}
		total, _ := o.num("usage.total_bytes")
		r := diskRow{Mount: o.str("mountpoint"), Device: o.str("device"), FSType: o.str("fstype"), Pct: pct, Bar: clamp(pct, 0, 100) * 1.2, Class: "ok"}
		if total > 0 {
			r.Size = humanBytes(total)
		}
		if ip, ok := o.num("usage.inodes_used_percent"); ok {
			r.Inodes = fmt.Sprintf("%.0f %%", ip)
		}
		switch {
		case pct >= 95:
			r.Class = "critical"
		case pct >= 90:
			r.Class = "warning"
		}
		s.Disks = append(s.Disks, r)
	}
	sort.SliceStable(s.Disks, func(i, j int) bool { return s.Disks[i].Pct > s.Disks[j].Pct })

	for _, i := range ifs.list("interfaces") {
		o := asObj(i)
		st := o.str("oper_state")
		flags := strList(o.list("flags"))
		if st == "" || st == "unknown" {
			for _, f := range flags {
				if f == "up" {
					st = "up"
				}
			}
		}
		s.Interfaces = append(s.Interfaces, ifaceRow{Name: o.str("name"), MTU: o.str("mtu"), State: st, Addrs: strings.Join(strList(o.list("addresses")), ", ")})
	}
	if len(s.Facts) == 0 && len(s.Disks) == 0 && len(s.Interfaces) == 0 {
		return nil
	}
	return s
}

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
