// Package netns builds network-namespace topologies for tests: real kernel routing between
// namespaces joined by veth pairs, with nftables rules to make routers silent, drop packets at
// random or blackhole a destination. Every namespace name is unique per topology, so tests run in
// parallel, and everything (namespaces, processes, /etc/netns files) is removed by t.Cleanup.
//
// It needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) and iproute2; nftables for rules.
package netns

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/testenv"
)

// Available reports why namespace topologies cannot be built here, or nil.
func Available() error {
	if runtime.GOOS != "linux" {
		return errors.New("network namespaces need Linux")
	}
	if os.Geteuid() != 0 {
		return errors.New("network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return errors.New("iproute2 (ip) is not installed")
	}
	return nil
}

// Chain is client — router1 — router2 — server, each a namespace:
//
//	client 10.200.1.2 — 10.200.1.1 router1 10.200.2.1 — 10.200.2.2 router2 10.200.3.1 — 10.200.3.2 server
//
// and the same in IPv6 with fd00:200:N:: for 10.200.N. (fd00:200:1::2 is the client). Each
// namespace's interfaces are eth0 (towards the client) and eth1 (towards the server).
type Chain struct {
	Client, Router1, Router2, Server string

	ClientIP   string // client eth0
	Router1In  string // router1 eth0, the client's gateway
	Router1Out string // router1 eth1
	Router2In  string // router2 eth0
	Router2Out string // router2 eth1, the server's gateway
	ServerIP   string // server eth0

	ClientIP6, Router1In6, Router1Out6, Router2In6, Router2Out6, ServerIP6 string

	t     testing.TB
	procs []*exec.Cmd
}

// NewChain builds the four-namespace chain. Off Linux the test is skipped (namespaces are
// Linux's); without root or iproute2 it is skipped on a laptop and fails under
// CASEFILE_REQUIRE_ALL=1 (CI).
func NewChain(t testing.TB) *Chain {
	t.Helper()
	testenv.NeedRoot(t)
	if err := Available(); err != nil {
		testenv.Missing(t, "%v", err)
	}
	var b [4]byte
	rand.Read(b[:])
	id := "cf" + hex.EncodeToString(b[:])
	c := &Chain{
		Client: id + "-c", Router1: id + "-r1", Router2: id + "-r2", Server: id + "-s",
		ClientIP: "10.200.1.2", Router1In: "10.200.1.1", Router1Out: "10.200.2.1",
		Router2In: "10.200.2.2", Router2Out: "10.200.3.1", ServerIP: "10.200.3.2",
		ClientIP6: "fd00:200:1::2", Router1In6: "fd00:200:1::1", Router1Out6: "fd00:200:2::1",
		Router2In6: "fd00:200:2::2", Router2Out6: "fd00:200:3::1", ServerIP6: "fd00:200:3::2",
		t: t,
	}
	t.Cleanup(c.cleanup)
	for _, ns := range c.Namespaces() {
		c.mustIP("netns", "add", ns)
		c.mustIP("-n", ns, "link", "set", "lo", "up")
		// Linux rate-limits ICMP errors per peer (1/s after a burst of 6); several traceroutes in a
		// row would see routers go quiet. Tests want every answer.
		c.MustRun(t, ns, "sysctl", "-qw", "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0", "net.ipv6.conf.all.disable_ipv6=0")
		// No duplicate address detection on the interfaces made below: while their link-local
		// addresses are tentative (about a second), neighbour discovery fails and IPv6 is silent.
		c.MustRun(t, ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0")
	}
	link := func(a, aIf, b, bIf string) {
		c.mustIP("-n", a, "link", "add", aIf, "type", "veth", "peer", "name", bIf, "netns", b)
		c.mustIP("-n", a, "link", "set", aIf, "up")
		c.mustIP("-n", b, "link", "set", bIf, "up")
	}
	link(c.Client, "eth0", c.Router1, "eth0")
	link(c.Router1, "eth1", c.Router2, "eth0")
	link(c.Router2, "eth1", c.Server, "eth0")
	addr := func(ns, ifc, ip string) { c.mustIP("-n", ns, "addr", "add", ip+"/24", "dev", ifc) }
	addr(c.Client, "eth0", c.ClientIP)
	addr(c.Router1, "eth0", c.Router1In)
	addr(c.Router1, "eth1", c.Router1Out)
	addr(c.Router2, "eth0", c.Router2In)
	addr(c.Router2, "eth1", c.Router2Out)
	addr(c.Server, "eth0", c.ServerIP)
	addr6 := func(ns, ifc, ip string) { c.mustIP("-n", ns, "addr", "add", ip+"/64", "dev", ifc, "nodad") }
	addr6(c.Client, "eth0", c.ClientIP6)
	addr6(c.Router1, "eth0", c.Router1In6)
	addr6(c.Router1, "eth1", c.Router1Out6)
	addr6(c.Router2, "eth0", c.Router2In6)
	addr6(c.Router2, "eth1", c.Router2Out6)
	addr6(c.Server, "eth0", c.ServerIP6)
	c.mustIP("-n", c.Client, "route", "add", "default", "via", c.Router1In)
	c.mustIP("-n", c.Client, "-6", "route", "add", "default", "via", c.Router1In6)
	c.mustIP("-n", c.Router1, "-6", "route", "add", "fd00:200:3::/64", "via", c.Router2In6)
	c.mustIP("-n", c.Router2, "-6", "route", "add", "fd00:200:1::/64", "via", c.Router1Out6)
	c.mustIP("-n", c.Server, "-6", "route", "add", "default", "via", c.Router2Out6)
	c.mustIP("-n", c.Router1, "route", "add", "10.200.3.0/24", "via", c.Router2In)
	c.mustIP("-n", c.Router2, "route", "add", "10.200.1.0/24", "via", c.Router1Out)
	c.mustIP("-n", c.Server, "route", "add", "default", "via", c.Router2Out)
	for _, r := range []string{c.Router1, c.Router2} {
		c.MustRun(t, r, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")
	}
	return c
}

// Namespaces lists the chain's namespaces from client to server.
func (c *Chain) Namespaces() []string {
	return []string{c.Client, c.Router1, c.Router2, c.Server}
}

func (c *Chain) mustIP(args ...string) {
	c.t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		c.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Command returns a command that runs argv inside namespace ns.
func (c *Chain) Command(ctx context.Context, ns string, argv ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns}, argv...)...)
}

// Run runs argv inside ns and returns its combined output.
func (c *Chain) Run(ns string, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := c.Command(ctx, ns, argv...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s in %s: %w\n%s", strings.Join(argv, " "), ns, err, out)
	}
	return string(out), nil
}

// MustRun is Run that fails the test on error.
func (c *Chain) MustRun(t testing.TB, ns string, argv ...string) string {
	t.Helper()
	out, err := c.Run(ns, argv...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Nft loads an nftables ruleset (nft -f syntax) inside ns.
func (c *Chain) Nft(t testing.TB, ns, ruleset string) {
	t.Helper()
	testenv.NeedTool(t, "nft") // nftables
	cmd := c.Command(context.Background(), ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft in %s: %v\n%s\nruleset:\n%s", ns, err, out, ruleset)
	}
}

// FlushNft removes every nftables rule inside ns.
func (c *Chain) FlushNft(t testing.TB, ns string) {
	t.Helper()
	c.MustRun(t, ns, "nft", "flush", "ruleset")
}

// Start runs argv in the background inside ns; it is killed at cleanup. Its output goes to the
// returned buffer.
func (c *Chain) Start(t testing.TB, ns string, argv ...string) *bytes.Buffer {
	t.Helper()
	var out bytes.Buffer
	cmd := c.Command(context.Background(), ns, argv...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s in %s: %v", argv[0], ns, err)
	}
	c.procs = append(c.procs, cmd)
	return &out
}

// WaitListening waits until something listens on port (proto "tcp" or "udp") inside ns.
func (c *Chain) WaitListening(t testing.TB, ns, proto string, port int) {
	t.Helper()
	flag := "-Hltn"
	if proto == "udp" {
		flag = "-Hlun"
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out, err := c.Run(ns, "ss", flag, fmt.Sprintf("sport = :%d", port))
		if err == nil && strings.TrimSpace(out) != "" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s port %d in %s", proto, port, ns)
}

// SetResolvConf writes the resolv.conf that programs run with `ip netns exec ns` see as
// /etc/resolv.conf (iproute2 bind-mounts /etc/netns/NS/resolv.conf over it).
func (c *Chain) SetResolvConf(t testing.TB, ns, content string) {
	t.Helper()
	dir := filepath.Join("/etc/netns", ns)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "resolv.conf"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// RunSelf runs the current test binary inside ns with only the test named helper selected and
// env added, and returns its stdout. The helper test reads its job from the environment.
func (c *Chain) RunSelf(ctx context.Context, ns, helper string, env ...string) ([]byte, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := c.Command(ctx, ns, exe, "-test.run=^"+helper+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s in %s: %w\nstdout:\n%s\nstderr:\n%s", helper, ns, err, out, stderr.String())
	}
	return out, nil
}

// RunSelfUnprivileged is RunSelf as user and group 65534 (nobody) with no capabilities. The test
// binary is copied to a world-readable place first, since go test's build folder is private.
func (c *Chain) RunSelfUnprivileged(ctx context.Context, t testing.TB, ns, helper string, env ...string) ([]byte, error) {
	t.Helper()
	testenv.NeedTool(t, "setpriv") // util-linux
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "casefile-netns-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	data, err := os.ReadFile(exe)
	if err != nil {
		return nil, err
	}
	copyExe := filepath.Join(dir, "helper")
	if err := os.WriteFile(copyExe, data, 0o755); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	cmd := c.Command(ctx, ns, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
		copyExe, "-test.run=^"+helper+"$", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s as nobody in %s: %w\nstdout:\n%s\nstderr:\n%s", helper, ns, err, out, stderr.String())
	}
	return out, nil
}

func (c *Chain) cleanup() {
	for _, p := range c.procs {
		if p.Process != nil {
			p.Process.Kill()
			p.Wait()
		}
	}
	for _, ns := range c.Namespaces() {
		exec.Command("ip", "netns", "del", ns).Run()
		os.RemoveAll(filepath.Join("/etc/netns", ns))
	}
}
