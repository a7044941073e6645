package redact

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// Rule ids of the built-in structural rules. Token-format rules are listed in tokenRules.
const (
	RuleKeyValue   = "sensitive-key"
	RuleHTTPAuth   = "http-auth"
	RuleCookie     = "cookie"
	RuleURLPass    = "url-password"
	RuleURLToken   = "url-token"
	RuleCLIPass    = "cli-password"
	RulePrivateKey = "private-key"
	RuleBearer     = "bearer-token"
	RuleBasic      = "basic-auth"
	RuleLiteral    = "literal"
	RuleAzureKey   = "azure-storage-key"
	RuleError      = "error"

	RuleEmail    = "email"
	RuleIP       = "ip"
	RuleHostname = "hostname"
	RuleUsername = "username"
)

// RuleInfo describes a built-in rule, for documentation and `--list-rules`.
type RuleInfo struct {
	ID          string `json:"id"`
	Description string `json:"description"`
}

// byte classes
var (
	isAlnum   [256]bool
	isWord    [256]bool // alnum and _
	isKeyChar [256]bool // alnum _ - .
	isB64     [256]bool // standard base64 alphabet + '='
	isB64URL  [256]bool // url-safe base64 + '.' (JWT)
	isSpace   [256]bool
)

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		al := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
		isAlnum[c] = al
		isWord[c] = al || b == '_'
		isKeyChar[c] = al || b == '_' || b == '-' || b == '.'
		isB64[c] = al || b == '+' || b == '/' || b == '='
		isB64URL[c] = al || b == '_' || b == '-' || b == '.'
		isSpace[c] = b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '\v' || b == '\f'
	}
	charsets = buildCharsets()
	for _, r := range tokenRules {
		r.set = charsets[r.charset]
		firstByte[r.prefix[0]] = append(firstByte[r.prefix[0]], r)
		firstTwo[uint16(r.prefix[0])<<8|uint16(r.prefix[1])] = true
	}
}

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

// Sensitive keys. A key is split into segments at _ - . and camelCase boundaries, then its last
// segment (or the last two joined) decides.
const (
	keyNone = iota
	keyWeak // value redacted only when it looks like a secret
	keyStrong
	keyAuth   // Authorization-style: keep the scheme word
	keyCookie // Cookie / Set-Cookie: redact each cookie value
)

var strongLast = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "pass": true, "passphrase": true, "passcode": true,
	"secret": true, "secrets": true, "token": true, "credential": true, "credentials": true, "creds": true,
	"cred": true, "signature": true, "sig": true, "auth": true, "apikey": true, "apitoken": true,
	"accesstoken": true, "refreshtoken": true, "idtoken": true, "authtoken": true, "privatekey": true,
	"secretkey": true, "accesskey": true, "clientsecret": true, "sessionid": true, "session": true,
	"sessid": true, "phpsessid": true, "jsessionid": true, "sessiontoken": true, "csrftoken": true,
	"xsrftoken": true, "pat": true, "accountkey": true, "sharedaccesskey": true, "masterkey": true,
	"appkey": true, "licensekey": true, "webhookurl": true, "dsn": true, "connectionstring": true,
	"connstr": true, "pgpassword": true, "mysqlpwd": true, "otp": true, "totp": true,
	"bearer": true, "apisecret": true, "consumersecret": true, "encryptionkey": true, "signingkey": true,
	"hmackey": true, "sas": true, "saskey": true, "sastoken": true, "jwt": true,
	"passwords": true, "tokens": true, "apikeys": true, "passphrases": true, "pw": true, "pword": true,
	"storepass": true, "keypass": true, "srcstorepass": true, "deststorepass": true, "srckeypass": true,
	"destkeypass": true, "keystorepass": true, "truststorepass": true, "rootpw": true, "adminpass": true,
	"requirepass": true, "masterauth": true, "masterpassword": true, "csrf": true, "xsrf": true,
	"passwort": true, "kennwort": true, "motdepasse": true, "contrasena": true, "senha": true,
	"wachtwoord": true, "parola": true, "haslo": true, "salasana": true, "losenord": true,
	"privkey": true, "securestring": true, "secretaccesskey": true, "sessionkey": true, "authkey": true, "apipassword": true,
}

