package upload

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Error is a refusal or failure the client can explain: a status from the server, or a check
// done locally before sending. Kind is one of the Kind* constants.
type Error struct {
	Kind   string
	Status int    // HTTP status when the server answered; 0 for a local refusal
	Reason string // the server's {"error": "..."} text, when it gave one
	Msg    string
}

// Kinds of Error.
const (
	KindUnauthorized = "unauthorized" // 401: missing, expired, revoked or bad token
	KindForbidden    = "forbidden"    // 403: the token does not allow this (wrong ticket, ...)
	KindTooLarge     = "too_large"    // 413, or larger than the token's limit
	KindRateLimited  = "rate_limited" // 429
	KindWrongTicket  = "wrong_ticket" // refused locally: the bundle names another ticket
	KindExpired      = "expired"      // refused locally: the token has expired
	KindInsecure     = "insecure"     // refused locally: plain http to a non-loopback host
	KindServer       = "server"       // any other unexpected answer
	KindUnreachable  = "unreachable"  // retries ran out on network errors or 5xx
)

func (e *Error) Error() string {
	msg := e.Msg
	if e.Reason != "" && !strings.Contains(msg, e.Reason) {
		msg += " (server: " + e.Reason + ")"
	}
	return msg
}

// statusError turns an unexpected answer into an Error with a message a customer can act on.
func statusError(resp *http.Response, what string) *Error {
	var body struct {
		Error string `json:"error"`
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if json.Unmarshal(data, &body) != nil || body.Error == "" {
		body.Error = ""
	}
	reason := oneLine(body.Error)
	e := &Error{Status: resp.StatusCode, Reason: reason}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		e.Kind = KindUnauthorized
		e.Msg = "the intake refused the upload token (401): it has expired, was revoked or is not valid; ask your support contact for a new one"
	case http.StatusForbidden:
		e.Kind = KindForbidden
		e.Msg = "the intake refused this upload (403): the token does not allow it (another ticket?)"
	case http.StatusRequestEntityTooLarge:
		e.Kind = KindTooLarge
		e.Msg = "the intake refused the upload as too large (413): the bundle is bigger than the token allows"
	case http.StatusTooManyRequests:
		e.Kind = KindRateLimited
		e.Msg = "the intake is rate limiting this token (429); wait a few minutes and run the same command again to resume"
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			e.Msg = fmt.Sprintf("the intake is rate limiting this token (429); retry after %s seconds: run the same command again to resume", oneLine(ra))
		}
	default:
		e.Kind = KindServer
		e.Msg = fmt.Sprintf("%s: unexpected answer from the server: %s", what, resp.Status)
	}
	return e
}

// oneLine keeps a server's text short and printable.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strings.TrimSpace(s)
}

// retryable tells whether a status is worth trying again after a pause.
func retryable(status int) bool {
	return status >= 500 || status == http.StatusRequestTimeout || status == http.StatusConflict
}

// checkURL accepts https:// always and http:// only to a loopback host.
func checkURL(raw, what string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: not a URL: %v", what, err)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return nil, &Error{Kind: KindInsecure, Msg: fmt.Sprintf("%s: refusing plain http:// to %s: only loopback addresses may be reached without TLS; use https://", what, u.Host)}
		}
	default:
		return nil, fmt.Errorf("%s: %q is not an http(s) URL", what, u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%s: the URL names no host", what)
	}
	return u, nil
}

// IsLoopback reports whether host (a name or an address, without port) is this machine's
// loopback: localhost or an address in 127.0.0.0/8 or ::1. No name is resolved.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newClient makes the HTTP client: TLS always verified (the system's roots, plus caFile's
// certificates when given), the caller's proxy function, and redirects held to the same rule as
// the first URL.
func newClient(o *Options) (*http.Client, error) {
	if o.HTTPClient != nil {
		return o.HTTPClient, nil
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s: no PEM certificate in it", o.CAFile)
		}
		tlsCfg.RootCAs = pool
	}
	tr := &http.Transport{
		Proxy:                 o.Proxy,
		TLSClientConfig:       tlsCfg,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			_, err := checkURL(req.URL.String(), "redirect")
			return err
		},
	}, nil
}

// backoff is bounded exponential backoff with full jitter.
type backoff struct {
	base, max time.Duration
	sleep     func(context.Context, time.Duration) error
	rnd       *rand.Rand
}

func (b *backoff) wait(ctx context.Context, attempt int) error {
	d := b.base << min(attempt, 20)
	if d <= 0 || d > b.max {
		d = b.max
	}
	d = time.Duration(b.rnd.Int64N(int64(d)/2+1)) + d/2 // half fixed, half random
	return b.sleep(ctx, d)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
