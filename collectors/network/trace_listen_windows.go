package network

import "net"

// traceSource is the address traceroute's sockets bind to on Windows: the route's source for dst.
// A Windows raw socket bound to the unspecified address does not reliably get the ICMP errors
// (time exceeded, unreachable) that routers send back to the probes' source, so the raw socket,
// and the UDP probe socket with it, take the address the route to dst leaves from.
func traceSource(dst net.IP) (*net.IPAddr, error) { return routeSource(dst) }
