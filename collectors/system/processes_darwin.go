package system

import (
	"context"
	"os/exec"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// On macOS without cgo gopsutil runs ps(1) once per process and field, so one ps(1) run per
// sample reads all processes instead.
func snapshotProcs(ctx context.Context, s *source) ([]procSample, error) {
	out, err := exec.CommandContext(ctx, "/bin/ps", "-axww", "-o", "pid=,ppid=,uid=,state=,time=,rss=,vsz=,comm=").Output()
	if err != nil {
		return nil, err
	}
	return parsePSList(out), nil
}

func fillDetails(ctx context.Context, s *source, procs map[int32]*Process) error {
	if len(procs) == 0 {
		return nil
	}
	pids := make([]string, 0, len(procs))
	for pid := range procs {
		pids = append(pids, strconv.Itoa(int(pid)))
	}
	out, err := exec.CommandContext(ctx, "/bin/ps", "-ww", "-o", "pid=,user=,args=", "-p", strings.Join(pids, ",")).Output()
	if err != nil && len(out) == 0 {
		return err
	}
	parsePSDetails(out, procs)
	return nil
}

// processName asks the kernel (sysctl kern.proc.pid), not ps(1): sockets may name many pids.
func processName(ctx context.Context, s *source, pid int32) string {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", int(pid))
	if err != nil {
		return ""
	}
	return unix.ByteSliceToString(kp.Proc.P_comm[:])
}
