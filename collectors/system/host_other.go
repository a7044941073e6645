//go:build !linux

package system

import (
	"context"
	"os"
	"runtime"
	"time"

	"github.com/shirou/gopsutil/v3/host"
)

func platformFacts(ctx context.Context, s *source, p *problems) Platform {
	f := Platform{OS: runtime.GOOS}
	var err error
	f.Hostname, err = os.Hostname()
	p.add("hostname", err)
	f.Platform, f.PlatformFamily, f.PlatformVersion, err = host.PlatformInformationWithContext(ctx)
	p.add("platform", ignoreNotImpl(err))
	f.KernelVersion, err = host.KernelVersionWithContext(ctx)
	p.add("kernel version", ignoreNotImpl(err))
	f.KernelArch, err = host.KernelArch()
	p.add("kernel arch", ignoreNotImpl(err))
	f.Virtualization.System, f.Virtualization.Role, err = host.VirtualizationWithContext(ctx)
	p.add("virtualization", ignoreNotImpl(err))
	f.Virtualization.Evidence = []string{}
	f.Container.Evidence = []string{}
	return f
}

func bootAndUptime(ctx context.Context, s *source) (time.Time, float64, error) {
	bt, err := host.BootTimeWithContext(ctx)
	if err != nil {
		return time.Time{}, -1, err
	}
	boot := time.Unix(int64(bt), 0)
	return boot, time.Since(boot).Seconds(), nil
}
