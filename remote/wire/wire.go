// Package wire is the protocol between an enrolled daemon and the intake server: the host's
// identity (an ed25519 key; the host id derives from the public key), the signature every host
// request carries, and the JSON bodies of enrollment, polling and outcome reports. Both sides
// import it, so the signed message is defined once. See docs/remote.md.
package wire

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Routes on the intake (the host id and request id are path segments).
const (
	EnrollPath = "/v1/enroll"
	HostsPath  = "/v1/hosts/" // + {host}/requests and {host}/requests/{rid}
)

// RequestsPath is where a host polls for its requests.
func RequestsPath(host string) string { return HostsPath + host + "/requests" }

// OutcomePath is where a host reports what became of one request.
func OutcomePath(host, rid string) string { return RequestsPath(host) + "/" + rid }

// AuthScheme names the Authorization scheme of a signed host request:
//
//	Authorization: Casefile-Host <host>.<unix seconds>.<nonce>.<base64url ed25519 signature>
const AuthScheme = "Casefile-Host"

// MaxSkew is how far a request's time may be from the server's clock, either way. A nonce is
// remembered for twice as long, so a captured request cannot be replayed inside the window.
const MaxSkew = 5 * time.Minute

// MaxBody bounds the body of any host request.
const MaxBody = 64 << 10

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// HostID derives a host's id from its public key: "h-" and the first 80 bits of the key's
// SHA-256, base32 in lower case (16 characters). A key cannot claim another key's id.
func HostID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "h-" + strings.ToLower(b32.EncodeToString(sum[:10]))
}

var (
	hostIDRe = regexp.MustCompile(`^h-[a-z2-7]{16}$`)
	nonceRe  = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)
	reqIDRe  = regexp.MustCompile(`^r-[a-z2-7]{16}$`)
)

// ValidHostID reports whether s has the form of a host id.
func ValidHostID(s string) bool { return hostIDRe.MatchString(s) }

// ValidRequestID reports whether s has the form of a request id.
func ValidRequestID(s string) bool { return reqIDRe.MatchString(s) }

// NewRequestID is a random request id: "r-" and 80 random bits in base32.
func NewRequestID() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "r-" + strings.ToLower(b32.EncodeToString(b)), nil
}

// message is what a host signs: the scheme and version, the method, the path, the time, the
// nonce and the body's SHA-256, one per line. Binding the method, path and body means a
// signature for one call cannot authorise another.
func message(method, path string, unix int64, nonce string, body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte("casefile-host-v1\n" + method + "\n" + path + "\n" + strconv.FormatInt(unix, 10) + "\n" +
		nonce + "\n" + hex.EncodeToString(sum[:]))
}

// Sign returns the Authorization header value for one request by the host holding key.
func Sign(key ed25519.PrivateKey, method, path string, body []byte, now time.Time) (string, error) {
	nb := make([]byte, 16)
	if _, err := rand.Read(nb); err != nil {
		return "", err
	}
	nonce := base64.RawURLEncoding.EncodeToString(nb)
	unix := now.Unix()
	sig := ed25519.Sign(key, message(method, path, unix, nonce, body))
	host := HostID(key.Public().(ed25519.PublicKey))
	return AuthScheme + " " + host + "." + strconv.FormatInt(unix, 10) + "." + nonce + "." +
		base64.RawURLEncoding.EncodeToString(sig), nil
}

// Auth is a parsed Authorization header of a host request.
type Auth struct {
	Host  string
	Time  time.Time
	Nonce string
	sig   []byte
	unix  int64
}

// ErrAuth is wrapped by every refusal of a host signature.
var ErrAuth = errors.New("host signature refused")

func authErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrAuth, fmt.Sprintf(format, args...))
}

