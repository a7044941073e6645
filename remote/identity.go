// Package remote is the daemon's side of remote requests: the host's identity (an ed25519 key
// pair made at first start), enrollment with an intake server, and the loop that polls the
// intake for requests, decides each by the spec's consent policy (auto | ask | never), has the
// daemon collect, uploads the bundle with the token the intake issued for the request, reports
// the outcome, and logs every request and outcome locally. See docs/remote.md.
//
// Nothing here reads process globals: the caller injects the state folder, the spec, the HTTP
// client or proxy, the logger and the clock.
package remote

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/casefile/casefile/remote/wire"
)

// Files in the state folder.
const (
	KeyFile        = "host.key"        // the host's ed25519 private key, PEM PKCS#8, mode 0600
	EnrollmentFile = "enrollment.json" // which intake this host is enrolled with, and as whom
)

// HostID is a host's id: "h-" and 16 base32 characters derived from its public key.
type HostID = string

// LoadKey reads the host key from the state folder, making it (mode 0600) at first use.
func LoadKey(stateDir string) (ed25519.PrivateKey, error) {
	p := filepath.Join(stateDir, KeyFile)
	key, err := readKey(p)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state folder %s: %w", stateDir, err)
	}
	_, key, err = ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKey(p) // another process made it first
	}
	if err != nil {
		return nil, fmt.Errorf("making the host key: %w", err)
	}
	err = pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p)
		return nil, fmt.Errorf("making the host key %s: %w", p, err)
	}
	return key, nil
}

func readKey(p string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("host key %s: not a PEM private key", p)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", p, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("host key %s: not an ed25519 key", p)
	}
	return ek, nil
}

// ID is the host id of key.
func ID(key ed25519.PrivateKey) HostID { return wire.HostID(key.Public().(ed25519.PublicKey)) }

// Enrollment records which intake this host is enrolled with.
type Enrollment struct {
	URL        string    `json:"url"` // the intake's base URL
	HostID     HostID    `json:"host_id"`
	EnrolledAt time.Time `json:"enrolled_at"`
}

// ErrNotEnrolled: the state folder holds no enrollment (casefile daemon --enroll TOKEN).
var ErrNotEnrolled = errors.New("this host is not enrolled with an intake (casefile daemon --enroll TOKEN)")

// LoadEnrollment reads the state folder's enrollment; ErrNotEnrolled when there is none.
func LoadEnrollment(stateDir string) (*Enrollment, error) {
	p := filepath.Join(stateDir, EnrollmentFile)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotEnrolled
	}
	if err != nil {
		return nil, err
	}
	var e Enrollment
	if err := json.Unmarshal(data, &e); err != nil || e.URL == "" || !wire.ValidHostID(e.HostID) {
		return nil, fmt.Errorf("%s: not a valid enrollment (enroll again with casefile daemon --enroll TOKEN)", p)
	}
	return &e, nil
}

func saveEnrollment(stateDir string, e Enrollment) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	p := filepath.Join(stateDir, EnrollmentFile)
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// checkURL allows https anywhere and plain http only to loopback, as uploads do.
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("intake URL %q: want https://host[:port]", raw)
	}
	if u.User != nil || u.RawQuery != "" {
		return nil, fmt.Errorf("intake URL %q: no user or query, please", u.Redacted())
	}
	if u.Scheme == "http" {
		h := u.Hostname()
		ip := net.ParseIP(h)
		if h != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("intake URL %s: plain http is allowed only to loopback; use https", u.Redacted())
		}
	}
	return u, nil
}

// Enroll registers key's public half with the intake at intakeURL, authorised by an enrollment
// token (casefile intake enroll-token), and returns the host id the intake recorded. The request
// is signed with key, proving that the host holds it. hc nil: a client with a one-minute
// timeout and no proxy.
func Enroll(ctx context.Context, intakeURL, token string, key ed25519.PrivateKey) (HostID, error) {
	return enroll(ctx, nil, intakeURL, token, "", key, time.Now())
}

// EnrollOptions enrolls the host whose key is in StateDir and records the enrollment there.
type EnrollOptions struct {
	StateDir  string
	IntakeURL string
	Token     string
	Name      string       // shown to agents (e.g. the host name); may be empty
	HTTP      *http.Client // nil: a client with a one-minute timeout and no proxy
	Now       func() time.Time
}

// EnrollHost makes (or reads) the host key in o.StateDir, enrolls it and saves the enrollment.
func EnrollHost(ctx context.Context, o EnrollOptions) (*Enrollment, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	key, err := LoadKey(o.StateDir)
	if err != nil {
		return nil, err
	}
	id, err := enroll(ctx, o.HTTP, o.IntakeURL, o.Token, o.Name, key, o.Now())
	if err != nil {
		return nil, err
	}
	u, _ := checkURL(o.IntakeURL)
	e := Enrollment{URL: u.String(), HostID: id, EnrolledAt: o.Now().UTC()}
	return &e, saveEnrollment(o.StateDir, e)
}

func enroll(ctx context.Context, hc *http.Client, intakeURL, token, name string, key ed25519.PrivateKey, now time.Time) (HostID, error) {
	u, err := checkURL(intakeURL)
	if err != nil {
		return "", err
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", errors.New("no enrollment token")
	}
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	body, err := json.Marshal(wire.EnrollRequest{Token: token, Name: name,
		PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))})
	if err != nil {
		return "", err
	}
	var resp wire.EnrollResponse
	if err := call(ctx, hc, key, http.MethodPost, u, wire.EnrollPath, body, now, &resp); err != nil {
		return "", fmt.Errorf("enrolling with %s: %w", u.Redacted(), err)
	}
	if want := ID(key); resp.HostID != want {
		return "", fmt.Errorf("enrolling with %s: the intake answered host id %q, this host's key is %s", u.Redacted(), resp.HostID, want)
	}
	return resp.HostID, nil
}

// StatusError is an answer from the intake other than 200.
type StatusError struct {
	Status int
	Reason string // the intake's {"error": ...}
}

func (e *StatusError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("the intake answered %d: %s", e.Status, e.Reason)
	}
	return fmt.Sprintf("the intake answered %d", e.Status)
}

// call sends one signed request and decodes a 200 answer into out.
func call(ctx context.Context, hc *http.Client, key ed25519.PrivateKey, method string, base *url.URL, path string, body []byte, now time.Time, out any) error {
	auth, err := wire.Sign(key, method, path, body, now)
	if err != nil {
		return err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base.String()+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var eb wire.ErrorBody
		json.Unmarshal(data, &eb)
		return &StatusError{Status: resp.StatusCode, Reason: oneLine(eb.Error)}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("the intake's answer: %w", err)
		}
	}
	return nil
}

func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
