package network

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"sort"
	"sync"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/casefile/casefile/spec"
)

// Traceroute defaults, close to Debian's traceroute: 3 probes per hop, UDP to port 33434 and up.
const (
	DefaultMaxHops    = 30
	DefaultTraceWait  = time.Second // per probe
	DefaultTracePort  = 33434       // UDP base port; TCP probes go to 80 unless a port is given
	probesPerHop      = 3
	traceWindowHops   = 6 // hops probed at once, like traceroute -N
	traceProbePayload = 32
)

// TraceDoc is network/trace.json.
type TraceDoc struct {
	Results []TraceResult `json:"results"`
}

// TraceResult is one traceroute.
type TraceResult struct {
	Target     string `json:"target"`
	ResolvedIP string `json:"resolved_ip"`
	Protocol   string `json:"protocol"`
	Port       int    `json:"port,omitempty"`
	MaxHops    int    `json:"max_hops"`
	Hops       []Hop  `json:"hops"`
	Reached    bool   `json:"reached"`
	// EndReason is reached, max_hops, unreachable (a router answered "unreachable"), timeout
	// (the collector's deadline) or error.
	EndReason string `json:"end_reason"`
	Error     string `json:"error,omitempty"`
}

// Passed implements Outcome.
func (r TraceResult) Passed() bool { return r.Reached }

// Describe implements Outcome.
func (r TraceResult) Describe() string {
	if r.Error != "" {
		return "trace " + r.Target + ": " + r.Error
	}
	return fmt.Sprintf("trace %s: %s after %d hops", r.Target, orUnknown(r.EndReason), len(r.Hops))
}

// Hop is one TTL step.
type Hop struct {
	TTL int `json:"ttl"`
	// IP answered this hop ("" when every probe went unanswered); IPs lists all when several did.
	IP  string   `json:"ip"`
	IPs []string `json:"ips,omitempty"`
	// RTTMS has one entry per probe; null marks silence (traceroute's "*").
	RTTMS []*float64 `json:"rtt_ms"`
	// Note carries traceroute's annotations: !H host, !N network, !P protocol, !X administratively
	// prohibited unreachable, or !<code>.
	Note string `json:"note,omitempty"`
}

type probeKey struct{ a, b uint16 }

type traceReply struct {
	from    net.IP
	at      time.Time
	reached bool
	note    string // non-empty for an unreachable that is not the destination's answer
}

type traceProbe struct {
	ttl  int
	sent time.Time
	key  probeKey
	rep  *traceReply
}

type tracer struct {
	dst     net.IP
	v6      bool
	proto   string
	port    int
	wait    time.Duration
	conn    *icmp.PacketConn
	udp     *net.UDPConn
	icmpID  uint16
	udpPort uint16

	mu      sync.Mutex
	pending map[probeKey]*traceProbe
	notify  chan struct{}
}

