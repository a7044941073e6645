package redact

import (
	"encoding/json"
	"strings"
	"testing"
)

// Fake credentials in the shapes providers issue. None is real.
const (
	ghp     = "ghp_R8xK2mQ9vLp4Tn7Wc3Yb6Hd1Fs5Jg0Ae2Zu4"
	ghFine  = "github_pat_11ABCDEFG0aB3cD4eF5gH6_iJ7kL8mN9oP0qR1sT2uV3wX4yZ5aB6cD7eF8gH9iJ0kL1mN2oP3qR4sT5uV6w"
	glpat   = "glpat-x9Y8w7V6u5T4s3R2q1P0"
	awsID   = "AKIAQ7ZJ4XK2M9PL5VNE"
	awsSec  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzX9q2LmT4e"
	gcpKey  = "AIzaSyD4x9Kq2Lm7Np3Rs8Tv1Wx6Yz0Ab5Cd2Ef"
	azKey   = "i15dRf3bWPq77G1f4Snli6Nrcx34f4n4hq2gBY8a+YdjXzlYYdC/RhHKeKF0K8HTK33SaALI3keRrmemOTpdqg=="
	slackB  = "xoxb-2847561930-4829175630-Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1"
	slackWH = "https://hooks.slack.com/services/T04ABCDEF/B05GHIJKL/x8Yz2Qw4Er6Ty8Ui0Op3As5D"
	stripe  = "sk_live_51HqRt8Kx2Lm9Np4Qs7Tv3Wy6Zb1Cd5Ef"
	twilio  = "SK2b9f4c7e1a8d3f6b0c5e9a2d7f4b1c8e"
	sendg   = "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"
	mailgun = "key-3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e"
	npm     = "npm_Xy7Kq2Lm9Np4Rs8Tv1Wz6Ab3Cd5Ef0Gh2Jk4"
	pypi    = "pypi-AgEIcHlwaS5vcmcCJGE4ZDcxNzQ5LTZkNDEtNDk0OC1hNjU5LTYxMzQ0ZjM5OTg5ZQACKlszLCJmNjA4"
	dckr    = "dckr_pat_Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0"
	vault   = "hvs.CAESIJx8Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6"
	tfc     = "Xk9Lm2Np4Qr7St.atlasv1.Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2Lm4Np6Qr"
	openai  = "sk-proj-Q2w4E6r8T0y2U4i6O8p0A2s4D6f8G0h2J4k6L8z0X2c4V6b8N0m2"
	anthr   = "sk-ant-api03-Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc2Vb4Nm6Qw8Er0Ty2Ui4Op6As8Df0Gh2Jk4Lz6Xc8Vb0Nm2Qw4Er6Ty8Ui0Op2-AsDfGhAA"
	hf      = "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"
	ddKey   = "3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e"
	sentry  = "https://8f3a9c1e7b2d4f6a0c5e9b1d3f7a2c4e@o123456.ingest.sentry.io/4505123"
	shopify = "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"
	square  = "sq0atp-Xk9Lm2Np4Qr7St1Uv3Wx5Y"
	doTok   = "dop_v1_3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e"
	heroku  = "HRKU-AAXk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6Uv8_w"
	cfTok   = "Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8"
	okta    = "00Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8L"
	atl     = "ATATT3xFfGF0Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2Lm4Np6Qr8St0Uv2Wx4Yz6=A1B2C3D4"
	bbTok   = "ATBBXk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4"
	discord = "MTA4NjU0MzIxMDk4NzY1NDMyMQ.GxYz12.Ab3Cd5Ef7Gh9Jk1Lm3Np5Qr7St9Uv1Wx3Yz5"
	tgram   = "6123456789:AAHk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4"
	jwt     = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8"
	age     = "AGE-SECRET-KEY-1QYZQ8P6X7N2M5K3J9H4G8F2D6S1A0Q7W3E5R9T2Y4U6I8O0P2L4K6J8H"
	gcpSA   = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Xk9Lm2Np4Qr7\\nSt1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2\\n-----END PRIVATE KEY-----\\n"
)

type famCase struct {
	name   string
	in     string
	secret []string // must not survive
	keep   []string // must survive verbatim
}

