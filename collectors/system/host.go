package system

import (
	"context"
	"runtime"
	"time"
)

// Platform holds the facts that name the machine and its software, shared by host.json and
// environment.json.
type Platform struct {
	Hostname        string         `json:"hostname"`
	OS              string         `json:"os"`
	Platform        string         `json:"platform"`
	PlatformFamily  string         `json:"platform_family"`
	PlatformVersion string         `json:"platform_version"`
	PrettyName      string         `json:"pretty_name,omitempty"`
	KernelVersion   string         `json:"kernel_version"`
	KernelArch      string         `json:"kernel_arch"`
	Virtualization  Virtualization `json:"virtualization"`
	Container       Container      `json:"container"`
}

// Virtualization names the hypervisor this machine runs under (role "guest") or provides (role
// "host"). Empty when none was detected.
type Virtualization struct {
	System string `json:"system"`
	Role   string `json:"role"`
	// Evidence lists what the verdict rests on (host paths and what was found in them).
	Evidence []string `json:"evidence"`
}

// Container describes the container (or WSL instance) casefile runs in, if any.
type Container struct {
	Detected bool `json:"detected"`
	// Runtime is docker, podman, lxc, containerd, systemd-nspawn, wsl, ... (empty when unknown).
	Runtime    string   `json:"runtime"`
	Kubernetes bool     `json:"kubernetes"`
	Evidence   []string `json:"evidence"`
}

// Host is system/host.json.
type Host struct {
	Platform
	BootTime      *time.Time `json:"boot_time"`
	UptimeSeconds *float64   `json:"uptime_seconds"`
	// Arch is the architecture casefile was built for (Go's name: amd64, arm64); KernelArch is
	// the machine's (uname: x86_64, aarch64). They differ under emulation (Rosetta, qemu-user).
	Arch string `json:"arch"`
}

func collectHost(ctx context.Context, s *source) (any, error) {
	var p problems
	h := Host{Arch: runtime.GOARCH}
	h.Platform = platformFacts(ctx, s, &p)
	boot, up, err := bootAndUptime(ctx, s)
	p.add("boot time", err)
	if !boot.IsZero() {
		b := boot.UTC()
		h.BootTime = &b
	}
	if up >= 0 {
		h.UptimeSeconds = &up
	}
	return h, p.err()
}
