package network

import (
	"errors"
	"net"
	"strings"
	"testing"
)

func TestRouteSource(t *testing.T) {
	for _, dst := range []string{"127.0.0.1", "::1"} {
		src, err := routeSource(net.ParseIP(dst))
		if err != nil {
			if dst == "::1" {
				t.Logf("no IPv6 loopback here: %v", err)
				continue
			}
			t.Fatalf("routeSource(%s): %v", dst, err)
		}
		if !src.IP.IsLoopback() {
			t.Errorf("routeSource(%s) = %s, want the loopback address", dst, src)
		}
	}
	// Unix leaves the sockets unbound.
	if src, err := traceSource(net.ParseIP("127.0.0.1")); err != nil || (src.IP != nil && !src.IP.IsLoopback()) {
		t.Errorf("traceSource = %v, %v", src, err)
	}
}

func TestRawSocketError(t *testing.T) {
	cause := errors.New("socket: operation not permitted")
	cases := []struct {
		goos       string
		want, deny []string
	}{
		{"linux", []string{"root or CAP_NET_RAW"}, []string{"Administrator"}},
		{"darwin", []string{"needs root"}, []string{"CAP_NET_RAW", "Administrator"}},
		{"freebsd", []string{"needs root"}, []string{"CAP_NET_RAW"}},
		{"windows", []string{"elevated Administrator prompt", "Run as administrator"}, []string{"CAP_NET_RAW", "root"}},
	}
	for _, c := range cases {
		err := rawSocketError(c.goos, cause)
		if !errors.Is(err, cause) {
			t.Errorf("%s: %v does not wrap the cause", c.goos, err)
		}
		msg := err.Error()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q lacks %q", c.goos, msg, w)
			}
		}
		for _, d := range c.deny {
			if strings.Contains(msg, d) {
				t.Errorf("%s: %q mentions %q", c.goos, msg, d)
			}
		}
	}
}

func TestRawListenAddr(t *testing.T) {
	cases := []struct {
		src  *net.IPAddr
		v6   bool
		want string
	}{
		{&net.IPAddr{}, false, "0.0.0.0"},
		{nil, true, "::"},
		{&net.IPAddr{IP: net.ParseIP("192.0.2.7")}, false, "192.0.2.7"},
		{&net.IPAddr{IP: net.ParseIP("fe80::1"), Zone: "Ethernet 2"}, true, "fe80::1%Ethernet 2"},
	}
	for _, c := range cases {
		if got := rawListenAddr(c.src, c.v6); got != c.want {
			t.Errorf("rawListenAddr(%v, %v) = %q, want %q", c.src, c.v6, got, c.want)
		}
	}
}
