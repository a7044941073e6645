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
	csDollar   // alnum _ $ (Braintree)
	csB64URL   // alnum _ - (base64url, no padding)
	csB64Dash  // base64 std and - (Adyen)
	numCharsets
)

var charsets [numCharsets]*[256]bool

func buildCharsets() [numCharsets]*[256]bool {
	var out [numCharsets]*[256]bool
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
	out[csDollar] = mk(func(b byte) bool { return isWord[b] || b == '$' })
	out[csB64URL] = mk(func(b byte) bool { return isWord[b] || b == '-' })
	out[csB64Dash] = mk(func(b byte) bool { return isB64[b] || b == '-' })
	return out
}

// tokenRule is a provider token recognised by a fixed prefix at a word start followed by a body of
// one byte class. Matching is a table lookup on the first byte and a prefix compare: no regex runs
// over text that has no candidate.
type tokenRule struct {
	id, desc string
	prefix   string
	charset  int
	min      int      // minimum body length
	keep     bool     // keep the prefix visible (e.g. hooks.slack.com/services/)
	kw       []string // the provider's keywords, one of which must come shortly before (kwNear)
	check    func(body []byte) bool
	set      *[256]bool
}

var (
	firstByte [256][]*tokenRule
	// firstTwo[a<<8|b]: 1 + the index in twoGroups of the rules whose prefix starts with a, b
	// (in tokenRules order); 0: none
	firstTwo  [1 << 16]uint8
	twoGroups [][]*tokenRule
	// firstThree[prefix3(a, b, c)]: some token prefix starts with a, b, c (hashed; a collision
	// only lets a word through to the full compare)
	firstThree [1 << 14]bool
)

