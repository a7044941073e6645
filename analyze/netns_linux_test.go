package analyze_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/analyze"
	"github.com/casefile/casefile/cli"
	"github.com/casefile/casefile/internal/netns"
	"github.com/casefile/casefile/internal/testenv"
	"golang.org/x/sys/unix"
)

// listenIn opens a TCP listener inside network namespace ns. A socket belongs to the namespace
// it was created in, so the listener is made on a locked thread switched into ns and back; the
// process serves it from any thread.
func listenIn(t *testing.T, ns, addr string) net.Listener {
	t.Helper()
	type res struct {
		l   net.Listener
		err error
	}
	ch := make(chan res)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- res{err: err}
			return
		}
		defer orig.Close()
		target, err := os.Open("/run/netns/" + ns)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- res{err: err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- res{err: err}
			return
		}
		l, lerr := net.Listen("tcp", addr)
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// The thread stays locked and ends with this goroutine: it never serves others.
			ch <- res{l, lerr}
			return
		}
		runtime.UnlockOSThread()
		ch <- res{l, lerr}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatalf("listening on %s in %s: %v", addr, ns, r.err)
	}
	return r.l
}

// serveIn serves h on addr inside ns, over TLS when cert is set.
func serveIn(t *testing.T, ns, addr string, h http.Handler, cert *tls.Certificate) {
	t.Helper()
	l := listenIn(t, ns, addr)
	// The TLS servers' handshakes fail by design: their log lines are noise.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	if cert != nil {
		l = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{*cert}})
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