// words that, before "key", make the key strong (api_key, AccountKey, SharedAccessKey ...).
var keyQualifier = map[string]bool{
	"api": true, "access": true, "secret": true, "private": true, "account": true, "storage": true,
	"master": true, "encryption": true, "signing": true, "license": true, "client": true, "service": true,
	"app": true, "application": true, "auth": true, "shared": true, "subscription": true, "webhook": true,
	"integration": true, "ingest": true, "admin": true, "root": true, "session": true, "consumer": true,
	"hmac": true, "sas": true, "primary": true, "secondary": true, "instrumentation": true, "write": true,
	"read": true, "partner": true, "user": true, "developer": true, "dev": true, "prod": true, "live": true,
	"test": true, "rest": true, "server": true, "sdk": true, "mobile": true, "browser": true, "aes": true,
	"crypt": true, "cipher": true, "decryption": true, "ssh": true, "tls": true, "ssl": true, "gpg": true,
	"pgp": true, "jwt": true, "token": true, "cookie": true, "csrf": true, "bot": true, "deploy": true,
}

// suffixes that make a single-segment key (dbpassword, accesstoken) sensitive.
var strongSuffix = []string{"password", "passwd", "secret", "token", "apikey", "privatekey", "accesskey",
	"secretkey", "credential", "credentials", "passphrase", "sessionid"}

// keyBuf holds a key split into lowercase segments, stored without separators so that adjacent
// segments are contiguous (lb[seg[n-2][0]:seg[n-1][1]] is the last two joined).
type keyBuf struct {
	lb  [80]byte
	seg [12][2]int
	n   int
}

func (k *keyBuf) s(i int) []byte { return k.lb[k.seg[i][0]:k.seg[i][1]] }

// split lowercases word into segments split at _ - . and lower->Upper transitions.
func (k *keyBuf) split(word []byte) {
	k.n = 0
	w := 0
	segStart := 0
	for i := 0; i < len(word) && w < len(k.lb); i++ {
		c := word[i]
		if c == '_' || c == '-' || c == '.' {
			k.emit(segStart, w)
			segStart = w
			continue
		}
		if c >= 'A' && c <= 'Z' {
			if i > 0 && w > segStart {
				p := word[i-1]
				if p >= 'a' && p <= 'z' || p >= '0' && p <= '9' {
					k.emit(segStart, w)
					segStart = w
				}
			}
			c += 32
		}
		k.lb[w] = c
		w++
	}
	k.emit(segStart, w)
}

func (k *keyBuf) emit(s, e int) {
	if e <= s {
		return
	}
	if k.n == len(k.seg) {
		k.seg[k.n-1][1] = e // too many segments: extend the last
		return
	}
	k.seg[k.n] = [2]int{s, e}
	k.n++
}

// lastSegs holds every last key segment that can make a key sensitive; strongSuffix3 the last three
// letters of strongSuffix entries. Together they reject most words before any splitting.
var (
	lastSegs      = map[string]bool{}
	strongSuffix3 [1 << 15]bool
	// segShape[len][first][last]: some entry of lastSegs has this length, first and last byte.
	segShape [25][36][36]bool
)

var wordShape = func() (t [256]byte) {
	t['_'], t['-'], t['.'] = 1, 1, 1
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = 2
	}
	return t
}()

// plainWordMaybeKey: the shape test for a word without separators or capitals (its only segment
// is itself), plus the suffix test for run-together keys (dbpassword).
func plainWordMaybeKey(w []byte) bool {
	if len(w) < 2 {
		return false
	}
	if len(w) <= 24 && segShape[len(w)][alnumIdx(w[0])&63][alnumIdx(w[len(w)-1])&63] {
		return true
	}
	if len(w) > 5 {
		return strongSuffix3[suffixHash(w[len(w)-3], w[len(w)-2], w[len(w)-1])]
	}
	return false
}

