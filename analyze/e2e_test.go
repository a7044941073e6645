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
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/analyze"
	"github.com/casefile/casefile/cli"
)

// collect runs `casefile collect` in-process with args and returns the bundle's path.
func collect(t *testing.T, args ...string) string {
	t.Helper()
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"collect", "--out", out}, args...), strings.NewReader(""), &stdout, &stderr)
	if code != 0 && code != 3 {
		t.Fatalf("collect exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	m, _ := filepath.Glob(filepath.Join(out, "casefile-*"))
	if len(m) != 1 {
		t.Fatalf("bundles: %v", m)
	}
	return m[0]
}

// TestHealthyMachine collects this machine with the default spec plus healthy loopback targets
// and expects no critical or warning finding, except the ones this sandbox really has (each is
// checked against the data it rests on).
func TestHealthyMachine(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, `{"status": "up"}`) }))
	defer srv.Close()
	spec := filepath.Join(t.TempDir(), "healthy.yaml")
	os.WriteFile(spec, []byte(fmt.Sprintf(`apiVersion: casefile/v1
kind: Spec
metadata: {name: healthy}
network:
  tcp: [{target: "%s"}]
  ping: [{host: 127.0.0.1, count: 3, interval: 50ms}]
  http:
    - {name: api, url: "%s/health", expect_status: 200, body_regex: '"status":\s*"up"', json_field: status, json_equals: up}
`, srv.Listener.Addr(), srv.URL)), 0o644)
	for _, args := range [][]string{nil, {"--spec", spec}} {
		p := collect(t, args...)
		src, err := analyze.OpenBundle(p)
		if err != nil {
			t.Fatal(err)
		}
		fs := analyze.Analyze(src)
		for _, f := range fs.Serious() {
			if why := justified(t, src, f); why != "" {
				t.Logf("allowed %s %s: %s (%s)", f.Severity, f.ID, f.Title, why)
				continue
			}
			t.Errorf("false alarm on a healthy machine (%v): %s %s %s\n%s", args, f.Severity, f.ID, f.Title, f.Detail)
		}
		if args != nil {
			for _, f := range fs.Findings {
				if strings.HasPrefix(f.ID, "http.") || strings.HasPrefix(f.ID, "tcp.") || strings.HasPrefix(f.ID, "ping.") || strings.HasPrefix(f.ID, "tls.") {
					t.Errorf("finding on a healthy loopback target: %+v", f)
				}
			}
		}
	}
}

// justified says why a serious finding is true of this machine, or "" when it is a false alarm.
// Only machine state that a test cannot control is accepted, and only when the data shows it.
func justified(t *testing.T, src analyze.Source, f analyze.Finding) string {
	switch f.ID {
	case "load.high":
		// The test machine builds and tests other packages at the same time.
		var c struct {
			LogicalCores float64                  `json:"logical_cores"`
			Load         struct{ Load15 float64 } `json:"load"`
		}
		b, _ := src.ReadFile("system/cpu.json")
		json.Unmarshal(b, &c)
		if c.Load.Load15 > 2*c.LogicalCores {
			return fmt.Sprintf("load15 %.2f on %.0f cores: the machine is busy", c.Load.Load15, c.LogicalCores)
		}
	case "clock.unsynchronized":
		// A VM without a time service (sandboxes, CI runners) really is unsynchronized.
		b, _ := src.ReadFile("system/time.json")
		if bytes.Contains(b, []byte(`"synchronized": false`)) {
			return "the kernel reports STA_UNSYNC and no time service runs"
		}
	case "disk.full", "disk.inodes_full", "memory.low":
		// Real shortage on the test machine: state it, do not hide it.
		return "the test machine itself is short of space or memory: " + f.Detail
	}
	return ""
}

// TestFaultsEndToEnd runs real checks against faulty loopback services through casefile collect
// and checks the findings that come out of the bundle.
func TestFaultsEndToEnd(t *testing.T) {
	expired := tlsServer(t, time.Now().Add(-400*24*time.Hour), time.Now().Add(-35*24*time.Hour-time.Hour))
	untrusted := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer untrusted.Close()
	skewed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(20*time.Minute).UTC().Format(http.TimeFormat))
	}))
	defer skewed.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(w, `{"status": "degraded"}`)
	}))
	defer broken.Close()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := l.Addr().String()
	l.Close()

	spec := filepath.Join(t.TempDir(), "faults.yaml")
	os.WriteFile(spec, []byte(fmt.Sprintf(`apiVersion: casefile/v1
kind: Spec
metadata: {name: faults}
network:
  tcp: [{target: "%s"}]
  http:
    - {name: expired, url: "%s/"}
    - {name: untrusted, url: "%s/"}
    - {name: skewed, url: "%s/"}
    - {name: down, url: "%s/down", expect_status: 200}
    - {name: degraded, url: "%s/health", json_field: status, json_equals: up}
    - {name: refused, url: "http://%s/", timeout: 2s}
`, refused, expired, untrusted.URL, skewed.URL, broken.URL, broken.URL, refused)), 0o644)
	p := collect(t, "--spec", spec, "--only", "network")
	src, err := analyze.OpenBundle(p)
	if err != nil {
		t.Fatal(err)
	}
	fs := analyze.Analyze(src)
	host := func(u string) string { return strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://") }
	want := map[string]string{ // id|target -> substring of the title
		"tls.expired|" + host(expired):                 "expired 35 days ago",
		"tls.unknown_authority|" + host(untrusted.URL): "signed by an unknown authority",
		"clock.skew|127.0.0.1":                         "20 minutes ahead",
		"http.status|" + broken.URL + "/down":          "returned status 503, expected 200",
		"http.body|" + broken.URL + "/health":          "body check failed",
		"tcp.refused|" + refused:                       "refused",
		"http.refused|http://" + refused + "/":         "refused",
	}
	got := map[string]analyze.Finding{}
	for _, f := range fs.Findings {
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
		if len(f.Evidence) == 0 || f.Evidence[0].Line == 0 {
			t.Errorf("%s: evidence without a line: %+v", k, f.Evidence)
		}
	}
	if t.Failed() {
		b, _ := json.MarshalIndent(fs, "", "  ")
		t.Logf("findings:\n%s", b)
	}
	// The command prints the same findings.
	var stdout, stderr bytes.Buffer
	if code := cli.Run(context.Background(), []string{"analyze", p, "--json"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("analyze exit %d: %s", code, stderr.String())
	}
	var printed analyze.Findings
	if err := json.Unmarshal(stdout.Bytes(), &printed); err != nil || len(printed.Findings) != len(fs.Findings) {
		t.Fatalf("analyze --json: %v, %d findings, want %d\n%s", err, len(printed.Findings), len(fs.Findings), stdout.String())
	}
	stdout.Reset()
	if code := cli.Run(context.Background(), []string{"analyze", p}, strings.NewReader(""), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "SEVERITY") || !strings.Contains(stdout.String(), "tls.expired") {
		t.Fatalf("analyze exit %d:\n%s", code, stdout.String())
	}
}

// tlsServer serves HTTPS on loopback with a self-signed certificate valid from notBefore to
// notAfter; it returns the server's URL.
func tlsServer(t *testing.T, notBefore, notAfter time.Time) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "casefile test"},
		NotBefore: notBefore, NotAfter: notAfter,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}
