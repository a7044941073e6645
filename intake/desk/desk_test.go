package desk

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// New reads the secret from the named variable or file; its errors name them, never a value.
func TestNewSecrets(t *testing.T) {
	dir := t.TempDir()
	const secret = "S3cret-Value-in-file"
	good := filepath.Join(dir, "token")
	os.WriteFile(good, []byte(secret+"\n"), 0o600)
	twoLines := filepath.Join(dir, "two")
	os.WriteFile(twoLines, []byte(secret+"\nmore "+secret+"\n"), 0o600)
	base := Config{Kind: KindRT, URL: "http://127.0.0.1:1", User: "root"}
	with := func(f func(*Config)) Config { c := base; f(&c); return c }
	for _, tc := range []struct {
		cfg  Config
		env  Env
		want string
	}{
		{with(func(c *Config) { c.PasswordEnv = "RT_PW" }), envWith(), "desk: environment variable RT_PW (the desk's secret) is not set"},
		{with(func(c *Config) { c.PasswordEnv = "RT_PW" }), envWith("RT_PW", "  "), "desk: environment variable RT_PW (the desk's secret) is not set"},
		{with(func(c *Config) { c.PasswordFile = filepath.Join(dir, "nope") }), envWith(), "desk: reading the secret file " + filepath.Join(dir, "nope") + ": no such file or directory"},
		{with(func(c *Config) { c.PasswordFile = twoLines }), envWith(), "desk: the secret file " + twoLines + " must hold one line"},
		{with(func(c *Config) { c.PasswordEnv = "RT_PW" }), envWith("RT_PW", secret+"\x01x"), "desk: environment variable RT_PW (the desk's secret) holds control characters"},
		{with(func(c *Config) { c.Kind = KindZendesk; c.PasswordFile = good }), envWith(), "desk: zendesk takes an API token (token_env or token_file), not a password"},
		{with(func(c *Config) { c.Kind = "freshdesk"; c.TokenFile = good }), envWith(), `desk.kind: want rt, zendesk or jira, got "freshdesk"`},
		{with(func(c *Config) { c.URL = "http://10.0.0.1"; c.TokenFile = good }), envWith(), "desk.url: plain http only to loopback"},
		{with(func(c *Config) {}), envWith(), "desk: no secret"},
	} {
		_, err := New(tc.cfg, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %s", tc.cfg, err, tc.want)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
	c, err := New(with(func(c *Config) { c.TokenFile = good }), envWith())
	if err != nil {
		t.Fatal(err)
	}
	rt := c.(*RT)
	if rt.h.auth != "token "+secret || c.Limit() != 10<<20 {
		t.Errorf("RT with a token: auth %q, limit %d", rt.h.auth, c.Limit())
	}
}

func TestBackoff(t *testing.T) {
	q := &Queue{o: QueueOptions{Retry: Retry{Attempts: 10, Initial: time.Second, Max: 8 * time.Second}}}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 9: 8 * time.Second} {
		for i := 0; i < 200; i++ {
			d := q.backoff(n, 0)
			if d < want/2 || d > want {
				t.Fatalf("attempt %d: %s, want in [%s, %s]", n, d, want/2, want)
			}
		}
	}
	if d := q.backoff(1, 30*time.Second); d != 30*time.Second {
		t.Errorf("Retry-After 30s: %s", d)
	}
	if d := q.backoff(1, 5*time.Hour); d != time.Hour {
		t.Errorf("Retry-After 5h: %s (want bounded at 1h)", d)
	}
	if d := retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", time.Date(2015, 10, 21, 7, 27, 0, 0, time.UTC)); d != time.Minute {
		t.Errorf("HTTP-date Retry-After: %s", d)
	}
	if d := retryAfter("12abc", time.Now()); d != 0 {
		t.Errorf("bad Retry-After: %s", d)
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Op: "RT comment on ticket 1", Status: 401, Msg: "nope"}
	if e.Error() != "RT comment on ticket 1: HTTP 401: nope" {
		t.Error(e.Error())
	}
	var de *Error
	if !errors.As(error(e), &de) {
		t.Error("not an *Error")
	}
}