func alnumIdx(c byte) int {
	switch {
	case c >= 'a' && c <= 'z':
		return int(c - 'a')
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= '0' && c <= '9':
		return 26 + int(c-'0')
	}
	return -1
}

func suffixHash(a, b, c byte) uint16 {
	return uint16((uint32(a)*961 + uint32(b)*31 + uint32(c)) & (1<<15 - 1))
}

func init() {
	for k := range strongLast {
		lastSegs[k] = true
	}
	for _, k := range []string{"authorization", "authentication", "cookie", "cookies", "key", "keys", "id",
		"hash", "salt", "nonce", "seed", "sid", "value", "data", "b64", "base64", "enc", "encrypted", "string"} {
		lastSegs[k] = true
	}
	for _, k := range strongSuffix {
		strongSuffix3[suffixHash(k[len(k)-3], k[len(k)-2], k[len(k)-1])] = true
	}
	for k := range lastSegs {
		if len(k) < len(segShape) {
			segShape[len(k)][alnumIdx(k[0])][alnumIdx(k[len(k)-1])] = true
		}
	}
}

// maybeSensitive is the cheap test on the key's last segment.
func maybeSensitive(word []byte) bool {
	e := len(word)
	for e > 0 && (word[e-1] == '_' || word[e-1] == '-' || word[e-1] == '.') {
		e--
	}
	s := e
	for s > 0 {
		c := word[s-1]
		if c == '_' || c == '-' || c == '.' {
			break
		}
		if c >= 'A' && c <= 'Z' && s-1 > 0 {
			p := word[s-2]
			if p >= 'a' && p <= 'z' || p >= '0' && p <= '9' {
				s--
				break
			}
		}
		s--
	}
	seg := word[s:e]
	if len(seg) < 2 {
		return false
	}
	f, l := alnumIdx(seg[0]), alnumIdx(seg[len(seg)-1])
	if len(seg) <= 24 && f >= 0 && l >= 0 && segShape[len(seg)][f][l] {
		var lb [24]byte
		for i, c := range seg {
			if c >= 'A' && c <= 'Z' {
				c += 32
			}
			lb[i] = c
		}
		if lastSegs[string(lb[:len(seg)])] {
			return true
		}
	}
	if len(seg) > 5 {
		a, b, c := seg[len(seg)-3]|0x20, seg[len(seg)-2]|0x20, seg[len(seg)-1]|0x20
		return strongSuffix3[suffixHash(a, b, c)]
	}
	return false
}

// classifyKey returns how sensitive a key name is. extra holds user-supplied key names, normalised.
func classifyKey(word []byte, extra map[string]bool) int {
	if len(word) < 2 || len(word) > 80 {
		return keyNone
	}
	if len(extra) == 0 && !maybeSensitive(word) {
		return keyNone
	}
	var kb keyBuf
	kb.split(word)
	n := kb.n
	if n == 0 {
		return keyNone
	}
	last := kb.s(n - 1)
	joined2 := last
	var prev []byte
	if n >= 2 {
		prev = kb.s(n - 2)
		joined2 = kb.lb[kb.seg[n-2][0]:kb.seg[n-1][1]]
	}
	if len(extra) > 0 {
		if extra[string(kb.lb[:kb.seg[n-1][1]])] || extra[string(last)] || extra[string(joined2)] {
			return keyStrong
		}
	}
	switch string(last) {
	case "authorization", "authentication":
		return keyAuth
	case "cookie", "cookies":
		return keyCookie
	case "key", "keys":
		if n >= 2 && keyQualifier[string(prev)] {
			return keyStrong
		}
		return keyWeak
	case "id":
		if n >= 2 && (string(prev) == "session" || string(prev) == "sess") {
			return keyStrong
		}
		return keyNone
	case "hash", "salt", "nonce", "seed", "sid":
		return keyWeak
	}
	if n >= 2 && (string(prev) == "public" || string(prev) == "pub") {
		return keyNone
	}
	if strongLast[string(last)] || strongLast[string(joined2)] {
		return keyStrong
	}
	if n >= 2 && (string(prev) == "password" || string(prev) == "secret") {
		switch string(last) {
		case "value", "data", "b64", "base64", "enc", "encrypted", "hash":
			return keyStrong
		}
	}
	for _, sf := range strongSuffix {
		if len(last) > len(sf) && string(last[len(last)-len(sf):]) == sf {
			return keyStrong
		}
	}
	return keyNone
}

