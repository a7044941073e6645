package redact

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/casefile/casefile/redact/redacttest"
)

// TestGeneralization generates secrets of the dev corpus's kinds (fresh random values, not the
// corpus's strings) and places each into many syntaxes and key names the corpus does not use,
// plus benign look-alikes in contexts of their own. It guards against fitting the dev corpus.
func TestGeneralization(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 1))
	const (
		up  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		lo  = "abcdefghijklmnopqrstuvwxyz"
		dg  = "0123456789"
		hx  = "0123456789abcdef"
		b64 = up + lo + dg + "+/"
		url = up + lo + dg + "-_"
	)
	rs := func(n int, set string) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = set[r.IntN(len(set))]
		}
		return string(b)
	}
	words := []string{"Maple", "Rocket", "Tiger", "Quartz", "Falcon", "Orchid", "Summer", "Blue", "Cobalt", "Lantern"}
	pw := func() string {
		return words[r.IntN(len(words))] + rs(2+r.IntN(4), dg+"!@#%*") + rs(2+r.IntN(4), up+lo)
	}
	type gen struct {
		kind    string
		secret  func() (full, core string)
		keyed   bool // needs a key or header to be recognisable
		keys    []string
		noSpace bool
	}
	tok := func(prefix string, n int, set string) func() (string, string) {
		return func() (string, string) { c := rs(n, set); return prefix + c, c }
	}
	gens := []gen{
		{kind: "aws-access-key-id", secret: func() (string, string) { s := "AKIA" + rs(16, up+dg); return s, s }},
		{kind: "aws-secret-key", secret: tok("", 40, b64), keyed: true, keys: []string{"aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "SecretAccessKey", "secretKey", "aws-secret-key"}},
		{kind: "azure-storage-key", secret: func() (string, string) {
			b := make([]byte, 64)
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
			s := base64.StdEncoding.EncodeToString(b)
			return s, s[:60]
		}},
		{kind: "basic-auth", secret: func() (string, string) {
			s := base64.StdEncoding.EncodeToString([]byte("svc" + rs(2, lo) + ":" + pw()))
			return s, strings.TrimRight(s, "=")
		}, keyed: true, keys: []string{"auth", "credentials", "basic_auth", "Authorization"}},
		{kind: "bearer-opaque", secret: tok("", 40, up+lo+dg+"~."), keyed: true, keys: []string{"access_token", "token", "auth_token", "X-Auth-Token", "Authorization", "bearer_token"}},
		{kind: "generic-api-key", secret: tok("", 32, hx), keyed: true, keys: []string{"api_key", "apiKey", "X-API-Key", "DD_API_KEY", "service_key", "app_key", "license_key"}},
		{kind: "session-cookie", secret: tok("", 32, hx), keyed: true, keys: []string{"session", "sessionid", "session_id", "JSESSIONID", "PHPSESSID", "cookie", "sid"}},
		{kind: "password", secret: func() (string, string) { s := pw(); return s, s }, keyed: true, keys: []string{"password", "passwd", "pwd", "db_password", "DB_PASS", "admin_password", "Password", "passphrase", "pass"}},
		{kind: "github-pat", secret: tok("ghp_", 36, up+lo+dg)},
		{kind: "github-fine-grained", secret: tok("github_pat_", 82, up+lo+dg+"_")},
		{kind: "gitlab-pat", secret: tok("glpat-", 20, up+lo+dg+"-_")},
		{kind: "google-api-key", secret: tok("AIza", 35, url)},
		{kind: "npm-token", secret: tok("npm_", 36, up+lo+dg)},
		{kind: "openai-key", secret: tok("sk-proj-", 48, url)},
		{kind: "sendgrid", secret: func() (string, string) { c := rs(22, url) + "." + rs(43, url); return "SG." + c, c }},
		{kind: "slack-bot-token", secret: func() (string, string) {
			c := rs(11, dg) + "-" + rs(12, dg) + "-" + rs(24, up+lo+dg)
			return "xoxb-" + c, c
		}},
		{kind: "slack-webhook", secret: func() (string, string) {
			c := rs(24, up+lo+dg)
			return "https://hooks.slack.com/services/T" + rs(8, up+dg) + "/B" + rs(10, up+dg) + "/" + c, c
		}},
		{kind: "stripe-live", secret: tok("sk_live_", 24, up+lo+dg)},
		{kind: "jwt", secret: func() (string, string) {
			c := rs(43, url)
			return "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI" + rs(20, url) + "." + c, c
		}},
	}
	// templates: K is the key name, V the secret
	keyedTemplates := []string{
		"K=V",
		"export K=V",
		"  K: V",
		`  K: "V"`,
		`  K: 'V'`,
		`{"level":"info","K":"V","n":1}`,
		`{"log":"{\"K\":\"V\",\"ok\":true}"}`,
		"ts=2026-11-01T10:00:00Z level=warn K=V msg=retry",
		"GET /api/v2/items?limit=10&K=V HTTP/2",
		"< K: V",
		"<K>V</K>",
		"K = V",
		"/opt/app/bin/server --K V --port 8443",
		"/opt/app/bin/server --K=V --port 8443",
		"{'K': 'V', 'retries': 3}",
		"&{Host:db.local K:V Port:5432}",
		`[{"name": "K", "value": "V"}]`,
		"2026-11-01 12:00:00,123 DEBUG [main] K => 'V'",
		`Environment="K=V"`,
		"K V",
		"&{K:V}",
		`{"K" : "V"}`,
		`K="V";`,
		`<entry key="K">V</entry>`,
		`<property name="K" value="V"/>`,
		"docker run -e K=V app",
		"set K=V",
		`$env:K = "V"`,
		"K\tV",
		`{"K": ["V"]}`,
		"K=V # rotated",
		"K : V",
		`K="V" other=1`,
		`k8s.secret.K=V`,
		"time=\"2026\" K=\"V\" status=ok",
	}
	bareTemplates := []string{
		"2026-11-01T10:00:00Z WARN retrying with V after 401",
		`{"msg":"using V","attempt":2}`,
		"value: 'V'",
		"curl -H 'Authorization: Bearer V' https://api.example.com",
		"V",
		"[V]",
	}
	type res struct{ n, leaked int }
	byKind := map[string]*res{}
	var examples []string
	e, _ := New(Config{})
	for _, g := range gens {
		byKind[g.kind] = &res{}
		tmpls := bareTemplates
		if g.keyed {
			tmpls = keyedTemplates
		} else {
			tmpls = append(append([]string{}, bareTemplates...), keyedTemplates...)
		}
		for _, tm := range tmpls {
			for rep := 0; rep < 3; rep++ {
				full, core := g.secret()
				k := "token"
				if len(g.keys) > 0 {
					k = g.keys[r.IntN(len(g.keys))]
				}
				if strings.HasPrefix(tm, "K V") && g.keyed {
					// keyword-space form only for password-like keys
					k = []string{"password", "credential", "token", "secret"}[r.IntN(4)]
				}
				if k == "Authorization" && g.kind == "basic-auth" {
					full = "Basic " + full
				}
				if k == "Authorization" && g.kind == "bearer-opaque" {
					full = "Bearer " + full
				}
				line := strings.ReplaceAll(strings.ReplaceAll(tm, "K", k), "V", full)
				if !strings.Contains(line, full) { // a K inside the secret was replaced
					continue
				}
				out := e.String("gen", line)
				byKind[g.kind].n++
				if redacttest.Leaked(core, out) {
					byKind[g.kind].leaked++
					if len(examples) < 30 {
						examples = append(examples, fmt.Sprintf("%s: %s\n    -> %s", g.kind, line, out))
					}
				}
			}
		}
	}
	// benign look-alikes
	benign := []struct {
		kind string
		gen  func() string
		ctx  []string
	}{
		{"git-sha", func() string { return rs(40, hx) }, []string{"commit V", "HEAD is now at V", "git_commit=V", `"revision": "V"`, "Merge: V", "hash=V", "ref V refs/heads/main"}},
		{"sha256", func() string { return rs(64, hx) }, []string{"sha256:V", "checksum=V", `"digest": "sha256:V"`, "V  /usr/bin/app", "Docker-Content-Digest: sha256:V", "etag: \"V\"", "integrity: V", "key V"}},
		{"uuid", func() string {
			return rs(8, hx) + "-" + rs(4, hx) + "-4" + rs(3, hx) + "-a" + rs(3, hx) + "-" + rs(12, hx)
		}, []string{"request_id=V", "X-Request-Id: V", `"id": "V"`, "correlation V", "token_id=V", "api_key_id: V", "key_id=V", "secret_version_id=V"}},
		{"container-id", func() string { return rs(64, hx) }, []string{"container V", "container_id=V", "docker rm V", `"Id": "V"`, "cid=V"}},
		{"trace-id", func() string { return rs(32, hx) }, []string{"trace_id=V", "traceparent: 00-V-00f067aa0ba902b7-01", "x-b3-traceid: V", `"traceId":"V"`, "span V"}},
		{"ssh-public-key", func() string { return "AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + rs(300, b64) }, []string{"ssh-rsa V ops@host", `"public_key": "ssh-rsa V"`, "authorized_keys: ssh-rsa V", "host key ssh-rsa V", "key: ssh-rsa V"}},
		{"version", func() string { return fmt.Sprintf("%d.%d.%d", r.IntN(30), r.IntN(99), r.IntN(999)) }, []string{"version V", "token_version=V", "agent/V", `"version": "V"`, "secret-store vV"}},
	}
	var bn, bd int
	for _, b := range benign {
		for _, c := range b.ctx {
			for rep := 0; rep < 3; rep++ {
				v := b.gen()
				line := strings.ReplaceAll(c, "V", v)
				out := e.String("gen", line)
				bn++
				if !strings.Contains(out, v) {
					bd++
					if len(examples) < 60 {
						examples = append(examples, fmt.Sprintf("destroyed %s: %s\n    -> %s", b.kind, line, out))
					}
				}
			}
		}
	}
	var total, leaks int
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var summary []string
	for _, k := range kinds {
		total += byKind[k].n
		leaks += byKind[k].leaked
		if byKind[k].leaked > 0 {
			summary = append(summary, fmt.Sprintf("%s:%d/%d", k, byKind[k].leaked, byKind[k].n))
		}
	}
	recall := 1 - float64(leaks)/float64(total)
	kept := 1 - float64(bd)/float64(bn)
	t.Logf("generated: recall=%.4f (%d/%d leaked) benign_kept=%.4f (%d/%d destroyed) %v", recall, leaks, total, kept, bd, bn, summary)
	for _, ex := range examples {
		t.Log(ex)
	}
	if recall < 0.99 || kept < 0.98 {
		t.Fatalf("generalization below bar: recall %.4f (want >= 0.99), benign_kept %.4f (want >= 0.98)", recall, kept)
	}
}
