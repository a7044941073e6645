package network

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/internal/buildinfo"
	"github.com/casefile/casefile/spec"
)

// HTTP defaults.
const (
	DefaultHTTPTimeout = 10 * time.Second
	maxRedirects       = 10
	maxBodyRead        = 1 << 20
)

// HTTPDoc is network/http.json.
type HTTPDoc struct {
	Results []HTTPResult `json:"results"`
}

// HTTPResult is one HTTP/API reachability check.
type HTTPResult struct {
	Name   string `json:"name,omitempty"`
	URL    string `json:"url"`
	Method string `json:"method"`
	// Status is the final response's status code (0 when no response arrived).
	Status       int  `json:"status"`
	ExpectStatus int  `json:"expect_status,omitempty"`
	OK           bool `json:"ok"`
	// Timings are the final request's phases; total spans the whole redirect chain.
	Timings   HTTPTimings `json:"timings_ms"`
	Redirects []Redirect  `json:"redirects,omitempty"`
	FinalURL  string      `json:"final_url,omitempty"`
	// Proxy is the proxy the request went through, without credentials ("" when direct);
	// ProxySource says where it came from: spec, env:HTTPS_PROXY (etc.), or none.
	Proxy       string      `json:"proxy"`
	ProxySource string      `json:"proxy_source"`
	Headers     []HeaderRef `json:"headers,omitempty"`
	TLS         *TLSInfo    `json:"tls,omitempty"`
	// ClockSkewS is the server's Date header minus this machine's clock, in seconds (Date has
	// one-second resolution); null without a Date header.
	ClockSkewS *float64   `json:"clock_skew_s"`
	Body       *BodyCheck `json:"body,omitempty"`
	// ErrorClass is timeout, dns, refused, unreachable, tls, status, body or error.
	ErrorClass string `json:"error_class,omitempty"`
	Error      string `json:"error,omitempty"`
}

// Passed implements Outcome.
func (r HTTPResult) Passed() bool { return r.OK }

// Describe implements Outcome.
func (r HTTPResult) Describe() string {
	why := r.Error
	switch {
	case why != "":
	case r.TLS != nil && !r.TLS.Verified:
		why = "certificate not verified (" + orUnknown(r.TLS.VerifyErrorClass) + ")"
	case r.ErrorClass != "":
		why = r.ErrorClass + " failure"
	default:
		why = fmt.Sprintf("check failed (status %d)", r.Status)
	}
	return "http " + r.URL + ": " + why
}

// HTTPTimings are phase durations in milliseconds.
type HTTPTimings struct {
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	TLS     float64 `json:"tls"`
	TTFB    float64 `json:"ttfb"`
	Total   float64 `json:"total"`
}

// Redirect is one hop of a redirect chain.
type Redirect struct {
	URL      string `json:"url"`
	Status   int    `json:"status"`
	Location string `json:"location"`
}

// HeaderRef records a header taken from the environment: its name and variable, never its value.
type HeaderRef struct {
	Name string `json:"name"`
	Env  string `json:"env"`
	Set  bool   `json:"set"`
}

// BodyCheck is the outcome of the body regex and JSON field checks.
type BodyCheck struct {
	Regex      string `json:"regex,omitempty"`
	RegexMatch *bool  `json:"regex_match,omitempty"`
	JSONField  string `json:"json_field,omitempty"`
	JSONFound  bool   `json:"json_found,omitempty"`
	JSONEquals string `json:"json_equals,omitempty"`
	// JSONValue is the field's value as found (at most 200 bytes), so a failed check says what
	// the server answered.
	JSONValue string `json:"json_value,omitempty"`
	JSONMatch *bool  `json:"json_match,omitempty"`
	BytesRead int    `json:"bytes_read"`
}

