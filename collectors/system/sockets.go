package system

import (
	"context"
	"sort"
	"syscall"

	gnet "github.com/shirou/gopsutil/v3/net"
)

// maxListeners caps the listening sockets listed; counts always cover all of them.
const maxListeners = 1000

// Sockets is system/sockets.json.
type Sockets struct {
	Listening []Listener `json:"listening"`
	// ListeningTotal counts listening sockets before the maxListeners cap.
	ListeningTotal int `json:"listening_total"`
	// TCPStates counts TCP sockets (IPv4 and IPv6) by state, e.g. "ESTABLISHED": 12.
	TCPStates map[string]int `json:"tcp_states"`
	// ByProtocol counts all inet sockets by protocol: tcp4, tcp6, udp4, udp6.
	ByProtocol map[string]int `json:"by_protocol"`
}

// Listener is a TCP socket in LISTEN state or an unconnected bound UDP socket.
type Listener struct {
	Protocol string  `json:"protocol"` // tcp4, tcp6, udp4, udp6
	Address  string  `json:"address"`
	Port     uint32  `json:"port"`
	PIDs     []int32 `json:"pids"`
	// Process is the name of the lowest PID holding the socket ("" when not visible, e.g. another
	// user's process without privileges).
	Process string `json:"process"`
}

func collectSockets(ctx context.Context, s *source) (any, error) {
	conns, err := gnet.ConnectionsWithoutUidsWithContext(s.gctx(ctx), "inet")
	if err != nil {
		return nil, err
	}
	out := Sockets{Listening: []Listener{}, TCPStates: map[string]int{}, ByProtocol: map[string]int{}}
	type key struct {
		proto, addr string
		port        uint32
	}
	listeners := map[key]*Listener{}
	type connKey struct {
		local  key
		raddr  string
		rport  uint32
		status string
	}
	seenConn := map[connKey]bool{} // one socket shared by several processes is counted once
	for _, c := range conns {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		proto := protoName(c)
		k := key{proto, c.Laddr.IP, c.Laddr.Port}
		listening := false
		switch c.Type {
		case syscall.SOCK_STREAM:
			listening = c.Status == "LISTEN"
		case syscall.SOCK_DGRAM:
			listening = c.Raddr.IP == "" || (c.Raddr.Port == 0 && isUnspecified(c.Raddr.IP))
		}
		id := connKey{k, c.Raddr.IP, c.Raddr.Port, c.Status}
		if !seenConn[id] {
			seenConn[id] = true
			out.ByProtocol[proto]++
			if c.Type == syscall.SOCK_STREAM {
				out.TCPStates[c.Status]++
			}
		}
		if !listening {
			continue
		}
		l := listeners[k]
		if l == nil {
			l = &Listener{Protocol: proto, Address: c.Laddr.IP, Port: c.Laddr.Port, PIDs: []int32{}}
			listeners[k] = l
		}
		if c.Pid > 0 && !containsPID(l.PIDs, c.Pid) {
			l.PIDs = append(l.PIDs, c.Pid)
		}
	}
	for _, l := range listeners {
		sort.Slice(l.PIDs, func(a, b int) bool { return l.PIDs[a] < l.PIDs[b] })
		out.Listening = append(out.Listening, *l)
	}
	sort.Slice(out.Listening, func(a, b int) bool {
		x, y := out.Listening[a], out.Listening[b]
		if x.Protocol != y.Protocol {
			return x.Protocol < y.Protocol
		}
		if x.Port != y.Port {
			return x.Port < y.Port
		}
		return x.Address < y.Address
	})
	out.ListeningTotal = len(out.Listening)
	if len(out.Listening) > maxListeners {
		out.Listening = out.Listening[:maxListeners]
	}
	for i := range out.Listening {
		if len(out.Listening[i].PIDs) > 0 {
			out.Listening[i].Process = processName(ctx, s, out.Listening[i].PIDs[0])
		}
	}
	return out, nil
}

func protoName(c gnet.ConnectionStat) string {
	p := "tcp"
	if c.Type == syscall.SOCK_DGRAM {
		p = "udp"
	}
	if c.Family == syscall.AF_INET6 {
		return p + "6"
	}
	return p + "4"
}

func isUnspecified(ip string) bool { return ip == "0.0.0.0" || ip == "::" }

func containsPID(l []int32, p int32) bool {
	for _, x := range l {
		if x == p {
			return true
		}
	}
	return false
}
