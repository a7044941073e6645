package system

import (
	"context"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

var procLimitNames = map[string]string{
	"Max cpu time": "cpu", "Max file size": "fsize", "Max data size": "data",
	"Max stack size": "stack", "Max core file size": "core", "Max resident set": "rss",
	"Max processes": "nproc", "Max open files": "nofile", "Max locked memory": "memlock",
	"Max address space": "as", "Max file locks": "locks", "Max pending signals": "sigpending",
	"Max msgqueue size": "msgqueue", "Max nice priority": "nice", "Max realtime priority": "rtprio",
	"Max realtime timeout": "rttime",
}

var rlimits = map[string]int{
	"cpu": unix.RLIMIT_CPU, "fsize": unix.RLIMIT_FSIZE, "data": unix.RLIMIT_DATA,
	"stack": unix.RLIMIT_STACK, "core": unix.RLIMIT_CORE, "rss": unix.RLIMIT_RSS,
	"nproc": unix.RLIMIT_NPROC, "nofile": unix.RLIMIT_NOFILE, "memlock": unix.RLIMIT_MEMLOCK,
	"as": unix.RLIMIT_AS, "locks": unix.RLIMIT_LOCKS, "sigpending": unix.RLIMIT_SIGPENDING,
	"msgqueue": unix.RLIMIT_MSGQUEUE, "nice": unix.RLIMIT_NICE, "rtprio": unix.RLIMIT_RTPRIO,
	"rttime": unix.RLIMIT_RTTIME,
}

// kernelLimits are the /proc/sys files that bound what processes can open, spawn and bind.
var kernelLimits = []string{
	"fs/file-max", "fs/file-nr", "fs/nr_open", "fs/inotify/max_user_watches",
	"fs/inotify/max_user_instances", "fs/aio-max-nr", "kernel/pid_max", "kernel/threads-max",
	"vm/max_map_count", "vm/overcommit_memory", "vm/swappiness", "net/core/somaxconn",
	"net/ipv4/ip_local_port_range", "net/ipv4/tcp_max_syn_backlog",
	"net/netfilter/nf_conntrack_max",
}

func processLimits(ctx context.Context, s *source) (any, error) {
	out := Limits{Process: map[string]Rlimit{}, Kernel: map[string]string{}}
	// Under a fixture root /proc/self/limits is the fixture's; on the host it is this process's.
	if b, err := s.readFile("/proc/self/limits", 64<<10); err == nil {
		out.Source = "/proc/self/limits"
		for _, line := range strings.Split(string(b), "\n") {
			if len(line) < 47 {
				continue
			}
			key, ok := procLimitNames[strings.TrimSpace(line[:26])]
			if !ok {
				continue
			}
			f := strings.Fields(line[26:])
			if len(f) < 2 {
				continue
			}
			r := Rlimit{Soft: limitValue(f[0]), Hard: limitValue(f[1])}
			if len(f) > 2 {
				r.Units = f[2]
			}
			out.Process[key] = r
		}
	} else if s.isHost {
		out.Source = "getrlimit"
		for name, res := range rlimits {
			var rl unix.Rlimit
			if unix.Getrlimit(res, &rl) == nil {
				out.Process[name] = Rlimit{Soft: rlimValue(rl.Cur), Hard: rlimValue(rl.Max)}
			}
		}
	}
	for _, k := range kernelLimits {
		if v := s.firstLine("/proc/sys/" + k); v != "" {
			out.Kernel[strings.ReplaceAll(k, "/", ".")] = strings.Join(strings.Fields(v), " ")
		}
	}
	return out, nil
}

func limitValue(v string) *uint64 {
	if v == "unlimited" {
		return nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

func rlimValue(v uint64) *uint64 {
	if v == unix.RLIM_INFINITY {
		return nil
	}
	return &v
}