// normKey is a key's segments joined, lowercased (for user-supplied key names).
func normKey(k string) string {
	var kb keyBuf
	kb.split([]byte(k))
	if kb.n == 0 {
		return ""
	}
	return string(kb.lb[:kb.seg[kb.n-1][1]])
}

// Value classification -------------------------------------------------------------------------

var benignValues = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "null": true,
	"nil": true, "none": true, "undefined": true, "empty": true, "enabled": true, "disabled": true,
	"required": true, "optional": true, "unset": true, "n/a": true, "na": true, "redacted": true,
	"<redacted>": true, "hidden": true, "masked": true, "removed": true, "omitted": true, "filtered": true,
	"-": true, "''": true, `""`: true, "[]": true, "{}": true, "ok": true, "invalid": true, "expired": true,
	"missing": true, "unknown": true, "default": true, "auto": true, "env": true, "file": true, "vault": true,
	"basic": true, "bearer": true, "digest": true, "oauth": true, "oauth2": true, "sha256": true,
	"present": true, "set": true, "not": true, "sensitive": true, "secret": true, "password": true, "token": true,
	"started": true, "closed": true, "active": true, "created": true, "ended": true, "established": true,
	"terminated": true, "new": true, "resumed": true, "timeout": true, "valid": true, "failed": true,
	"success": true, "succeeded": true, "error": true, "refreshed": true, "rotated": true, "revoked": true,
	"changed": true, "updated": true, "reset": true, "accepted": true, "rejected": true, "denied": true,
	"ok.": true, "none.": true, "mismatch": true, "incorrect": true, "wrong": true, "is": true, "was": true,
	"for": true, "of": true, "the": true, "and": true, "string": true, "bool": true, "int": true, "str": true,
	"bytes": true, "object": true, "undef": true, "nan": true, "text": true, "hidden.": true,
	// architectures (dpkg and rpm logs: python3-jwt:amd64, dbus-user-session:amd64)
	"amd64": true, "arm64": true, "i386": true, "i686": true, "armhf": true, "armel": true, "all": true,
	"x86_64": true, "aarch64": true, "noarch": true, "ppc64el": true, "ppc64le": true, "s390x": true, "riscv64": true,
}

// benignValue reports values that are never secrets whatever the key: numbers, booleans, null-ish
// words, placeholders, masks, our own markers, variable references.
func benignValue(v []byte) bool {
	if len(v) <= 1 {
		return true // empty, or one character (HTML accesskey="p", y/n flags)
	}
	if bytes.Contains(v, []byte("[REDACTED:")) {
		return true // already redacted (idempotence)
	}
	if len(v) <= 16 {
		var lb [16]byte
		for i, c := range v {
			if c >= 'A' && c <= 'Z' {
				c += 32
			}
			lb[i] = c
		}
		if benignValues[string(lb[:len(v)])] {
			return true
		}
	}
	if isNumber(v) || isVersion(v) || isFilePath(v) {
		return true
	}
	// masks: ****, xxxx, ...., <...>, ${VAR}, $VAR, %VAR%, {{ .Var }}
	allMask := true
	for _, c := range v {
		if c != '*' && c != 'x' && c != 'X' && c != '.' && c != '#' && c != '-' {
			allMask = false
			break
		}
	}
	if allMask {
		return true
	}
	if v[0] == '<' && v[len(v)-1] == '>' && len(v) < 40 {
		return true
	}
	if len(v) > 1 && v[0] == '$' && (v[1] == '{' || v[1] == '(' || v[1] >= 'A' && v[1] <= 'Z' || v[1] >= 'a' && v[1] <= 'z' || v[1] == '_') && !isCryptHash(v) {
		return true // a variable reference
	}
	if isPortSpec(v) || nssSources(v) {
		return true
	}
	if len(v) > 2 && v[0] == '%' && v[len(v)-1] == '%' {
		return true
	}
	if bytes.HasPrefix(v, []byte("{{")) {
		return true
	}
	for _, p := range benignPrefixes {
		if len(v) > len(p) && string(v[:len(p)]) == p {
			return true
		}
	}
	return false
}