func prefix3(a, b, c byte) uint16 {
	return uint16((uint32(a)*1031 + uint32(b)*37 + uint32(c)) & (1<<14 - 1))
}

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
	{id: "jwt", desc: "JSON Web Tokens (eyJ....), also base64-wrapped (ZXlK...)", prefix: "eyJ", charset: csAlnumDot, min: 20, check: isJWT},
	{id: "jwt", prefix: "ZXlK", charset: csB64, min: 40, check: b64JWT},
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
	{id: "doppler-token", prefix: "dp.st.", charset: csAlnumDot, min: 40},
	{id: "doppler-token", prefix: "dp.sa.", charset: csAlnum, min: 40},
	{id: "doppler-token", prefix: "dp.ct.", charset: csAlnumDot, min: 40},
	{id: "doppler-token", prefix: "dp.scim.", charset: csAlnumDot, min: 40},
	{id: "doppler-token", prefix: "dp.audit.", charset: csAlnumDot, min: 40},
	// Providers added from the public rule sets' provider lists (gitleaks and others): each is
	// a fixed prefix, a body alphabet and a minimum length, and a shape check where the prefix
	// alone is common in ordinary text.
	{id: "posthog-key", desc: "PostHog project and personal API keys (phc_, phx_)", prefix: "phc_", charset: csAlnum, min: 40},
	{id: "posthog-key", prefix: "phx_", charset: csAlnum, min: 40},
	{id: "groq-key", desc: "Groq API key (gsk_)", prefix: "gsk_", charset: csAlnum, min: 48},
	{id: "cloudflare-token", desc: "Cloudflare account, user and API tokens (cfat_, cfut_, cfk_) and Origin CA keys (v1.0-)", prefix: "cfat_", charset: csAlnumDash, min: 36},
	{id: "cloudflare-token", prefix: "cfut_", charset: csAlnumDash, min: 36},
	{id: "cloudflare-token", prefix: "cfk_", charset: csAlnumDash, min: 36},
	{id: "cloudflare-token", prefix: "v1.0-", charset: csAlnumDash, min: 160, check: cfOriginCA},
	{id: "sourcegraph-token", desc: "Sourcegraph access tokens (sgp_, sgp_local_)", prefix: "sgp_", charset: csAlnumUnder, min: 40, check: hexish},
	{id: "notion-token", desc: "Notion integration tokens (ntn_, secret_ + 43)", prefix: "ntn_", charset: csAlnum, min: 40},
	{id: "notion-token", prefix: "secret_", charset: csAlnum, min: 43, check: notionLegacy},
	{id: "easypost-key", desc: "EasyPost production and test API keys (EZAK, EZTK)", prefix: "EZAK", charset: csAlnum, min: 50},
	{id: "easypost-key", prefix: "EZTK", charset: csAlnum, min: 50},
	{id: "onepassword-token", desc: "1Password service-account tokens (ops_eyJ) and account secret keys (A3-)", prefix: "ops_eyJ", charset: csB64URL, min: 100},
	{id: "onepassword-token", prefix: "A3-", charset: csSlack, min: 30, check: opSecretKey},
	{id: "adobe-secret", desc: "Adobe client secret (p8e-)", prefix: "p8e-", charset: csAlnumDash, min: 32},
	{id: "airtable-token", desc: "Airtable personal access token (pat + 14 . + 64 hex)", prefix: "pat", charset: csAlnumDot, min: 79, check: airtablePAT},
	{id: "authress-key", desc: "Authress service client keys (authress_, scauth_)", prefix: "authress_", charset: csAlnumDashEq, min: 40, check: hasAcc},
	{id: "authress-key", prefix: "scauth_", charset: csAlnumDashEq, min: 40, check: hasAcc},
	{id: "beamer-key", desc: "Beamer API key (b_ + 44)", prefix: "b_", charset: csAlnumDashEq, min: 44, check: mixedAlnum},
	{id: "clojars-token", desc: "Clojars deploy token (CLOJARS_)", prefix: "CLOJARS_", charset: csAlnum, min: 60},
	{id: "defined-networking-key", desc: "Defined Networking API key (dnkey-)", prefix: "dnkey-", charset: csAlnumDash, min: 70},
	{id: "duffel-token", desc: "Duffel API tokens (duffel_live_, duffel_test_)", prefix: "duffel_live_", charset: csAlnumDashEq, min: 43},
	{id: "duffel-token", prefix: "duffel_test_", charset: csAlnumDashEq, min: 43},
	{id: "dropbox-token", desc: "Dropbox short-lived and user access tokens (sl., sl.u.)", prefix: "sl.", charset: csAlnumDashEq, min: 130},
	{id: "flutterwave-key", desc: "Flutterwave secret and encryption keys (FLWSECK-, FLWSECK_TEST-)", prefix: "FLWSECK-", charset: csAlnumDash, min: 12},
	{id: "flutterwave-key", prefix: "FLWSECK_TEST", charset: csAlnumDash, min: 12},
	{id: "frameio-token", desc: "Frame.io API token (fio-u-)", prefix: "fio-u-", charset: csAlnumDashEq, min: 64},
	{id: "gocardless-token", desc: "GoCardless live access token (live_ + 40)", prefix: "live_", charset: csAlnumDashEq, min: 40, check: mixedAlnum},
	{id: "lob-key", desc: "Lob live and test secret keys (live_, test_ + 35 hex)", prefix: "live_", charset: csHexLower, min: 35, check: exactLen(35)},
	{id: "lob-key", prefix: "test_", charset: csHexLower, min: 35, check: exactLen(35)},
	{id: "grafana-token", prefix: "eyJrIjoi", charset: csB64, min: 60},
	{id: "harness-token", desc: "Harness personal and service-account tokens (pat., sat.)", prefix: "pat.", charset: csAlnumDot, min: 60, check: threeDots},
	{id: "harness-token", prefix: "sat.", charset: csAlnumDot, min: 60, check: threeDots},
	{id: "hubspot-token", desc: "HubSpot private-app tokens (pat-na1-, pat-eu1-)", prefix: "pat-na1-", charset: csAlnumDash, min: 36},
	{id: "hubspot-token", prefix: "pat-eu1-", charset: csAlnumDash, min: 36},
	{id: "infracost-key", desc: "Infracost API key (ico-)", prefix: "ico-", charset: csAlnum, min: 32},
	{id: "intra42-secret", desc: "42 Intra client secrets (s-s4t2ud-, s-s4t2af-)", prefix: "s-s4t2ud-", charset: csHexLower, min: 64},
	{id: "intra42-secret", prefix: "s-s4t2af-", charset: csHexLower, min: 64},
	{id: "langsmith-key", desc: "LangSmith personal and service keys (lsv2_pt_, lsv2_sk_)", prefix: "lsv2_pt_", charset: csAlnumUnder, min: 40},
	{id: "langsmith-key", prefix: "lsv2_sk_", charset: csAlnumUnder, min: 40},
	{id: "newrelic-key", prefix: "NRJS-", charset: csHexLower, min: 19},
	{id: "newrelic-key", prefix: "NRAA-", charset: csAlnum, min: 27},
	{id: "octopus-key", desc: "Octopus Deploy API key (API- + 26)", prefix: "API-", charset: csUpperDigit, min: 26, check: hasDigit},
	{id: "openshift-token", desc: "OpenShift user token (sha256~)", prefix: "sha256~", charset: csB64URL, min: 43},
	{id: "perplexity-key", desc: "Perplexity API key (pplx-)", prefix: "pplx-", charset: csAlnum, min: 40},
	{id: "prefect-key", desc: "Prefect API key (pnu_)", prefix: "pnu_", charset: csAlnum, min: 36},
	{id: "readme-key", desc: "ReadMe API key (rdme_)", prefix: "rdme_", charset: csAlnum, min: 64},
	{id: "scalingo-token", desc: "Scalingo API token (tk-us-)", prefix: "tk-us-", charset: csAlnumDash, min: 40},
	{id: "brevo-key", desc: "Brevo (Sendinblue) API and SMTP keys (xkeysib-, xsmtpsib-)", prefix: "xkeysib-", charset: csAlnumDash, min: 64},
	{id: "brevo-key", prefix: "xsmtpsib-", charset: csAlnumDash, min: 64},
	{id: "settlemint-token", desc: "SettleMint personal, application and service tokens (sm_pat_, sm_aat_, sm_sat_)", prefix: "sm_pat_", charset: csAlnum, min: 16},
	{id: "settlemint-token", prefix: "sm_aat_", charset: csAlnum, min: 16},
	{id: "settlemint-token", prefix: "sm_sat_", charset: csAlnum, min: 16},
	{id: "shippo-token", desc: "Shippo live and test API tokens (shippo_live_, shippo_test_)", prefix: "shippo_live_", charset: csHexLower, min: 40},
	{id: "shippo-token", prefix: "shippo_test_", charset: csHexLower, min: 40},
	{id: "sonar-token", desc: "SonarQube/SonarCloud user, project and analysis tokens (squ_, sqp_, sqa_)", prefix: "squ_", charset: csHexLower, min: 40},
	{id: "sonar-token", prefix: "sqp_", charset: csHexLower, min: 40},
	{id: "sonar-token", prefix: "sqa_", charset: csHexLower, min: 40},
	{id: "typeform-token", desc: "Typeform personal token (tfp_)", prefix: "tfp_", charset: csAlnumDashEq, min: 50},
	{id: "yandex-token", desc: "Yandex Cloud IAM, OAuth and API keys (t1., y0_, y1_, AQVN, YC)", prefix: "y0_", charset: csB64URL, min: 50},
	{id: "yandex-token", prefix: "y1_", charset: csB64URL, min: 50},
	{id: "yandex-token", prefix: "t1.9euelZ", charset: csAlnumDashEq, min: 80},
	{id: "yandex-token", prefix: "AQVN", charset: csAlnumDash, min: 35, check: mixedAlnum},
	{id: "yandex-token", prefix: "YCAJE", charset: csAlnumDash, min: 30},
	{id: "yandex-token", prefix: "YCM", charset: csAlnumDash, min: 35, check: mixedAlnum},
	{id: "vercel-token", desc: "Vercel tokens (vcp_, vci_, vca_, vcr_, vck_)", prefix: "vcp_", charset: csAlnum, min: 24},
	{id: "vercel-token", prefix: "vci_", charset: csAlnum, min: 24},
	{id: "vercel-token", prefix: "vca_", charset: csAlnum, min: 24},
	{id: "vercel-token", prefix: "vcr_", charset: csAlnum, min: 24},
	{id: "vercel-token", prefix: "vck_", charset: csAlnum, min: 24},
	{id: "flyio-token", desc: "Fly.io access and macaroon tokens (fo1_, fm1r_, fm1a_, fm2_)", prefix: "fo1_", charset: csB64URL, min: 40},
	{id: "flyio-token", prefix: "fm1r_", charset: csB64, min: 40},
	{id: "flyio-token", prefix: "fm1a_", charset: csB64, min: 40},
	{id: "flyio-token", prefix: "fm2_", charset: csB64, min: 40},
	{id: "replicate-token", desc: "Replicate API token (r8_)", prefix: "r8_", charset: csAlnum, min: 37},
	{id: "pinecone-key", desc: "Pinecone API key (pcsk_)", prefix: "pcsk_", charset: csAlnumUnder, min: 40},
	{id: "xai-key", desc: "xAI API key (xai-)", prefix: "xai-", charset: csAlnum, min: 70},
	{id: "figma-token", desc: "Figma personal access token (figd_)", prefix: "figd_", charset: csAlnumDash, min: 40},
	{id: "buildkite-token", desc: "Buildkite API access token (bkua_)", prefix: "bkua_", charset: csHexLower, min: 40},
	{id: "circleci-token", desc: "CircleCI personal API token (CCIPAT_)", prefix: "CCIPAT_", charset: csAlnumUnder, min: 40},
	{id: "contentful-token", desc: "Contentful personal access token (CFPAT-)", prefix: "CFPAT-", charset: csAlnumDash, min: 43},
	{id: "tailscale-key", desc: "Tailscale API, auth, OAuth-client, webhook and SCIM keys (tskey-)", prefix: "tskey-", charset: csAlnumDash, min: 30, check: mixedAlnum},
	{id: "render-key", desc: "Render API key (rnd_)", prefix: "rnd_", charset: csAlnum, min: 32},
	{id: "supabase-token", prefix: "sb_secret_", charset: csAlnumDash, min: 30},
	{id: "nuget-key", desc: "NuGet API key (oy2 + 43)", prefix: "oy2", charset: csAlnum, min: 43, check: exactLen(43)},
	{id: "gitlab-token", prefix: "glagent-", charset: csAlnumDash, min: 40},
	{id: "gitlab-token", prefix: "glffct-", charset: csAlnumDash, min: 20},
	{id: "facebook-token", desc: "Facebook / Meta access tokens (EAA + 100 or more)", prefix: "EAA", charset: csAlnum, min: 100, check: mixedAlnum},
	{id: "braintree-token", desc: "Braintree access token (access_token$production$)", prefix: "access_token$production$", charset: csDollar, min: 40},
	{id: "braintree-token", prefix: "access_token$sandbox$", charset: csDollar, min: 40},
	{id: "mailgun-key", prefix: "pubkey-", charset: csHexLower, min: 32, check: exactLen(32)},
	{id: "stripe-key", prefix: "sk_prod_", charset: csAlnum, min: 24},
	// Prefixes too common alone: they count with the provider's keyword nearby (kwtokens.go),
	// or with a shape check that random text rarely meets.
	{id: "adyen-key", desc: "Adyen API key (AQE..., base64 with - separators) near \"adyen\"", prefix: "AQE", charset: csB64Dash, min: 80, kw: []string{"adyen"}},
	{id: "clickhouse-key", desc: "ClickHouse Cloud API secret (4b1d + 38 mixed-case)", prefix: "4b1d", charset: csAlnum, min: 38, check: clickhouseMixed},
}

