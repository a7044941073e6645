package wire

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"status":"uploaded"}`)
	h, err := Sign(key, "POST", "/v1/hosts/x/requests/r", body, now)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseAuth(h)
	if err != nil {
		t.Fatal(err)
	}
	if a.Host != HostID(pub) || !ValidHostID(a.Host) || len(a.Host) != 18 {
		t.Fatalf("host %q", a.Host)
	}
	if err := a.Verify(pub, "POST", "/v1/hosts/x/requests/r", body, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"other body":   a.Verify(pub, "POST", "/v1/hosts/x/requests/r", []byte(`{"status":"failed"}`), now),
		"other path":   a.Verify(pub, "POST", "/v1/hosts/x/requests/s", body, now),
		"other method": a.Verify(pub, "GET", "/v1/hosts/x/requests/r", body, now),
		"other key":    a.Verify(other, "POST", "/v1/hosts/x/requests/r", body, now),
		"too late":     a.Verify(pub, "POST", "/v1/hosts/x/requests/r", body, now.Add(MaxSkew+time.Second)),
		"too early":    a.Verify(pub, "POST", "/v1/hosts/x/requests/r", body, now.Add(-MaxSkew-time.Second)),
	} {
		if !errors.Is(err, ErrAuth) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, bad := range []string{"", "Bearer x", AuthScheme + " a.b.c", AuthScheme + " " + strings.Replace(h[len(AuthScheme)+1:], ".", ".x", 1)} {
		if _, err := ParseAuth(bad); !errors.Is(err, ErrAuth) {
			t.Errorf("ParseAuth(%q): %v", bad, err)
		}
	}
	id, err := NewRequestID()
	if err != nil || !ValidRequestID(id) {
		t.Fatalf("request id %q %v", id, err)
	}
}
