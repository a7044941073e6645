// Package desk puts a filed bundle onto its support-desk ticket: a private comment with a short
// summary and the bundle attached (or, above the desk's attachment limit, a link to it on the
// intake). One connector per desk (Request Tracker, Zendesk, Jira) and a retry queue whose state
// lives beside the bundle in storage. Secrets come only from environment variables or files
// named in the config, and never appear in an error, a log line or a state file.
package desk

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kinds of desk.
const (
	KindRT      = "rt"
	KindZendesk = "zendesk"
	KindJira    = "jira"
)

// Config is the intake config's desk: section.
type Config struct {
	Kind string
	URL  string // the desk's base URL: http://127.0.0.1:8089, https://acme.zendesk.com, https://acme.atlassian.net
	User string // RT user name; Zendesk and Jira: the agent's email address

	// Where the secret is: exactly one. RT: a password (basic auth) or an auth token; Zendesk and
	// Jira: an API token.
	PasswordEnv, PasswordFile, TokenEnv, TokenFile string

	AttachmentLimit int64         // bytes; 0: the kind's default (DefaultLimit)
	Timeout         time.Duration // one attempt; 0: 5 minutes
	Retry           Retry
}

// Retry bounds the attempts of one delivery: exponential backoff from Initial, doubled per
// attempt up to Max, with jitter; after Attempts the delivery is failed.
type Retry struct {
	Attempts     int
	Initial, Max time.Duration
}

// DefaultRetry: 16 attempts from 2 s doubling to 15 min, about 2 hours in all.
var DefaultRetry = Retry{Attempts: 16, Initial: 2 * time.Second, Max: 15 * time.Minute}

// DefaultLimit is each kind's attachment limit when the config does not set one: RT's
// $MaxAttachmentSize default (10 MiB, RT_Config.pm of RT 5.0), Zendesk's documented 50 MB per
// file, and Jira Cloud's default attachment size (1 GB, configurable by the site admin).
func DefaultLimit(kind string) int64 {
	switch kind {
	case KindRT:
		return 10 << 20
	case KindZendesk:
		return 50_000_000
	case KindJira:
		return 1 << 30
	}
	return 10 << 20
}

// ValidURL checks a desk URL: http(s), a host, no user info (the secret goes elsewhere), and
// plain http only to loopback, since the request carries the desk's credentials.
func ValidURL(s string) error {
	u, err := url.Parse(s)
	if err == nil && u.User != nil {
		return errors.New("the URL holds user info: give the user in user: and the secret through password_env, password_file, token_env or token_file")
	}
	// What the error repeats: no user info, query or fragment (where a token may have been put).
	shown := s
	if i := strings.IndexAny(shown, "?#"); i >= 0 {
		shown = shown[:i] + "?… (query or fragment not shown)"
	}
	if strings.Contains(shown, "@") {
		shown = "(not shown: it holds an @)"
	}
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("want an http:// or https:// URL, got %q", shown)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("want a base URL without query or fragment, got %q", shown)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("plain http only to loopback (the requests carry the desk's credentials): use https://%s", u.Host)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Delivery is one bundle to put on one ticket.
type Delivery struct {
	Ticket   string
	FileName string // the name the attachment gets
	FileType string // its MIME type
	Size     int64
	SHA256   string
	Summary  Summary
	// Attach: the bundle goes with the comment; otherwise the comment carries Link.
	Attach bool
	Link   string // where the bundle is on the intake (empty: no public_url configured)
	Limit  int64  // the desk's attachment limit, for the comment's wording
	Open   func() (io.ReadCloser, error)
	// Progress holds steps an earlier attempt completed (an upload token, an attachment id),
	// so a retry does not repeat them; Note records one (persisted before Deliver returns).
	Progress map[string]string
	Note     func(key, value string)
}

// Connector puts deliveries on one desk.
type Connector interface {
	Kind() string
	// Limit is the largest bundle attached; larger ones are linked.
	Limit() int64
	// Deliver adds the private comment (with the bundle when d.Attach) and returns the desk's
	// reference for it. Errors are *Error.
	Deliver(ctx context.Context, d *Delivery) (ref string, err error)
}

// Error is a failed request to a desk. It never holds a secret.
type Error struct {
	Op         string // what was asked: "comment on ticket 12"
	Status     int    // HTTP status; 0 when no answer came
	Msg        string // the desk's message or the transport error, one line
	Temporary  bool   // worth retrying
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s: HTTP %d: %s", e.Op, e.Status, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Op, e.Msg)
}

// Env is where secrets are read from (the process environment and files in production).
type Env struct {
	LookupEnv func(string) (string, bool)
	ReadFile  func(string) ([]byte, error)
}

// New makes the connector for c, reading its secret through env. Errors name the variable or
// file, never the value.
func New(c Config, env Env) (Connector, error) {
	if err := ValidURL(c.URL); err != nil {
		return nil, fmt.Errorf("desk.url: %w", err)
	}
	if c.User == "" {
		return nil, errors.New("desk.user: required")
	}
	secret, isToken, err := readSecret(c, env)
	if err != nil {
		return nil, err
	}
	if c.AttachmentLimit <= 0 {
		c.AttachmentLimit = DefaultLimit(c.Kind)
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Minute
	}
	h := newHTTP(c, secret)
	switch c.Kind {
	case KindRT:
		if isToken {
			h.auth = "token " + secret
		} else {
			h.auth = basic(c.User, secret)
		}
		return &RT{h: h}, nil
	case KindZendesk:
		if !isToken {
			return nil, errors.New("desk: zendesk takes an API token (token_env or token_file), not a password")
		}
		h.auth = basic(c.User+"/token", secret)
		return &Zendesk{h: h}, nil
	case KindJira:
		if !isToken {
			return nil, errors.New("desk: jira takes an API token (token_env or token_file), not a password")
		}
		h.auth = basic(c.User, secret)
		return &Jira{h: h}, nil
	}
	return nil, fmt.Errorf("desk.kind: want rt, zendesk or jira, got %q", c.Kind)
}

func readRandom(b []byte) { rand.Read(b) }

// printable: a secret goes into an HTTP header, so one line without control characters.
func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func basic(user, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+secret))
}