// TLSInfo describes the TLS session and the server's certificate chain.
type TLSInfo struct {
	Version    string `json:"version"`
	Cipher     string `json:"cipher"`
	ALPN       string `json:"alpn,omitempty"`
	ServerName string `json:"server_name,omitempty"`
	Verified   bool   `json:"verified"`
	// VerifyError is the verification failure; VerifyErrorClass names it: expired, not_yet_valid,
	// unknown_authority, name_mismatch or other. ClockHint appears when the machine's clock may be
	// the cause.
	VerifyError      string     `json:"verify_error,omitempty"`
	VerifyErrorClass string     `json:"verify_error_class,omitempty"`
	ClockHint        string     `json:"clock_hint,omitempty"`
	Chain            []CertInfo `json:"chain"`
}

// CertInfo is one certificate as the server sent it, leaf first.
type CertInfo struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	SANs      []string  `json:"sans,omitempty"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	DaysLeft  int       `json:"days_left"`
}

// ValidateHTTP reports what is wrong with an HTTP check before it runs.
func ValidateHTTP(c spec.HTTPCheck) error {
	u, err := spec.ParseURL(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("invalid URL %q (want http:// or https://)", spec.RedactURL(c.URL))
	}
	if c.ExpectStatus != 0 && (c.ExpectStatus < 100 || c.ExpectStatus > 599) {
		return fmt.Errorf("expect_status %d: want an HTTP status from 100 to 599", c.ExpectStatus)
	}
	if c.BodyRegex != "" {
		if _, err := regexp.Compile(c.BodyRegex); err != nil {
			return fmt.Errorf("body_regex: %w", err)
		}
	}
	for name, env := range c.HeadersFromEnv {
		if !IsEnvName(env) {
			// Never echo env: a value that is not a variable name may be the secret itself.
			return fmt.Errorf("headers_from_env[%q]: not an environment variable name (want [A-Za-z_][A-Za-z0-9_]*; the header's value is read from that variable)", name)
		}
	}
	if c.Proxy != "" && c.Proxy != "direct" {
		if p, err := url.Parse(c.Proxy); err != nil || p.Host == "" {
			return fmt.Errorf("invalid proxy %q", c.Proxy)
		}
	}
	return nil
}

// IsEnvName reports whether s is a portable environment variable name: [A-Za-z_][A-Za-z0-9_]*.
func IsEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

type httpRun struct {
	c   spec.HTTPCheck
	env Env
	res *HTTPResult

	mu                                      sync.Mutex
	dnsStart, connStart, tlsStart, reqStart time.Time
	timings                                 HTTPTimings
	tlsDone                                 bool   // a handshake finished without error
	host                                    string // host of the request in flight, for verification
}

// HTTP requests c.URL and checks the answer.
func HTTP(ctx context.Context, c spec.HTTPCheck, env Env) HTTPResult {
	method := strings.ToUpper(c.Method)
	if method == "" {
		method = http.MethodGet
	}
	res := HTTPResult{Name: c.Name, URL: shownURL(c.URL), Method: method, ExpectStatus: c.ExpectStatus, ProxySource: "none"}
	if err := ValidateHTTP(c); err != nil {
		res.ErrorClass, res.Error = "error", err.Error()
		return res
	}
	h := &httpRun{c: c, env: env, res: &res}
	timeout := durOr(c.Timeout, DefaultHTTPTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	tr := &http.Transport{
		Proxy:                 h.proxy,
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: true, VerifyConnection: h.verify},
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		DisableKeepAlives:     true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: h.redirect}

	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, h.trace()), method, c.URL, nil)
	if err != nil {
		res.ErrorClass, res.Error = "error", err.Error()
		return res
	}
	req.Header.Set("User-Agent", "casefile/"+buildinfo.Version)
	names := make([]string, 0, len(c.HeadersFromEnv))
	for name := range c.HeadersFromEnv {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ev := c.HeadersFromEnv[name]
		v := env.getenv(ev)
		res.Headers = append(res.Headers, HeaderRef{Name: name, Env: ev, Set: v != ""})
		if v != "" {
			req.Header.Set(name, v)
		}
	}
	h.host = req.URL.Hostname()
	h.reqStart = time.Now()
	start := h.reqStart
	resp, err := client.Do(req)
	if err != nil {
		h.finishTimings(start)
		res.ErrorClass, res.Error = h.classify(ctx, err), err.Error()
		if res.ErrorClass == "timeout" {
			res.Error = h.timeoutText(timeout, req.URL.Scheme == "https")
		}
		return res
	}
	defer resp.Body.Close()
	res.Status = resp.StatusCode
	res.FinalURL = resp.Request.URL.Redacted()
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		h.mu.Lock()
		at := h.reqStart.Add(time.Duration(h.timings.TTFB * float64(time.Millisecond)))
		h.mu.Unlock()
		skew := math.Round(d.Sub(env.localAt(at)).Seconds()*10) / 10
		res.ClockSkewS = &skew
	}
	res.OK = true
	if c.ExpectStatus != 0 && resp.StatusCode != c.ExpectStatus {
		res.OK, res.ErrorClass = false, "status"
		res.Error = fmt.Sprintf("status %d, expected %d", resp.StatusCode, c.ExpectStatus)
	} else if c.ExpectStatus == 0 && (resp.StatusCode < 200 || resp.StatusCode > 399) {
		res.OK, res.ErrorClass = false, "status"
		res.Error = fmt.Sprintf("status %d, expected 2xx or 3xx", resp.StatusCode)
	}
	if c.BodyRegex != "" || c.JSONField != "" {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyRead))
		res.Body = checkBody(c, body)
		if err != nil && res.OK {
			res.OK, res.ErrorClass, res.Error = false, h.classify(ctx, err), "reading body: "+err.Error()
		}
		if res.OK && ((res.Body.RegexMatch != nil && !*res.Body.RegexMatch) || (res.Body.JSONMatch != nil && !*res.Body.JSONMatch)) {
			res.OK, res.ErrorClass, res.Error = false, "body", bodyFailure(res.Body)
		}
	}
	h.finishTimings(start)
	if res.TLS != nil && !res.TLS.Verified && !c.Insecure && res.OK {
		res.OK, res.ErrorClass, res.Error = false, "tls", res.TLS.VerifyError
	}
	return res
}

// shownURL is raw with any password in it replaced by a marker, also when it does not parse.
func shownURL(raw string) string { return spec.RedactURL(raw) }

// bodyFailure says which body check failed and what was found instead.
func bodyFailure(b *BodyCheck) string {
	switch {
	case b.RegexMatch != nil && !*b.RegexMatch:
		return fmt.Sprintf("body does not match %q (%d bytes read)", b.Regex, b.BytesRead)
	case !b.JSONFound:
		return fmt.Sprintf("body has no JSON field %q", b.JSONField)
	default:
		return fmt.Sprintf("JSON field %s is %q, expected %q", b.JSONField, b.JSONValue, b.JSONEquals)
	}
}

// localAt maps a monotonic instant to the injectable clock.
func (e Env) localAt(t time.Time) time.Time {
	if e.Now == nil {
		return t
	}
	return e.Now().Add(-time.Since(t))
}

func (h *httpRun) finishTimings(start time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.timings.Total = ms(time.Since(start))
	h.res.Timings = h.timings
}

func (h *httpRun) trace() *httptrace.ClientTrace {
	since := func(t time.Time) float64 { return ms(time.Since(t)) }
	return &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { h.mu.Lock(); h.dnsStart = time.Now(); h.mu.Unlock() },
		DNSDone:  func(httptrace.DNSDoneInfo) { h.mu.Lock(); h.timings.DNS = since(h.dnsStart); h.mu.Unlock() },
		ConnectStart: func(string, string) {
			h.mu.Lock()
			if h.connStart.IsZero() {
				h.connStart = time.Now()
			}
			h.mu.Unlock()
		},
		ConnectDone: func(_, _ string, err error) {
			h.mu.Lock()
			if err == nil {
				h.timings.Connect = since(h.connStart)
			}
			h.mu.Unlock()
		},
		TLSHandshakeStart: func() { h.mu.Lock(); h.tlsStart = time.Now(); h.mu.Unlock() },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			h.mu.Lock()
			h.timings.TLS = since(h.tlsStart)
			h.tlsDone = err == nil
			h.mu.Unlock()
		},
		GotFirstResponseByte: func() { h.mu.Lock(); h.timings.TTFB = since(h.reqStart); h.mu.Unlock() },
	}
}

// redirect records each hop and restarts the phase timings for the next request.
func (h *httpRun) redirect(req *http.Request, via []*http.Request) error {
	prev := via[len(via)-1]
	h.mu.Lock()
	defer h.mu.Unlock()
	r := Redirect{URL: prev.URL.Redacted(), Location: req.URL.Redacted()}
	if req.Response != nil {
		r.Status = req.Response.StatusCode
	}
	h.res.Redirects = append(h.res.Redirects, r)
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	h.timings = HTTPTimings{}
	h.connStart, h.reqStart = time.Time{}, time.Now()
	h.host = req.URL.Hostname()
	return nil
}

// proxy picks the proxy for a request and records which one and why.
func (h *httpRun) proxy(req *http.Request) (*url.URL, error) {
	var u *url.URL
	var src string
	switch {
	case h.c.Proxy == "direct":
		src = "spec"
	case h.c.Proxy != "":
		p, err := url.Parse(h.c.Proxy)
		if err != nil {
			return nil, err
		}
		u, src = p, "spec"
	default:
		get := func(names ...string) (string, string) {
			for _, n := range names {
				if v := h.env.getenv(n); v != "" {
					return v, n
				}
			}
			return "", ""
		}
		hp, hpName := get("HTTP_PROXY", "http_proxy")
		hsp, hspName := get("HTTPS_PROXY", "https_proxy")
		np, _ := get("NO_PROXY", "no_proxy")
		p, err := envProxy(req.URL, hp, hsp, np)
		if err != nil {
			return nil, err
		}
		u, src = p, "none"
		switch {
		case p != nil && req.URL.Scheme == "https":
			src = "env:" + hspName
		case p != nil:
			src = "env:" + hpName
		case hp != "" || hsp != "":
			src = "none (excluded by NO_PROXY or loopback)"
		}
	}
	h.mu.Lock()
	h.res.Proxy, h.res.ProxySource = "", src
	if u != nil {
		shown := *u
		shown.User = nil
		h.res.Proxy = shown.String()
	}
	h.mu.Unlock()
	return u, nil
}

// verify records the TLS session and verifies the chain itself, so the chain is recorded even when
// verification fails.
func (h *httpRun) verify(cs tls.ConnectionState) error {
	h.mu.Lock()
	host := h.host
	h.mu.Unlock()
	if cs.ServerName != "" {
		host = cs.ServerName
	}
	now := h.env.now()
	info := &TLSInfo{
		Version:    tls.VersionName(cs.Version),
		Cipher:     tls.CipherSuiteName(cs.CipherSuite),
		ALPN:       cs.NegotiatedProtocol,
		ServerName: host,
		Chain:      []CertInfo{},
	}
	for _, c := range cs.PeerCertificates {
		ci := CertInfo{
			Subject:   c.Subject.String(),
			Issuer:    c.Issuer.String(),
			NotBefore: c.NotBefore.UTC(),
			NotAfter:  c.NotAfter.UTC(),
			DaysLeft:  int(c.NotAfter.Sub(now).Hours() / 24), // whole days, toward zero
		}
		ci.SANs = append(ci.SANs, c.DNSNames...)
		for _, ip := range c.IPAddresses {
			ci.SANs = append(ci.SANs, ip.String())
		}
		info.Chain = append(info.Chain, ci)
	}
	var err error
	if len(cs.PeerCertificates) == 0 {
		err = errors.New("server sent no certificate")
	} else {
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err = cs.PeerCertificates[0].Verify(x509.VerifyOptions{
			DNSName: host, Roots: h.env.RootCAs, Intermediates: inter, CurrentTime: now,
		})
	}
	info.Verified = err == nil
	if err != nil {
		info.VerifyError = err.Error()
		info.VerifyErrorClass, info.ClockHint = classifyVerify(err, cs.PeerCertificates, now)
	}
	h.mu.Lock()
	h.res.TLS = info
	h.mu.Unlock()
	if err != nil && !h.c.Insecure {
		return &verifyError{err: err}
	}
	return nil
}

type verifyError struct{ err error }

func (e *verifyError) Error() string { return "certificate verification failed: " + e.err.Error() }
func (e *verifyError) Unwrap() error { return e.err }

func classifyVerify(err error, chain []*x509.Certificate, now time.Time) (class, hint string) {
	var inv x509.CertificateInvalidError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	switch {
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		c := inv.Cert
		if c == nil && len(chain) > 0 {
			c = chain[0]
		}
		if c != nil && now.Before(c.NotBefore) {
			return "not_yet_valid", fmt.Sprintf("certificate is valid from %s but this machine's clock says %s: check the clock",
				c.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
		if c != nil {
			return "expired", fmt.Sprintf("certificate expired %s; this machine's clock says %s (if the certificate is known to be current, check the clock)",
				c.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
		return "expired", ""
	case errors.As(err, &ua):
		return "unknown_authority", ""
	case errors.As(err, &hn):
		return "name_mismatch", ""
	}
	return "other", ""
}

// timeoutText says in a sentence where a request stood when its time ran out, instead of Go's
// "context deadline exceeded".
func (h *httpRun) timeoutText(timeout time.Duration, tlsUsed bool) string {
	h.mu.Lock()
	t, tlsDone := h.timings, h.tlsDone
	h.mu.Unlock()
	switch {
	case t.Connect == 0 && t.DNS == 0 && net.ParseIP(h.host) == nil:
		return fmt.Sprintf("timed out after %s resolving %s (no DNS answer)", timeout, h.host)
	case t.Connect == 0:
		return fmt.Sprintf("timed out after %s connecting to %s (no answer to the connection request: filtered, or the host is down)", timeout, h.host)
	case tlsUsed && !tlsDone:
		return fmt.Sprintf("timed out after %s in the TLS handshake with %s (connected in %.1f ms, the handshake never finished)", timeout, h.host, t.Connect)
	default:
		return fmt.Sprintf("timed out after %s waiting for %s to answer (connected in %.1f ms; no response headers arrived)", timeout, h.host, t.Connect)
	}
}

func (h *httpRun) classify(ctx context.Context, err error) string {
	var ve *verifyError
	var de *net.DNSError
	var re *tls.RecordHeaderError
	switch {
	case errors.As(err, &ve):
		return "tls"
	case errors.As(err, &de):
		return "dns"
	case ctx.Err() != nil:
		return "timeout"
	case errors.As(err, &re):
		return "tls"
	}
	if c := classifyDial(err); c != "error" {
		return c
	}
	return "error"
}

// checkBody applies the regex and JSON field checks to a body.
func checkBody(c spec.HTTPCheck, body []byte) *BodyCheck {
	b := &BodyCheck{Regex: c.BodyRegex, JSONField: c.JSONField, JSONEquals: c.JSONEquals, BytesRead: len(body)}
	if c.BodyRegex != "" {
		m := regexp.MustCompile(c.BodyRegex).Match(body)
		b.RegexMatch = &m
	}
	if c.JSONField != "" {
		var v any
		ok := false
		if json.Unmarshal(body, &v) == nil {
			v, b.JSONFound = jsonPath(v, c.JSONField)
			if b.JSONFound {
				got := jsonString(v)
				ok = c.JSONEquals == "" || got == c.JSONEquals
				if len(got) > 200 {
					got = strings.ToValidUTF8(got[:200], "") + "…"
				}
				b.JSONValue = got
			}
		}
		b.JSONMatch = &ok
	}
	return b
}

// jsonPath follows a dotted path ("data.status", "items.0.id") into decoded JSON.
func jsonPath(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			var i int
			if _, err := fmt.Sscanf(k, "%d", &i); err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func jsonString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
