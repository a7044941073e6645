package network

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/casefile/casefile/spec"
)

// DefaultTCPTimeout bounds one TCP connect.
const DefaultTCPTimeout = 5 * time.Second

// TCPResult is one TCP connect check.
type TCPResult struct {
	Target     string  `json:"target"`
	ResolvedIP string  `json:"resolved_ip,omitempty"`
	Connected  bool    `json:"connected"`
	ConnectMS  float64 `json:"connect_ms"`
	// Class is refused, timeout, unreachable, dns or error when the connect failed.
	Class string `json:"class,omitempty"`
	Error string `json:"error,omitempty"`
}

// Passed implements Outcome.
func (r TCPResult) Passed() bool { return r.Connected }

// Describe implements Outcome.
func (r TCPResult) Describe() string {
	if r.Error == "" {
		return "tcp " + r.Target + ": not connected (" + orUnknown(r.Class) + ")"
	}
	return "tcp " + r.Target + ": " + r.Error
}

// TCPDoc is network/tcp.json.
type TCPDoc struct {
	Results []TCPResult `json:"results"`
}

// TCP connects to c.Target (host:port) and times the connect.
func TCP(ctx context.Context, c spec.TCPCheck, _ Env) TCPResult {
	r := TCPResult{Target: c.Target}
	host, port, err := net.SplitHostPort(c.Target)
	if err != nil {
		r.Class, r.Error = "error", err.Error()
		return r
	}
	timeout := durOr(c.Timeout, DefaultTCPTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ip, err := resolveOne(ctx, host, "ip")
	if err != nil {
		r.Class, r.Error = "dns", err.Error()
		return r
	}
	r.ResolvedIP = ip.String()
	var d net.Dialer
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ip.String(), port))
	r.ConnectMS = ms(time.Since(start))
	if err != nil {
		r.Class, r.Error = classifyDial(err), err.Error()
		return r
	}
	conn.Close()
	r.Connected = true
	return r
}

// classifyDial names why a connect failed: refused, timeout, unreachable or error.
func classifyDial(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "unreachable"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	if isPlatformRefused(err) {
		return "refused"
	}
	return "error"
}

// resolveOne resolves host to one address of network ("ip", "ip4" or "ip6"), preferring IPv4.
func resolveOne(ctx context.Context, host, network string) (net.IP, error) {
	if ip := net.ParseIP(host); ip != nil {
		return ip, nil
	}
	ips, err := net.DefaultResolver.LookupIP(ctx, network, host)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if ip.To4() != nil {
			return ip, nil
		}
	}
	if len(ips) == 0 {
		return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	return ips[0], nil
}
