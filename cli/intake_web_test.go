package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/intake"
)

// intake token --engineer prints an engineer token (kind cfe1., read-only: it logs in to the web
// view and cannot upload) signed with the data folder's key; revoke accepts it; bad flags are
// usage errors.
func TestIntakeEngineerToken(t *testing.T) {
	data := t.TempDir()
	run := func(args ...string) (int, string, string) {
		var so, se bytes.Buffer
		code := Run(context.Background(), append([]string{"intake"}, args...), strings.NewReader(""), &so, &se)
		return code, so.String(), se.String()
	}
	code, out, errOut := run("token", "--data", data, "--engineer", "alice", "--ttl", "2h")
	if code != 0 {
		t.Fatalf("token --engineer: %d %s", code, errOut)
	}
	tok := strings.TrimSpace(out)
	key, err := intake.LoadKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := intake.VerifyEngineer(key, nil, tok, time.Now())
	if err != nil || c.Engineer != "alice" || c.Exp < time.Now().Add(119*time.Minute).Unix() || c.Exp > time.Now().Add(2*time.Hour).Unix() {
		t.Fatalf("engineer token %q: %+v %v", tok, c, err)
	}
	if _, err := intake.Parse(key, tok); err != intake.ErrTokenKind {
		t.Errorf("the engineer token parses as an upload token: %v", err)
	}
	for _, bad := range [][]string{
		{"--engineer", "alice", "--ticket", "4821"},
		{"--engineer", "alice", "--max-size", "1GiB"},
		{"--engineer", "a b"},
		{"--engineer", ""},
		{"--engineer", "alice", "--ttl", "0s"},
	} {
		if code, _, errOut := run(append([]string{"token", "--data", data}, bad...)...); code != 2 {
			t.Errorf("token %v: exit %d, want 2 (%s)", bad, code, errOut)
		}
	}
	code, _, errOut = run("revoke", "--data", data, tok)
	if code != 0 || !strings.Contains(errOut, "engineer alice") {
		t.Fatalf("revoke: %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "revoked", c.ID)); err != nil {
		t.Errorf("revocation not written: %v", err)
	}
	if _, err := intake.VerifyEngineer(key, intake.NewRevocations(data), tok, time.Now()); err != intake.ErrEngineerRevoked {
		t.Errorf("after revoke: %v", err)
	}
}

// intake serve --tls-cert/--tls-key serves HTTPS: the upload page and the web view answer over
// TLS with the given certificate (self-signed here, for 127.0.0.1); the flags go together and a
// bad file is an error naming it.
func TestIntakeServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	pool := writeSelfSigned(t, certFile, keyFile)
	data := t.TempDir()
	var so, se bytes.Buffer
	if code := Run(context.Background(), []string{"intake", "token", "--data", data, "--ticket", "4821"}, strings.NewReader(""), &so, &se); code != 0 {
		t.Fatalf("token: %d %s", code, se.String())
	}
	tok := strings.TrimSpace(so.String())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut bytes.Buffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"intake", "serve", "--data", data, "--listen", addr, "--tls-cert", certFile, "--tls-key", keyFile}, strings.NewReader(""), &out, &errOut)
	}()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	get := func(path string) (int, string) {
		resp, err := client.Get("https://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, _ := get("/healthz"); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("intake serve did not answer over TLS: %s", errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, body := get("/u/" + tok); code != http.StatusOK || !strings.Contains(body, "Upload a bundle for ticket 4821") {
		t.Errorf("upload page over TLS: %d\n%s", code, body)
	}
	if code, body := get("/web/login"); code != http.StatusOK || !strings.Contains(body, "Engineer token") {
		t.Errorf("web view over TLS: %d", code)
	}
	cancel()
	<-done
	if !strings.Contains(errOut.String(), `"web":"https://`+addr+`/web/"`) || strings.Contains(errOut.String(), tok) {
		t.Errorf("serve log:\n%s", errOut.String())
	}

	for _, args := range [][]string{{"--tls-cert", certFile}, {"--tls-key", keyFile}} {
		var se bytes.Buffer
		if code := Run(context.Background(), append([]string{"intake", "serve", "--data", data, "--listen", addr}, args...), strings.NewReader(""), io.Discard, &se); code != 2 {
			t.Errorf("serve %v: exit %d, want 2 (%s)", args, code, se.String())
		}
	}
	se.Reset()
	if code := Run(context.Background(), []string{"intake", "serve", "--data", data, "--listen", addr, "--tls-cert", keyFile, "--tls-key", keyFile}, strings.NewReader(""), io.Discard, &se); code != 1 || !strings.Contains(se.String(), keyFile) {
		t.Errorf("a key given as the certificate: exit %d: %s", code, se.String())
	}
}

// writeSelfSigned writes a self-signed ECDSA certificate for 127.0.0.1 and its key, and returns
// a pool that trusts it.
func writeSelfSigned(t *testing.T, certFile, keyFile string) *x509.CertPool {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "casefile intake test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}
