//go:build unix

package network

import (
	"context"
	"errors"
	"net"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// sendTCP starts a TCP connect whose SYN leaves with the given TTL. Routers answer with ICMP time
// exceeded (read on the raw socket); the destination answers with SYN-ACK or RST, which is the
// connect's outcome.
func (t *tracer) sendTCP(ctx context.Context, ttl int) (*traceProbe, error) {
	p := &traceProbe{ttl: ttl}
	ready := make(chan error, 1)
	d := net.Dialer{
		Timeout: t.wait,
		Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				var local unix.Sockaddr = &unix.SockaddrInet4{}
				if t.v6 {
					serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, ttl)
					local = &unix.SockaddrInet6{}
				} else {
					serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_TTL, ttl)
				}
				if serr != nil {
					return
				}
				// Bind now so the source port, which identifies the probe, is known before the SYN.
				if serr = unix.Bind(int(fd), local); serr != nil {
					return
				}
				var sa unix.Sockaddr
				if sa, serr = unix.Getsockname(int(fd)); serr == nil {
					switch a := sa.(type) {
					case *unix.SockaddrInet4:
						p.key = probeKey{uint16(a.Port), uint16(t.port)}
					case *unix.SockaddrInet6:
						p.key = probeKey{uint16(a.Port), uint16(t.port)}
					}
				}
			})
			if err == nil {
				err = serr
			}
			if err == nil {
				t.register(p)
				p.sent = time.Now()
			}
			ready <- err
			return err
		},
	}
	go func() {
		network := "tcp4"
		if t.v6 {
			network = "tcp6"
		}
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(t.dst.String(), strconv.Itoa(t.port)))
		at := time.Now()
		if conn != nil {
			conn.Close()
		}
		if err == nil || errors.Is(err, syscall.ECONNREFUSED) {
			t.answer(p.key, traceReply{from: t.dst, at: at, reached: true})
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			return nil, err
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return p, nil
}
