package system

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/testenv"
)

// TestInNetns runs the interface and socket collectors against the real kernel inside a network
// namespace this test creates, where it knows every interface and every socket, so it can
// assert the whole output. It re-runs this test binary inside the namespace (ip netns exec).
func TestInNetns(t *testing.T) {
	if os.Getenv("CASEFILE_SYSTEM_NETNS_CHILD") == "1" {
		netnsChild(t)
		return
	}
	testenv.NeedRoot(t)             // to create a network namespace
	ip := testenv.NeedTool(t, "ip") // iproute2
	ns := fmt.Sprintf("cf-system-%d", os.Getpid())
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(ip, args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("netns", "add", ns)
	t.Cleanup(func() { exec.Command(ip, "netns", "del", ns).Run() })
	run("-n", ns, "link", "set", "lo", "up")
	run("-n", ns, "link", "add", "cfveth0", "address", "02:00:5e:00:53:01", "mtu", "1400", "type", "veth",
		"peer", "name", "cfveth1", "address", "02:00:5e:00:53:02", "mtu", "1400")
	for _, dev := range []string{"cfveth0", "cfveth1"} {
		run("-n", ns, "link", "set", dev, "addrgenmode", "none")
	}
	run("-n", ns, "addr", "add", "192.0.2.1/24", "dev", "cfveth0")
	run("-n", ns, "addr", "add", "2001:db8::1/64", "dev", "cfveth0", "nodad")
	run("-n", ns, "link", "set", "cfveth1", "up")
	run("-n", ns, "link", "set", "cfveth0", "up")
	// The kernel sets RUNNING (carrier) a moment after "up"; wait for it so the assertion below
	// is about casefile, not about the race.
	for _, dev := range []string{"cfveth0", "cfveth1"} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			out, _ := exec.Command(ip, "-n", ns, "link", "show", dev).Output()
			if strings.Contains(string(out), "LOWER_UP") || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	cmd := exec.Command(ip, "netns", "exec", ns, os.Args[0], "-test.run=^TestInNetns$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "CASEFILE_SYSTEM_NETNS_CHILD=1")
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	if err != nil || !strings.Contains(string(out), "--- PASS: TestInNetns") {
		t.Fatalf("child failed: %v", err)
	}
}

func netnsChild(t *testing.T) {
	s, err := newSource("/")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	v, err := collectInterfaces(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	ifs := v.(Interfaces)
	// Counters can move when the kernel sends on its own (IPv6 router solicitations...), and
	// the veth pair's indexes are the kernel's choice: checked apart from the rest.
	for i := range ifs.Interfaces {
		if ifs.Interfaces[i].Counters == nil {
			t.Errorf("%s: no counters", ifs.Interfaces[i].Name)
		}
		ifs.Interfaces[i].Counters = nil
		if ifs.Interfaces[i].Name != "lo" {
			if ifs.Interfaces[i].Index < 2 {
				t.Errorf("%s: index %d", ifs.Interfaces[i].Name, ifs.Interfaces[i].Index)
			}
			ifs.Interfaces[i].Index = 0
		}
	}
	same(t, "interfaces", ifs, Interfaces{Interfaces: []Interface{
		{Index: 1, Name: "lo", MTU: 65536, Flags: []string{"up", "loopback", "running"},
			Addresses: []string{"127.0.0.1/8", "::1/128"}, OperState: "unknown"},
		{Name: "cfveth1", MTU: 1400, HardwareAddr: "02:00:5e:00:53:02",
			Flags: []string{"up", "broadcast", "multicast", "running"}, Addresses: []string{},
			OperState: "up", SpeedMbps: ptr(10000), Duplex: "full"}, // veth reports 10 Gb/s full duplex
		{Name: "cfveth0", MTU: 1400, HardwareAddr: "02:00:5e:00:53:01",
			Flags: []string{"up", "broadcast", "multicast", "running"}, Addresses: []string{"192.0.2.1/24", "2001:db8::1/64"},
			OperState: "up", SpeedMbps: ptr(10000), Duplex: "full"},
	}})

	// Sockets: in a fresh namespace the only ones are these.
	l4, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l4.Close()
	l6, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l6.Close()
	u4, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer u4.Close()
	c, err := net.Dial("tcp4", l4.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, err := l4.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()

	v, err = collectSockets(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	comm, _ := os.ReadFile("/proc/self/comm")
	me, name := int32(os.Getpid()), strings.TrimSpace(string(comm))
	port := func(a net.Addr) uint32 {
		_, p, _ := net.SplitHostPort(a.String())
		n, _ := strconv.Atoi(p)
		return uint32(n)
	}
	same(t, "sockets", v.(Sockets), Sockets{
		Listening: []Listener{
			{Protocol: "tcp4", Address: "127.0.0.1", Port: port(l4.Addr()), PIDs: []int32{me}, Process: name},
			{Protocol: "tcp6", Address: "::1", Port: port(l6.Addr()), PIDs: []int32{me}, Process: name},
			{Protocol: "udp4", Address: "127.0.0.1", Port: port(u4.LocalAddr()), PIDs: []int32{me}, Process: name},
		},
		ListeningTotal: 3,
		TCPStates:      map[string]int{"LISTEN": 2, "ESTABLISHED": 2},
		ByProtocol:     map[string]int{"tcp4": 3, "tcp6": 1, "udp4": 1},
	})
}