// clickhouseMixed: 38 characters with upper, lower and digits (all-lowercase ones need the
// keyword: kwtokens.go).
func clickhouseMixed(b []byte) bool { return len(b) == 38 && mixedAlnum(b) }

// concatTail: what follows a quoted string in code that goes on over the next line: the closing
// quote and a concatenation operator (+ . & || \ ,), or the closing quote alone (Python's
// adjacent literals, an operator at the start of the next line).
func concatTail(r []byte) bool {
	if len(r) == 0 || r[0] != '"' && r[0] != '\'' && r[0] != '`' {
		return false
	}
	t := bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(r[1:]), []byte("\\n")))
	t = bytes.TrimRight(t, " \t")
	return len(bytes.Trim(t, "+.&|,\\(")) == 0
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

// cfOriginCA: a Cloudflare Origin CA key body: 24 hex, '-', 146 hex.
func cfOriginCA(b []byte) bool {
	return len(b) == 171 && b[24] == '-' && allHex(b[:24]) && allHex(b[25:])
}

// hexish: a Sourcegraph token body: optional "local_" and hex groups separated by '_'.
func hexish(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("local_"))
	n := 0
	for _, c := range b {
		if c == '_' {
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
		n++
	}
	return n >= 40
}

// notionLegacy: the older Notion integration token, secret_ + exactly 43 mixed alphanumerics.
func notionLegacy(b []byte) bool { return len(b) == 43 && mixedAlnum(b) }