// ParseAuth reads an Authorization header value. It checks the form only.
func ParseAuth(h string) (Auth, error) {
	rest, ok := strings.CutPrefix(h, AuthScheme+" ")
	if !ok {
		return Auth{}, authErr("no %s authorization", AuthScheme)
	}
	parts := strings.Split(strings.TrimSpace(rest), ".")
	if len(parts) != 4 {
		return Auth{}, authErr("malformed authorization")
	}
	unix, err := strconv.ParseInt(parts[1], 10, 64)
	sig, serr := base64.RawURLEncoding.DecodeString(parts[3])
	if !hostIDRe.MatchString(parts[0]) || err != nil || !nonceRe.MatchString(parts[2]) || serr != nil || len(sig) != ed25519.SignatureSize {
		return Auth{}, authErr("malformed authorization")
	}
	return Auth{Host: parts[0], Time: time.Unix(unix, 0), Nonce: parts[2], sig: sig, unix: unix}, nil
}

// Verify checks the signature against pub (which must be the host's key) and the request's
// method, path and body, and the time against now within MaxSkew. Replays inside the window
// are the caller's to refuse (by remembering Nonce).
func (a Auth) Verify(pub ed25519.PublicKey, method, path string, body []byte, now time.Time) error {
	if HostID(pub) != a.Host {
		return authErr("the key does not belong to host %s", a.Host)
	}
	if d := now.Sub(a.Time); d > MaxSkew || d < -MaxSkew {
		return authErr("request time %s is more than %s from the server's clock", a.Time.UTC().Format(time.RFC3339), MaxSkew)
	}
	if !ed25519.Verify(pub, message(method, path, a.unix, a.Nonce, body), a.sig) {
		return authErr("bad signature")
	}
	return nil
}

// EnrollRequest is the body of POST EnrollPath, signed with the key it names (proof that the
// host holds it).
type EnrollRequest struct {
	Token     string `json:"token"`      // an enrollment token (casefile intake enroll-token)
	PublicKey string `json:"public_key"` // ed25519, base64 (standard)
	Name      string `json:"name,omitempty"`
}

// EnrollResponse answers a successful enrollment.
type EnrollResponse struct {
	HostID string `json:"host_id"`
}

// Request statuses. pending: recorded by the agent, not yet seen by the host; delivered: the
// host has seen it; waiting: the host's policy is ask and nobody has approved yet; declined:
// the policy is never or a person said no; collected: the bundle is made; uploaded: it reached
// the intake; failed: collection or upload failed (reason says why).
const (
	StatusPending   = "pending"
	StatusDelivered = "delivered"
	StatusWaiting   = "waiting"
	StatusDeclined  = "declined"
	StatusCollected = "collected"
	StatusUploaded  = "uploaded"
	StatusFailed    = "failed"
)

// Final reports whether a status ends a request.
func Final(status string) bool {
	return status == StatusDeclined || status == StatusUploaded || status == StatusFailed
}

// Request is one open request as the host sees it when it polls.
type Request struct {
	ID        string    `json:"id"`
	Ticket    string    `json:"ticket"`
	Note      string    `json:"note,omitempty"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	// UploadToken is a short-lived upload token for this request's ticket, issued by the intake
	// at each poll, so the host needs no token of its own.
	UploadToken string `json:"upload_token,omitempty"`
}

// PollResponse answers GET RequestsPath.
type PollResponse struct {
	Requests []Request `json:"requests"`
	// PollAfter is the interval the server asks for, in seconds (0: the host's own).
	PollAfter int `json:"poll_after,omitempty"`
}

// Outcome is the body of POST OutcomePath.
type Outcome struct {
	Status       string `json:"status"`                  // waiting, declined, collected, uploaded or failed
	BundleSHA256 string `json:"bundle_sha256,omitempty"` // of the bundle (plaintext)
	SHA256       string `json:"sha256,omitempty"`        // of the bytes sent (ciphertext when encrypted)
	Reason       string `json:"reason,omitempty"`
}

// ErrorBody is the JSON of every refusal.
type ErrorBody struct {
	Error string `json:"error"`
}
