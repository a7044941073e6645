//go:build !unix

package network

import (
	"context"
	"errors"
)

func (t *tracer) sendTCP(context.Context, int) (*traceProbe, error) {
	return nil, errors.New("TCP traceroute is not supported on this OS")
}
