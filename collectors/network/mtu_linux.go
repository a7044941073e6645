package network

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// mtuSizes are the IP packet sizes tried, largest first; a "fragmentation needed" answer jumps to
// the MTU the router reports.
var mtuSizes = []int{9000, 1500, 1492, 1480, 1460, 1400, 1350, 1280, 1000, 576}

// probeMTU sends don't-fragment echoes of decreasing size and returns the largest that got a reply.
func probeMTU(ctx context.Context, ip net.IP, privileged bool, wait time.Duration) *MTU {
	m := &MTU{Tried: []MTUProbe{}}
	if ip.To4() == nil {
		m.Error = "path-MTU probe supports IPv4 only"
		return m
	}
	if !privileged {
		m.Error = "path-MTU probe needs a raw ICMP socket (root or CAP_NET_RAW)"
		return m
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			// PROBE: set DF and ignore the kernel's cached path MTU, so every size is really sent.
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_PROBE)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(ctx, "ip4:icmp", "0.0.0.0")
	if err != nil {
		m.Error = err.Error()
		return m
	}
	conn := pc.(*net.IPConn)
	defer conn.Close()
	id := uint16(rand.UintN(0xffff) + 1)
	dst := ip.To4()
	sizes := append([]int(nil), mtuSizes...)
	for i := 0; i < len(sizes) && ctx.Err() == nil; i++ {
		size := sizes[i]
		reply, next, from, note := mtuEcho(ctx, conn, dst, id, uint16(i), size, wait)
		m.Tried = append(m.Tried, MTUProbe{Size: size, Reply: reply, Note: note})
		if reply {
			m.Bytes = size
			return m
		}
		if next > 0 && next < size {
			m.ReportedBy = from
			// Try the reported MTU next, then continue below it.
			rest := []int{next}
			for _, s := range sizes[i+1:] {
				if s < next {
					rest = append(rest, s)
				}
			}
			sizes = append(sizes[:i+1], rest...)
		}
	}
	if ctx.Err() != nil {
		m.Error = ctx.Err().Error()
	}
	return m
}

// mtuEcho sends one DF echo of size bytes (IP header included) and waits for its reply or a
// "fragmentation needed" quoting it.
func mtuEcho(ctx context.Context, conn *net.IPConn, dst net.IP, id, seq uint16, size int, wait time.Duration) (reply bool, nextMTU int, from, note string) {
	payload := make([]byte, size-20-8)
	b, err := (&icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: int(id), Seq: int(seq), Data: payload}}).Marshal(nil)
	if err != nil {
		return false, 0, "", err.Error()
	}
	if _, err := conn.WriteTo(b, &net.IPAddr{IP: dst}); err != nil {
		if errors.Is(err, syscall.EMSGSIZE) {
			return false, 0, "", "larger than the local interface MTU"
		}
		return false, 0, "", err.Error()
	}
	deadline := time.Now().Add(wait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetReadDeadline(deadline)
	buf := make([]byte, 10000)
	for {
		n, peer, err := conn.ReadFrom(buf)
		if err != nil {
			return false, 0, "", "no reply"
		}
		r := buf[:n]
		if len(r) < 8 {
			continue
		}
		src := peer.(*net.IPAddr).IP
		switch {
		case r[0] == 0 && src.Equal(dst) && binary.BigEndian.Uint16(r[4:6]) == id && binary.BigEndian.Uint16(r[6:8]) == seq:
			return true, 0, "", ""
		case r[0] == 3 && r[1] == 4 && len(r) >= 8+28:
			inner := r[8:]
			ihl := int(inner[0]&0x0f) * 4
			if len(inner) < ihl+8 || !net.IP(inner[16:20]).Equal(dst) || inner[9] != 1 {
				continue
			}
			l4 := inner[ihl:]
			if binary.BigEndian.Uint16(l4[4:6]) != id || binary.BigEndian.Uint16(l4[6:8]) != seq {
				continue
			}
			mtu := int(binary.BigEndian.Uint16(r[6:8]))
			return false, mtu, src.String(), fmt.Sprintf("fragmentation needed, next-hop MTU %d (from %s)", mtu, src)
		}
	}
}
