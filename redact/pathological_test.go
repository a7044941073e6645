package redact

import (
	"strings"
	"testing"
	"time"
)

// TestPathological: inputs built to make a naive scanner quadratic (one window of repeated
// openers without closers) stay fast.
func TestPathological(t *testing.T) {
	e, _ := New(Config{})
	limit := time.Second
	if raceOn {
		limit = 60 * time.Second // the race detector slows the scanner ~100x; this still catches quadratic blowups
	}
	units := []string{"a://", "a://b:c/d@", "u:p@h ", "key='x ", "token 'aaaa ", "a/", `password="x `,
		`\"password\":\"x `, "<password>x ", "a=b,", "-----BEGIN PRIVATE KEY----- ", "Bearer ",
		"Cookie: a=b; ", "x@y.z ", "::1 ", "ghp_ ", "/home/", `\\\"`, "AKIA", "eyJ.", "s:", "--password ", "-p",
		"secrets: {a: x ", `"tokens": [ "x`, `{"auth": {"a": "`, "secrets: {a: x,", "password=a',", "password=a\"b", "auth: [{x ", `secrets: {"a" `}
	for _, unit := range units {
		in := strings.Repeat(unit, maxWindow/len(unit))
		st := time.Now()
		e.String("x", in)
		if d := time.Since(st); d > limit {
			t.Errorf("%q x %d took %v", unit, maxWindow/len(unit), d)
		}
	}
}