// selfSigned makes a certificate for ip valid from notBefore to notAfter, signed by itself
// (an authority nobody trusts).
func selfSigned(t *testing.T, ip string, notBefore, notAfter time.Time) *tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "casefile netns " + ip},
		NotBefore: notBefore, NotAfter: notAfter, IPAddresses: []net.IP{net.ParseIP(ip)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestNetnsCollectHelper is not a test: TestFaultsInNamespaces runs the test binary inside the
// client namespace with this one selected; it runs `casefile collect` there and prints the
// bundle's path.
func TestNetnsCollectHelper(t *testing.T) {
	specPath, out := os.Getenv("CASEFILE_NETNS_SPEC"), os.Getenv("CASEFILE_NETNS_OUT")
	if specPath == "" {
		t.Skip("helper of TestFaultsInNamespaces")
	}
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), []string{"collect", "--out", out, "--spec", specPath, "--only", "network,logs.app"}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 && code != 3 {
		t.Fatalf("collect exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	m, _ := filepath.Glob(filepath.Join(out, "casefile-*"))
	if len(m) != 1 {
		t.Fatalf("bundles: %v\n%s", m, stderr.String())
	}
	fmt.Println("BUNDLE " + m[0])
}

// TestFaultsInNamespaces builds client — router1 — router2 — server namespaces and runs
// `casefile collect --spec` in the client namespace against real faults in the server
// namespace: a refused port, a port nftables drops, TLS servers with an expired and with a
// self-signed (untrusted) certificate, a Date header 20 minutes ahead, two dnsmasq servers
// answering differently, and random loss on one of the server's two addresses. It checks the
// findings the bundle holds (findings.json, made at collection time), that `casefile analyze`
// recomputes them, and that a spec analyzer and a log burst come out too.
func TestFaultsInNamespaces(t *testing.T) {
	c := netns.NewChain(t)
	testenv.NeedTool(t, "dnsmasq")
	testenv.NeedTool(t, "ping")
	srv := c.ServerIP
	const lossy = "10.200.3.3"
	c.MustRun(t, c.Server, "ip", "addr", "add", lossy+"/24", "dev", "eth0")

	// Filtered port 82 and half the echo requests to the lossy address dropped.
	c.Nft(t, c.Server, `table inet cf {
	chain in {
		type filter hook input priority 0;
		tcp dport 82 drop
		ip daddr `+lossy+` icmp type echo-request numgen random mod 100 < 50 drop
	}
}
`)
	// DNS: the server's dnsmasq and router2's disagree about api.test.
	dnsmasq := func(ns, ip, answer string) {
		c.Start(t, ns, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
			"--bind-interfaces", "--listen-address="+ip, "--pid-file="+filepath.Join(t.TempDir(), "pid"),
			"--log-facility=-", "--local-ttl=60", "--local=/test/", "--host-record=api.test,"+answer)
	}
	dnsmasq(c.Server, srv, "10.1.0.1")
	dnsmasq(c.Router2, c.Router2Out, "10.1.0.2")
	// The client's own resolver is the server's dnsmasq: nothing goes to this machine's resolver.
	c.SetResolvConf(t, c.Client, "nameserver "+srv+"\n")

	now := time.Now()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, `{"status": "up"}`) })
	serveIn(t, c.Server, srv+":8443", ok, selfSigned(t, srv, now.Add(-400*24*time.Hour), now.Add(-35*24*time.Hour-time.Hour)))
	serveIn(t, c.Server, srv+":8444", ok, selfSigned(t, srv, now.Add(-24*time.Hour), now.Add(300*24*time.Hour)))
	serveIn(t, c.Server, srv+":8080", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(20*time.Minute).UTC().Format(http.TimeFormat))
		fmt.Fprintln(w, `{"status": "up"}`)
	}), nil)
	serveIn(t, c.Server, srv+":8081", ok, nil)
	c.WaitListening(t, c.Server, "udp", 53)
	c.WaitListening(t, c.Router2, "udp", 53)

	// An application log: an hour of routine, then 40 timeouts in 30 s.
	dir := t.TempDir()
	logPath := filepath.Join(dir, "app.log")
	var lb strings.Builder
	start := now.Add(-2 * time.Hour).UTC()
	for i := 0; i < 360; i++ {
		fmt.Fprintf(&lb, "%s INFO served request %d\n", start.Add(time.Duration(i)*10*time.Second).Format(time.RFC3339), i)
	}
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&lb, "%s ERROR db: query %d timed out after 5000ms\n", start.Add(70*time.Minute+time.Duration(i)*750*time.Millisecond).Format(time.RFC3339Nano), i)
	}
	os.WriteFile(logPath, []byte(lb.String()), 0o644)

	specPath := filepath.Join(dir, "faults.yaml")
	os.WriteFile(specPath, []byte(fmt.Sprintf(`apiVersion: casefile/v1
kind: Spec
metadata: {name: netns-faults}
network:
  tcp:
    - {target: "%[1]s:81", timeout: 2s}
    - {target: "%[1]s:82", timeout: 2s}
    - {target: "%[1]s:8081", timeout: 2s}
  http:
    - {name: expired, url: "https://%[1]s:8443/", timeout: 3s}
    - {name: untrusted, url: "https://%[1]s:8444/", timeout: 3s}
    - {name: skewed, url: "http://%[1]s:8080/", timeout: 3s}
    - {name: healthy, url: "http://%[1]s:8081/", timeout: 3s, expect_status: 200}
  dns:
    - {name: api.test, types: [A], servers: ["%[1]s", "%[2]s"], timeout: 2s}
  ping:
    - {host: "%[1]s", count: 20, interval: 20ms, timeout: 3s}
    - {host: "%[3]s", count: 20, interval: 20ms, timeout: 3s}
logs:
  - {name: app, paths: ["%[4]s"]}
analyzers:
  - {id: acme.skewed-up, file: network/http.json, where: 'name == "skewed"', field: status, op: "==", value: 200,
     severity: info, title: "{target} answered {value}", next_step: "nothing"}
  - {id: acme.db-timeouts, files: ["logs/app/**/*.log"], regex: "db: query \\d+ timed out", min_count: 30,
     severity: warning, title: "{count} database timeouts", next_step: "check the database"}
`, srv, c.Router2Out, lossy, logPath)), 0o644)

	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	begin := time.Now()
	stdout, err := c.RunSelf(ctx, c.Client, "TestNetnsCollectHelper", "CASEFILE_NETNS_SPEC="+specPath, "CASEFILE_NETNS_OUT="+out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("collection in the client namespace took %v", time.Since(begin).Round(time.Millisecond))
	_, bundlePath, found := strings.Cut(string(stdout), "BUNDLE ")
	if !found {
		t.Fatalf("no bundle:\n%s", stdout)
	}
	bundlePath = strings.TrimSpace(strings.SplitN(bundlePath, "\n", 2)[0])

	src, err := analyze.OpenBundle(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	var stored analyze.Findings
	if b, err := src.ReadFile("findings.json"); err != nil || json.Unmarshal(b, &stored) != nil {
		t.Fatalf("findings.json: %v", err)
	}
	logBundlePath := "logs/app" + logPath
	want := map[string]string{ // id|target -> substring of the title
		"tcp.refused|" + srv + ":81":             "refused",
		"tcp.filtered|" + srv + ":82":            "",
		"tls.expired|" + srv + ":8443":           "expired 35 days ago",
		"tls.unknown_authority|" + srv + ":8444": "unknown authority",
		"clock.skew|" + srv:                      "20 minutes ahead",
		"dns.disagreement|api.test":              "",
		"ping.loss|" + lossy:                     "",
		"acme.skewed-up|skewed":                  "skewed answered 200",
		"acme.db-timeouts|" + logBundlePath:      "40 database timeouts",
		"log.burst|" + logBundlePath:             "Burst of 40 errors in 60s",
	}
	got := map[string]analyze.Finding{}
	for _, f := range stored.Findings {
		got[f.ID+"|"+f.Target] = f
	}
	for k, title := range want {
		f, ok := got[k]
		if !ok {
			t.Errorf("missing finding %s", k)
			continue
		}
		if !strings.Contains(f.Title, title) {
			t.Errorf("%s: title %q lacks %q", k, f.Title, title)
		}
		if len(f.Evidence) == 0 || f.Evidence[0].Path == "" {
			t.Errorf("%s: no evidence", k)
		}
	}
	if f := got["ping.loss|"+lossy]; f.Severity != analyze.Warning {
		t.Errorf("50%% loss: severity %q, want warning", f.Severity)
	}
	// No finding about what is healthy: the server's own address, port 8081, the healthy check.
	for _, f := range stored.Findings {
		if f.Target == srv+":8081" || f.Target == "http://"+srv+":8081/" || (strings.HasPrefix(f.ID, "ping.") && f.Target == srv) {
			t.Errorf("finding about a healthy target: %+v", f)
		}
	}
	// casefile analyze recomputes the same findings from the bundle.
	again := analyze.Analyze(src)
	if a, b := ids(again), ids(stored); a != b {
		t.Errorf("analyze gives\n%s\nfindings.json holds\n%s", a, b)
	}
	if _, err := src.ReadFile(analyze.SignaturesPath); err != nil {
		t.Errorf("no %s in the bundle", analyze.SignaturesPath)
	}
	if t.Failed() || testing.Verbose() {
		b, _ := json.MarshalIndent(stored, "", "  ")
		t.Logf("findings.json:\n%s", b)
	}
}

func ids(fs analyze.Findings) string {
	var out []string
	for _, f := range fs.Findings {
		out = append(out, string(f.Severity)+" "+f.ID+" "+f.Target)
	}
	return strings.Join(out, "\n")
}
