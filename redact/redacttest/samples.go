// Package redacttest provides planted secrets for end-to-end tests: one fake credential of each
// family the redactor must find, each in a line of the context it usually appears in. A test
// plants Line into a collector's input and asserts Core is absent from the bundle. None of the
// values is real.
package redacttest

// Sample is one planted secret.
type Sample struct {
	Kind string // family, e.g. "github-token"
	Line string // a line holding the secret in a typical context (no newline)
	Core string // the part that must not survive redaction
}

// Samples returns one sample per family (fresh slice; callers may modify it).
func Samples() []Sample {
	return []Sample{
		{"aws-access-key-id", "aws_access_key_id = AKIAQ7ZJ4XK2M9PL5VNE", "AKIAQ7ZJ4XK2M9PL5VNE"},
		{"aws-secret-key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzX9q2LmT4e", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzX9q2LmT4e"},
		{"gcp-api-key", "GET /maps/api/geocode/json?key=AIzaSyD4x9Kq2Lm7Np3Rs8Tv1Wx6Yz0Ab5Cd2Ef HTTP/1.1", "AIzaSyD4x9Kq2Lm7Np3Rs8Tv1Wx6Yz0Ab5Cd2Ef"},
		{"gcp-service-account", `{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Xk9Lm2Np4Qr7\n-----END PRIVATE KEY-----\n"}`, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Xk9Lm2Np4Qr7"},
		{"azure-storage-key", "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=i15dRf3bWPq77G1f4Snli6Nrcx34f4n4hq2gBY8a+YdjXzlYYdC/RhHKeKF0K8HTK33SaALI3keRrmemOTpdqg==;EndpointSuffix=core.windows.net", "i15dRf3bWPq77G1f4Snli6Nrcx34f4n4hq2gBY8a"},
		{"azure-sas", "https://acme.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1%2BaB3dE5fG7hJ9kL1m%3D", "Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1"},
		{"github-token", "cloning with ghp_R8xK2mQ9vLp4Tn7Wc3Yb6Hd1Fs5Jg0Ae2Zu4", "R8xK2mQ9vLp4Tn7Wc3Yb6Hd1Fs5Jg0Ae2Zu4"},
		{"github-fine-grained", "GH_TOKEN=github_pat_11ABCDEFG0aB3cD4eF5gH6_iJ7kL8mN9oP0qR1sT2uV3wX4yZ5aB6cD7eF8gH9iJ0kL1mN2oP3qR4sT5uV6w", "iJ7kL8mN9oP0qR1sT2uV3wX4yZ5aB6cD7eF8gH9iJ0kL1mN2oP3qR4sT5uV6w"},
		{"github-app", "installation token ghs_Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6", "Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6"},
		{"gitlab-token", "PRIVATE-TOKEN: glpat-x9Y8w7V6u5T4s3R2q1P0", "x9Y8w7V6u5T4s3R2q1P0"},
		{"bitbucket-token", "bitbucket app password ATBBXk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4", "Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4"},
		{"slack-token", "slack: xoxb-2847561930-4829175630-Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1", "Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1"},
		{"slack-webhook", "posting to https://hooks.slack.com/services/T04ABCDEF/B05GHIJKL/x8Yz2Qw4Er6Ty8Ui0Op3As5D", "x8Yz2Qw4Er6Ty8Ui0Op3As5D"},
		{"stripe-key", "STRIPE_KEY=sk_live_51HqRt8Kx2Lm9Np4Qs7Tv3Wy6Zb1Cd5Ef", "51HqRt8Kx2Lm9Np4Qs7Tv3Wy6Zb1Cd5Ef"},
		{"twilio", "TWILIO_AUTH_TOKEN=3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e api key SK2b9f4c7e1a8d3f6b0c5e9a2d7f4b1c8e", "3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e"},
		{"sendgrid-key", "SENDGRID_API_KEY=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", "sT7uV9wX1yZ3aB5cD7eF9gH1jK3lM5nP7qR9sT1uV3w"},
		{"mailgun-key", "mailgun key-3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e", "3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e"},
		{"npm-token", "//registry.npmjs.org/:_authToken=npm_Xy7Kq2Lm9Np4Rs8Tv1Wz6Ab3Cd5Ef0Gh2Jk4", "Xy7Kq2Lm9Np4Rs8Tv1Wz6Ab3Cd5Ef0Gh2Jk4"},
		{"pypi-token", "password = pypi-AgEIcHlwaS5vcmcCJGE4ZDcxNzQ5LTZkNDEtNDk0OC1hNjU5LTYxMzQ0ZjM5OTg5ZQACKlszLCJmNjA4", "AgEIcHlwaS5vcmcCJGE4ZDcxNzQ5LTZkNDEtNDk0OC1hNjU5"},
		{"docker-auth", `{"auths":{"registry.example.com":{"auth":"YWRtaW46c2VjcmV0UGFzczEyMw=="}}}`, "YWRtaW46c2VjcmV0UGFzczEyMw"},
		{"docker-token", "docker login -u me -p dckr_pat_Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0", "Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0"},
		{"vault-token", "VAULT_TOKEN=hvs.CAESIJx8Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6", "CAESIJx8Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6"},
		{"terraform-token", `token = "Xk9Lm2Np4Qr7St.atlasv1.Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2Lm4Np6Qr"`, "Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2Lm4Np6Qr"},
		{"openai-key", "OPENAI_API_KEY=sk-proj-Q2w4E6r8T0y2U4i6O8p0A2s4D6f8G0h2J4k6L8z0X2c4V6b8N0m2", "Q2w4E6r8T0y2U4i6O8p0A2s4D6f8G0h2J4k6L8z0X2c4V6b8N0m2"},
		{"anthropic-key", "x-api-key: sk-ant-api03-Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc2Vb4Nm6Qw8Er0Ty2Ui4Op6As8Df0Gh2Jk4Lz6Xc8Vb0Nm2Qw4Er6Ty8Ui0Op2-AsDfGhAA", "Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc2Vb4Nm6Qw8Er0Ty2Ui4Op6"},
		{"huggingface-token", "HF_TOKEN=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", "QwErTyUiOpAsDfGhJkLzXcVbNmQwErTyUi"},
		{"datadog", "DD_API_KEY=7c2e9a4f1b8d3e6a0c5f9b2d4e7a1c3f", "7c2e9a4f1b8d3e6a0c5f9b2d4e7a1c3f"},
		{"sentry-dsn", "SENTRY_DSN=https://8f3a9c1e7b2d4f6a0c5e9b1d3f7a2c4e@o123456.ingest.sentry.io/4505123", "8f3a9c1e7b2d4f6a0c5e9b1d3f7a2c4e"},
		{"shopify-token", "X-Shopify-Access-Token: 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", "3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e"},
		{"square-token", "square access token EAAAEXk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6Uv8Wx0Yz2Ab4", "Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6Uv8Wx0Yz2Ab4"},
		{"digitalocean-token", "DIGITALOCEAN_TOKEN=dop_v1_3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e", "3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e"},
		{"heroku-key", "HEROKU_API_KEY=HRKU-AAXk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6Uv8_w", "AAXk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6Uv8_w"},
		{"cloudflare-token", "Authorization: Bearer Ck9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8", "Ck9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8"},
		{"okta-token", "Authorization: SSWS 00Ok9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8L", "00Ok9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8L"},
		{"atlassian-token", "JIRA_API_TOKEN=ATATT3xFfGF0Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2Lm4Np6Qr8St0Uv2Wx4Yz6=A1B2C3D4", "Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4"},
		{"discord-token", "Authorization: Bot MTA4NjU0MzIxMDk4NzY1NDMyMQ.GxYz12.Ab3Cd5Ef7Gh9Jk1Lm3Np5Qr7St9Uv1Wx3Yz5", "Ab3Cd5Ef7Gh9Jk1Lm3Np5Qr7St9Uv1Wx3Yz5"},
		{"telegram-token", "https://api.telegram.org/bot6123456789:AAHk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4/getMe", "AAHk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4"},
		{"jwt", "id_token=eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8", "Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8"},
		{"age-secret-key", "AGE-SECRET-KEY-1QYZQ8P6X7N2M5K3J9H4G8F2D6S1A0Q7W3E5R9T2Y4U6I8O0P2L4K6J8H", "QYZQ8P6X7N2M5K3J9H4G8F2D6S1A0Q7W3E5R9T2Y4U6I8O0P2L4K6J8H"},
		{"password", `{"user": "bob", "password": "Tr0ub4dor&3!"}`, "Tr0ub4dor&3!"},
		{"url-password", "connecting to postgres://app:Pa55w0rd!x@db.internal:5432/app", "Pa55w0rd!x"},
		{"cli-password", "mysql -h db -u root -pS3cr3tPass app", "S3cr3tPass"},
		{"http-auth", "Authorization: Basic YWRtaW46aHVudGVyMmh1bnRlcjI=", "YWRtaW46aHVudGVyMmh1bnRlcjI"},
		{"cookie", "Cookie: theme=dark; sessionid=Xk9Lm2Np4Qr7St1Uv3Ws", "Xk9Lm2Np4Qr7St1Uv3Ws"},
		{"private-key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4\n-----END RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEAx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4"},
	}
}