// Traceroute probes the path to c.Host hop by hop (IPv4 preferred, IPv6 when the host has only
// IPv6 addresses or is one).
func Traceroute(ctx context.Context, c spec.Trace, _ Env) TraceResult {
	r := TraceResult{Target: c.Host, Protocol: c.Protocol, MaxHops: c.MaxHops, Hops: []Hop{}}
	if r.Protocol == "" {
		r.Protocol = "udp"
	}
	if r.MaxHops <= 0 {
		r.MaxHops = DefaultMaxHops
	}
	fail := func(err error) TraceResult {
		r.EndReason, r.Error = "error", err.Error()
		return r
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	ip, err := resolveOne(rctx, c.Host, "ip")
	cancel()
	if err != nil {
		return fail(err)
	}
	r.ResolvedIP = ip.String()
	v6 := ip.To4() == nil
	if !v6 {
		ip = ip.To4()
	}
	t := &tracer{dst: ip, v6: v6, proto: r.Protocol, port: c.Port, wait: durOr(c.Timeout, DefaultTraceWait),
		pending: map[probeKey]*traceProbe{}, notify: make(chan struct{}, 1), icmpID: uint16(rand.UintN(0xffff) + 1)}
	switch t.proto {
	case "udp":
		if t.port == 0 {
			t.port = DefaultTracePort
		}
	case "tcp":
		if t.port == 0 {
			t.port = 80
		}
		r.Port = t.port
	case "icmp":
	default:
		return fail(fmt.Errorf("unknown protocol %q (udp, icmp or tcp)", t.proto))
	}
	src, err := traceSource(ip) // unbound on Unix; the route's source on Windows
	if err != nil {
		return fail(err)
	}
	if v6 {
		t.conn, err = icmp.ListenPacket("ip6:ipv6-icmp", rawListenAddr(src, true))
	} else {
		t.conn, err = icmp.ListenPacket("ip4:icmp", rawListenAddr(src, false))
	}
	if err != nil {
		return fail(rawSocketError(runtime.GOOS, err))
	}
	defer t.conn.Close()
	if t.proto == "udp" {
		network := "udp4"
		if v6 {
			network = "udp6"
		}
		t.udp, err = net.ListenUDP(network, &net.UDPAddr{IP: src.IP, Zone: src.Zone})
		if err != nil {
			return fail(err)
		}
		defer t.udp.Close()
		t.udpPort = uint16(t.udp.LocalAddr().(*net.UDPAddr).Port)
	}
	readDone := make(chan struct{})
	go func() { defer close(readDone); t.read() }()
	defer func() { t.conn.Close(); <-readDone }()

	pctx, pcancel := context.WithCancel(ctx)
	defer pcancel()
	seq := 0
	for start := 1; start <= r.MaxHops; start += traceWindowHops {
		end := min(start+traceWindowHops-1, r.MaxHops)
		var window []*traceProbe
		var last time.Time
		for ttl := start; ttl <= end; ttl++ {
			for range probesPerHop {
				p, err := t.send(pctx, ttl, seq)
				seq++
				if err != nil {
					return fail(fmt.Errorf("sending probe ttl %d: %w", ttl, err))
				}
				window = append(window, p)
				last = p.sent
			}
		}
		t.await(ctx, window, last)
		hops, reached, unreach := t.hops(window, start, end)
		r.Hops = append(r.Hops, hops...)
		switch {
		case reached:
			r.Reached, r.EndReason = true, "reached"
			return r
		case unreach:
			r.EndReason = "unreachable"
			return r
		case ctx.Err() != nil:
			r.EndReason = "timeout"
			return r
		}
	}
	r.EndReason = "max_hops"
	return r
}

// await waits until every probe of the window has an answer or the wait since the last send ran out.
func (t *tracer) await(ctx context.Context, window []*traceProbe, last time.Time) {
	timer := time.NewTimer(time.Until(last.Add(t.wait)))
	defer timer.Stop()
	for {
		t.mu.Lock()
		done := true
		for _, p := range window {
			if p.rep == nil {
				done = false
				break
			}
		}
		t.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
			return
		case <-t.notify:
		}
	}
}

// hops turns a window's probes into hops, cut after the first hop that reached the destination or
// reported it unreachable.
func (t *tracer) hops(window []*traceProbe, start, end int) (out []Hop, reached, unreach bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for ttl := start; ttl <= end; ttl++ {
		h := Hop{TTL: ttl, RTTMS: []*float64{}}
		seen := map[string]bool{}
		hopReached, hopUnreach := false, false
		for _, p := range window {
			if p.ttl != ttl {
				continue
			}
			if p.rep == nil || p.rep.at.Sub(p.sent) > t.wait {
				h.RTTMS = append(h.RTTMS, nil)
				continue
			}
			v := ms(p.rep.at.Sub(p.sent))
			h.RTTMS = append(h.RTTMS, &v)
			ip := p.rep.from.String()
			if !seen[ip] {
				seen[ip] = true
				h.IPs = append(h.IPs, ip)
			}
			if p.rep.reached {
				hopReached = true
			}
			if p.rep.note != "" {
				h.Note, hopUnreach = p.rep.note, true
			}
		}
		if len(h.IPs) > 0 {
			h.IP = h.IPs[0]
		}
		if len(h.IPs) < 2 {
			h.IPs = nil
		} else {
			sort.Strings(h.IPs[1:])
		}
		out = append(out, h)
		if hopReached {
			return out, true, false
		}
		if hopUnreach {
			return out, false, true
		}
	}
	return out, false, false
}

func (t *tracer) register(p *traceProbe) {
	t.mu.Lock()
	t.pending[p.key] = p
	t.mu.Unlock()
}

// answer records the first reply to a probe.
func (t *tracer) answer(k probeKey, rep traceReply) {
	t.mu.Lock()
	p := t.pending[k]
	if p != nil && p.rep == nil {
		p.rep = &rep
	}
	t.mu.Unlock()
	if p != nil {
		select {
		case t.notify <- struct{}{}:
		default:
		}
	}
}

func (t *tracer) send(ctx context.Context, ttl, seq int) (*traceProbe, error) {
	payload := make([]byte, traceProbePayload)
	switch t.proto {
	case "udp":
		port := t.port + seq
		p := &traceProbe{ttl: ttl, key: probeKey{t.udpPort, uint16(port)}}
		t.register(p)
		if err := t.setTTL(ipv4.NewPacketConn(t.udp), ipv6.NewPacketConn(t.udp), ttl); err != nil {
			return nil, err
		}
		p.sent = time.Now()
		_, err := t.udp.WriteTo(payload, &net.UDPAddr{IP: t.dst, Port: port})
		return p, err
	case "icmp":
		p := &traceProbe{ttl: ttl, key: probeKey{t.icmpID, uint16(seq)}}
		t.register(p)
		var typ icmp.Type = ipv4.ICMPTypeEcho
		if t.v6 {
			typ = ipv6.ICMPTypeEchoRequest // the kernel fills in the ICMPv6 checksum
		}
		b, err := (&icmp.Message{Type: typ, Body: &icmp.Echo{ID: int(t.icmpID), Seq: seq, Data: payload}}).Marshal(nil)
		if err != nil {
			return nil, err
		}
		if err := t.setTTL(t.conn.IPv4PacketConn(), t.conn.IPv6PacketConn(), ttl); err != nil {
			return nil, err
		}
		p.sent = time.Now()
		_, err = t.conn.WriteTo(b, &net.IPAddr{IP: t.dst})
		return p, err
	default:
		return t.sendTCP(ctx, ttl)
	}
}

