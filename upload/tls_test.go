package upload

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TLS is always verified: a server whose certificate this machine does not trust is refused,
// and --ca-file (Options.CAFile) makes a private CA's server trusted.
func TestTLSVerifiedAndCAFile(t *testing.T) {
	tok := makeToken("4821", time.Now().Add(time.Hour), 0)
	f := &fakeTus{t: t, token: tok, uploads: map[string]*fakeUpload{}}
	srv := httptest.NewTLSServer(f)
	defer srv.Close()
	dir := t.TempDir()
	p := makeBundle(t, dir, "4821", 100<<10)

	o := baseOpts(t, p, srv.URL, tok)
	o.Retries = 1
	_, err := Upload(context.Background(), o)
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "certificate") {
		t.Fatalf("an untrusted server: err = %v, want a certificate error", err)
	}
	if f.requests() != 0 {
		t.Errorf("%d requests reached the untrusted server's handler", f.requests())
	}

	ca := filepath.Join(dir, "ca.pem")
	block := &pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}
	if err := os.WriteFile(ca, pem.EncodeToMemory(block), 0o644); err != nil {
		t.Fatal(err)
	}
	o = baseOpts(t, p, srv.URL, tok)
	o.CAFile = ca
	res, err := Upload(context.Background(), o)
	if err != nil {
		t.Fatalf("with --ca-file: %v", err)
	}
	if res.BundleSHA256 == "" || f.only() == nil {
		t.Errorf("result %+v", res)
	}

	o = baseOpts(t, p, srv.URL, tok)
	o.CAFile = filepath.Join(dir, "missing.pem")
	if _, err := Upload(context.Background(), o); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing --ca-file: err = %v", err)
	}
}

// The proxy function (from the environment in the CLI) carries every request: a loopback
// forward proxy sees them all, and the upload arrives.
func TestUploadThroughProxy(t *testing.T) {
	tok := makeToken("4821", time.Now().Add(time.Hour), 0)
	f, target := newFakeTus(t, tok)
	var seen atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		out, err := http.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = r.Header.Clone()
		out.ContentLength = r.ContentLength
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	defer proxy.Close()
	pu, _ := url.Parse(proxy.URL)
	p := makeBundle(t, t.TempDir(), "4821", 100<<10)
	o := baseOpts(t, p, target.URL, tok)
	o.Proxy = http.ProxyURL(pu)
	if _, err := Upload(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if seen.Load() == 0 || int(seen.Load()) < f.requests() {
		t.Errorf("proxy saw %d requests, server %d", seen.Load(), f.requests())
	}
}
