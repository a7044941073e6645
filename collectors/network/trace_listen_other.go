//go:build !windows

package network

import "net"

// traceSource: on Unix the sockets stay unbound (the unspecified address) and the kernel picks the
// route's source for each probe; the raw socket gets every ICMP message addressed to the host.
func traceSource(net.IP) (*net.IPAddr, error) { return &net.IPAddr{}, nil }
