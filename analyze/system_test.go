package analyze

import (
	"fmt"
	"testing"
)

func disk(mount, fstype string, opts string, usedPct, inodePct float64) string {
	return fmt.Sprintf(`{"device": "/dev/sda1", "mountpoint": %q, "fstype": %q, "options": [%s],
	  "usage": {"total_bytes": 100000000000, "used_bytes": 1, "free_bytes": %d, "used_percent": %v,
	  "inodes_total": 1000, "inodes_used": 1, "inodes_free": 10, "inodes_used_percent": %v}}`,
		mount, fstype, opts, int64((100-usedPct)*1e9), usedPct, inodePct)
}

func disks(parts ...string) map[string]string {
	s := `{"partitions": [`
	for i, p := range parts {
		if i > 0 {
			s += ","
		}
		s += p
	}
	return map[string]string{"system/disks.json": s + "]}"}
}

func TestDisk(t *testing.T) {
	runCases(t, analyzeDisk, []tcase{
		{name: "healthy", files: disks(disk("/", "ext4", `"rw"`, 40, 10))},
		{name: "warning", files: disks(disk("/var", "ext4", `"rw"`, 91.5, 10)), want: []string{"disk.full warning /var"}, title: "/var is 92% full"},
		{name: "critical", files: disks(disk("/", "xfs", `"rw"`, 99, 10)), want: []string{"disk.full critical /"}},
		{name: "inodes", files: disks(disk("/srv", "ext4", `"rw"`, 10, 96)), want: []string{"disk.inodes_full critical /srv"}},
		{name: "read-only and images are full by design", files: disks(disk("/snap/core/1", "squashfs", `"ro"`, 100, 100), disk("/cdrom", "iso9660", `"rw"`, 100, 100), disk("/ro", "ext4", `"ro"`, 100, 100))},
		{name: "bind mount judged once", files: disks(disk("/", "ext4", `"rw"`, 97, 1), disk("/run/netns", "ext4", `"rw","bind"`, 97, 1)), want: []string{"disk.full critical /"}},
		{name: "listed twice", files: disks(disk("/dev/shm", "tmpfs", `"rw"`, 92, 1), disk("/dev/shm", "tmpfs", `"rw"`, 92, 1)), want: []string{"disk.full warning /dev/shm"}},
		{name: "usage null", files: map[string]string{"system/disks.json": `{"partitions": [{"device": "srv:/x", "mountpoint": "/nfs", "fstype": "nfs", "options": [], "usage": null, "error": "statfs timed out after 2s"}]}`}},
	})
}

func TestMemory(t *testing.T) {
	mem := func(avail, swapTotal, swapUsedPct float64) map[string]string {
		return map[string]string{"system/memory.json": fmt.Sprintf(`{"total_bytes": 1000000000, "available_bytes": %v, "used_percent": 50,
		  "swap": {"total_bytes": %v, "used_bytes": %v, "free_bytes": 0, "used_percent": %v}}`, avail, swapTotal, swapTotal*swapUsedPct/100, swapUsedPct)}
	}
	runCases(t, analyzeMemory, []tcase{
		{name: "healthy", files: mem(600e6, 1e9, 3)},
		{name: "no swap", files: mem(600e6, 0, 0)},
		{name: "low", files: mem(80e6, 0, 0), want: []string{"memory.low warning memory"}, title: "8.0% of memory"},
		{name: "critical", files: mem(30e6, 0, 0), want: []string{"memory.low critical memory"}},
		{name: "swap", files: mem(300e6, 1e9, 75), want: []string{"memory.swap warning swap"}},
	})
}

func TestLoad(t *testing.T) {
	cpu := func(cores int, l1, l5, l15 float64) map[string]string {
		return map[string]string{"system/cpu.json": fmt.Sprintf(`{"logical_cores": %d, "load": {"load1": %v, "load5": %v, "load15": %v}}`, cores, l1, l5, l15)}
	}
	runCases(t, analyzeLoad, []tcase{
		{name: "healthy", files: cpu(4, 1, 2, 3)},
		{name: "short spike", files: cpu(4, 12, 5, 2)},
		{name: "windows has no load", files: map[string]string{"system/cpu.json": `{"logical_cores": 4, "load": null}`}},
		{name: "above cores", files: cpu(4, 6, 6, 5), want: []string{"load.high info cpu"}},
		{name: "sustained", files: cpu(2, 9, 8, 7.5), want: []string{"load.high warning cpu"}, title: "above the 2 CPU cores"},
	})
}

func TestClock(t *testing.T) {
	tm := func(sync string, services string) string {
		return fmt.Sprintf(`{"timezone": "UTC", "ntp": {"synchronized": %s, "services": [%s], "evidence": ["adjtimex: ok"]}}`, sync, services)
	}
	docker := `{"container": {"detected": true, "runtime": "docker"}}`
	vm := `{"container": {"detected": false}}`
	http := func(skews ...string) string {
		s := `{"results": [`
		for i, k := range skews {
			if i > 0 {
				s += ","
			}
			s += fmt.Sprintf(`{"url": "https://h%d.example/", "status": 200, "ok": true, "clock_skew_s": %s}`, i, k)
		}
		return s + "]}"
	}
	runCases(t, analyzeClock, []tcase{
		{name: "synchronized", files: map[string]string{"system/time.json": tm("true", `"chrony"`), "system/host.json": vm}},
		{name: "unknown", files: map[string]string{"system/time.json": tm("null", ``), "system/host.json": vm}},
		{name: "unsynced daemon", files: map[string]string{"system/time.json": tm("false", `"systemd-timesyncd"`), "system/host.json": vm}, want: []string{"clock.unsynchronized warning clock"}},
		{name: "unsynced no daemon on a VM", files: map[string]string{"system/time.json": tm("false", ``), "system/host.json": vm}, want: []string{"clock.unsynchronized warning clock"}},
		{name: "unsynced in a container", files: map[string]string{"system/time.json": tm("false", ``), "system/host.json": docker}, want: []string{"clock.unsynchronized info clock"}},
		{name: "date header within noise", files: map[string]string{httpPath: http("1", "-2.5", "null")}},
		{name: "skew", files: map[string]string{httpPath: http("1200", "0")}, want: []string{"clock.skew critical h0.example"}, title: "Clock of h0.example is 20 minutes ahead of this machine's"},
		{name: "skew behind", files: map[string]string{httpPath: http("-45")}, want: []string{"clock.skew warning h0.example"}, title: "45 seconds behind"},
	})
}
