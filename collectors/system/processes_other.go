//go:build !linux && !darwin

package system

import (
	"context"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v3/process"
)

func snapshotProcs(ctx context.Context, s *source) ([]procSample, error) {
	procs, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]procSample, 0, len(procs))
	for _, p := range procs {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		ps := procSample{pid: p.Pid, uid: -1}
		if t, err := p.TimesWithContext(ctx); err == nil {
			ps.cpuSeconds = t.User + t.System
		}
		if m, err := p.MemoryInfoWithContext(ctx); err == nil {
			ps.rss, ps.vms = m.RSS, m.VMS
		}
		ps.ppid, _ = p.PpidWithContext(ctx)
		ps.name, _ = p.NameWithContext(ctx)
		ps.threads, _ = p.NumThreadsWithContext(ctx)
		if st, err := p.StatusWithContext(ctx); err == nil && len(st) > 0 {
			ps.state = st[0]
		}
		out = append(out, ps)
	}
	return out, nil
}

func fillDetails(ctx context.Context, s *source, procs map[int32]*Process) error {
	for pid, d := range procs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		p, err := process.NewProcessWithContext(ctx, pid)
		if err != nil {
			continue
		}
		if c, err := p.CmdlineWithContext(ctx); err == nil {
			d.Cmdline, d.CmdlineTruncated = cutCmdline(c)
		}
		if u, err := p.UsernameWithContext(ctx); err == nil {
			// Windows names carry the domain: DOMAIN\user.
			d.User = u[strings.LastIndexByte(u, '\\')+1:]
		}
		if ms, err := p.CreateTimeWithContext(ctx); err == nil && ms > 0 {
			t := time.UnixMilli(ms).UTC()
			d.Started = &t
		}
	}
	return nil
}

func processName(ctx context.Context, s *source, pid int32) string {
	p, err := process.NewProcessWithContext(ctx, pid)
	if err != nil {
		return ""
	}
	n, _ := p.NameWithContext(ctx)
	return n
}
