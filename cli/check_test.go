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
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors/network"
	"github.com/casefile/casefile/internal/testenv"
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

// TestCheckArgumentValidation: out-of-range numbers, ports and durations are usage errors (exit 2)
// caught before anything is sent. Every target is on loopback in case one slipped through.
func TestCheckArgumentValidation(t *testing.T) {
	const url = "http://127.0.0.1:1/"
	for _, c := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"check", "tcp", "127.0.0.1:99999"}, "want a number from 1 to 65535"},
		{[]string{"check", "tcp", "127.0.0.1:65536"}, "want a number from 1 to 65535"},
		{[]string{"check", "tcp", "127.0.0.1:0"}, "want a number from 1 to 65535"},
		{[]string{"check", "tcp", "127.0.0.1:http"}, "want a number from 1 to 65535"},
		{[]string{"check", "tcp", "127.0.0.1:+80"}, "want a number from 1 to 65535"},
		{[]string{"check", "tcp", "127.0.0.1:-1"}, "want a number from 1 to 65535"},
		{[]string{"check", "tcp", "127.0.0.1:1", "--timeout", "0s"}, "--timeout must be greater than 0"},
		{[]string{"check", "tcp", "127.0.0.1:1", "--timeout", "-1s"}, "--timeout must be greater than 0"},
		{[]string{"check", "http", url, "--expect-status", "99"}, "--expect-status 99: want an HTTP status from 100 to 599"},
		{[]string{"check", "http", url, "--expect-status", "600"}, "from 100 to 599"},
		{[]string{"check", "http", url, "--expect-status", "0"}, "from 100 to 599"},
		{[]string{"check", "http", url, "--timeout", "0s"}, "--timeout must be greater than 0"},
		{[]string{"check", "trace", "127.0.0.1", "--max-hops", "65"}, "--max-hops must be between 1 and 64"},
		{[]string{"check", "trace", "127.0.0.1", "--max-hops", "-3"}, "--max-hops must be between 1 and 64"},
		{[]string{"check", "trace", "127.0.0.1", "--port", "70000"}, "--port must be between 1 and 65535"},
		{[]string{"check", "trace", "127.0.0.1", "--port", "0"}, "--port must be between 1 and 65535"},
		{[]string{"check", "trace", "127.0.0.1", "--timeout", "-5ms"}, "--timeout must be greater than 0"},
		{[]string{"check", "ping", "127.0.0.1", "--interval", "0s"}, "--interval must be greater than 0"},
		{[]string{"check", "ping", "127.0.0.1", "--interval", "-1s"}, "--interval must be greater than 0"},
		{[]string{"check", "ping", "127.0.0.1", "--count", "0"}, "--count must be between 1 and 10000"},
		{[]string{"check", "ping", "127.0.0.1", "--port", "0"}, "--port must be between 1 and 65535"},
		{[]string{"check", "ping", "127.0.0.1", "--port", "65536"}, "--port must be between 1 and 65535"},
		{[]string{"check", "ping", "127.0.0.1", "--timeout", "0s"}, "--timeout must be greater than 0"},
		{[]string{"check", "dns", "a.test", "--server", "127.0.0.1:0"}, "want an IP address"},
		{[]string{"check", "dns", "a.test", "--server", "127.0.0.1:99999"}, "want an IP address"},
		{[]string{"check", "dns", "a.test", "--server", "127.0.0.1:1", "--timeout", "0s"}, "--timeout must be greater than 0"},
	} {
		code, out, errOut := runCheck(t, c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("%v: exit %d, want %d; stderr %q, want %q; stdout %q", c.args, code, ExitUsage, errOut, c.want, out)
		}
	}
}

// TestCheckHeaderNotEnvName: --header NAME=VALUE (a literal value instead of a variable name) is a
// usage error that explains NAME=ENV_VAR and never echoes the value, which may be a secret.
func TestCheckHeaderNotEnvName(t *testing.T) {
	const secret = "s3cr3t-token-value"
	for _, h := range []string{
		"Authorization=Bearer " + secret,
		"X-Api-Key=" + secret,             // '-' is not allowed in a variable name
		"X-Key=9" + secret,                // nor a leading digit
		"Authorization: Bearer " + secret, // no '=' at all
		"Authorization: Bearer=" + secret, // a header line, not a name
	} {
		code, out, errOut := runCheck(t, "check", "http", "http://127.0.0.1:1/", "--header", h)
		if code != ExitUsage || !strings.Contains(errOut, "NAME=ENV_VAR") || out != "" {
			t.Errorf("--header %q: exit %d, stderr %q, stdout %q", h, code, errOut, out)
		}
		if strings.Contains(errOut, secret) || strings.Contains(errOut, "Bearer") {
			t.Errorf("--header %q: stderr echoes the value: %q", h, errOut)
		}
	}
	code, _, errOut := runCheck(t, "check", "http", "http://127.0.0.1:1/", "--header", "Authorization=Bearer "+secret)
	if code != ExitUsage || !strings.Contains(errOut, "the part after = is not an environment variable name") ||
		!strings.Contains(errOut, "--header Authorization=") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	// A valid variable name that is unset is not a usage error: the check runs (here against a
	// closed loopback port) and reports the header as not sent.
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := closed.Addr().String()
	closed.Close()
	code, out, _ := runCheck(t, "check", "http", "http://"+addr+"/", "--header", "Authorization=CF_TEST_UNSET_VAR_1")
	if code != ExitError || !strings.Contains(out, "NOT SET, header not sent") {
		t.Errorf("unset variable: exit %d\n%s", code, out)
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
	bin := testenv.NeedTool(t, "dnsmasq")
	l, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	port := l.LocalAddr().(*net.UDPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
		"--listen-address=127.0.0.1", "--port="+strconv.Itoa(port), "--pid-file="+filepath.Join(t.TempDir(), "pid"),
		"--local=/test/", "--host-record=api.test,10.1.0.1", "--address=/acme.test/1.2.3.4")
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
	if !strings.Contains(errOut, "check failed: dns nope.test A: "+server+": NXDOMAIN") {
		t.Errorf("nope.test: stderr %q", errOut)
	}
	// The wildcard answers any name under acme.test, so the NXDOMAIN probe's random name resolves:
	// the failure must say so, not end in an empty reason.
	code, out, errOut = runCheck(t, "check", "dns", "api.acme.test", "--server", server, "--type", "A", "--nxdomain-probe")
	if code != 1 || !strings.Contains(out, "NXDOMAIN rewriting") {
		t.Fatalf("api.acme.test: exit %d\n%s\n%s", code, out, errOut)
	}
	if !regexp.MustCompile(`check failed: dns api\.acme\.test A: NXDOMAIN rewritten: casefile-nx-[0-9a-f]+\.api\.acme\.test resolved to 1\.2\.3\.4 at ` +
		regexp.QuoteMeta(server) + "\n").MatchString(errOut) {
		t.Errorf("api.acme.test: stderr %q", errOut)
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
