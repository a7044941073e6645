package network

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/casefile/casefile/internal/netns"
	"github.com/casefile/casefile/spec"
)

// helperJob is work for TestNetnsHelper, which runs re-executed inside a namespace.
type helperJob struct {
	Kind  string          `yaml:"kind"` // ping, trace, tcp, dns, serve
	Ping  *spec.PingCheck `yaml:"ping,omitempty"`
	Trace *spec.Trace     `yaml:"trace,omitempty"`
	TCP   *spec.TCPCheck  `yaml:"tcp,omitempty"`
	DNS   []spec.DNSCheck `yaml:"dns,omitempty"`
	Addr  string          `yaml:"addr,omitempty"` // serve: TCP address for an HTTP server
}

const helperEnv = "CASEFILE_NETNS_JOB"
const resultPrefix = "CASEFILE-RESULT:"

// TestNetnsHelper is not a test: run inside a namespace by runIn, it performs one check there and
// prints the result.
func TestNetnsHelper(t *testing.T) {
	raw := os.Getenv(helperEnv)
	if raw == "" {
		// Not a missing requirement: this entry point does its work only when runIn starts the
		// test binary inside a namespace with the job in the environment; a plain run has none.
		t.Skip("runs only as a helper process inside a network namespace")
	}
	var j helperJob
	if err := yaml.Unmarshal([]byte(raw), &j); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out any
	switch j.Kind {
	case "ping":
		out = Ping(ctx, *j.Ping, Env{})
	case "trace":
		out = Traceroute(ctx, *j.Trace, Env{})
	case "tcp":
		out = TCP(ctx, *j.TCP, Env{})
	case "dns":
		out = RunDNS(ctx, j.DNS, Env{})
	case "serve":
		ln, err := net.Listen("tcp", j.Addr)
		if err != nil {
			t.Fatal(err)
		}
		http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
		return
	default:
		t.Fatalf("unknown job %q", j.Kind)
	}
	b, _ := json.Marshal(out)
	fmt.Printf("%s%s\n", resultPrefix, b)
}

// runIn runs job inside ns and decodes its result into v.
func runIn(t *testing.T, c *netns.Chain, ns string, job helperJob, v any) {
	t.Helper()
	raw, _ := yaml.Marshal(job)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := c.RunSelf(ctx, ns, "TestNetnsHelper", helperEnv+"="+string(raw))
	if err != nil {
		t.Fatal(err)
	}
	decodeResult(t, job, out, v)
}

// runUnprivileged is runIn as an unprivileged user.
func runUnprivileged(t *testing.T, c *netns.Chain, ns string, job helperJob, v any) {
	t.Helper()
	raw, _ := yaml.Marshal(job)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := c.RunSelfUnprivileged(ctx, t, ns, "TestNetnsHelper", helperEnv+"="+string(raw))
	if err != nil {
		t.Fatal(err)
	}
	decodeResult(t, job, out, v)
}

func decodeResult(t *testing.T, job helperJob, out []byte, v any) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), resultPrefix); ok {
			if err := json.Unmarshal([]byte(line), v); err != nil {
				t.Fatalf("decoding %s result: %v\n%s", job.Kind, err, line)
			}
			return
		}
	}
	t.Fatalf("no result from %s helper:\n%s", job.Kind, out)
}

// startServer runs an HTTP server on addr inside ns (a re-executed helper).
func startServer(t *testing.T, c *netns.Chain, ns, addr string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := yaml.Marshal(helperJob{Kind: "serve", Addr: addr})
	c.Start(t, ns, "env", helperEnv+"="+string(raw), exe, "-test.run=^TestNetnsHelper$", "-test.count=1")
	_, port, _ := net.SplitHostPort(addr)
	var p int
	fmt.Sscan(port, &p)
	c.WaitListening(t, ns, "tcp", p)
}
