package system

import (
	"context"
	"net"
	"sort"
	"strings"

	gnet "github.com/shirou/gopsutil/v3/net"
)

// Interfaces is system/interfaces.json.
type Interfaces struct {
	Interfaces []Interface `json:"interfaces"`
}

// Interface is one network interface of the current network namespace.
type Interface struct {
	Index        int      `json:"index"`
	Name         string   `json:"name"`
	MTU          int      `json:"mtu"`
	HardwareAddr string   `json:"hardware_addr"`
	Flags        []string `json:"flags"`
	Addresses    []string `json:"addresses"`
	// OperState is the RFC 2863 state (up, down, dormant, lowerlayerdown, unknown); Linux only.
	OperState string `json:"oper_state,omitempty"`
	// SpeedMbps and Duplex are the negotiated link speed and duplex where the driver reports them
	// (Linux; null and "" for virtual links).
	SpeedMbps *int           `json:"speed_mbps"`
	Duplex    string         `json:"duplex,omitempty"`
	Counters  *IfaceCounters `json:"counters"`
}

// IfaceCounters are the interface's traffic counters since it came up.
type IfaceCounters struct {
	BytesSent   uint64 `json:"bytes_sent"`
	BytesRecv   uint64 `json:"bytes_recv"`
	PacketsSent uint64 `json:"packets_sent"`
	PacketsRecv uint64 `json:"packets_recv"`
	ErrIn       uint64 `json:"errors_in"`
	ErrOut      uint64 `json:"errors_out"`
	DropIn      uint64 `json:"drops_in"`
	DropOut     uint64 `json:"drops_out"`
}

func collectInterfaces(ctx context.Context, s *source) (any, error) {
	g := s.gctx(ctx)
	var p problems
	// The interface list comes from the kernel (netlink, getifaddrs, GetAdaptersAddresses), not
	// from files, so a fixture root has none; the counters do come from the root (/proc/net/dev
	// on Linux).
	var list []net.Interface
	if s.isHost {
		var err error
		list, err = net.Interfaces()
		if err != nil {
			return nil, err
		}
	}
	counters, err := gnet.IOCountersWithContext(g, true)
	p.add("counters", ignoreNotImpl(err))
	byName := map[string]gnet.IOCountersStat{}
	for _, c := range counters {
		byName[c.Name] = c
	}
	out := Interfaces{Interfaces: make([]Interface, 0, len(list))}
	seen := map[string]bool{}
	for _, i := range list {
		seen[i.Name] = true
		ifc := Interface{Index: i.Index, Name: i.Name, MTU: i.MTU, HardwareAddr: i.HardwareAddr.String(),
			Flags: []string{}, Addresses: []string{}}
		if i.Flags != 0 {
			ifc.Flags = strings.Split(i.Flags.String(), "|")
		}
		addrs, err := i.Addrs()
		p.add(i.Name+" addresses", err)
		for _, a := range addrs {
			ifc.Addresses = append(ifc.Addresses, a.String())
		}
		if c, ok := byName[i.Name]; ok {
			ifc.Counters = ifaceCounters(c)
		}
		out.Interfaces = append(out.Interfaces, ifc)
	}
	// Counters without a listed interface (a fixture root) still tell their story.
	for _, c := range counters {
		if !seen[c.Name] {
			out.Interfaces = append(out.Interfaces, Interface{Name: c.Name, Flags: []string{},
				Addresses: []string{}, Counters: ifaceCounters(c)})
		}
	}
	for i := range out.Interfaces {
		linkState(s, &out.Interfaces[i])
	}
	sort.SliceStable(out.Interfaces, func(a, b int) bool {
		x, y := out.Interfaces[a], out.Interfaces[b]
		if x.Index != y.Index {
			return x.Index < y.Index
		}
		return x.Name < y.Name
	})
	return out, p.err()
}

func ifaceCounters(c gnet.IOCountersStat) *IfaceCounters {
	return &IfaceCounters{BytesSent: c.BytesSent, BytesRecv: c.BytesRecv, PacketsSent: c.PacketsSent,
		PacketsRecv: c.PacketsRecv, ErrIn: c.Errin, ErrOut: c.Errout, DropIn: c.Dropin, DropOut: c.Dropout}
}
