package redact

import (
	"encoding/json"
	"strings"
	"testing"
)

// A sensitive word anywhere in a key counts, not only its last segment (issue 8).
func TestSensitiveWordAnywhere(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in, secret string // secret "" means: the input stays as it is
	}{
		// redacted
		{"MY_SECRET_THING=abcdef12345", "abcdef12345"},
		{"SSHPASS=Zq8!pLm2vX", "Zq8!pLm2vX"},
		{"export SSHPASS='Zq8!pLm2vX'", "Zq8!pLm2vX"},
		{"KUBECONFIG_DATA=YXBpVmVyc2lvbjogdjEKa2luZDogQ29uZmlnCmNsdXN0ZXJzOgotIGNsdXN0ZXI6CiAgICBzZXJ2ZXI6IGh0dHBzOi8vMTI3LjAuMC4xOjY0NDMK", "YXBpVmVyc2lvbjogdjEK"},
		{"KUBECONFIG=YXBpVmVyc2lvbjogdjEKa2luZDogQ29uZmlnCmNsdXN0ZXJzOgotIGNsdXN0ZXI6CiAgICBzZXJ2ZXI6IGh0dHBzOi8vMTI3LjAuMC4xOjY0NDMK", "YXBpVmVyc2lvbjogdjEK"},
		{"DB_PASSWORD_PLAIN=hunter2x", "hunter2x"},
		{"app.token.primary=Qm8Rt3Vx9Lp2", "Qm8Rt3Vx9Lp2"},
		{"api-key-value=Zq8Wv3Rt6Yu1", "Zq8Wv3Rt6Yu1"},
		{`{"mySecretThing": "abcdef12345"}`, "abcdef12345"},
		{`{"privateKeyPem": "Zq8Wv3Rt6Yu1Xk9Lm2"}`, "Zq8Wv3Rt6Yu1Xk9Lm2"},
		{"  client_secret_new: Xk9Lm2Np4Qr7", "Xk9Lm2Np4Qr7"},
		{"PASSWORT_ALT=geheim123!", "geheim123!"},
		// kept: counts, durations, sizes, paths, file names, flags, URLs, plain words
		{"SECRET_COUNT=3", ""},
		{"TOKEN_TTL=3600", ""},
		{"TOKEN_EXPIRATION=86400", ""},
		{"PASSWORD_MIN_LENGTH=12", ""},
		{"PASSWORD_HISTORY=24", ""},
		{"password_file=/etc/x", ""},
		{"SECRET_PATH=secret/data/app", ""},
		{"TOKEN_CACHE_DIR=/var/cache/app", ""},
		{"KUBECONFIG=/home/alice/.kube/config", ""},
		{"KUBECONFIG=~/.kube/config", ""},
		{"KUBECONFIG=kubeconfig.yaml", ""},
		{"SSHPASS_ENABLED=true", ""},
		{"TOKEN_TYPE=Bearer", ""},
		{"TOKEN_ENDPOINT=https://auth.example.com/oauth/token", ""},
		{"TOKEN_REFRESH_ENABLED=false", ""},
		{"SECRET_NAME=db-credentials", ""},
		{"SECRET_BACKEND_ADDR=https://vault.example.com:8200", ""},
		{"PASSWORD_ENCODER=bcrypt", ""},
		{"PASSWORD_HASH_ALGORITHM=argon2id", ""},
		{"PASSWORD_POLICY=strict", ""},
		{"TOKEN_VALIDATION=strict", ""},
		{"secret_rotation_days=30", ""},
		{`{"tokenCount": 1234, "tokensUsed": 98765}`, ""},
		{`{"secret_data": {"ttl": 3600}}`, ""},
		{`{"passwordResetUrl": "https://example.com/reset"}`, ""},
		{`{"inputTokenName": "nextToken"}`, ""},
		{"level=info msg=refresh token_refresh_error: ECONNREFUSED", ""},
		{"token_state=ACTIVE", ""},
		{"sshpass -p Zq8Wv3Rt6Yu1 ssh host", "Zq8Wv3Rt6Yu1"}, // the flag rule, as before
	}
	for _, c := range cases {
		out := e.String("t", c.in)
		if c.secret == "" {
			if out != c.in {
				t.Errorf("benign input changed:\n in: %s\nout: %s", c.in, out)
			}
			continue
		}
		if strings.Contains(out, c.secret) || !strings.Contains(out, "[REDACTED:") {
			t.Errorf("secret %q survived:\n in: %s\nout: %s", c.secret, c.in, out)
		}
		if again := e.String("t", out); again != out {
			t.Errorf("not idempotent:\n once: %s\ntwice: %s", out, again)
		}
		if json.Valid([]byte(c.in)) && !json.Valid([]byte(out)) {
			t.Errorf("JSON broken: %s", out)
		}
	}
}

