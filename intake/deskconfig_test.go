package intake

import (
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/intake/desk"
)

func TestDeskConfig(t *testing.T) {
	c, err := ParseConfig("intake.yaml", []byte(`public_url: https://intake.example.com/
desk:
  kind: zendesk
  url: https://acme.zendesk.com
  user: agent@acme.example
  token_file: /etc/casefile/zendesk.token
  attachment_limit: 20MB
  timeout: 2m
  retry: {attempts: 5, initial: 1s, max: 1m}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := desk.Config{Kind: "zendesk", URL: "https://acme.zendesk.com", User: "agent@acme.example", TokenFile: "/etc/casefile/zendesk.token",
		AttachmentLimit: 20_000_000, Timeout: 2 * time.Minute, Retry: desk.Retry{Attempts: 5, Initial: time.Second, Max: time.Minute}}
	if c.Desk == nil || *c.Desk != want || c.PublicURL != "https://intake.example.com" {
		t.Errorf("got %+v %q", c.Desk, c.PublicURL)
	}
	c, err = ParseConfig("intake.yaml", []byte("desk: {kind: rt, url: 'http://127.0.0.1:8089', user: root, password_env: RT_PASSWORD}\n"))
	if err != nil || c.Desk.Retry != desk.DefaultRetry || c.Desk.PasswordEnv != "RT_PASSWORD" {
		t.Errorf("defaults: %v %+v", err, c.Desk)
	}
	if c, _ := ParseConfig("intake.yaml", []byte("listen: 127.0.0.1:1\n")); c.Desk != nil {
		t.Error("a config without desk: has a desk")
	}
}

// Every desk: mistake names the file, line and key; none prints a secret, even one a user put
// where a name belongs.
func TestDeskConfigErrors(t *testing.T) {
	const secret = "hunter2-Secret-Value"
	for _, tc := range []struct{ yaml, want string }{
		{"desk:\n  kind: freshdesk\n", `intake.yaml:2: desk.kind: want rt, zendesk or jira, got "freshdesk"`},
		{"desk:\n  kind: rt\n  url: http://127.0.0.1:1\n  user: root\n", "intake.yaml:2: desk: no secret: give one of password_env, password_file, token_env, token_file"},
		{"desk:\n  kind: rt\n", "intake.yaml:2: desk: missing url, user"},
		{"desk:\n  kind: rt\n  url: http://127.0.0.1:1\n  user: root\n  password_env: A\n  token_env: B\n", "intake.yaml:2: desk: give one secret, got desk.password_env and desk.token_env"},
		{"desk:\n  kind: jira\n  url: https://x.atlassian.net\n  user: a@b\n  password_env: A\n", "intake.yaml:2: desk: jira takes an API token: token_env or token_file, not desk.password_env"},
		{"desk:\n  kind: rt\n  url: http://rt.example.com\n", "intake.yaml:3: desk.url: plain http only to loopback (the requests carry the desk's credentials): use https://rt.example.com"},
		{"desk:\n  kind: rt\n  url: https://root:" + secret + "@rt.example.com\n", "intake.yaml:3: desk.url: the URL holds user info"},
		{"desk:\n  kind: rt\n  url: \"://" + secret + "@x\"\n", `intake.yaml:3: desk.url: want an http:// or https:// URL, got "(not shown: it holds an @)"`},
		{"desk:\n  kind: rt\n  password_env: \"" + secret + "!\"\n", "intake.yaml:3: desk.password_env: want the name of an environment variable (letters, digits, _)"},
		{"desk:\n  password: " + secret + "\n", "intake.yaml:2: desk.password: unknown key"},
		{"desk:\n  attachment_limit: lots\n", `intake.yaml:2: desk.attachment_limit: want a size such as 50MB, got "lots"`},
		{"desk:\n  timeout: soon\n", `intake.yaml:2: desk.timeout: want a duration such as 30s or 5m, got "soon"`},
		{"desk:\n  retry: {attempts: 0}\n", `intake.yaml:2: desk.retry.attempts: want a positive whole number, got "0"`},
		{"desk:\n  retry: {initial: 1m, max: 1s}\n", "intake.yaml:2: desk.retry: max (1s) is shorter than initial (1m0s)"},
		{"desk:\n  kind: rt\n  kind: rt\n", "intake.yaml:3: desk.kind: given twice"},
		{"desk: rt\n", "intake.yaml:1: desk: want a mapping"},
		{"public_url: intake.example.com\n", `intake.yaml:1: public_url: want an http:// or https:// URL without user info or query, got "intake.example.com"`},
	} {
		_, err := ParseConfig("intake.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.yaml, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%q: the error shows the secret: %v", tc.yaml, err)
		}
	}
}