// values that are public by nature: public keys, certificates, digests.
var benignPrefixes = []string{"ssh-rsa ", "ssh-ed25519 ", "ssh-dss ", "ecdsa-sha2-", "sk-ssh-ed25519@", "sk-ecdsa-sha2-",
	"-----BEGIN CERTIFICATE", "-----BEGIN PUBLIC KEY", "-----BEGIN RSA PUBLIC KEY", "-----BEGIN PGP PUBLIC",
	"sha256:", "sha512:", "sha1:", "sha384:", "md5:", "S-1-5-",
	"AAAAB3NzaC1yc2E", "AAAAC3NzaC1lZDI1NTE5", "AAAAE2VjZHNhLXNoYTIt", "AAAAB3NzaC1kc3M"}

var nssWords = map[string]bool{"files": true, "compat": true, "systemd": true, "sss": true, "winbind": true,
	"nis": true, "nisplus": true, "ldap": true, "db": true, "dns": true, "mdns4_minimal": true, "mdns4": true,
	"mdns": true, "myhostname": true, "resolve": true, "mymachines": true, "usrfiles": true, "altfiles": true,
	"cache": true, "extrausers": true, "oslogin": true, "hesiod": true}

// nssSources: an nsswitch.conf source list ("passwd: files systemd").
func nssSources(v []byte) bool {
	if len(v) < 2 || len(v) > 120 || v[0] < 'a' || v[0] > 'z' {
		return false
	}
	seen := false
	for i := 0; i < len(v); {
		for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
			i++
		}
		st := i
		for i < len(v) && v[i] != ' ' && v[i] != '\t' {
			i++
		}
		if st == i {
			break
		}
		if v[st] == '[' {
			continue
		}
		if !nssWords[string(v[st:i])] {
			return false
		}
		seen = true
	}
	return seen
}

// isPortSpec: 464/tcp (/etc/services).
func isPortSpec(v []byte) bool {
	i := bytes.IndexByte(v, '/')
	if i < 1 || !allDigits(v[:i]) {
		return false
	}
	switch string(v[i+1:]) {
	case "tcp", "udp", "sctp", "ddp":
		return true
	}
	return false
}

// isVersion: 1.2, v2.10.3, 1.22.3-rc.1+build5.
func isVersion(v []byte) bool {
	i := 0
	if i < len(v) && (v[i] == 'v' || v[i] == 'V') {
		i++
	}
	dots, digits := 0, 0
	for i < len(v) && (v[i] >= '0' && v[i] <= '9' || v[i] == '.') {
		if v[i] == '.' {
			if digits == 0 || i+1 == len(v) || v[i+1] == '.' {
				return false
			}
			dots++
		} else {
			digits++
		}
		i++
	}
	if dots < 1 || dots > 3 || digits == 0 {
		return false
	}
	if i == len(v) {
		return true
	}
	if v[i] != '-' && v[i] != '+' || len(v)-i > 24 {
		return false
	}
	for _, c := range v[i+1:] {
		if !isKeyChar[c] && c != '+' {
			return false
		}
	}
	return true
}

// isFilePath: an absolute or home-relative path with at least two separators (key files,
// certificate paths), which names a secret but is not one.
func isFilePath(v []byte) bool {
	if len(v) < 4 || len(v) > 512 {
		return false
	}
	sep := byte('/')
	switch {
	case v[0] == '/' || bytes.HasPrefix(v, []byte("~/")) || bytes.HasPrefix(v, []byte("./")):
	case len(v) > 3 && v[1] == ':' && (v[2] == '\\' || v[2] == '/'):
		sep = v[2]
	default:
		return false
	}
	if bytes.Count(v, []byte{sep}) < 2 {
		return false
	}
	for _, c := range v {
		if !(isKeyChar[c] || c == '/' || c == '\\' || c == ':' || c == '~') {
			return false
		}
	}
	// every element must look like a file or folder name, not a random token
	for _, seg := range bytes.Split(v, []byte{sep}) {
		if len(seg) >= 40 || len(seg) >= 8 && mixedAlnum(seg) {
			return false
		}
	}
	return true
}

