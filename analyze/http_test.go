package analyze

import (
	"fmt"
	"strings"
	"testing"
)

// hr is an http result; fields is extra JSON members.
func hr(url string, status int, ok bool, fields string) string {
	s := fmt.Sprintf(`{"name": "api", "url": %q, "method": "GET", "status": %d, "ok": %v, "proxy": "", "proxy_source": "none", "clock_skew_s": null`, url, status, ok)
	if fields != "" {
		s += ", " + fields
	}
	return s + "}"
}

func cert(subject, issuer string, days int, notAfter string) string {
	return fmt.Sprintf(`{"subject": %q, "issuer": %q, "sans": ["api.example"], "not_before": "2026-01-01T00:00:00Z", "not_after": %q, "days_left": %d}`, subject, issuer, notAfter, days)
}

func tlsInfo(verified bool, class, errText string, chain ...string) string {
	return fmt.Sprintf(`"tls": {"version": "TLS 1.3", "cipher": "TLS_AES_128_GCM_SHA256", "server_name": "api.example", "verified": %v, "verify_error": %q, "verify_error_class": %q, "chain": [%s]}`,
		verified, errText, class, strings.Join(chain, ","))
}

func TestHTTP(t *testing.T) {
	runCases(t, analyzeHTTP, []tcase{
		{name: "ok", files: results(httpPath, hr("https://api.example/health", 200, true, ""))},
		{name: "status", files: results(httpPath, hr("https://api.example/health", 503, false, `"expect_status": 200, "error_class": "status", "error": "status 503, expected 200"`)),
			want: []string{"http.status critical https://api.example/health"}, title: "returned status 503, expected 200"},
		{name: "body regex", files: results(httpPath, hr("https://api.example/health", 200, false, `"body": {"regex": "up", "regex_match": false, "bytes_read": 10}, "error_class": "body", "error": "body check failed"`)),
			want: []string{"http.body critical https://api.example/health"}},
		{name: "json field", files: results(httpPath, hr("https://api.example/health", 200, false, `"body": {"json_field": "data.status", "json_found": true, "json_equals": "up", "json_match": false, "bytes_read": 10}, "error_class": "body", "error": "body check failed"`)),
			want: []string{"http.body critical https://api.example/health"}},
		{name: "refused", files: results(httpPath, hr("http://127.0.0.1:1/", 0, false, `"error_class": "refused", "error": "dial tcp 127.0.0.1:1: connect: connection refused"`)),
			want: []string{"http.refused critical http://127.0.0.1:1/"}, title: "Connection to 127.0.0.1:1 refused"},
		{name: "timeout", files: results(httpPath, hr("https://api.example/", 0, false, `"error_class": "timeout", "error": "context deadline exceeded"`)),
			want: []string{"http.timeout critical https://api.example/"}},
		{name: "dns", files: results(httpPath, hr("https://nope.example/", 0, false, `"error_class": "dns", "error": "lookup nope.example: no such host"`)),
			want: []string{"http.dns critical https://nope.example/"}},
		{name: "tls failures are the tls analyzer's", files: results(httpPath, hr("https://api.example/", 200, false, `"error_class": "tls", "error": "x509", `+tlsInfo(false, "expired", "x509: expired")))},
		{name: "proxy failures are the proxy analyzer's", files: results(httpPath, `{"url": "https://api.example/", "method": "GET", "status": 0, "ok": false, "proxy": "http://127.0.0.1:3128", "proxy_source": "env:HTTPS_PROXY", "error_class": "refused", "error": "proxyconnect tcp: dial tcp 127.0.0.1:3128: connect: connection refused"}`)},
	})
}