func readSecret(c Config, env Env) (secret string, isToken bool, err error) {
	switch {
	case c.PasswordEnv != "" || c.TokenEnv != "":
		name := c.PasswordEnv + c.TokenEnv
		v, ok := env.LookupEnv(name)
		v = strings.TrimSpace(v)
		if !ok || v == "" {
			return "", false, fmt.Errorf("desk: environment variable %s (the desk's secret) is not set", name)
		}
		if !printable(v) {
			return "", false, fmt.Errorf("desk: environment variable %s (the desk's secret) holds control characters", name)
		}
		return v, c.TokenEnv != "", nil
	case c.PasswordFile != "" || c.TokenFile != "":
		name := c.PasswordFile + c.TokenFile
		b, err := env.ReadFile(name)
		if err != nil {
			var pe interface{ Unwrap() error }
			if errors.As(err, &pe) {
				err = pe.Unwrap() // the path is named once, below
			}
			return "", false, fmt.Errorf("desk: reading the secret file %s: %v", name, err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" || !printable(v) {
			return "", false, fmt.Errorf("desk: the secret file %s must hold one line", name)
		}
		return v, c.TokenFile != "", nil
	}
	return "", false, errors.New("desk: no secret: give one of password_env, password_file, token_env, token_file")
}

// httpDesk is what the connectors share: the base URL, the client, the Authorization header and
// the secrets to scrub from anything a desk sends back.
type httpDesk struct {
	cfg    Config
	base   string // without a trailing slash
	client *http.Client
	auth   string
	scrub  *strings.Replacer
}

func newHTTP(c Config, secret string) *httpDesk {
	tr := &http.Transport{
		Proxy:                 nil, // desks are reached directly; see docs/desk.md
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	var pairs []string
	for _, s := range secretForms(c.User, secret) {
		pairs = append(pairs, s, "[REDACTED]")
	}
	return &httpDesk{cfg: c, base: strings.TrimRight(c.URL, "/"), auth: "",
		client: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // never replay credentials to another place
		}},
		scrub: strings.NewReplacer(pairs...)}
}

// secretForms are the ways a desk, or a proxy in front of it, may echo the secret in an error
// body: as is, JSON-escaped (with and without HTML escaping, with and without escaped slashes),
// HTML-escaped (numeric and named entities), percent-encoded (query and path), and in the
// basic-auth headers made from it. Longest first, so a longer form is replaced whole.
func secretForms(user, secret string) []string {
	jsonOf := func(escapeHTML bool) string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escapeHTML)
		enc.Encode(secret)
		q := strings.TrimSpace(b.String())
		return q[1 : len(q)-1]
	}
	named := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;")
	forms := []string{
		secret, jsonOf(true), jsonOf(false), strings.ReplaceAll(jsonOf(false), "/", `\/`),
		html.EscapeString(secret), named.Replace(secret), url.QueryEscape(secret), url.PathEscape(secret),
		base64.StdEncoding.EncodeToString([]byte(user + ":" + secret)),
		base64.StdEncoding.EncodeToString([]byte(user + "/token:" + secret)),
	}
	slices.SortFunc(forms, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(forms)
}

// clean makes text from a desk or the transport fit for a reason: secrets out, one line,
// bounded.
func (h *httpDesk) clean(s string) string {
	s = h.scrub.Replace(s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		cut := 300
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// do sends req with the credentials and returns the response body (bounded) for a 2xx answer,
// an *Error otherwise. msgOf extracts the desk's message from an error body.
func (h *httpDesk) do(ctx context.Context, op string, req *http.Request, msgOf func([]byte) string) (*http.Response, []byte, error) {
	req = req.WithContext(ctx)
	req.Header.Set("Authorization", h.auth)
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	req.Header.Set("User-Agent", "casefile-intake")
	resp, err := h.client.Do(req)
	if err != nil {
		msg := err.Error()
		var ue *url.Error
		if errors.As(err, &ue) {
			msg = ue.Err.Error() // the URL is in Op's context already
		}
		return nil, nil, &Error{Op: op, Msg: h.clean(msg), Temporary: ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, body, nil
	}
	msg := ""
	if msgOf != nil {
		msg = msgOf(body)
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	e := &Error{Op: op, Status: resp.StatusCode, Msg: h.clean(msg), RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout,
		resp.StatusCode >= 500:
		e.Temporary = true
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		e.Msg = h.clean("redirected to " + resp.Header.Get("Location") + " (check desk.url)")
	}
	return resp, body, e
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
