//go:build !linux && !darwin

package system

import (
	"context"

	"github.com/casefile/casefile/collectors"
)

func processLimits(ctx context.Context, s *source) (any, error) {
	return nil, collectors.Skip("no POSIX resource limits on this OS")
}
