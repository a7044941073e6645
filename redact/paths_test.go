package redact

import (
	"strings"
	"testing"
)

func TestPath(t *testing.T) {
	e, _ := New(Config{})
	cases := map[string]string{
		"files/x/etc/app.conf": "files/x/etc/app.conf",
		"files/x/tokens/ghp_16C7e42F292c6912E7710c838347Ae178B4a.txt":       "files/x/tokens/REDACTED-github-token.txt",
		"files/x/pw/password=FNPWSECRET.txt":                                "files/x/pw/password_REDACTED-sensitive-key.txt",
		"logs/app/var/log/app/4f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e2b4d6f8a.log": "logs/app/var/log/app/4f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e2b4d6f8a.log",
	}
	for in, want := range cases {
		got := e.Path(in)
		if got != want {
			t.Errorf("Path(%q) = %q, want %q", in, got, want)
		}
		if strings.ContainsAny(got, "[]:\\") {
			t.Errorf("Path(%q) = %q: not safe on every file system", in, got)
		}
		if e.Path(got) != got {
			t.Errorf("Path not idempotent on %q", got)
		}
	}
}
