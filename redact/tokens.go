package redact

import (
	"bytes"
	"encoding/base64"
)

// Vendor token formats: fixed-prefix tokens (tokenRules) and the shapes without a prefix
// (Azure storage keys, Telegram, Discord, Terraform, bare Basic credentials, AWS secret keys).

// charset names for token bodies
const (
	csAlnum = iota
	csAlnumUnder
	csAlnumDash   // alnum _ -
	csAlnumDashEq // alnum _ - = .
	csHexLower
	csUpperDigit
	csLetters
	csSlack    // alnum -
	csWebhook  // alnum / _ -
	csB64      // base64 std
	csAgeBech  // bech32 upper
	csAlnumDot // alnum _ - .
	csTwitter  // alnum %
	csTeams    // alnum / _ - @ .
)

var charsets [14]*[256]bool

func buildCharsets() [14]*[256]bool {
	var out [14]*[256]bool
	mk := func(f func(b byte) bool) *[256]bool {
		var t [256]bool
		for c := 0; c < 256; c++ {
			t[c] = f(byte(c))
		}
		return &t
	}
	out[csAlnum] = mk(func(b byte) bool { return isAlnum[b] })
	out[csAlnumUnder] = mk(func(b byte) bool { return isWord[b] })
	out[csAlnumDash] = mk(func(b byte) bool { return isWord[b] || b == '-' })
	out[csAlnumDashEq] = mk(func(b byte) bool { return isWord[b] || b == '-' || b == '=' || b == '.' })
	out[csHexLower] = mk(func(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' })
	out[csUpperDigit] = mk(func(b byte) bool { return b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' })
	out[csLetters] = mk(func(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' })
	out[csSlack] = mk(func(b byte) bool { return isAlnum[b] || b == '-' })
	out[csWebhook] = mk(func(b byte) bool { return isWord[b] || b == '/' || b == '-' })
	out[csB64] = mk(func(b byte) bool { return isB64[b] })
	out[csAgeBech] = mk(func(b byte) bool { return isAlnum[b] })
	out[csAlnumDot] = mk(func(b byte) bool { return isWord[b] || b == '-' || b == '.' })
	out[csTwitter] = mk(func(b byte) bool { return isAlnum[b] || b == '%' })
	out[csTeams] = mk(func(b byte) bool { return isWord[b] || b == '/' || b == '-' || b == '@' || b == '.' })
	return out
}

// tokenRule is a provider token recognised by a fixed prefix at a word start followed by a body of
// one byte class. Matching is a table lookup on the first byte and a prefix compare: no regex runs
// over text that has no candidate.
type tokenRule struct {
	id, desc string
	prefix   string
	charset  int
	min      int  // minimum body length
	keep     bool // keep the prefix visible (e.g. hooks.slack.com/services/)
	check    func(body []byte) bool
	set      *[256]bool
}

var (
	firstByte [256][]*tokenRule
	firstTwo  [1 << 16]bool // first two bytes of some token prefix
)

var tokenRules = []*tokenRule{
	{id: "github-token", desc: "GitHub classic PAT, OAuth, user, server and refresh tokens (ghp_, gho_, ghu_, ghs_, ghr_)", prefix: "ghp_", charset: csAlnum, min: 30},
	{id: "github-token", prefix: "gho_", charset: csAlnum, min: 30},
	{id: "github-token", prefix: "ghu_", charset: csAlnum, min: 30},
	{id: "github-token", prefix: "ghs_", charset: csAlnum, min: 30},
	{id: "github-token", prefix: "ghr_", charset: csAlnum, min: 30},
	{id: "github-fine-grained", desc: "GitHub fine-grained PAT (github_pat_)", prefix: "github_pat_", charset: csAlnumUnder, min: 30},
	{id: "gitlab-token", desc: "GitLab tokens (glpat-, gldt-, glrt-, glptt-, glcbt-, glft-, glimt-, gloas-, glsoat-, GR1348941)", prefix: "glpat-", charset: csAlnumDash, min: 20},
	{id: "gitlab-token", prefix: "gldt-", charset: csAlnumDash, min: 20},
	{id: "gitlab-token", prefix: "glrt-", charset: csAlnumDash, min: 20},
	{id: "gitlab-token", prefix: "glptt-", charset: csAlnumDash, min: 20},
	{id: "gitlab-token", prefix: "glcbt-", charset: csAlnumDash, min: 20},
	{id: "gitlab-token", prefix: "glft-", charset: csAlnumDash, min: 20},
	{id: "gitlab-token", prefix: "glimt-", charset: csAlnumDash, min: 20},
	{id: "gitlab-token", prefix: "gloas-", charset: csAlnumDash, min: 20},
	{id: "gitlab-token", prefix: "glsoat-", charset: csAlnumDash, min: 20},
	{id: "gitlab-token", prefix: "GR1348941", charset: csAlnumDash, min: 20},
	{id: "bitbucket-token", desc: "Bitbucket app password / access token (ATBB, ATCTT)", prefix: "ATBB", charset: csAlnumDashEq, min: 28},
	{id: "atlassian-token", desc: "Atlassian API token (ATATT)", prefix: "ATATT", charset: csAlnumDashEq, min: 60},
	{id: "bitbucket-token", prefix: "ATCTT", charset: csAlnumDashEq, min: 60},
	{id: "slack-token", desc: "Slack bot, user, app, refresh and config tokens (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe-, xapp-)", prefix: "xoxb-", charset: csSlack, min: 10},
	{id: "slack-token", prefix: "xoxp-", charset: csSlack, min: 10},
	{id: "slack-token", prefix: "xoxa-", charset: csSlack, min: 10},
	{id: "slack-token", prefix: "xoxr-", charset: csSlack, min: 10},
	{id: "slack-token", prefix: "xoxs-", charset: csSlack, min: 10},
	{id: "slack-token", prefix: "xoxe-", charset: csSlack, min: 10},
	{id: "slack-token", prefix: "xoxe.xoxp-", charset: csSlack, min: 10},
	{id: "slack-token", prefix: "xapp-", charset: csSlack, min: 10},
	{id: "slack-webhook", desc: "Slack incoming webhook, workflow and trigger URLs", prefix: "hooks.slack.com/services/", charset: csWebhook, min: 16, keep: true},
	{id: "slack-webhook", prefix: "hooks.slack.com/workflows/", charset: csWebhook, min: 16, keep: true},
	{id: "slack-webhook", prefix: "hooks.slack.com/triggers/", charset: csWebhook, min: 16, keep: true},
	{id: "stripe-key", desc: "Stripe secret, restricted and webhook keys (sk_live_, sk_test_, rk_live_, rk_test_, whsec_)", prefix: "sk_live_", charset: csAlnum, min: 10},
	{id: "stripe-key", prefix: "sk_test_", charset: csAlnum, min: 10},
	{id: "stripe-key", prefix: "rk_live_", charset: csAlnum, min: 10},
	{id: "stripe-key", prefix: "rk_test_", charset: csAlnum, min: 10},
	{id: "stripe-key", prefix: "whsec_", charset: csAlnum, min: 20},
	{id: "twilio-api-key", desc: "Twilio API key (SK + 32 hex)", prefix: "SK", charset: csHexLower, min: 32, check: exactLen(32)},
	{id: "sendgrid-key", desc: "SendGrid API key (SG.x.y)", prefix: "SG.", charset: csAlnumDot, min: 40, check: hasDot},
	{id: "mailgun-key", desc: "Mailgun API key (key- + 32 hex)", prefix: "key-", charset: csHexLower, min: 32, check: exactLen(32)},
	{id: "npm-token", desc: "npm access token (npm_)", prefix: "npm_", charset: csAlnum, min: 30},
	{id: "pypi-token", desc: "PyPI upload token (pypi-)", prefix: "pypi-", charset: csAlnumDash, min: 40},
	{id: "docker-token", desc: "Docker Hub personal access token (dckr_pat_)", prefix: "dckr_pat_", charset: csAlnumDash, min: 20},
	{id: "vault-token", desc: "HashiCorp Vault service, batch and recovery tokens (hvs., hvb., hvr.)", prefix: "hvs.", charset: csAlnumDash, min: 20},
	{id: "vault-token", prefix: "hvb.", charset: csAlnumDash, min: 20},
	{id: "vault-token", prefix: "hvr.", charset: csAlnumDash, min: 20},
	{id: "anthropic-key", desc: "Anthropic API and admin keys (sk-ant-)", prefix: "sk-ant-", charset: csAlnumDash, min: 32},
	{id: "openai-key", desc: "OpenAI project, service-account, admin and legacy keys (sk-proj-, sk-svcacct-, sk-admin-, sk-...)", prefix: "sk-proj-", charset: csAlnumDash, min: 20},
	{id: "openai-key", prefix: "sk-svcacct-", charset: csAlnumDash, min: 20},
	{id: "openai-key", prefix: "sk-admin-", charset: csAlnumDash, min: 20},
	{id: "openai-key", prefix: "sk-None-", charset: csAlnumDash, min: 20},
	{id: "openai-key", prefix: "sk-", charset: csAlnumDash, min: 32, check: mixedAlnum},
	{id: "huggingface-token", desc: "Hugging Face user and org tokens (hf_, api_org_)", prefix: "hf_", charset: csLetters, min: 30},
	{id: "huggingface-token", prefix: "api_org_", charset: csLetters, min: 30},
	{id: "digitalocean-token", desc: "DigitalOcean tokens (dop_v1_, doo_v1_, dor_v1_)", prefix: "dop_v1_", charset: csHexLower, min: 64},
	{id: "digitalocean-token", prefix: "doo_v1_", charset: csHexLower, min: 64},
	{id: "digitalocean-token", prefix: "dor_v1_", charset: csHexLower, min: 64},
	{id: "heroku-key", desc: "Heroku platform key (HRKU-)", prefix: "HRKU-", charset: csAlnumDash, min: 30},
	{id: "shopify-token", desc: "Shopify access, custom-app, private-app and shared-secret tokens (shpat_, shpca_, shppa_, shpss_)", prefix: "shpat_", charset: csHexLower, min: 32},
	{id: "shopify-token", prefix: "shpca_", charset: csHexLower, min: 32},
	{id: "shopify-token", prefix: "shppa_", charset: csHexLower, min: 32},
	{id: "shopify-token", prefix: "shpss_", charset: csHexLower, min: 32},
	{id: "square-token", desc: "Square access token and OAuth secret (EAAA, sq0atp-, sq0csp-)", prefix: "sq0atp-", charset: csAlnumDash, min: 22},
	{id: "square-token", prefix: "sq0csp-", charset: csAlnumDash, min: 40},
	{id: "square-token", prefix: "EAAA", charset: csAlnumDash, min: 60},
	{id: "sentry-token", desc: "Sentry org and user auth tokens (sntrys_, sntryu_); DSNs are handled as URL credentials", prefix: "sntrys_", charset: csAlnumDashEq, min: 30},
	{id: "sentry-token", prefix: "sntryu_", charset: csAlnumDashEq, min: 30},
	{id: "age-secret-key", desc: "age secret key (AGE-SECRET-KEY-1)", prefix: "AGE-SECRET-KEY-1", charset: csAgeBech, min: 50},
	{id: "gcp-api-key", desc: "Google API key (AIza)", prefix: "AIza", charset: csAlnumDash, min: 30},
	{id: "gcp-oauth-secret", desc: "Google OAuth client secret (GOCSPX-) and access token (ya29.)", prefix: "GOCSPX-", charset: csAlnumDash, min: 20},
	{id: "gcp-oauth-secret", prefix: "ya29.", charset: csAlnumDash, min: 30},
	{id: "aws-access-key-id", desc: "AWS access key id (AKIA, ASIA, ...); secret keys are found by their key names", prefix: "AKIA", charset: csUpperDigit, min: 16},
	{id: "aws-access-key-id", prefix: "ASIA", charset: csUpperDigit, min: 16},
	{id: "aws-access-key-id", prefix: "ABIA", charset: csUpperDigit, min: 16},
	{id: "aws-access-key-id", prefix: "ACCA", charset: csUpperDigit, min: 16},
	{id: RulePrivateKey, prefix: "LS0tLS1CRUdJTi", charset: csB64, min: 40, check: b64PEMPrivate},
	{id: "jwt", desc: "JSON Web Tokens (eyJ....)", prefix: "eyJ", charset: csAlnumDot, min: 20, check: isJWT},
	{id: "base64-credentials", desc: "base64-encoded JSON holding credentials (e.g. .dockerconfigjson: eyJhdXRocyI6...)", prefix: "eyJ", charset: csB64, min: 20, check: b64JSONSecret},
	{id: "databricks-token", desc: "Databricks token (dapi + 32 hex)", prefix: "dapi", charset: csHexLower, min: 32},
	{id: "grafana-token", desc: "Grafana service-account token (glsa_) and cloud token (glc_)", prefix: "glsa_", charset: csAlnumDash, min: 32},
	{id: "grafana-token", prefix: "glc_", charset: csAlnumDashEq, min: 32},
	{id: "newrelic-key", desc: "New Relic user and ingest keys (NRAK-, NRII-)", prefix: "NRAK-", charset: csAlnum, min: 27},
	{id: "newrelic-key", prefix: "NRII-", charset: csAlnumDash, min: 20},
	{id: "linear-key", desc: "Linear API key (lin_api_)", prefix: "lin_api_", charset: csAlnum, min: 30},
	{id: "pulumi-token", desc: "Pulumi access token (pul-)", prefix: "pul-", charset: csHexLower, min: 40},
	{id: "postman-key", desc: "Postman API key (PMAK-)", prefix: "PMAK-", charset: csAlnumDash, min: 50},
	{id: "alibaba-key", desc: "Alibaba Cloud access key id (LTAI)", prefix: "LTAI", charset: csAlnum, min: 16},
	{id: "tencent-key", desc: "Tencent Cloud secret id (AKID)", prefix: "AKID", charset: csAlnum, min: 32},
	{id: "mapbox-token", desc: "Mapbox secret token (sk.eyJ)", prefix: "sk.eyJ", charset: csAlnumDot, min: 40},
	{id: "twitter-bearer", desc: "Twitter/X app bearer token (AAAAAAAAAAAAAAAAAAAAA...)", prefix: "AAAAAAAAAAAAAAAAAAAAA", charset: csTwitter, min: 30, check: mixedAlnum},
	{id: "artifactory-token", desc: "JFrog Artifactory API key and reference token (AKCp, cmVmdGtu)", prefix: "AKCp", charset: csAlnum, min: 60},
	{id: "artifactory-token", prefix: "cmVmdGtu", charset: csAlnum, min: 50},
	{id: "dynatrace-token", desc: "Dynatrace API token (dt0c01.)", prefix: "dt0c01.", charset: csAlnumDot, min: 80},
	{id: "planetscale-token", desc: "PlanetScale tokens and passwords (pscale_tkn_, pscale_pw_, pscale_oauth_)", prefix: "pscale_tkn_", charset: csAlnumDash, min: 32},
	{id: "planetscale-token", prefix: "pscale_pw_", charset: csAlnumDash, min: 32},
	{id: "planetscale-token", prefix: "pscale_oauth_", charset: csAlnumDash, min: 32},
	{id: "supabase-token", desc: "Supabase access token (sbp_)", prefix: "sbp_", charset: csHexLower, min: 40},
	{id: "netlify-token", desc: "Netlify personal access token (nfp_)", prefix: "nfp_", charset: csAlnum, min: 36},
	{id: "rubygems-key", desc: "RubyGems API key (rubygems_)", prefix: "rubygems_", charset: csHexLower, min: 48},
	{id: "discord-webhook", desc: "Discord and Microsoft Teams webhook URLs", prefix: "discord.com/api/webhooks/", charset: csWebhook, min: 30, keep: true},
	{id: "discord-webhook", prefix: "discordapp.com/api/webhooks/", charset: csWebhook, min: 30, keep: true},
	{id: "teams-webhook", prefix: "webhookb2/", charset: csTeams, min: 30, keep: true},
	{id: "doppler-token", desc: "Doppler tokens (dp.pt., dp.st., dp.sa.)", prefix: "dp.pt.", charset: csAlnum, min: 40},
	{id: "doppler-token", prefix: "dp.st.", charset: csAlnumDash, min: 40},
	{id: "doppler-token", prefix: "dp.sa.", charset: csAlnum, min: 40},
}

// b64PEMPrivate: base64 of "-----BEGIN ... PRIVATE KEY-----" (Kubernetes secrets, env vars).
func b64PEMPrivate(body []byte) bool {
	full := append([]byte("LS0tLS1CRUdJTi"), body[:min(len(body), 60)]...)
	full = full[:len(full)/4*4]
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(full)))
	n, _ := base64.StdEncoding.Decode(dst, full)
	return bytes.Contains(dst[:n], []byte("PRIVATE KEY"))
}

// b64JSONSecret: base64 of a JSON object that names credentials.
func b64JSONSecret(body []byte) bool {
	full := append([]byte("eyJ"), body[:min(len(body), 3000)]...)
	full = bytes.TrimRight(full, "=")
	dst := make([]byte, base64.RawStdEncoding.DecodedLen(len(full)))
	n, _ := base64.RawStdEncoding.Decode(dst, full[:len(full)/4*4])
	d := bytes.ToLower(dst[:n])
	for _, k := range []string{`"auth"`, `"password"`, `"token"`, `"secret"`, `"private_key"`, `"identitytoken"`, `"credentials"`, `"apikey"`, `"api_key"`} {
		if bytes.Contains(d, []byte(k)) {
			return true
		}
	}
	return false
}

func exactLen(n int) func([]byte) bool { return func(b []byte) bool { return len(b) == n } }

func hasDot(b []byte) bool {
	i := bytes.IndexByte(b, '.')
	return i >= 10 && len(b)-i > 10
}

// mixedAlnum rejects long runs that are plainly not random (e.g. sk-some-long-kebab-name).
func mixedAlnum(b []byte) bool {
	var lo, up, dg bool
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			lo = true
		case c >= 'A' && c <= 'Z':
			up = true
		case c >= '0' && c <= '9':
			dg = true
		}
	}
	return lo && up && dg
}

func isJWT(b []byte) bool {
	// header.payload[.signature]; header already starts with eyJ.
	i := bytes.IndexByte(b, '.')
	return i >= 7 && len(b)-i > 8
}

// tokenRuleAt names the provider rule whose prefix starts at v, for better report ids.
func (s *scanner) tokenRuleAt(v int) string {
	if v >= s.n {
		return ""
	}
	for _, r := range firstByte[s.b[v]] {
		if hasPrefixAt(s.b, v, r.prefix) {
			return r.id
		}
	}
	return ""
}

func isDiscord(w []byte) bool {
	a := bytes.IndexByte(w, '.')
	if a < 23 || a > 28 {
		return false
	}
	r := w[a+1:]
	c := bytes.IndexByte(r, '.')
	if c < 6 || c > 7 {
		return false
	}
	tail := r[c+1:]
	return len(tail) >= 27 && len(tail) <= 40 && bytes.IndexByte(tail, '.') < 0
}

// awsSecrets: on a line holding an AWS access key id, a bare 40-character base64 word is its
// secret access key (aws configure output, CSV credential exports, ad-hoc logs).
func (s *scanner) awsSecrets() {
	b, n := s.b, s.n
	for i := 0; i < n; {
		if !isB64[b[i]] || b[i] == '=' {
			i++
			continue
		}
		k := i
		for k < n && (isAlnum[b[k]] || b[k] == '+' || b[k] == '/') {
			k++
		}
		if k-i == 40 && (i == 0 || !isB64[b[i-1]] && b[i-1] != '_' && b[i-1] != '-') && (k == n || !isB64[b[k]] && b[k] != '_' && b[k] != '-') && mixedAlnum(b[i:k]) {
			s.add(i, k, "aws-secret-key")
		}
		if k == i {
			k++
		}
		i = k
	}
}

// Token detectors (see detect.go for their order) ------------------------------------------------

// detectCryptHash: $6$salt$hash: the algorithm id stays visible.
func (s *scanner) detectCryptHash(w wordAt) int {
	if e := cryptHashAt(s.b, w.i, w.j); e > 0 {
		s.add(w.j+1, e, RulePasswordHash)
		return e
	}
	return 0
}

// detectProviderToken: provider tokens by prefix (tokenRules).
func (s *scanner) detectProviderToken(w wordAt) int {
	b, n, i := s.b, s.n, w.i
	for _, r := range firstByte[b[i]] {
		if !hasPrefixAt(b, i, r.prefix) {
			continue
		}
		k := i + len(r.prefix)
		for k < n && r.set[b[k]] {
			k++
		}
		body := b[i+len(r.prefix) : k]
		if len(body) >= r.min && (r.check == nil || r.check(body)) {
			// a word that runs on past the token's alphabet goes with it, so the marker is
			// never glued to the start of a new word (idempotence)
			for k < n && isAlnum[b[k]] {
				for k < n && isKeyChar[b[k]] {
					k++
				}
			}
			st := i
			if r.keep {
				st = i + len(r.prefix)
			}
			if r.id == "aws-access-key-id" {
				s.awsID = true
			}
			s.add(st, k, r.id)
			return k
		}
	}
	return 0
}

// detectBase64Run: an 88-character base64 run ending in == is an Azure storage key; a long
// base64 blob (public key, certificate body) has nothing inside to find and is skipped whole.
func (s *scanner) detectBase64Run(w wordAt) int {
	b, n, i := s.b, s.n, w.i
	k := i
	if i >= s.b64Start && i < s.b64End {
		k = s.b64End
	} else {
		for k < n && isB64[b[k]] {
			k++
		}
		s.b64Start, s.b64End = i, k
	}
	st := i
	for st > 0 && (b[st-1] == '/' || b[st-1] == '+') {
		st--
	}
	run := b[st:k]
	// A sha512 digest in base64 is also 88 characters ending in ==: Subresource Integrity
	// ("integrity": "sha512-...", every package-lock.json) is a checksum, not a key.
	sri := st >= 7 && (bytes.HasSuffix(b[:st], []byte("sha512-")) || bytes.HasSuffix(b[:st], []byte("sha384-")))
	if len(run) == 88 && run[86] == '=' && run[87] == '=' && bytes.IndexByte(run[:86], '=') < 0 && (st == 0 || !isB64[b[st-1]]) && !sri {
		s.add(st, k, RuleAzureKey)
		return k
	}
	if len(run) >= 64 && bytes.IndexByte(run[:len(run)-2], '=') < 0 && (bytes.HasPrefix(run, []byte("AAAA")) || len(run) >= 120) {
		return k // a long base64 blob (public key, certificate body): nothing inside to find
	}
	return 0
}

// detectBareBasic: base64 "user:password" on its own (a Basic credential without its header).
func (s *scanner) detectBareBasic(w wordAt) int {
	b, n, i := s.b, s.n, w.i
	k := i
	for k < n && isB64[b[k]] {
		k++
	}
	if run := b[i:k]; len(run) >= 12 && len(run) <= 200 && len(run)%4 == 0 && (i == 0 || !isB64[b[i-1]]) && basicCredsStrict(run) {
		s.add(i, k, RuleBasic)
		return k
	}
	return 0
}

// detectTelegram: a Telegram bot token, 8-10 digits (optionally after "bot"), ':' and 35 more.
func (s *scanner) detectTelegram(w wordAt) int {
	b, n, j := s.b, s.n, w.j
	if tw := bytes.TrimPrefix(b[w.i:j], []byte("bot")); len(tw) >= 8 && len(tw) <= 10 && allDigits(tw) {
		k := j + 1
		for k < n && charsets[csAlnumDash][b[k]] {
			k++
		}
		if k-j-1 == 35 {
			s.add(j-len(tw), k, "telegram-token")
			return k
		}
	}
	return 0
}

// detectAzureClientSecret: an Azure AD client secret: 3 chars, a digit, "Q~", 34 more.
func (s *scanner) detectAzureClientSecret(w wordAt) int {
	b, n, i, j := s.b, s.n, w.i, w.j
	if b[i+4] != 'Q' || b[i+3] < '0' || b[i+3] > '9' {
		return 0
	}
	k := j
	for k < n && (isKeyChar[b[k]] || b[k] == '~') {
		k++
	}
	if k-i >= 34 && k-i <= 44 {
		s.add(i, k, "azure-client-secret")
		return k
	}
	return 0
}

// detectDiscord: a Discord bot token.
func (s *scanner) detectDiscord(w wordAt) int {
	wd := s.b[w.i:w.j]
	if (wd[0] == 'M' || wd[0] == 'N' || wd[0] == 'O') && isDiscord(wd) {
		s.add(w.i, w.j, "discord-token")
		return w.j
	}
	return 0
}

// detectTerraform: a Terraform Cloud / Enterprise token.
func (s *scanner) detectTerraform(w wordAt) int {
	if bytes.Contains(s.b[w.i:w.j], []byte(".atlasv1.")) {
		s.add(w.i, w.j, "terraform-token")
		return w.j
	}
	return 0
}
