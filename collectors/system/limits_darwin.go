package system

import (
	"context"
	"strconv"

	"golang.org/x/sys/unix"
)

var rlimits = map[string]int{
	"cpu": unix.RLIMIT_CPU, "fsize": unix.RLIMIT_FSIZE, "data": unix.RLIMIT_DATA,
	"stack": unix.RLIMIT_STACK, "core": unix.RLIMIT_CORE, "nofile": unix.RLIMIT_NOFILE,
	"as": unix.RLIMIT_AS, "memlock": unix.RLIMIT_MEMLOCK, "nproc": unix.RLIMIT_NPROC,
}

var kernelLimits = []string{"kern.maxfiles", "kern.maxfilesperproc", "kern.maxproc", "kern.maxprocperuid", "kern.ipc.somaxconn"}

func processLimits(ctx context.Context, s *source) (any, error) {
	out := Limits{Process: map[string]Rlimit{}, Kernel: map[string]string{}, Source: "getrlimit"}
	for name, res := range rlimits {
		var rl unix.Rlimit
		if unix.Getrlimit(res, &rl) == nil {
			r := Rlimit{}
			if rl.Cur != unix.RLIM_INFINITY {
				cur := rl.Cur
				r.Soft = &cur
			}
			if rl.Max != unix.RLIM_INFINITY {
				max := rl.Max
				r.Hard = &max
			}
			out.Process[name] = r
		}
	}
	for _, k := range kernelLimits {
		if v, err := unix.SysctlUint32(k); err == nil {
			out.Kernel[k] = strconv.FormatUint(uint64(v), 10)
		}
	}
	return out, nil
}