// isNumber: integers, decimals, durations and sizes (3600, 1.5, 30s, 10MiB, -1).
func isNumber(v []byte) bool {
	i := 0
	if i < len(v) && (v[i] == '-' || v[i] == '+') {
		i++
	}
	d := 0
	for i < len(v) && (v[i] >= '0' && v[i] <= '9' || v[i] == '.' || v[i] == '_') {
		if v[i] >= '0' && v[i] <= '9' {
			d++
		}
		i++
	}
	if d == 0 {
		return false
	}
	if d > 12 { // long digit strings can be PINs / account secrets
		return false
	}
	rest := v[i:]
	if len(rest) == 0 {
		return true
	}
	if len(rest) > 3 {
		return false
	}
	switch strings.ToLower(string(rest)) {
	case "s", "ms", "m", "h", "d", "w", "y", "us", "ns", "b", "k", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "%":
		return true
	}
	return false
}

// looksSecret decides for values whose context is weak (a bare "key", a keyword followed by a
// space): long enough and random-looking, not a UUID, path, URL, plain word or a structured
// identifier such as user:1234.
func looksSecret(v []byte) bool { return secretScore(v, false) }

// looksSecretRelaxed also accepts lowercase passwords with digits and punctuation; used after
// strong keywords (password, credential, token) followed by a space.
func looksSecretRelaxed(v []byte) bool { return secretScore(v, true) }

func secretScore(v []byte, relaxed bool) bool {
	if len(v) < 8 || len(v) > 4096 {
		return false
	}
	if benignValue(v) {
		return false
	}
	if v[0] == '~' || bytes.HasPrefix(v, []byte("http")) || bytes.HasPrefix(v, []byte("sha")) {
		return false
	}
	if v[0] == '/' && bytes.Count(v, []byte{'/'})*12 >= len(v) {
		return false // a path
	}
	if isUUID(v) {
		return false
	}
	if !relaxed && bytes.IndexByte(v, ' ') >= 0 {
		return false // phrases are not random tokens
	}
	if v[0] == '(' || v[0] == '[' || v[0] == '{' || bytes.IndexByte(v, '=') > 0 && v[len(v)-1] != '=' {
		return false // structure (PAM [success=1 ...], (and ...)), not a token
	}
	var up, lo, dg, sym bool
	trans := 0
	prev := -1
	for _, c := range v {
		cls := 3
		switch {
		case c >= 'a' && c <= 'z':
			lo, cls = true, 0
		case c >= 'A' && c <= 'Z':
			up, cls = true, 1
		case c >= '0' && c <= '9':
			dg, cls = true, 2
		default:
			sym = true
		}
		if prev >= 0 && cls != prev {
			trans++
		}
		prev = cls
	}
	switch {
	case up && lo && dg:
		return trans >= 3
	case (up || lo) && dg && len(v) >= 16:
		return trans >= len(v)/4
	case up && lo && sym && len(v) >= 20:
		return trans >= len(v)/4
	case relaxed && (up || lo) && dg && sym:
		return trans >= 3
	}
	return false
}

func isUUID(v []byte) bool {
	if len(v) != 36 {
		return false
	}
	for i, c := range v {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !charsets[csHexLower][c] {
				return false
			}
		}
	}
	return true
}

