package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors/network"
)

func runCheck(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckTCP(t *testing.T) {
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
	code, out, errOut := runCheck(t, "check", "tcp", l.Addr().String())
	if code != 0 || !strings.Contains(out, "connected in") || errOut != "" {
		t.Errorf("open port: %d %q %q", code, out, errOut)
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := closed.Addr().String()
	closed.Close()
	code, out, errOut = runCheck(t, "check", "tcp", addr, "--json")
	var doc network.TCPDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if code != 1 || len(doc.Results) != 1 || doc.Results[0].Class != "refused" || !strings.Contains(errOut, "check failed") {
		t.Errorf("closed port: %d %+v %q", code, doc, errOut)
	}
}

func TestCheckUsage(t *testing.T) {
	for _, args := range [][]string{
		{"check", "bogus"},
		{"check", "tcp"},
		{"check", "tcp", "no-port"},
		{"check", "trace", "127.0.0.1", "--protocol", "sctp"},
		{"check", "trace", "127.0.0.1", "--max-hops", "0"},
		{"check", "http", "ftp://x/"},
		{"check", "http", "https://x/", "--header", "X-Key"},
		{"check", "dns", "a.test", "--server", "not-an-ip"},
		{"check", "ping", "127.0.0.1", "--count", "x"},
	} {
		if code, _, errOut := runCheck(t, args...); code != ExitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestCheckHTTP(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer cli-secret-token-123" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"status":"up"}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	t.Setenv("CF_CLI_TOKEN", "Bearer cli-secret-token-123")

	code, out, errOut := runCheck(t, "check", "http", srv.URL+"/health", "--ca-file", ca, "--expect-status", "200",
		"--header", "Authorization=CF_CLI_TOKEN", "--json-field", "status", "--json-equals", "up", "--json")
	var doc network.HTTPDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != 0 || !doc.Results[0].OK || !doc.Results[0].TLS.Verified || strings.Contains(out, "cli-secret") {
		t.Fatalf("exit %d stderr %q\n%s", code, errOut, out)
	}
	// Without the test CA the certificate is from an unknown authority: the check fails.
	code, out, errOut = runCheck(t, "check", "http", srv.URL+"/health")
	if code != 1 || !strings.Contains(out, "NOT verified: unknown_authority") || !strings.Contains(out, "result: FAILED") ||
		!strings.Contains(errOut, "check failed") {
		t.Fatalf("unknown CA: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestCheckDNS(t *testing.T) {
	bin, err := exec.LookPath("dnsmasq")
	if err != nil {
		t.Skip("skipping: dnsmasq is not installed")
	}
	l, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	port := l.LocalAddr().(*net.UDPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
		"--listen-address=127.0.0.1", "--port="+strconv.Itoa(port), "--pid-file="+filepath.Join(t.TempDir(), "pid"),
		"--local=/test/", "--host-record=api.test,10.1.0.1")
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	server := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var code int
	var out, errOut string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if code, out, errOut = runCheck(t, "check", "dns", "api.test", "--server", server, "--type", "A"); code == 0 {
			break
		}
	}
	if code != 0 || !strings.Contains(out, "10.1.0.1") || !strings.Contains(out, "NOERROR") {
		t.Fatalf("api.test: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runCheck(t, "check", "dns", "nope.test", "--server", server, "--type", "A", "--json")
	var doc network.DNSDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 1 || doc.Results[0].Servers[0].Rcode != "NXDOMAIN" {
		t.Fatalf("nope.test: exit %d %v\n%s\n%s", code, err, out, errOut)
	}
}

// TestCollectNetwork runs casefile collect with a spec naming loopback targets and reads the
// results back from the bundle.
func TestCollectNetwork(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	defer srv.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()
	dir := t.TempDir()
	specPath := filepath.Join(dir, "net.yaml")
	os.WriteFile(specPath, []byte(fmt.Sprintf(`apiVersion: casefile/v1
kind: Spec
metadata: {name: net}
network:
  tcp:
    - {target: "%s"}
    - {target: "%s"}
  http:
    - {name: api, url: "%s/health", expect_status: 200}
`, srv.Listener.Addr(), closedAddr, srv.URL)), 0o644)
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	code, stdout, stderr := runCheck(t, "collect", "--spec", specPath, "--out", out, "--only", "network", "--json")
	// A partial collector still ships its results; collect exits 3 only for failed collectors.
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	m, _ := filepath.Glob(filepath.Join(out, "casefile-*"))
	if len(m) != 1 {
		t.Fatalf("bundles: %v", m)
	}
	files := map[string][]byte{}
	_, err := bundle.Walk(m[0], bundle.DefaultReadLimits, func(e bundle.Entry, r io.Reader) error {
		if i := strings.Index("/"+e.Name, "/network/"); i >= 0 {
			b, err := io.ReadAll(r)
			files[e.Name[i:]] = b
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var tcp network.TCPDoc
	var web network.HTTPDoc
	if err := json.Unmarshal(files["network/tcp.json"], &tcp); err != nil {
		t.Fatalf("network/tcp.json: %v (have %v)", err, len(files))
	}
	if err := json.Unmarshal(files["network/http.json"], &web); err != nil {
		t.Fatalf("network/http.json: %v", err)
	}
	if len(tcp.Results) != 2 || !tcp.Results[0].Connected || tcp.Results[1].Class != "refused" {
		t.Errorf("tcp: %+v", tcp)
	}
	if len(web.Results) != 1 || !web.Results[0].OK || web.Results[0].Name != "api" {
		t.Errorf("http: %+v", web)
	}
	if !strings.Contains(stdout, `"name": "network.tcp"`) || !strings.Contains(stdout, `"status": "partial"`) {
		t.Errorf("collect output:\n%s", stdout)
	}
}
