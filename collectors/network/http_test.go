package network

import (
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
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casefile/casefile/spec"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert, key}
}

func (ca *testCA) leaf(t *testing.T, notBefore, notAfter time.Time, dnsNames ...string) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "casefile test server"},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range dnsNames {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key}
}

func tlsServer(t *testing.T, cert tls.Certificate, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	s.EnableHTTP2 = true
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are what these tests provoke
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// testProxy is a real forward proxy on loopback (CONNECT for https, absolute-form for http). It
// connects every host to 127.0.0.1 at the requested port, so names like api.test work without
// asking any resolver.
func testProxy(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	dial := func(ctx context.Context, _, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		var d net.Dialer
		return d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", port))
	}
	fwd := &http.Transport{DialContext: dial}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.Method == http.MethodConnect {
			up, err := dial(r.Context(), "tcp", r.Host)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			w.WriteHeader(http.StatusOK)
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				up.Close()
				return
			}
			go func() { io.Copy(up, buf); up.Close() }()
			io.Copy(conn, up)
			conn.Close()
			return
		}
		r.RequestURI = ""
		resp, err := fwd.RoundTrip(r)
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
	t.Cleanup(s.Close)
	t.Cleanup(fwd.CloseIdleConnections)
	return s, &n
}

func TestHTTP(t *testing.T) {
	ca := newCA(t, "casefile test CA")
	other := newCA(t, "some other CA")
	now := time.Now()
	valid := ca.leaf(t, now.Add(-time.Hour), now.Add(30*24*time.Hour+time.Hour), "127.0.0.1", "api.test")
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)

	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "all good") })
	mux.HandleFunc("/r1", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/r2", http.StatusFound) })
	mux.HandleFunc("/r2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusMovedPermanently) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"up","data":{"n":3,"items":[{"id":"a"}]}}`)
	})
	mux.HandleFunc("/skewed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(120*time.Second).UTC().Format(http.TimeFormat))
	})
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "s3cr3t-key-value" {
			http.Error(w, "no", http.StatusUnauthorized)
		}
	})
	srv := tlsServer(t, valid, mux)
	plain := httptest.NewServer(mux)
	t.Cleanup(plain.Close)
	env := Env{RootCAs: pool, Getenv: func(string) string { return "" }}
	ctx := context.Background()
	check := func(c spec.HTTPCheck, env Env) HTTPResult {
		if c.Timeout == 0 {
			c.Timeout = spec.Duration(5 * time.Second)
		}
		r := HTTP(ctx, c, env)
		b, _ := json.Marshal(r)
		t.Logf("%s", b)
		return r
	}

	t.Run("valid", func(t *testing.T) {
		r := check(spec.HTTPCheck{URL: srv.URL + "/ok", ExpectStatus: 200, BodyRegex: "all good"}, env)
		if !r.OK || r.Status != 200 || r.Error != "" || r.TLS == nil || !r.TLS.Verified || r.TLS.ALPN != "h2" || r.TLS.Version != "TLS 1.3" || r.TLS.Cipher == "" {
			t.Fatalf("%+v %+v", r, r.TLS)
		}
		if len(r.TLS.Chain) != 2 || r.TLS.Chain[1].Subject != "CN=casefile test CA" || r.TLS.Chain[0].Issuer != "CN=casefile test CA" ||
			r.TLS.Chain[0].DaysLeft != 30 || strings.Join(r.TLS.Chain[0].SANs, ",") != "api.test,127.0.0.1" {
			t.Errorf("chain: %+v", r.TLS.Chain)
		}
		tm := r.Timings
		if tm.Connect <= 0 || tm.TLS <= 0 || tm.TTFB <= 0 || tm.Total < tm.TTFB || tm.DNS != 0 {
			t.Errorf("timings: %+v", tm)
		}
		if r.ClockSkewS == nil || *r.ClockSkewS < -1.5 || *r.ClockSkewS > 1.5 {
			t.Errorf("clock skew: %v", r.ClockSkewS)
		}
		if r.Proxy != "" || r.ProxySource != "none" || r.Body == nil || r.Body.RegexMatch == nil || !*r.Body.RegexMatch {
			t.Errorf("proxy %q %q body %+v", r.Proxy, r.ProxySource, r.Body)
		}
	})

	t.Run("expired", func(t *testing.T) {
		s := tlsServer(t, ca.leaf(t, now.Add(-60*24*time.Hour), now.Add(-48*time.Hour), "127.0.0.1"), mux)
		r := check(spec.HTTPCheck{URL: s.URL + "/ok"}, env)
		if r.OK || r.ErrorClass != "tls" || r.TLS == nil || r.TLS.Verified || r.TLS.VerifyErrorClass != "expired" || r.TLS.ClockHint == "" {
			t.Fatalf("%+v %+v", r, r.TLS)
		}
		if r.TLS.Chain[0].DaysLeft != -2 || r.Status != 0 {
			t.Errorf("days_left %d status %d", r.TLS.Chain[0].DaysLeft, r.Status)
		}
		// insecure: the answer counts, the verification error is still recorded.
		r = check(spec.HTTPCheck{URL: s.URL + "/ok", Insecure: true}, env)
		if !r.OK || r.Status != 200 || r.TLS.Verified || r.TLS.VerifyErrorClass != "expired" {
			t.Fatalf("insecure: %+v %+v", r, r.TLS)
		}
	})

	t.Run("not yet valid", func(t *testing.T) {
		s := tlsServer(t, ca.leaf(t, now.Add(48*time.Hour), now.Add(90*24*time.Hour), "127.0.0.1"), mux)
		r := check(spec.HTTPCheck{URL: s.URL + "/ok"}, env)
		if r.OK || r.TLS == nil || r.TLS.VerifyErrorClass != "not_yet_valid" || !strings.Contains(r.TLS.ClockHint, "check the clock") {
			t.Fatalf("%+v %+v", r, r.TLS)
		}
		// With the machine's clock two days ahead, the same certificate is fine.
		ahead := env
		ahead.Now = func() time.Time { return time.Now().Add(72 * time.Hour) }
		if r := check(spec.HTTPCheck{URL: s.URL + "/ok"}, ahead); !r.OK || !r.TLS.Verified {
			t.Fatalf("clock ahead: %+v %+v", r, r.TLS)
		}
	})

	t.Run("wrong name", func(t *testing.T) {
		s := tlsServer(t, ca.leaf(t, now.Add(-time.Hour), now.Add(24*time.Hour), "other.example"), mux)
		r := check(spec.HTTPCheck{URL: s.URL + "/ok"}, env)
		if r.OK || r.TLS == nil || r.TLS.VerifyErrorClass != "name_mismatch" || r.TLS.ServerName != "127.0.0.1" {
			t.Fatalf("%+v %+v", r, r.TLS)
		}
	})

	t.Run("unknown authority", func(t *testing.T) {
		s := tlsServer(t, other.leaf(t, now.Add(-time.Hour), now.Add(24*time.Hour), "127.0.0.1"), mux)
		r := check(spec.HTTPCheck{URL: s.URL + "/ok"}, env)
		if r.OK || r.TLS == nil || r.TLS.VerifyErrorClass != "unknown_authority" || r.TLS.Chain[1].Subject != "CN=some other CA" {
			t.Fatalf("%+v %+v", r, r.TLS)
		}
	})

	t.Run("redirect chain", func(t *testing.T) {
		r := check(spec.HTTPCheck{URL: srv.URL + "/r1", ExpectStatus: 200}, env)
		if !r.OK || len(r.Redirects) != 2 || r.FinalURL != srv.URL+"/ok" {
			t.Fatalf("%+v", r)
		}
		if r.Redirects[0].Status != 302 || r.Redirects[0].URL != srv.URL+"/r1" || r.Redirects[0].Location != srv.URL+"/r2" || r.Redirects[1].Status != 301 {
			t.Errorf("redirects: %+v", r.Redirects)
		}
		r = check(spec.HTTPCheck{URL: srv.URL + "/loop"}, env)
		if r.OK || len(r.Redirects) != maxRedirects || !strings.Contains(r.Error, "stopped after 10 redirects") {
			t.Errorf("redirect loop: %+v", r)
		}
	})

	t.Run("slow server hits the timeout", func(t *testing.T) {
		start := time.Now()
		r := check(spec.HTTPCheck{URL: srv.URL + "/slow", Timeout: spec.Duration(300 * time.Millisecond)}, env)
		if r.OK || r.ErrorClass != "timeout" || time.Since(start) > 2*time.Second {
			t.Fatalf("%+v after %v", r, time.Since(start))
		}
		if r.Timings.Total < 290 || r.TLS == nil || !r.TLS.Verified {
			t.Errorf("timings %+v tls %+v", r.Timings, r.TLS)
		}
	})

	t.Run("status and body checks", func(t *testing.T) {
		if r := check(spec.HTTPCheck{URL: srv.URL + "/down"}, env); r.OK || r.Status != 503 || r.ErrorClass != "status" {
			t.Errorf("503: %+v", r)
		}
		if r := check(spec.HTTPCheck{URL: srv.URL + "/down", ExpectStatus: 503}, env); !r.OK {
			t.Errorf("expected 503: %+v", r)
		}
		if r := check(spec.HTTPCheck{URL: srv.URL + "/ok", BodyRegex: "^nope"}, env); r.OK || r.ErrorClass != "body" {
			t.Errorf("regex mismatch: %+v", r)
		}
		for _, c := range []struct {
			field, equals string
			ok            bool
		}{{"status", "up", true}, {"data.n", "3", true}, {"data.items.0.id", "a", true}, {"status", "down", false}, {"missing", "", false}, {"data", "", true}} {
			r := check(spec.HTTPCheck{URL: srv.URL + "/json", JSONField: c.field, JSONEquals: c.equals}, env)
			if r.OK != c.ok || r.Body == nil || r.Body.JSONMatch == nil || *r.Body.JSONMatch != c.ok {
				t.Errorf("json %s=%q: ok %v body %+v", c.field, c.equals, r.OK, r.Body)
			}
		}
	})

	t.Run("clock skew", func(t *testing.T) {
		r := check(spec.HTTPCheck{URL: plain.URL + "/skewed"}, env)
		if r.ClockSkewS == nil || *r.ClockSkewS < 118.5 || *r.ClockSkewS > 121.5 || r.TLS != nil {
			t.Fatalf("%+v skew %v", r, r.ClockSkewS)
		}
	})

	t.Run("headers from environment are sent, never stored", func(t *testing.T) {
		e := env
		e.Getenv = func(k string) string {
			if k == "CF_TEST_KEY" {
				return "s3cr3t-key-value"
			}
			return ""
		}
		c := spec.HTTPCheck{URL: srv.URL + "/auth", ExpectStatus: 200, HeadersFromEnv: map[string]string{"X-Api-Key": "CF_TEST_KEY", "X-Other": "CF_UNSET"}}
		r := check(c, e)
		b, _ := json.Marshal(r)
		if !r.OK || strings.Contains(string(b), "s3cr3t") {
			t.Fatalf("%s", b)
		}
		if len(r.Headers) != 2 || r.Headers[0] != (HeaderRef{"X-Api-Key", "CF_TEST_KEY", true}) || r.Headers[1] != (HeaderRef{"X-Other", "CF_UNSET", false}) {
			t.Errorf("headers: %+v", r.Headers)
		}
		if r := check(c, env); r.OK || r.Status != 401 {
			t.Errorf("without the variable: %+v", r)
		}
	})

	t.Run("proxy", func(t *testing.T) {
		proxy, hits := testProxy(t)
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		target := "https://api.test:" + port + "/ok"
		withCreds := strings.Replace(proxy.URL, "http://", "http://user:pr0xy-pass@", 1)

		r := check(spec.HTTPCheck{URL: target, Proxy: withCreds}, env)
		b, _ := json.Marshal(r)
		if !r.OK || r.ProxySource != "spec" || r.Proxy != proxy.URL || !r.TLS.Verified || hits.Load() != 1 || strings.Contains(string(b), "pr0xy-pass") {
			t.Fatalf("spec proxy (hits %d): %s", hits.Load(), b)
		}

		e := env
		e.Getenv = func(k string) string {
			if k == "https_proxy" {
				return proxy.URL
			}
			return ""
		}
		r = check(spec.HTTPCheck{URL: target}, e)
		if !r.OK || r.ProxySource != "env:https_proxy" || r.Proxy != proxy.URL || hits.Load() != 2 {
			t.Fatalf("env proxy (hits %d): %+v", hits.Load(), r)
		}
		// Plain http goes through HTTP_PROXY, absolute-form.
		e.Getenv = func(k string) string {
			if k == "HTTP_PROXY" {
				return proxy.URL
			}
			return ""
		}
		_, pport, _ := net.SplitHostPort(plain.Listener.Addr().String())
		r = check(spec.HTTPCheck{URL: "http://api.test:" + pport + "/ok"}, e)
		if !r.OK || r.ProxySource != "env:HTTP_PROXY" || hits.Load() != 3 {
			t.Fatalf("http proxy (hits %d): %+v", hits.Load(), r)
		}
		// Loopback targets never use an environment proxy (as with net/http).
		e.Getenv = func(k string) string {
			if k == "HTTPS_PROXY" {
				return proxy.URL
			}
			return ""
		}
		r = check(spec.HTTPCheck{URL: srv.URL + "/ok"}, e)
		if !r.OK || r.Proxy != "" || !strings.HasPrefix(r.ProxySource, "none") || hits.Load() != 3 {
			t.Fatalf("loopback (hits %d): %+v", hits.Load(), r)
		}
	})

	t.Run("refused", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		r := check(spec.HTTPCheck{URL: "https://" + addr + "/"}, env)
		if r.OK || r.ErrorClass != "refused" {
			t.Fatalf("%+v", r)
		}
	})
}