// opSecretKey: a 1Password account secret key, A3-XXXXXX-XXXXXX-XXXXX-XXXXX-XXXXX-XXXXX.
func opSecretKey(b []byte) bool {
	dashes := 0
	for _, c := range b {
		switch {
		case c == '-':
			dashes++
		case c >= 'a' && c <= 'z':
			return false
		}
	}
	return dashes >= 5 && dashes <= 6
}

// airtablePAT: pat + 14 alphanumerics, '.', 64 hex.
func airtablePAT(b []byte) bool {
	return len(b) == 79 && b[14] == '.' && allAlnum(b[:14]) && allHex(b[15:])
}

// hasAcc: an Authress key: dot-separated parts, one of them its account id (acc_ or acc-).
func hasAcc(b []byte) bool {
	return bytes.Count(b, []byte(".")) >= 3 && (bytes.Contains(b, []byte(".acc_")) || bytes.Contains(b, []byte(".acc-")))
}

// threeDots: a Harness token, pat.<account>.<token id>.<secret>.
func threeDots(b []byte) bool { return bytes.Count(b, []byte(".")) == 2 && mixedAlnum(b) }

func hasDigit(b []byte) bool { return bytes.ContainsAny(b, "0123456789") }

func allHex(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return len(b) > 0
}

// b64JWT: base64 of a JWT (ZXlK... is base64 of eyJ): header.payload once decoded.
func b64JWT(body []byte) bool {
	full := append([]byte("ZXlK"), body[:min(len(body), 400)]...)
	full = bytes.TrimRight(full, "=")
	full = full[:len(full)/4*4]
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(full)))
	n, err := base64.StdEncoding.Decode(dst, full)
	if err != nil {
		return false
	}
	d := dst[:n]
	dot := bytes.IndexByte(d, '.')
	return dot >= 7 && len(d)-dot > 4 && allB64URLBytes(d)
}

