package upload

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Claims are what an upload token says about itself: its id, the ticket it uploads to, when it
// expires and how many bytes it allows. The client reads them to refuse an upload locally before
// it sends a byte; it cannot check the signature (only the intake holds the key), so the server
// decides in the end.
type Claims struct {
	ID     string `json:"id"`
	Ticket string `json:"ticket"`
	Exp    int64  `json:"exp"` // unix seconds
	Max    int64  `json:"max"` // bytes; 0: no limit named
}

// Expires is the token's expiry time.
func (c Claims) Expires() time.Time { return time.Unix(c.Exp, 0) }

// ErrBadToken says a token is not of the form cf1.<payload>.<mac>.
var ErrBadToken = errors.New("not a casefile upload token (expected cf1.<payload>.<signature>, as printed by 'casefile intake token')")

// ParseToken reads a token's payload without verifying its MAC.
func ParseToken(tok string) (Claims, error) {
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 || parts[0] != "cf1" || parts[1] == "" || parts[2] == "" {
		return Claims{}, ErrBadToken
	}
	raw, err := decodeB64URL(parts[1])
	if err != nil {
		return Claims{}, ErrBadToken
	}
	if _, err := decodeB64URL(parts[2]); err != nil {
		return Claims{}, ErrBadToken
	}
	var c Claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return Claims{}, fmt.Errorf("%w: payload: %v", ErrBadToken, err)
	}
	if c.Ticket == "" {
		return Claims{}, fmt.Errorf("%w: the token names no ticket", ErrBadToken)
	}
	return c, nil
}

func decodeB64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