// basicCreds reports whether b is base64 of "user:password".
func basicCreds(b []byte) bool {
	if len(b) < 8 || len(b) > 1024 {
		return false
	}
	raw := bytes.TrimRight(b, "=")
	dst := make([]byte, base64.RawStdEncoding.DecodedLen(len(raw))+3)
	n, err := base64.StdEncoding.Decode(dst, b)
	if err != nil {
		n, err = base64.RawStdEncoding.Decode(dst, raw)
		if err != nil {
			return false
		}
	}
	d := dst[:n]
	i := bytes.IndexByte(d, ':')
	if i <= 0 || i == len(d)-1 {
		return false
	}
	for _, c := range d {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// basicCredsStrict: base64 of "user:password" with a plausible user name, decoded without
// allocating. Used for base64 words seen without any Basic/key context.
func basicCredsStrict(b []byte) bool {
	var dst [150]byte
	n, err := base64.StdEncoding.Decode(dst[:], b)
	if err != nil || n < 5 {
		return false
	}
	d := dst[:n]
	c := bytes.IndexByte(d, ':')
	if c < 1 || c > 64 || c == len(d)-1 {
		return false
	}
	for _, x := range d[:c] {
		if !(isWord[x] || x == '.' || x == '-' || x == '@' || x == '\\') {
			return false
		}
	}
	for _, x := range d[c+1:] {
		if x < 0x21 || x > 0x7e {
			return false
		}
	}
	return true
}

// Rules lists the built-in rules.
func Rules() []RuleInfo {
	out := []RuleInfo{
		{RuleKeyValue, "values of sensitive keys (password, secret, token, api_key, credential, private_key, signature, session, ...) in k=v, k: v, JSON, escaped JSON, Python repr, Go struct dumps, XML, INI, env, form and query strings"},
		{RuleHTTPAuth, "Authorization / Proxy-Authorization credentials (the scheme word is kept)"},
		{RuleCookie, "Cookie and Set-Cookie values (cookie names and attributes are kept)"},
		{RuleBearer, "a credential after the word Bearer, Token, SSWS, ApiKey anywhere"},
		{RuleBasic, "a base64 user:password after the word Basic anywhere"},
		{RuleURLPass, "the password in URL userinfo (scheme://user:pass@host) for any scheme"},
		{RuleURLToken, "a secret-looking user-only URL userinfo (scheme://TOKEN@host, e.g. Sentry DSN)"},
		{RuleCLIPass, "command-line passwords: --password X, --password=X, mysql -pX, sshpass -p X, curl -u user:pass"},
		{RulePrivateKey, "PEM private key blocks, BEGIN to END, also with per-line log prefixes and JSON-escaped \\n"},
		{RuleAzureKey, "88-character base64 keys ending in == (Azure storage account keys)"},
		{"aws-secret-key", "a bare 40-character AWS secret access key on a line that holds an access key id (values under secret key names are found by sensitive-key)"},
		{"discord-token", "Discord bot tokens (three dot-separated base64url parts)"},
		{"azure-client-secret", "Azure AD / Entra ID client secrets (xxx8Q~...)"},
		{"telegram-token", "Telegram bot tokens (digits:35 chars)"},
		{"terraform-token", "Terraform Cloud / Enterprise tokens (*.atlasv1.*)"},
		{RuleLiteral, "values given with --redact-literal or the spec's redact.literals"},
		{RulePasswordHash, "crypt(3) password hashes ($6$, $5$, $y$, $2b$, $argon2id$ ...), as in /etc/shadow; the algorithm id is kept"},
		{RulePgpass, "the password field of .pgpass lines (files named .pgpass or pgpass.conf, or after a '# hostname:port:database:username:password' comment)"},
	}
	seen := map[string]bool{}
	for _, r := range tokenRules {
		if r.desc != "" && !seen[r.id] {
			seen[r.id] = true
			out = append(out, RuleInfo{r.id, r.desc})
		}
	}
	out = append(out,
		RuleInfo{RuleEmail, "(--anonymize) e-mail addresses -> user-<token>@<domain token>"},
		RuleInfo{RuleIP, "(--anonymize) IPv4/IPv6 addresses -> keyed IP of the same class (private stays private)"},
		RuleInfo{RuleHostname, "(--anonymize) host names under the listed domains"},
		RuleInfo{RuleUsername, "(--anonymize) user names (user=, /home/<name>, C:\\Users\\<name>)"},
	)
	return out
}