func allB64URLBytes(d []byte) bool {
	for _, c := range d {
		if !isB64URL[c] {
			return false
		}
	}
	return true
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
			if r.id == RulePrivateKey {
				k := v
				for k < s.n && isB64[s.b[k]] {
					k++
				}
				if concatTail(s.b[k:]) {
					s.pemOpen = true // a key's value concatenated over the next lines
					s.pemPrefix = 0
				}
			}
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
	g := firstTwo[uint16(b[i])<<8|uint16(b[i+1])] // word() checked i+2 < n and g > 0
	for _, r := range twoGroups[g-1] {
		if !hasPrefixAt(b, i, r.prefix) || r.kw != nil && !s.kwNear(i, r.kw) {
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
			if r.id == RulePrivateKey && concatTail(b[k:]) {
				// base64 of a PEM key built by string concatenation: the quoted base64 lines
				// that follow are the rest of the key (pemCodeLine)
				s.pemOpen = true
				s.pemPrefix = 0
			}
			s.add(st, k, r.id)
			return k
		}
		if r.id == RulePrivateKey && b64PEMHeadOpen(b[i:k]) && concatTail(b[k:]) {
			// the first piece of a concatenated base64 PEM ends inside its BEGIN line
			// ("LS0tLS1CRUdJTiBSU0Eg" +): the next line's piece says whether it is a
			// private key (b64PEMContinue)
			s.b64HdrNext = append(s.b64HdrNext[:0], b[i:k]...)
		}
	}
	return 0
}