// read receives ICMP until the socket is closed and matches replies to probes.
func (t *tracer) read() {
	buf := make([]byte, 1500)
	for {
		n, peer, err := t.conn.ReadFrom(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		at := time.Now()
		from := peer.(*net.IPAddr).IP
		b := buf[:n]
		if len(b) < 8 {
			continue
		}
		typ, code := b[0], b[1]
		kind := classifyICMP(t.v6, typ, code)
		switch kind {
		case icmpEchoReply:
			if t.proto == "icmp" && from.Equal(t.dst) && binary.BigEndian.Uint16(b[4:6]) == t.icmpID {
				t.answer(probeKey{t.icmpID, binary.BigEndian.Uint16(b[6:8])}, traceReply{from: from, at: at, reached: true})
			}
		case icmpTimeExceeded, icmpUnreachable:
			k, ok := t.quoted(b[8:])
			if !ok {
				continue
			}
			rep := traceReply{from: from, at: at}
			if kind == icmpUnreachable {
				if from.Equal(t.dst) && isPortUnreachable(t.v6, code) {
					rep.reached = true // port (or protocol) unreachable from the destination itself
				} else {
					rep.note = unreachNote(t.v6, code)
				}
			}
			t.answer(k, rep)
		}
	}
}

const (
	icmpOther = iota
	icmpEchoReply
	icmpTimeExceeded
	icmpUnreachable
)

func classifyICMP(v6 bool, typ, code byte) int {
	switch {
	case !v6 && typ == 0, v6 && typ == 129:
		return icmpEchoReply
	case !v6 && typ == 11, v6 && typ == 3:
		return icmpTimeExceeded
	case !v6 && typ == 3, v6 && typ == 1:
		return icmpUnreachable
	}
	return icmpOther
}

func isPortUnreachable(v6 bool, code byte) bool {
	if v6 {
		return code == 4
	}
	return code == 3 || code == 2
}

// quoted extracts the probe key from the IP header and first 8 bytes an ICMP error quotes.
func (t *tracer) quoted(inner []byte) (probeKey, bool) {
	var proto byte
	var l4 []byte
	if t.v6 {
		// Fixed 40-byte header; probes carry no extension headers.
		if len(inner) < 48 || !net.IP(inner[24:40]).Equal(t.dst) {
			return probeKey{}, false
		}
		proto, l4 = inner[6], inner[40:]
	} else {
		if len(inner) < 20 {
			return probeKey{}, false
		}
		ihl := int(inner[0]&0x0f) * 4
		if ihl < 20 || len(inner) < ihl+8 || !net.IP(inner[16:20]).Equal(t.dst) {
			return probeKey{}, false
		}
		proto, l4 = inner[9], inner[ihl:]
	}
	switch {
	case proto == 17 && t.proto == "udp", proto == 6 && t.proto == "tcp":
		return probeKey{binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])}, true
	case t.proto == "icmp" && (!t.v6 && proto == 1 && l4[0] == 8 || t.v6 && proto == 58 && l4[0] == 128):
		if binary.BigEndian.Uint16(l4[4:6]) != t.icmpID {
			return probeKey{}, false
		}
		return probeKey{t.icmpID, binary.BigEndian.Uint16(l4[6:8])}, true
	}
	return probeKey{}, false
}

func (t *tracer) setTTL(p4 *ipv4.PacketConn, p6 *ipv6.PacketConn, ttl int) error {
	if t.v6 {
		return p6.SetHopLimit(ttl)
	}
	return p4.SetTTL(ttl)
}

// unreachNote is traceroute's annotation for an unreachable code.
func unreachNote(v6 bool, code byte) string {
	if v6 {
		switch code {
		case 0:
			return "!N"
		case 1:
			return "!X"
		case 3:
			return "!H"
		case 4:
			return "!P"
		}
		return fmt.Sprintf("!%d", code)
	}
	switch code {
	case 0:
		return "!N"
	case 1:
		return "!H"
	case 2:
		return "!P"
	case 4:
		return "!F"
	case 9, 10, 13:
		return "!X"
	}
	return fmt.Sprintf("!%d", code)
}
