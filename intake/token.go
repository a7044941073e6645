// Package intake is the server side of bundle upload: it receives tus uploads authorised by
// signed tokens, verifies what arrives, files it under its ticket and keeps a SQLite index that
// is a cache of storage.
package intake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Claims is what an upload token carries.
type Claims struct {
	ID     string `json:"id"`
	Ticket string `json:"ticket"`
	Exp    int64  `json:"exp"` // unix seconds
	Max    int64  `json:"max"` // bytes
}

// Token kinds, told apart by their prefix, which the MAC covers: a token of one kind can never be
// read as the other.
const (
	tokenPrefix    = "cf1."  // upload tokens: write one ticket, read nothing
	engineerPrefix = "cfe1." // engineer tokens: read bundles in the web view, upload nothing
)

// Token refusals. Each maps to HTTP 401.
var (
	ErrTokenMissing   = errors.New("no upload token (Authorization: Bearer ...)")
	ErrTokenMalformed = errors.New("malformed upload token")
	ErrTokenSignature = errors.New("upload token signature does not match this server's key")
	ErrTokenExpired   = errors.New("upload token expired")
	ErrTokenRevoked   = errors.New("upload token revoked")
	// ErrTokenKind: an engineer token where an upload token is wanted, or the other way round.
	ErrTokenKind = errors.New("wrong kind of token: engineer tokens read bundles and cannot upload; upload tokens upload and cannot read")
)

var tokenIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// Sign makes a token for c with key.
func Sign(key []byte, c Claims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return signPayload(key, tokenPrefix, payload), nil
}

func signPayload(key []byte, prefix string, payload []byte) string {
	p := base64.RawURLEncoding.EncodeToString(payload)
	return prefix + p + "." + base64.RawURLEncoding.EncodeToString(mac(key, prefix, p))
}

func mac(key []byte, prefix, payloadPart string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(prefix + payloadPart))
	return m.Sum(nil)
}

// NewClaims is a fresh token's claims with a random id.
func NewClaims(ticket string, now time.Time, ttl time.Duration, max int64) (Claims, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return Claims{}, err
	}
	return Claims{ID: base64.RawURLEncoding.EncodeToString(b), Ticket: ticket, Exp: now.Add(ttl).Unix(), Max: max}, nil
}

// Parse checks a token's form and signature (constant time) and returns its claims. It does not
// check expiry or revocation: see Verify.
func Parse(key []byte, tok string) (Claims, error) {
	var c Claims
	if strings.HasPrefix(tok, engineerPrefix) {
		return c, ErrTokenKind
	}
	payload, err := verifyMAC(key, tokenPrefix, tok)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(payload, &c); err != nil || !tokenIDRe.MatchString(c.ID) || c.Ticket == "" {
		return Claims{}, ErrTokenMalformed
	}
	return c, nil
}

// verifyMAC checks a token of the kind prefix names (constant time) and returns its payload.
func verifyMAC(key []byte, prefix, tok string) ([]byte, error) {
	if tok == "" {
		return nil, ErrTokenMissing
	}
	rest, ok := strings.CutPrefix(tok, prefix)
	if !ok {
		return nil, ErrTokenMalformed
	}
	p, sig, ok := strings.Cut(rest, ".")
	if !ok || p == "" || sig == "" {
		return nil, ErrTokenMalformed
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return nil, ErrTokenMalformed
	}
	if !hmac.Equal(got, mac(key, prefix, p)) {
		return nil, ErrTokenSignature
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return nil, ErrTokenMalformed
	}
	return payload, nil
}

// Verify is Parse plus expiry (against now) and revocation (rev nil: not checked).
func Verify(key []byte, rev *Revocations, tok string, now time.Time) (Claims, error) {
	c, err := Parse(key, tok)
	if err != nil {
		return c, err
	}
	if now.Unix() >= c.Exp {
		return c, ErrTokenExpired
	}
	if rev != nil && rev.Revoked(c.ID) {
		return c, ErrTokenRevoked
	}
	return c, nil
}

// EngineerClaims is what an engineer token carries: who it is for, not a ticket. It reads every
// ticket's bundles in the web view and cannot upload.
type EngineerClaims struct {
	ID       string `json:"id"`
	Engineer string `json:"eng"`
	Exp      int64  `json:"exp"` // unix seconds
}

// Engineer token refusals, worded for the web view.
var (
	ErrEngineerMissing   = errors.New("no engineer token")
	ErrEngineerMalformed = errors.New("malformed engineer token")
	ErrEngineerSignature = errors.New("engineer token signature does not match this server's key")
	ErrEngineerExpired   = errors.New("engineer token expired")
	ErrEngineerRevoked   = errors.New("engineer token revoked")
)

var engineerRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$`)

// ValidEngineer reports whether name can name an engineer (letters, digits, . _ @ + -).
func ValidEngineer(name string) bool { return engineerRe.MatchString(name) }

// NewEngineerClaims is a fresh engineer token's claims with a random id.
func NewEngineerClaims(name string, now time.Time, ttl time.Duration) (EngineerClaims, error) {
	c, err := NewClaims("-", now, ttl, 0)
	if err != nil {
		return EngineerClaims{}, err
	}
	return EngineerClaims{ID: c.ID, Engineer: name, Exp: c.Exp}, nil
}

// SignEngineer makes an engineer token for c with key.
func SignEngineer(key []byte, c EngineerClaims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return signPayload(key, engineerPrefix, payload), nil
}

// ParseEngineer checks an engineer token's form and signature; an upload token is ErrTokenKind.
// It does not check expiry or revocation: see VerifyEngineer.
func ParseEngineer(key []byte, tok string) (EngineerClaims, error) {
	var c EngineerClaims
	if strings.HasPrefix(tok, tokenPrefix) {
		return c, ErrTokenKind
	}
	payload, err := verifyMAC(key, engineerPrefix, tok)
	switch {
	case errors.Is(err, ErrTokenMissing):
		return c, ErrEngineerMissing
	case errors.Is(err, ErrTokenSignature):
		return c, ErrEngineerSignature
	case err != nil:
		return c, ErrEngineerMalformed
	}
	if err := json.Unmarshal(payload, &c); err != nil || !tokenIDRe.MatchString(c.ID) || !ValidEngineer(c.Engineer) {
		return EngineerClaims{}, ErrEngineerMalformed
	}
	return c, nil
}

// VerifyEngineer is ParseEngineer plus expiry (against now) and revocation (rev nil: not
// checked). Engineer tokens are revoked like upload tokens, by id.
func VerifyEngineer(key []byte, rev *Revocations, tok string, now time.Time) (EngineerClaims, error) {
	c, err := ParseEngineer(key, tok)
	if err != nil {
		return c, err
	}
	if now.Unix() >= c.Exp {
		return c, ErrEngineerExpired
	}
	if rev != nil && rev.Revoked(c.ID) {
		return c, ErrEngineerRevoked
	}
	return c, nil
}

// LoadKey reads the signing key from keyFile, or, when keyFile is empty, from the data folder,
// creating it (mode 0600) at first use.
func LoadKey(dataDir, keyFile string) ([]byte, error) {
	if keyFile != "" {
		return readKey(keyFile)
	}
	p := filepath.Join(dataDir, "intake.key")
	k, err := readKey(p)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	k = make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKey(p) // another process made it first
	}
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString(hex.EncodeToString(k) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p)
		return nil, err
	}
	return k, nil
}

func readKey(p string) ([]byte, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("reading signing key: %w", err)
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(k) < 32 {
		return nil, fmt.Errorf("signing key %s: want at least 32 bytes as hex", p)
	}
	return k, nil
}
