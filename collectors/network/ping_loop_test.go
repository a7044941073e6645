package network

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/casefile/casefile/spec"
)

// --mtu always answers path_mtu, with the reason when it cannot probe (unprivileged TCP-connect
// pings, hosts that did not answer).
func TestPingMTUAlwaysAnswered(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	for _, r := range []PingResult{{Method: MethodTCPConnect, OK: true}, {Method: MethodICMPRaw, OK: false}, {Method: MethodICMPDatagram, OK: false}} {
		if m := mtuNotProbed(r); m == nil || m.Error == "" {
			t.Errorf("%+v: no reason given (%+v)", r, m)
		}
	}
	if mtuNotProbed(PingResult{Method: MethodICMPRaw, OK: true}) != nil {
		t.Error("an answered ICMP ping is probed")
	}
	res := Ping(context.Background(), spec.PingCheck{Host: "127.0.0.1", Count: 2, Interval: spec.Duration(10 * time.Millisecond), MTU: true}, Env{})
	if res.PathMTU == nil {
		t.Fatalf("path_mtu missing: %+v", res)
	}
	if res.Method == MethodTCPConnect && res.PathMTU.Error == "" {
		t.Errorf("TCP-connect ping: path_mtu without a reason: %+v", res.PathMTU)
	}
}

func TestRunLimitCoversSchedule(t *testing.T) {
	if d := runLimit(10000, time.Millisecond, time.Second); d < 20*time.Second {
		t.Errorf("runLimit(10000, 1ms, 1s) = %s", d)
	}
}
