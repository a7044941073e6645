package system

import (
	"context"
)

// Limits is system/limits.json.
type Limits struct {
	// Process holds casefile's own resource limits (what a process started from the same shell
	// gets), keyed by the RLIMIT_ name in lower case without the prefix: nofile, nproc, stack, ...
	Process map[string]Rlimit `json:"process"`
	// Kernel holds system-wide limits by sysctl name (Linux: fs.file-max, kernel.pid_max, ...),
	// as the kernel prints them, whitespace collapsed.
	Kernel map[string]string `json:"kernel"`
	// Source says where Process was read: /proc/self/limits or getrlimit.
	Source string `json:"source"`
}

// Rlimit is one soft/hard pair; null means unlimited.
type Rlimit struct {
	Soft  *uint64 `json:"soft"`
	Hard  *uint64 `json:"hard"`
	Units string  `json:"units,omitempty"`
}

func collectLimits(ctx context.Context, s *source) (any, error) {
	return processLimits(ctx, s)
}