// b64PEMHeadOpen: piece is base64 of the start of a PEM BEGIN line that has not ended
// ("-----BEGIN RSA ").
func b64PEMHeadOpen(piece []byte) bool {
	if len(piece) > 120 || !bytes.HasPrefix(piece, []byte("LS0tLS1CRUdJTi")) {
		return false
	}
	full := piece[:len(piece)/4*4]
	var dst [90]byte
	n, _ := base64.StdEncoding.Decode(dst[:], full)
	t := dst[:n]
	return bytes.HasPrefix(t, []byte("-----BEGIN")) && !bytes.Contains(t[10:], []byte("-----")) && bytes.IndexByte(t, '\n') < 0
}

// b64PEMContinue: the line after a first piece that ended inside the BEGIN line
// (s.b64HdrPrev). When it is a quoted piece in code and the two together begin a private key,
// the piece is redacted and the lines after it are the rest of the key (as for a first piece
// that holds the whole BEGIN line); when the BEGIN line goes on into a third piece, the next
// line is looked at the same way.
func (s *scanner) b64PEMContinue() {
	b := s.b
	p := 0
	for p < len(b) && (b[p] == ' ' || b[p] == '\t' || b[p] == '+' || b[p] == '.' || b[p] == '&' || b[p] == '|') {
		p++
	}
	if p >= len(b) || b[p] != '"' && b[p] != '\'' && b[p] != '`' {
		return
	}
	st := p + 1
	e := st
	for e < len(b) && isB64[b[e]] {
		e++
	}
	if e >= len(b) || b[e] != b[p] || e == st {
		return
	}
	full := append(append(s.b64Full[:0], s.b64HdrPrev...), b[st:e]...)
	s.b64Full = full
	switch {
	case b64PEMPrivate(full[len("LS0tLS1CRUdJTi"):]):
		s.add(st, e, RulePrivateKey)
		if concatTail(b[e:]) {
			s.pemOpen = true
			s.pemPrefix = 0
		}
	case b64PEMHeadOpen(full) && concatTail(b[e:]):
		s.b64HdrNext = append(s.b64HdrNext[:0], full...)
	}
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
	if len(run) < 64 {
		return 0 // most runs: key=value pairs (path=/api/v1/items/7)
	}
	// A sha512 digest in base64 is also 88 characters ending in ==: Subresource Integrity
	// ("integrity": "sha512-...", every package-lock.json) is a checksum, not a key.
	if len(run) == 88 && run[86] == '=' && run[87] == '=' && bytes.IndexByte(run[:86], '=') < 0 && (st == 0 || !isB64[b[st-1]]) &&
		!(st >= 7 && (bytes.HasSuffix(b[:st], []byte("sha512-")) || bytes.HasSuffix(b[:st], []byte("sha384-")))) {
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
