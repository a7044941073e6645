package redact

import "strings"

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
		two := uint16(r.prefix[0])<<8 | uint16(r.prefix[1])
		if firstTwo[two] == 0 {
			twoGroups = append(twoGroups, nil)
			if len(twoGroups) > 255 {
				panic("redact: more than 255 two-byte token prefixes")
			}
			firstTwo[two] = uint8(len(twoGroups))
		}
		twoGroups[firstTwo[two]-1] = append(twoGroups[firstTwo[two]-1], r)
		if len(r.prefix) == 2 {
			for c := 0; c < 256; c++ {
				firstThree[prefix3(r.prefix[0], r.prefix[1], byte(c))] = true
			}
		} else {
			firstThree[prefix3(r.prefix[0], r.prefix[1], r.prefix[2])] = true
		}
	}
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
	for _, r := range kwRules {
		if !seen[r.id] {
			seen[r.id] = true
			d := r.desc
			if d == "" {
				d = "provider token of its published length and alphabet near \"" + strings.Join(r.kws, "\", \"") + "\""
			}
			out = append(out, RuleInfo{r.id, d})
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