var familyCases = []famCase{
	// 1. provider tokens, bare in prose (no key context)
	{"github classic", "cloning with " + ghp + " now", []string{ghp[4:]}, []string{"cloning with", "now"}},
	{"github fine-grained", "export GH=" + ghFine, []string{ghFine[11:]}, nil},
	{"github oauth", "token gho_Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6 used", []string{"Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0"}, nil},
	{"github app", "ghs_Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6 and ghu_Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6", []string{"Xk9Lm2Np4Qr7St1Uv3W"}, nil},
	{"gitlab", "remote: " + glpat, []string{glpat[6:]}, []string{"remote:"}},
	{"aws key id", "using " + awsID + " for s3", []string{awsID}, []string{"for s3"}},
	{"aws secret in context", "aws_secret_access_key = " + awsSec, []string{awsSec}, []string{"aws_secret_access_key"}},
	{"aws secret json", `{"AccessKeyId":"` + awsID + `","SecretAccessKey":"` + awsSec + `"}`, []string{awsSec, awsID}, []string{"SecretAccessKey"}},
	{"gcp api key", "maps?key=" + gcpKey + "&q=x", []string{gcpKey}, []string{"&q=x"}},
	{"gcp service account", `{"type": "service_account", "private_key_id": "a1b2", "private_key": "` + gcpSA + `", "client_email": "x@y.iam.gserviceaccount.com"}`, []string{"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", "St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0"}, []string{"service_account", "client_email"}},
	{"azure storage key bare", "key is " + azKey, []string{azKey[:40]}, nil},
	{"azure conn string", "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=" + azKey + ";EndpointSuffix=core.windows.net", []string{azKey[:40]}, []string{"AccountName=acme", "EndpointSuffix=core.windows.net"}},
	{"azure sas", "https://acme.blob.core.windows.net/c/b?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-01T00:00:00Z&sig=Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1%2BaB3dE5fG7hJ9kL1m%3D", []string{"Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1"}, []string{"sv=2022-11-02"}},
	{"azure servicebus", "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1aB3dE5fG7hJ9kL1mN3=", []string{"Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1"}, []string{"SharedAccessKeyName=Root"}},
	{"bitbucket", "app password " + bbTok, []string{bbTok[4:]}, nil},
	{"slack bot", "slack: " + slackB, []string{slackB[5:]}, nil},
	{"slack webhook", "posting to " + slackWH, []string{"x8Yz2Qw4Er6Ty8Ui0Op3As5D"}, nil},
	{"stripe", "charge with " + stripe, []string{stripe[8:]}, nil},
	{"twilio", "twilio " + twilio, []string{twilio[2:]}, nil},
	{"twilio auth token", "TWILIO_AUTH_TOKEN=" + ddKey, []string{ddKey}, nil},
	{"sendgrid", "mail " + sendg, []string{sendg[3:]}, nil},
	{"mailgun", "mg " + mailgun, []string{mailgun[4:]}, nil},
	{"npm", "//registry.npmjs.org/:_authToken=" + npm, []string{npm[4:]}, nil},
	{"npmrc _auth", "_auth=YWRtaW46c2VjcmV0UGFzczEyMw==", []string{"YWRtaW46c2VjcmV0UGFzczEyMw"}, nil},
	{"pypi", "password = " + pypi, []string{pypi[5:30]}, nil},
	{"pypi bare", "upload " + pypi, []string{pypi[5:30]}, nil},
	{"docker config", `{"auths":{"registry.example.com":{"auth":"YWRtaW46c2VjcmV0UGFzczEyMw=="}}}`, []string{"YWRtaW46c2VjcmV0UGFzczEyMw"}, []string{"registry.example.com"}},
	{"docker pat", "docker login -u me -p " + dckr, []string{dckr[9:]}, nil},
	{"vault", "VAULT_TOKEN " + vault, []string{vault[4:]}, nil},
	{"terraform", "credentials app.terraform.io token " + tfc, []string{tfc[20:50]}, nil},
	{"openai", "client = OpenAI(api_key=\"" + openai + "\")", []string{openai[8:]}, []string{"client = OpenAI(api_key="}},
	{"openai bare", "key " + openai, []string{openai[8:]}, nil},
	{"anthropic", "x-api-key: " + anthr, []string{anthr[7:40]}, []string{"x-api-key"}},
	{"anthropic bare", "using " + anthr, []string{anthr[7:40]}, nil},
	{"huggingface", "hf " + hf, []string{hf[3:]}, nil},
	{"datadog", "DD_API_KEY=" + ddKey + "\nDD_APP_KEY=" + ddKey + "abcd1234", []string{ddKey}, []string{"DD_API_KEY="}},
	{"sentry dsn", "SENTRY_DSN " + sentry + " set", []string{"8f3a9c1e7b2d4f6a0c5e9b1d3f7a2c4e"}, []string{"ingest.sentry.io"}},
	{"shopify", "shop " + shopify, []string{shopify[6:]}, nil},
	{"square", "sq " + square, []string{square[7:]}, nil},
	{"digitalocean", "do " + doTok, []string{doTok[7:]}, nil},
	{"heroku", "heroku " + heroku, []string{heroku[5:]}, nil},
	{"cloudflare", "CLOUDFLARE_API_TOKEN=" + cfTok, []string{cfTok}, nil},
	{"cloudflare header", "Authorization: Bearer " + cfTok, []string{cfTok}, []string{"Authorization: Bearer"}},
	{"okta", "Authorization: SSWS " + okta, []string{okta}, []string{"SSWS"}},
	{"okta mid line", `curl -H "Authorization: SSWS ` + okta + `" https://acme.okta.com`, []string{okta}, []string{"https://acme.okta.com"}},
	{"atlassian", "jira " + atl, []string{atl[5:40]}, nil},
	{"discord", "bot token " + discord, []string{discord[:24], discord[len(discord)-20:]}, nil},
	{"telegram", "https://api.telegram.org/bot" + tgram + "/getMe", []string{tgram[11:]}, nil},
	{"telegram bare", "bot " + tgram, []string{tgram[11:]}, nil},
	{"jwt", "id_token: " + jwt, []string{jwt[40:]}, nil},
	{"jwt bare", "got " + jwt + " from idp", []string{jwt[40:]}, []string{"from idp"}},
	{"age", "age key " + age, []string{age[16:]}, nil},

	// 2. structure
	{"k=v", "password=Hunter2Secret! user=bob", []string{"Hunter2Secret!"}, []string{"user=bob"}},
	{"k: v", "  db_password: s3cr3t-pa55", []string{"s3cr3t-pa55"}, []string{"db_password:"}},
	{"json", `{"user":"bob","password":"p@ss\"w0rd","port":5432}`, []string{"p@ss"}, []string{`"user":"bob"`, `"port":5432`}},
	{"escaped json", `{"log":"{\"client_secret\":\"zX9-kL2_mN4\",\"ok\":true}"}`, []string{"zX9-kL2_mN4"}, []string{`\"ok\":true`}},
	{"python repr", `{'username': 'bob', 'password': 'Tr0ub4dor&3'}`, []string{"Tr0ub4dor&3"}, []string{"'username': 'bob'"}},
	{"go struct", `&{Host:db.local Port:5432 Password:Tr0ub4dor&3 SSL:true}`, []string{"Tr0ub4dor&3"}, []string{"Host:db.local", "SSL:true"}},
	{"go struct quoted", `{User:"bob" Secret:"a b c d"}`, []string{"a b c d"}, []string{`User:"bob"`}},
	{"xml", `<config><password>Tr0ub4dor&amp;3</password><user>bob</user></config>`, []string{"Tr0ub4dor"}, []string{"<user>bob</user>"}},
	{"xml attr", `<add key="ApiKey" value="Xk9Lm2Np4Qr7St1Uv3Wx5Yz8" />`, []string{"Xk9Lm2Np4Qr7St1Uv3Wx5Yz8"}, nil},
	{"env dump", "HOME=/root\nMYSQL_ROOT_PASSWORD=correct horse battery\nPATH=/usr/bin", []string{"correct horse battery"}, []string{"HOME=/root", "PATH=/usr/bin"}},
	{"ini", "[db]\npassword = Tr0ub4dor&3\nhost = db", []string{"Tr0ub4dor&3"}, []string{"host = db"}},
	{"form body", "username=bob&password=Tr0ub4dor%263&remember=1", []string{"Tr0ub4dor"}, []string{"username=bob", "remember=1"}},
	{"query string", "GET /cb?code=abc&client_secret=Xk9Lm2Np4Qr7&state=xyz HTTP/1.1", []string{"Xk9Lm2Np4Qr7"}, []string{"state=xyz"}},
	{"url userinfo", "dsn=postgres://app:Pa$$w0rd!@db.internal:5432/app", []string{"Pa$$w0rd!"}, []string{"db.internal:5432/app"}},
	{"url userinfo at in pass", "amqp://svc:p@ss@word@mq.local/vhost", []string{"p@ss@word"}, []string{"mq.local/vhost"}},
	{"url userinfo slash in pass", "redis://u:ab/cd9Xy@cache.local:6379", []string{"ab/cd9Xy"}, []string{"cache.local:6379"}},
	{"jdbc", "jdbc:mysql://db:3306/app?user=root&password=Tr0ub4dor3&useSSL=true", []string{"Tr0ub4dor3"}, []string{"useSSL=true"}},
	{"jdbc sqlserver", "jdbc:sqlserver://db:1433;databaseName=app;user=sa;password=Tr0ub4dor3;encrypt=true", []string{"Tr0ub4dor3"}, []string{"encrypt=true"}},
	{"auth header", "Authorization: Bearer Xk9Lm2Np4Qr7St1Uv3Wx5", []string{"Xk9Lm2Np4Qr7St1Uv3Wx5"}, []string{"Authorization: Bearer"}},
	{"auth header custom scheme", "authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7", []string{"5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"}, nil},
	{"proxy auth", "Proxy-Authorization: Basic YWRtaW46c2VjcmV0UGFzczEyMw==", []string{"YWRtaW46c2VjcmV0UGFzczEyMw"}, []string{"Basic"}},
	{"cookie", "Cookie: theme=dark; sessionid=Xk9Lm2Np4Qr7St1Uv3; csrftoken=Ab0Cd2Ef4Gh6Jk8", []string{"Xk9Lm2Np4Qr7St1Uv3", "Ab0Cd2Ef4Gh6Jk8"}, []string{"sessionid="}},
	{"set-cookie", "< Set-Cookie: SESSION=Xk9Lm2Np4Qr7St1Uv3; Path=/; Secure; HttpOnly", []string{"Xk9Lm2Np4Qr7St1Uv3"}, []string{"Path=/"}},
	{"x-api-key", "X-Api-Key: Xk9Lm2Np4Qr7St1Uv3", []string{"Xk9Lm2Np4Qr7St1Uv3"}, nil},
	{"x-auth-token", "x-auth-token: Xk9Lm2Np4Qr7St1Uv3", []string{"Xk9Lm2Np4Qr7St1Uv3"}, nil},
	{"private-token", "PRIVATE-TOKEN: Xk9Lm2Np4Qr7St1Uv3", []string{"Xk9Lm2Np4Qr7St1Uv3"}, nil},
	{"flag space", "/usr/bin/app --password Tr0ub4dor3 --port 80", []string{"Tr0ub4dor3"}, []string{"--port 80"}},
	{"flag eq", "app --db-password=Tr0ub4dor3 --verbose", []string{"Tr0ub4dor3"}, []string{"--verbose"}},
	{"flag token", "vault login -token=s.Xk9Lm2Np4Qr7St1Uv3", []string{"Xk9Lm2Np4Qr7St1Uv3"}, nil},
	{"mysql -p", "mysql -uroot -pTr0ub4dor3 -h db app", []string{"Tr0ub4dor3"}, []string{"-h db app"}},
	{"mysqldump quoted", "mysqldump -u root -p'Tr0ub4 dor3' app", []string{"Tr0ub4"}, nil},
	{"sshpass", "sshpass -p 'Tr0ub4dor3' ssh host", []string{"Tr0ub4dor3"}, []string{"ssh host"}},
	{"curl -u", "curl -u admin:Tr0ub4dor3 https://x", []string{"Tr0ub4dor3"}, []string{"admin:"}},
	{"curl --user", "curl --user admin:Tr0ub4dor3 https://x", []string{"Tr0ub4dor3"}, nil},
	{"punctuation password", "password: 'p@$$w0rd!#%^&*()'", []string{"p@$$w0rd!#%^&*()"}, nil},
	{"high entropy under key", "session_key=Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0", []string{"Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0"}, nil},
	{"credential with space", "login failed with credential Xk9$Lm2Np4", []string{"Xk9$Lm2Np4"}, nil},
	{"yaml nested", "auth:\n  password: Tr0ub4dor3\n  user: bob", []string{"Tr0ub4dor3"}, []string{"user: bob"}},
	{"private key block", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4\nSt6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2Lm4Np6Qr8St0Uv2Wx4Yz6Ab8Cd0Ef2Gh4Jk6\n-----END RSA PRIVATE KEY-----\nnext line", []string{"MIIEowIBAAKCAQEAx9Lm2Np4Qr7", "St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2"}, []string{"next line"}},
	{"private key log prefixed", "2026-01-01T00:00:00Z app[12]: -----BEGIN EC PRIVATE KEY-----\n2026-01-01T00:00:00Z app[12]: MHcCAQEEIDx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0oAoGCCqGSM49\n2026-01-01T00:00:00Z app[12]: AwEHoUQDQgAEx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6\n2026-01-01T00:00:00Z app[12]: -----END EC PRIVATE KEY-----\n2026-01-01T00:00:01Z app[12]: started", []string{"MHcCAQEEIDx9Lm2Np4Qr7", "AwEHoUQDQgAEx9Lm2Np4Qr7"}, []string{"started"}},
	{"private key json escaped", `{"key":"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAMwAAAAtzc2gtZWQyNTUxOQAAACBx9Lm2Np4Qr7\n-----END OPENSSH PRIVATE KEY-----\n","name":"deploy"}`, []string{"b3BlbnNzaC1rZXktdjEAAAAABG5", "AAAAMwAAAAtzc2gtZWQyNTUxOQ"}, []string{`"name":"deploy"`}},
	{"private key journald json", `{"__REALTIME_TIMESTAMP":"1732700000","MESSAGE":"-----BEGIN RSA PRIVATE KEY-----","_PID":"1"}` + "\n" + `{"__REALTIME_TIMESTAMP":"1732700001","MESSAGE":"MIIEowIBAAKCAQEAx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4","_PID":"1"}` + "\n" + `{"__REALTIME_TIMESTAMP":"1732700002","MESSAGE":"St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2Lm4","_PID":"1"}` + "\n" + `{"__REALTIME_TIMESTAMP":"1732700003","MESSAGE":"-----END RSA PRIVATE KEY-----","_PID":"1"}` + "\n" + `{"MESSAGE":"next","_PID":"1"}`, []string{"MIIEowIBAAKCAQEAx9Lm2Np4Qr7", "St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2Lm4"}, []string{`{"MESSAGE":"next","_PID":"1"}`, `"_PID":"1"}`}},
	{"private key in xml", "<tls><key>-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIDx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0oAoGCCqGSM49\nAwEH\n-----END EC PRIVATE KEY-----</key><cert>x</cert></tls>", []string{"MHcCAQEEIDx9Lm2Np4Qr7", "AwEH"}, []string{"<cert>x</cert></tls>"}},
	{"encrypted private key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHzBJBgkqhkiG9w0BBQ0wPDAbBgkqhkiG9w0BBQwwDgQIx9Lm2Np4Qr7\n-----END ENCRYPTED PRIVATE KEY-----", []string{"MIIFHzBJBgkqhkiG9w0BBQ0wPDAbBgkq"}, nil},
	{"pgp private", "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\nlQOYBGQx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6Uv8Wx0\n=Ab3C\n-----END PGP PRIVATE KEY BLOCK-----\nafter", []string{"lQOYBGQx9Lm2Np4Qr7St1Uv3"}, []string{"after"}},

	{"azure client secret", "client secret Abc8Q~Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6J used", []string{"Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0"}, []string{"used"}},
	{"alibaba", "ak LTAI5tXk9Lm2Np4Qr7St1Uv3", []string{"5tXk9Lm2Np4Qr7St1Uv3"}, nil},
	{"mapbox", "MAPBOX sk.eyJ1IjoiYWNtZSIsImEiOiJjbGs5In0.Xk9Lm2Np4Qr7St1Uv3Wx5Y", []string{"eyJ1IjoiYWNtZSIsImEiOiJjbGs5In0"}, nil},
	{"twitter bearer", "bearer AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F", []string{"MLheAAAAAAA0%2BuSeid"}, nil},
	{"discord webhook", "https://discord.com/api/webhooks/1234567890123/Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8", []string{"Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4"}, []string{"discord.com/api/webhooks/"}},
	{"teams webhook", "https://acme.webhook.office.com/webhookb2/1a2b3c4d-1111-2222-3333-444455556666@5e6f/IncomingWebhook/Xk9Lm2Np4Qr7St1Uv3Wx5/7a8b", []string{"Xk9Lm2Np4Qr7St1Uv3Wx5"}, nil},
	{"dynatrace", "Api-Token dt0c01.ST2EY72KQINMH574WMNVI7YN.G3DFPBEJYMODIDAEX454M7YWBUVEFOWKPRVMWFASS64NFH52PX6BNDVFFM572RZM", []string{"G3DFPBEJYMODIDAEX454M7YWBUVEFOWKPRVMWFASS64"}, nil},

	{"sql identified by", "CREATE USER 'app'@'%' IDENTIFIED BY 'Tr0ub4dor3';", []string{"Tr0ub4dor3"}, []string{"CREATE USER 'app'@'%'"}},
	{"sql identified with", "ALTER USER 'app'@'%' IDENTIFIED WITH mysql_native_password BY 'hunter2x';", []string{"hunter2x"}, nil},
	{"sql alter role", "ALTER ROLE app WITH LOGIN PASSWORD 'hunter2x';", []string{"hunter2x"}, []string{"ALTER ROLE app WITH LOGIN"}},
	{"sql password()", "SET PASSWORD FOR 'bob'@'%' = PASSWORD('hunter2x')", []string{"hunter2x"}, nil},
	{"powershell securestring", `$pw = ConvertTo-SecureString "Tr0ub4dor3" -AsPlainText -Force`, []string{"Tr0ub4dor3"}, []string{"-AsPlainText"}},
	{"cmdkey", "cmdkey /add:fileserver /user:corp\\bob /pass:Tr0ub4dor3", []string{"Tr0ub4dor3"}, []string{"/user:corp"}},
	{"sshd prose", "Failed password for invalid user admin from 10.0.0.9 port 22 ssh2", nil, []string{"Failed password for invalid user admin from 10.0.0.9 port 22 ssh2"}},

	// generalisation: the same kinds in other contexts
	{"aws csv export", "User name,Password,Access key ID,Secret access key\nops,," + awsID + "," + awsSec, []string{awsID, awsSec}, []string{"User name"}},
	{"aws xml", "<AccessKeyId>" + awsID + "</AccessKeyId><SecretAccessKey>" + awsSec + "</SecretAccessKey>", []string{awsID, awsSec}, nil},
	{"aws flag", "aws configure set aws_secret_access_key " + awsSec, []string{awsSec}, nil},
	{"php define", "define('DB_PASSWORD', 'Tr0ub4dor&3');", []string{"Tr0ub4dor&3"}, []string{"DB_PASSWORD"}},
	{"ruby hash", `{:password => "Tr0ub4dor3", :user => "bob"}`, []string{"Tr0ub4dor3"}, []string{`:user => "bob"`}},
	{"redis conf", "requirepass foobared42\nmasterauth foobared43", []string{"foobared42", "foobared43"}, nil},
	{"two-field config", "password hunter2", []string{"hunter2"}, nil},
	{"prose after password", "Password authentication failed for user postgres", nil, []string{"Password authentication failed for user postgres"}},
	{"redis-cli", "redis-cli -h cache -a Tr0ub4dor3 ping", []string{"Tr0ub4dor3"}, []string{"ping"}},
	{"ldapsearch", "ldapsearch -x -D cn=admin -w Tr0ub4dor3 -b dc=example", []string{"Tr0ub4dor3"}, []string{"-b dc=example"}},
	{"docker login", "docker login -u bob -p Tr0ub4dor3 registry.example.com", []string{"Tr0ub4dor3"}, []string{"registry.example.com"}},
	{"openssl passin", "openssl rsa -in k.pem -passin pass:Tr0ub4dor3 -out x", []string{"Tr0ub4dor3"}, []string{"-out x"}},
	{"java sysprop", "java -Djavax.net.ssl.keyStorePassword=Tr0ub4dor3 -jar app.jar", []string{"Tr0ub4dor3"}, []string{"-jar app.jar"}},
	{"sshpass glued", "sshpass -pTr0ub4dor3 ssh host", []string{"Tr0ub4dor3"}, nil},
	{"ado.net", "Server=db;Database=app;User Id=sa;Password=Tr0ub4dor3;Encrypt=True", []string{"Tr0ub4dor3"}, []string{"Encrypt=True"}},
	{"k8s secret b64 pem", "  tls.key: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVBeDlMbTJOcDRRcjdTdDFVdjNXeDVZejhBYjBDZDJFZjRHaDZKazhMbTBOcDJRcjQK", []string{"LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF"}, []string{"tls.key"}},
	{"b64 pem any key", `"cert.pem": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=", "key.pem": "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2UUlCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND"`, []string{"LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2"}, []string{"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM="}},
	{"connect.sid", "Cookie: connect.sid=s%3AXk9Lm2Np4Qr7St1Uv3.Wx5Yz8Ab0", []string{"Xk9Lm2Np4Qr7St1Uv3"}, nil},
	{"session words", "session: started\nauth: failed", nil, []string{"session: started", "auth: failed"}},
	{"public key under key", `{"public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@host"}`, nil, []string{"AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"}},
	{"ssh key under ssh_key", `ssh_key: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2 ops"`, nil, []string{"AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Xk9Lm2Np4Qr7"}},
	{"digest under signature", "signature: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", nil, []string{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}},
	{"windows sid", "sid=S-1-5-21-3623811015-3361044348-30300820-1013", nil, []string{"S-1-5-21-3623811015-3361044348-30300820-1013"}},
	{"token in userinfo", "git clone https://x-access-token:" + ghp + "@github.com/acme/repo.git", []string{ghp[4:]}, []string{"github.com/acme/repo.git"}},
	{"oauth2 gitlab", "https://oauth2:" + glpat + "@gitlab.example.com/g/r.git", []string{glpat[6:]}, []string{"gitlab.example.com/g/r.git"}},
	{"foreign key names", "Passwort=Geheim123! Kennwort: Geheim456!", []string{"Geheim123!", "Geheim456!"}, nil},

	{"har header", `{"headers": [{"name": "Authorization", "value": "Bearer Xk9Lm2Np4Qr7St1Uv3Wx5"}, {"name": "Accept", "value": "*/*"}]}`, []string{"Xk9Lm2Np4Qr7St1Uv3Wx5"}, []string{`"value": "*/*"`}},
	{"k8s env list", `env: [{"name": "DB_PASSWORD", "value": "hunter2hunter2"}, {"name": "DB_HOST", "value": "db"}]`, []string{"hunter2hunter2"}, []string{`"value": "db"`}},
	{"go header dump", `map[Accept:[*/*] Authorization:[Bearer Xk9Lm2Np4Qr7St1Uv3Wx5] Cookie:[sid=Ab3Cd5Ef7Gh9Jk1]]`, []string{"Xk9Lm2Np4Qr7St1Uv3Wx5", "Ab3Cd5Ef7Gh9Jk1"}, []string{"Accept:[*/*]"}},
	{"go list under key", `{Password:[hunter2] User:bob}`, []string{"hunter2"}, []string{"User:bob"}},
	{"list under key", `{"passwords": ["Tr0ub4dor3", "Hunter2Hunter2"], "n": 2}`, []string{"Tr0ub4dor3", "Hunter2Hunter2"}, []string{`"n": 2`}},
	{"dockerconfigjson", "  .dockerconfigjson: eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxlLmNvbSI6eyJhdXRoIjoiWVdSdGFXNDZjMlZqY21WMFVHRnpjekV5TXc9PSJ9fX0=", []string{"eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxl"}, nil},
	{"netrc", "machine api.example.com login bob password Tr0ub4dor3", []string{"Tr0ub4dor3"}, []string{"machine api.example.com login bob"}},
	{"gitconfig extraheader", "\textraheader = AUTHORIZATION: basic YWRtaW46c2VjcmV0UGFzczEyMw==", []string{"YWRtaW46c2VjcmV0UGFzczEyMw"}, nil},
	{"systemd env", `Environment="DB_PASSWORD=Tr0ub4dor3" "LOG_LEVEL=info"`, []string{"Tr0ub4dor3"}, []string{"LOG_LEVEL=info"}},
	{"presigned s3", "GET /b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + awsID + "%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7 HTTP/1.1", []string{awsID, "5d672d79c15b13162d9279b0855cfba6"}, []string{"X-Amz-Algorithm=AWS4-HMAC-SHA256"}},

	{"password is", "the admin password is Tr0ub4dor3 now", []string{"Tr0ub4dor3"}, []string{"now"}},
	{"token set to", "token set to 9f35786ed2a38a827caf6631a7fb8f5c", []string{"9f35786ed2a38a827caf6631a7fb8f5c"}, nil},
	{"with key", "signing with key q/DfcgaTMnTC0MrAU8urbFt5misIZHbhS4+Fvafh", []string{"q/DfcgaTMnTC0MrAU8urbFt5misIZHbhS4+Fvafh"}, nil},
	{"keytool", "keytool -importkeystore -srcstorepass Tr0ub4dor3 -deststorepass Hunter2Hunter2", []string{"Tr0ub4dor3", "Hunter2Hunter2"}, nil},
	{"ipmitool", "ipmitool -I lanplus -H 10.0.0.9 -U admin -P Tr0ub4dor3 power status", []string{"Tr0ub4dor3"}, []string{"power status"}},
	{"smbclient", "smbclient //fs/share -U corp/bob%Tr0ub4dor3", []string{"Tr0ub4dor3"}, []string{"corp/bob%"}},
	{"zip -P", "zip -r -P Tr0ub4dor3 backup.zip dir", []string{"Tr0ub4dor3"}, []string{"backup.zip"}},
	{"7z -p", "7z a -pTr0ub4dor3 backup.7z dir", []string{"Tr0ub4dor3"}, []string{"backup.7z"}},
	{"lftp", "lftp -u deploy,Tr0ub4dor3 sftp://files.example.com", []string{"Tr0ub4dor3"}, []string{"deploy,"}},
	{"pw key", "pw=Tr0ub4dor3", []string{"Tr0ub4dor3"}, nil},
	{"hash under weak key", "cache key 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 and hash=4f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e2b4d6f8a", nil, []string{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "4f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e2b4d6f8a"}},
	{"ssh body under key", "key: AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8", nil, []string{"AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8"}},

	{"bare basic creds", "retrying with YWRtaW46VGlnZXIwQDMqQDd6aUdF after 401", []string{"YWRtaW46VGlnZXIwQDMqQDd6aUdF"}, []string{"after 401"}},
	{"bare basic creds padded", "cred=x c3ZjOlRpZ2VyODchN2ROZw== end", []string{"c3ZjOlRpZ2VyODchN2ROZw"}, []string{"end"}},
	{"base64 text kept", "payload SGVsbG8gV29ybGQgdGhpcyBpcyBub3QgYSBzZWNyZXQ= done", nil, []string{"SGVsbG8gV29ybGQgdGhpcyBpcyBub3QgYSBzZWNyZXQ="}},

	{"putty ppk", "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: eddsa-key-20230101\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\nPrivate-Lines: 1\nAAAAIGk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np\nPrivate-MAC: 3f9a1c7e5b2d8f4a", []string{"AAAAIGk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0"}, []string{"Private-MAC: 3f9a1c7e5b2d8f4a", "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"}},

	{"go json escapes", `{"url":"https://x.example/cb?a=1\u0026sig=Qm8Rt3Vx9Lp2Kw7Zn4\u0026key=Ab3Cd5Ef7Gh9Jk1Lm3Np5\u0026b=2","msg":"line1\npassword=Tr0ub4dor3\nsig=Zz9Yy8Xx7Ww6Vv5"}`, []string{"Qm8Rt3Vx9Lp2Kw7Zn4", "Ab3Cd5Ef7Gh9Jk1Lm3Np5", "Tr0ub4dor3", "Zz9Yy8Xx7Ww6Vv5"}, []string{`\u0026b=2`}},
	{"go json escaped equals", `{"msg":"password\u003dTr0ub4dor3 ok"}`, []string{"Tr0ub4dor3"}, []string{" ok"}},

	// 3. benign look-alikes stay
	{"comment lists and empty values", "# METHOD can be \"trust\", \"reject\", \"md5\", \"password\", \"scram-sha-256\",\nsecret = # disable PBM", nil, []string{"scram-sha-256", "# disable PBM"}},
	{"dpkg log", "2026-05-09 07:29:24 status installed python3-jwt:amd64 2.6.0-1\nInstall: dbus-user-session:amd64 (1.14.10-1~deb12u1, automatic)", nil, []string{"python3-jwt:amd64", "dbus-user-session:amd64"}},
	{"basic word in prose", "# Trust Anchor Certificates - CA Basic Constraint check; basic instrumentation is on", nil, []string{"Basic Constraint"}},
	{"etc files", "passwd:         files systemd\nsasl:x:45:\nPREVENT_NO_AUTH superuser\nkpasswd\t\t464/tcp\nsession [success=1 default=ignore] pam_succeed_if.so\nsigner_key\t= $dir/private/tsakey.pem # The TSA private key\n<Key>osfBackSpace: delete-previous-character()\n# tell dbus-daemon --session (and systemd --user, if running)", nil, []string{"files systemd", "sasl:x:45:", "superuser", "464/tcp", "[success=1 default=ignore]", "$dir/private/tsakey.pem", "osfBackSpace: delete-previous-character()", "(and systemd"}},
	{"versions and paths under keys", "auth: v2.1.3\nssl_key: /etc/ssl/private/server.key\ntoken_file=C:\\ProgramData\\app\\token.txt\nsecret: 1.22.3-rc.1", nil, []string{"v2.1.3", "/etc/ssl/private/server.key", "1.22.3-rc.1"}},
	{"commit sha", "checked out commit 4f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e2b4d6f8a", nil, []string{"4f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e2b4d6f8a"}},
	{"sha256", "digest: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", nil, []string{"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}},
	{"uuid", "request_id=7cff00d7-96c2-4541-a033-5b400141212b", nil, []string{"7cff00d7-96c2-4541-a033-5b400141212b"}},
	{"container id", "container 3a6a9421cc1c93016f1c4261e5351d30b49895d1a0d1f13dce20c4fd32f640d0 started", nil, []string{"3a6a9421cc1c93016f1c4261e5351d30b49895d1a0d1f13dce20c4fd32f640d0"}},
	{"trace id", "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", nil, []string{"4bf92f3577b34da6a3ce929d0e0e4736"}},
	{"ssh public key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host", nil, []string{"AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"}},
	{"certificate", "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----", nil, []string{"MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ"}},
	{"public key pem", "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd\n-----END PUBLIC KEY-----", nil, []string{"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd"}},
	{"version", "agent version 7.52.1 starting; go1.22.3", nil, []string{"7.52.1", "go1.22.3"}},
	{"numbers after keys", "password_min_length=12 token_ttl=3600 secret_rotation_days: 30 max_tokens=4096", nil, []string{"password_min_length=12", "token_ttl=3600", "secret_rotation_days: 30", "max_tokens=4096"}},
	{"booleans after keys", `{"password_required": true, "token": null, "secret": false, "auth": "enabled"}`, nil, []string{`"password_required": true`, `"token": null`, `"secret": false`}},
	{"key names as values", "api_key_header=X-Api-Key auth_mode=oauth2 secret_store=vault require_password_change=true", nil, []string{"X-Api-Key", "oauth2", "vault"}},
	{"placeholders", "password: <redacted>\ntoken: ********\nsecret: ${DB_SECRET}", nil, []string{"<redacted>", "********", "${DB_SECRET}"}},
	{"prose", "The token was refreshed and the password policy requires 12 characters.", nil, []string{"The token was refreshed and the password policy requires 12 characters."}},
	{"pwd env", "PWD=/home/app/work\nOLDPWD=/root", nil, []string{"/home/app/work"}},
	{"url without password", "GET https://api.example.com:8443/v1/users/bob@example.com/items", nil, []string{"https://api.example.com:8443/v1/users/bob@example.com/items"}},
	{"docker -u uid", "docker run -u 1000:1000 alpine", nil, []string{"1000:1000"}},
	{"ssh port", "ssh -p2222 host", nil, []string{"-p2222"}},
	{"key short word", "sort key=name order=asc", nil, []string{"key=name"}},
}

func TestFamilies(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range familyCases {
		t.Run(c.name, func(t *testing.T) {
			out := e.String("t", c.in)
			for _, s := range c.secret {
				if strings.Contains(out, s) {
					t.Errorf("secret %q survived:\n in: %s\nout: %s", s, c.in, out)
				}
			}
			for _, k := range c.keep {
				if !strings.Contains(out, k) {
					t.Errorf("benign %q destroyed:\n in: %s\nout: %s", k, c.in, out)
				}
			}
			if len(c.secret) > 0 && !strings.Contains(out, "[REDACTED:") {
				t.Errorf("no marker in %q", out)
			}
			if len(c.secret) == 0 && out != c.in {
				t.Errorf("benign input changed:\n in: %s\nout: %s", c.in, out)
			}
			// idempotent
			if again := e.String("t", out); again != out {
				t.Errorf("not idempotent:\n once: %s\ntwice: %s", out, again)
			}
			// JSON stays JSON, also line by line (JSON lines)
			if json.Valid([]byte(c.in)) && !json.Valid([]byte(out)) {
				t.Errorf("JSON broken: %s", out)
			}
			inLines, outLines := strings.Split(c.in, "\n"), strings.Split(out, "\n")
			if len(inLines) == len(outLines) {
				for k := range inLines {
					if json.Valid([]byte(inLines[k])) && !json.Valid([]byte(outLines[k])) {
						t.Errorf("JSON line broken: %s", outLines[k])
					}
				}
			}
		})
	}
}