func TestEnvProxy(t *testing.T) {
	// NO_PROXY as net/http reads it (golang.org/x/net/http/httpproxy).
	for _, c := range []struct {
		url, noProxy string
		proxied      bool
	}{
		{"https://api.example.com/", "", true},
		{"https://api.example.com/", "example.com", false},
		{"https://api.example.com/", ".example.com", false},
		{"https://api.example.com/", "*.example.com", false},
		{"https://API.Example.COM/", "example.com", false},
		{"https://api.example.com/", " other.example , EXAMPLE.COM ", false},
		{"https://example.com/", "example.com", false},
		{"https://example.com/", ".example.com", true}, // a leading dot: subdomains only
		{"https://notexample.com/", "example.com", true},
		{"https://10.1.2.3/", "10.0.0.0/8", false},
		{"https://10.1.2.3/", "192.168.0.0/16", true},
		{"https://10.1.2.3/", "10.1.2.3", false},
		{"https://10.1.2.3:8443/", "10.1.2.3:8443", false},
		{"https://10.1.2.3:8443/", "10.1.2.3:443", true},
		{"https://[2001:db8::5]/", "2001:db8::/32", false},
		{"https://[2001:db8::5]/", "2001:db9::/32", true},
		{"https://api.example.com:8443/", "api.example.com:443", true},
		{"https://api.example.com:8443/", "api.example.com:8443", false},
		{"https://api.example.com/", "api.example.com:443", false}, // the scheme's default port
		{"https://x/", "*", false},
		{"https://localhost:1/", "", false},
		{"https://127.0.0.2:1/", "", false},
		{"https://[::1]:1/", "", false},
		{"https://app.localhost:1/", "", false},
	} {
		u, _ := http.NewRequest("GET", c.url, nil)
		p, err := envProxy(u.URL, "", "http://proxy.example:3128", c.noProxy)
		if err != nil || (p != nil) != c.proxied {
			t.Errorf("%s NO_PROXY=%q: proxy %v err %v, want proxied %v", c.url, c.noProxy, p, err, c.proxied)
		}
	}
	get := func(raw string) *url.URL {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	// Each scheme its own variable: no HTTP_PROXY for https, no HTTPS_PROXY for http.
	if p, _ := envProxy(get("https://api.example.com/"), "http://proxy.example:3128", "", ""); p != nil {
		t.Errorf("https through HTTP_PROXY: %v", p)
	}
	if p, _ := envProxy(get("http://api.example.com/"), "", "http://proxy.example:3128", ""); p != nil {
		t.Errorf("http through HTTPS_PROXY: %v", p)
	}
	if p, _ := envProxy(get("http://api.example.com/"), "proxy.example:3128", "", ""); p == nil || p.String() != "http://proxy.example:3128" {
		t.Errorf("bare host:port proxy: %v", p)
	}
	if p, _ := envProxy(get("https://api.example.com/"), "", "socks5://proxy.example:1080", ""); p == nil || p.Scheme != "socks5" {
		t.Errorf("socks5 proxy: %v", p)
	}
	// A value that is no URL is an error that names it, without its password.
	_, err := envProxy(get("https://api.example.com/"), "", "http://bob:s3cret-pw@proxy.example:port", "")
	if err == nil || !strings.Contains(err.Error(), "invalid proxy address") || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("invalid proxy: %v", err)
	}
}

