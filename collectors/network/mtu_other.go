//go:build !linux

package network

import (
	"context"
	"net"
	"time"
)

func probeMTU(context.Context, net.IP, bool, time.Duration) *MTU {
	return &MTU{Tried: []MTUProbe{}, Error: "path-MTU probe is implemented on Linux only"}
}