func TestTLS(t *testing.T) {
	leafOK := cert("CN=api.example", "CN=R11,O=Let's Encrypt", 60, "2027-02-01T00:00:00Z")
	runCases(t, analyzeTLS, []tcase{
		{name: "verified", files: results(httpPath, hr("https://api.example/", 200, true, tlsInfo(true, "", "", leafOK, cert("CN=R11", "CN=ISRG Root X1", 400, "2028-01-01T00:00:00Z"))))},
		{name: "plain http", files: results(httpPath, hr("http://api.example/", 200, true, ""))},
		{name: "expired", files: results(httpPath, hr("https://127.0.0.1:8443/", 200, false, `"error_class": "tls", `+tlsInfo(false, "expired", "x509: certificate has expired", cert("CN=api", "CN=Acme CA", -35, "2026-10-28T00:00:00Z")))),
			want: []string{"tls.expired critical 127.0.0.1:8443"}, title: "Certificate for 127.0.0.1:8443 expired 35 days ago"},
		{name: "expired but insecure", files: results(httpPath, hr("https://127.0.0.1:8443/", 200, true, tlsInfo(false, "expired", "x509: certificate has expired", cert("CN=api", "CN=Acme CA", -3, "2026-11-28T00:00:00Z")))),
			want: []string{"tls.expired warning 127.0.0.1:8443"}},
		{name: "not yet valid", files: results(httpPath, hr("https://api.example/", 200, false, `"error_class": "tls", `+tlsInfo(false, "not_yet_valid", "x509: not yet valid", cert("CN=api", "CN=Acme CA", 300, "2027-10-01T00:00:00Z")))),
			want: []string{"tls.not_yet_valid critical api.example:443"}},
		{name: "wrong name", files: results(httpPath, hr("https://api.example/", 200, false, `"error_class": "tls", `+tlsInfo(false, "name_mismatch", "x509: certificate is valid for other.example", cert("CN=other", "CN=Acme CA", 300, "2027-10-01T00:00:00Z")))),
			want: []string{"tls.name_mismatch critical api.example:443"}, title: "does not name api.example"},
		{name: "unknown authority", files: results(httpPath, hr("https://api.example/", 200, false, `"error_class": "tls", `+tlsInfo(false, "unknown_authority", "x509: certificate signed by unknown authority", cert("CN=api.example", "CN=Fortinet SSL Inspection", 300, "2027-10-01T00:00:00Z")))),
			want: []string{"tls.unknown_authority critical api.example:443"}, title: "signed by an unknown authority: CN=Fortinet SSL Inspection"},
		{name: "other", files: results(httpPath, hr("https://api.example/", 200, false, `"error_class": "tls", `+tlsInfo(false, "other", "x509: weird")+``)),
			want: []string{"tls.verify_failed critical api.example:443"}},
		{name: "handshake", files: results(httpPath, hr("https://api.example/", 0, false, `"error_class": "tls", "error": "tls: first record does not look like a TLS handshake"`)),
			want: []string{"tls.handshake critical api.example:443"}},
		{name: "expiring soon", files: results(httpPath, hr("https://api.example/", 200, true, tlsInfo(true, "", "", cert("CN=api.example", "CN=R11", 9, "2026-12-11T00:00:00Z")))),
			want: []string{"tls.expiring warning api.example:443"}, title: "expires in 9 days"},
		{name: "expiring tomorrow", files: results(httpPath, hr("https://api.example/", 200, true, tlsInfo(true, "", "", cert("CN=api.example", "CN=R11", 1, "2026-12-03T00:00:00Z")))),
			want: []string{"tls.expiring critical api.example:443"}},
	})
}

func TestProxy(t *testing.T) {
	pd := func(env string) map[string]string {
		return map[string]string{"system/proxy.json": `{"environment": {` + env + `}, "etc_environment": {}}`}
	}
	direct := hr("https://api.example/", 0, false, `"error_class": "timeout", "error": "context deadline exceeded"`)
	runCases(t, analyzeProxy, []tcase{
		{name: "no proxy anywhere", files: merge(pd(""), results(httpPath, direct))},
		{name: "through the proxy, fine", files: merge(pd(`"HTTPS_PROXY": "http://127.0.0.1:3128"`), results(httpPath, `{"url": "https://api.example/", "status": 200, "ok": true, "proxy": "http://127.0.0.1:3128", "proxy_source": "env:HTTPS_PROXY"}`))},
		{name: "proxy refused (CONNECT)", files: results(httpPath, `{"url": "https://api.example/", "status": 0, "ok": false, "proxy": "http://127.0.0.1:3128", "proxy_source": "env:HTTPS_PROXY", "error_class": "refused", "error": "proxyconnect tcp: dial tcp 127.0.0.1:3128: connect: connection refused"}`),
			want: []string{"proxy.unreachable critical http://127.0.0.1:3128"}},
		{name: "proxy refused (plain http)", files: results(httpPath, `{"url": "http://api.example/", "status": 0, "ok": false, "proxy": "http://127.0.0.1:3128", "proxy_source": "spec", "error_class": "refused", "error": "dial tcp 127.0.0.1:3128: connect: connection refused"}`),
			want: []string{"proxy.unreachable critical http://127.0.0.1:3128"}},
		{name: "target refused behind a working proxy", files: results(httpPath, `{"url": "http://api.example/", "status": 502, "ok": false, "proxy": "http://127.0.0.1:3128", "proxy_source": "spec", "error_class": "status", "error": "status 502"}`)},
		{name: "bypassed and failed", files: merge(pd(`"https_proxy": "http://proxy:3128"`), results(httpPath, strings.Replace(direct, `"proxy_source": "none"`, `"proxy_source": "spec"`, 1))),
			want: []string{"proxy.bypassed warning https://api.example/"}},
		{name: "bypassed and fine", files: merge(pd(`"HTTP_PROXY": "http://proxy:3128"`), results(httpPath, hr("https://api.example/", 200, true, ""))),
			want: []string{"proxy.bypassed info https://api.example/"}},
		{name: "excluded by NO_PROXY", files: merge(pd(`"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "api.example"`), results(httpPath, strings.Replace(direct, `"proxy_source": "none"`, `"proxy_source": "none (excluded by NO_PROXY or loopback)"`, 1)))},
	})
}