func TestHTTPURLPasswordNotStored(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "bob" || p != "hunter2-pw" {
			http.Error(w, "no", http.StatusUnauthorized)
		}
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://bob:hunter2-pw@", 1) + "/x"
	r := HTTP(context.Background(), spec.HTTPCheck{URL: u, ExpectStatus: 200}, Env{Getenv: func(string) string { return "" }})
	b, _ := json.Marshal(r)
	if !r.OK || strings.Contains(string(b), "hunter2") || !strings.Contains(r.URL, "bob:[REDACTED:url-password]@") {
		t.Fatalf("%s", b)
	}
}

// A failed body check says what the server answered.
func TestHTTPBodyFailureSaysWhatWasFound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `{"data": {"status": "degraded"}}`)
	}))
	defer srv.Close()
	env := Env{Getenv: func(string) string { return "" }}
	for _, tc := range []struct {
		c    spec.HTTPCheck
		want string
	}{
		{spec.HTTPCheck{URL: srv.URL, JSONField: "data.status", JSONEquals: "ok"}, `JSON field data.status is "degraded", expected "ok"`},
		{spec.HTTPCheck{URL: srv.URL, JSONField: "data.missing"}, `body has no JSON field "data.missing"`},
		{spec.HTTPCheck{URL: srv.URL, BodyRegex: "healthy"}, `body does not match "healthy"`},
	} {
		r := HTTP(context.Background(), tc.c, env)
		if r.OK || r.ErrorClass != "body" || !strings.Contains(r.Error, tc.want) {
			t.Errorf("%+v: ok %v class %q error %q, want %q", tc.c, r.OK, r.ErrorClass, r.Error, tc.want)
		}
	}
}

// A timeout says in a sentence where the request stood.
func TestHTTPTimeoutSaysWhere(t *testing.T) {
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
			defer c.Close() // accepted, never answered
		}
	}()
	env := Env{Getenv: func(string) string { return "" }}
	r := HTTP(context.Background(), spec.HTTPCheck{URL: "http://" + l.Addr().String() + "/", Timeout: spec.Duration(300 * time.Millisecond)}, env)
	if r.ErrorClass != "timeout" || !strings.Contains(r.Error, "timed out after 300ms waiting for 127.0.0.1 to answer") || strings.Contains(r.Error, "deadline") {
		t.Errorf("class %q error %q", r.ErrorClass, r.Error)
	}
	r = HTTP(context.Background(), spec.HTTPCheck{URL: "https://" + l.Addr().String() + "/", Timeout: spec.Duration(300 * time.Millisecond)}, env)
	if r.ErrorClass != "timeout" || !strings.Contains(r.Error, "in the TLS handshake") {
		t.Errorf("https: class %q error %q", r.ErrorClass, r.Error)
	}
}
