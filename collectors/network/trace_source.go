package network

import (
	"fmt"
	"net"
)

// routeSource returns the local address the routing table picks to reach dst: connecting a UDP
// socket sends nothing but makes the stack choose the source, the same choice the kernel makes for
// the probes when the raw socket is left unbound (as on Unix). A link-local IPv6 source keeps its
// zone.
func routeSource(dst net.IP) (*net.IPAddr, error) {
	network := "udp4"
	if dst.To4() == nil {
		network = "udp6"
	}
	c, err := net.DialUDP(network, nil, &net.UDPAddr{IP: dst, Port: DefaultTracePort})
	if err != nil {
		return nil, fmt.Errorf("no route to %s: %w", dst, err)
	}
	defer c.Close()
	la := c.LocalAddr().(*net.UDPAddr)
	return &net.IPAddr{IP: la.IP, Zone: la.Zone}, nil
}

// rawSocketError says why the raw ICMP socket traceroute reads from did not open, in terms of the
// OS it runs on: Linux grants it to root or CAP_NET_RAW, other Unix systems to root, and Windows
// to an elevated (Run as administrator) process.
func rawSocketError(goos string, err error) error {
	need := "root"
	switch goos {
	case "linux":
		need = "root or CAP_NET_RAW"
	case "windows":
		need = `an elevated Administrator prompt ("Run as administrator")`
	}
	return fmt.Errorf("opening raw ICMP socket (traceroute needs %s): %w", need, err)
}

// rawListenAddr is the address string icmp.ListenPacket takes for src (the unspecified address
// when src has none).
func rawListenAddr(src *net.IPAddr, v6 bool) string {
	switch {
	case src != nil && src.IP != nil:
		return src.String()
	case v6:
		return "::"
	}
	return "0.0.0.0"
}