// The classifiers are predicates over one table; this pins what they say for typical keys in
// every spelling the splitter knows.
func TestKeyClassifiers(t *testing.T) {
	type want struct {
		cls                                  int
		password, chosen, numeric, url, amb  bool
		plural, anywhere, secretNamed, named bool
	}
	cases := []struct {
		keys []string
		want want
	}{
		{[]string{"password", "DB_PASSWORD", "dbPassword", "db-password", "db.password", "dbpassword"}, want{cls: keyStrong, password: true, chosen: true, numeric: true}},
		{[]string{"passwort", "DB_PASSWORT", "dbPasswort"}, want{cls: keyStrong, password: true, chosen: true, numeric: true}},
		{[]string{"api_key", "apiKey", "API-KEY", "api.key"}, want{cls: keyStrong, numeric: true}},
		{[]string{"access_token", "accessToken", "ACCESS_TOKEN"}, want{cls: keyStrong, password: true, numeric: true}},
		{[]string{"key", "cache_key"}, want{cls: keyWeak}},
		{[]string{"salt", "nonce"}, want{cls: keyWeak}},
		{[]string{"Authorization", "proxy-authorization"}, want{cls: keyAuth}},
		{[]string{"Cookie", "set_cookie"}, want{cls: keyCookie}},
		{[]string{"session_id", "sessionId"}, want{cls: keyStrong}},
		{[]string{"user_id", "public"}, want{cls: keyNone}},
		{[]string{"public_key"}, want{cls: keyNone}}, // public material (issue 9),
		{[]string{"public_token"}, want{cls: keyNone, password: true, numeric: true}},
		{[]string{"password_value"}, want{cls: keyStrong, anywhere: true}},
		{[]string{"secret_data"}, want{cls: keyStrong, anywhere: true, secretNamed: true}},
		{[]string{"pin", "user_pin"}, want{cls: keyNone, chosen: true, numeric: true}},
		{[]string{"session", "auth"}, want{cls: keyStrong, amb: true}},
		{[]string{"dsn", "database_url"}, want{cls: keyStrong, url: true}},
		{[]string{"passwords", "api_tokens"}, want{cls: keyStrong, plural: true}},
		{[]string{"MY_SECRET_THING", "mySecretThing"}, want{cls: keyNone, anywhere: true, secretNamed: true}},
		{[]string{"KUBECONFIG_DATA", "SSHPASS", "api_key_value"}, want{cls: keyNone, anywhere: true}},
		{[]string{"SECRET_COUNT"}, want{cls: keyNone, secretNamed: true}},
		{[]string{"TOKEN_TTL", "PASSWORD_MIN_LENGTH", "password_file", "TOKEN_ENDPOINT"}, want{cls: keyNone}},
		{[]string{"secret_key_base", "SECRET_KEY_BASE"}, want{cls: keyNone, anywhere: true, secretNamed: true, named: true}},
	}
	for _, c := range cases {
		for _, k := range c.keys {
			if c.want.url && k == "database_url" {
				// "url" alone is no sensitive key; database_url is a URL key that classifyKey
				// leaves alone (its credentials are found in the URL)
				if !urlKey([]byte(k)) {
					t.Errorf("%s: urlKey false", k)
				}
				continue
			}
			w := []byte(k)
			got := want{
				cls:         classifyKey(w, nil),
				password:    passwordKey(w),
				chosen:      secretWordKey(w),
				numeric:     numericSecretKey(w),
				url:         urlKey(w),
				amb:         ambiguousKey(w),
				plural:      pluralSecret(w),
				anywhere:    anywhereKey(w),
				secretNamed: secretNamedKey(w),
				named:       secretKeyNamed(w),
			}
			if k == "passwords" || k == "api_tokens" {
				got.password, got.chosen, got.numeric = false, false, false // not asked of plurals
			}
			if got != c.want {
				t.Errorf("%s: got %+v, want %+v", k, got, c.want)
			}
		}
	}
}

// The splitter cuts camelCase, snake_case, kebab-case and dotted keys the same way.
func TestKeySplit(t *testing.T) {
	for in, want := range map[string]string{
		"MY_SECRET_THING": "my secret thing",
		"mySecretThing":   "my secret thing",
		"my-secret-thing": "my secret thing",
		"my.secret.thing": "my secret thing",
		"_authToken":      "auth token",
		"AWSSecretKey":    "awssecret key",
		"key2Name":        "key2 name",
	} {
		var kb keyBuf
		kb.split([]byte(in))
		var segs []string
		for k := 0; k < kb.n; k++ {
			segs = append(segs, string(kb.s(k)))
		}
		if got := strings.Join(segs, " "); got != want {
			t.Errorf("split(%q) = %q, want %q", in, got, want)
		}
		if got := string(lastSegment([]byte(in))); !strings.EqualFold(got, segs[len(segs)-1]) {
			t.Errorf("lastSegment(%q) = %q, want %q", in, got, segs[len(segs)-1])
		}
	}
}
