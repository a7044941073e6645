package system

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v3/host"
	"golang.org/x/sys/unix"
)

func platformFacts(ctx context.Context, s *source, p *problems) Platform {
	f := Platform{OS: "linux"}
	f.Hostname = s.firstLine("/proc/sys/kernel/hostname")
	if f.Hostname == "" && s.isHost {
		f.Hostname, _ = os.Hostname()
	}
	f.KernelVersion = s.firstLine("/proc/sys/kernel/osrelease")
	f.KernelArch = s.firstLine("/proc/sys/kernel/arch")
	if s.isHost && (f.KernelVersion == "" || f.KernelArch == "") {
		var u unix.Utsname
		if err := unix.Uname(&u); err == nil {
			if f.KernelVersion == "" {
				f.KernelVersion = unix.ByteSliceToString(u.Release[:])
			}
			if f.KernelArch == "" {
				f.KernelArch = unix.ByteSliceToString(u.Machine[:])
			}
		}
	}

	if rel, ok := s.osRelease(); ok {
		f.Platform = rel["ID"]
		f.PlatformVersion = rel["VERSION_ID"]
		f.PrettyName = rel["PRETTY_NAME"]
		f.PlatformFamily = platformFamily(f.Platform, rel["ID_LIKE"])
	} else {
		// No os-release (very old or minimal systems): gopsutil knows the older release files.
		pl, fam, ver, err := host.PlatformInformationWithContext(s.gctx(ctx))
		p.add("platform", err)
		f.Platform, f.PlatformFamily, f.PlatformVersion = pl, fam, ver
	}
	f.Virtualization = detectVirtualization(s)
	f.Container = detectContainer(s)
	return f
}

// osRelease parses /etc/os-release (or /usr/lib/os-release).
func (s *source) osRelease() (map[string]string, bool) {
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		b, err := s.readFile(p, 64<<10)
		if err != nil {
			continue
		}
		return parseEnvFile(b), true
	}
	return nil, false
}

// platformFamily maps an os-release ID (and ID_LIKE) to a family, with gopsutil's names.
func platformFamily(id, like string) string {
	switch id {
	case "debian", "ubuntu", "linuxmint", "raspbian", "pop", "elementary", "kali", "deepin", "uos":
		return "debian"
	case "rhel", "centos", "rocky", "almalinux", "ol", "oracle", "amzn", "amazon", "scientific", "cloudlinux", "xenserver":
		return "rhel"
	case "fedora":
		return "fedora"
	case "sles", "sled", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "suse":
		return "suse"
	case "arch", "manjaro", "endeavouros":
		return "arch"
	case "alpine", "gentoo", "slackware", "coreos", "nixos", "void", "solus", "exherbo":
		return id
	}
	for _, l := range strings.Fields(like) {
		if f := platformFamily(l, ""); f != "" {
			return f
		}
	}
	if like != "" {
		return strings.Fields(like)[0]
	}
	return id
}

func bootAndUptime(ctx context.Context, s *source) (time.Time, float64, error) {
	var boot time.Time
	up := -1.0
	var errs []error
	b, err := s.readFile("/proc/stat", 1<<20)
	if err == nil {
		err = errors.New("no btime line")
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "btime "); ok {
				var n int64
				n, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				if err == nil {
					boot = time.Unix(n, 0)
				}
				break
			}
		}
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("/proc/stat: %w", err))
	}
	if line := s.firstLine("/proc/uptime"); line != "" {
		fs := strings.Fields(line)
		if v, err := strconv.ParseFloat(fs[0], 64); err == nil {
			up = v
		} else {
			errs = append(errs, fmt.Errorf("/proc/uptime: %w", err))
		}
	} else {
		errs = append(errs, errors.New("/proc/uptime unreadable"))
	}
	return boot, up, errors.Join(errs...)
}
