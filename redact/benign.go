package redact

import (
	"bytes"
	"strings"
)

// Value judgement: values that are never secrets (benignValue) and values that look like one
// (looksSecret), whatever their key.

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

// placeholderValue: a value that cannot be a real secret wherever it stands: a mask (****, xxxx),
// a template or variable reference (<PASSWORD>, ${VAR}, $VAR, %VAR%, {{ .Pass }}), or our own
// marker. Words such as "secret" or "password" are not placeholders where only a secret can
// stand (a URL's password).
func placeholderValue(v []byte) bool {
	if len(v) == 0 || bytes.Contains(v, []byte("[REDACTED:")) {
		return true
	}
	allMask := true
	for _, c := range v {
		if c != '*' && c != 'x' && c != 'X' && c != '.' && c != '#' && c != '-' {
			allMask = false
			break
		}
	}
	switch {
	case allMask:
		return true
	case v[0] == '<' && v[len(v)-1] == '>' && len(v) < 40:
		return true
	case len(v) > 1 && v[0] == '$' && (v[1] == '{' || v[1] == '(' || v[1] >= 'A' && v[1] <= 'Z' || v[1] >= 'a' && v[1] <= 'z' || v[1] == '_') && !isCryptHash(v):
		return true
	case len(v) > 2 && v[0] == '%' && v[len(v)-1] == '%':
		return true
	case bytes.HasPrefix(v, []byte("{{")) || bytes.HasPrefix(v, []byte("%7B%7B")):
		return true
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

// camelIdent: a letters-only camelCase identifier of dictionary-like humps (nextToken,
// NextMarker, pageToken): every capital starts a run of at least two lower-case letters. Random
// letters-only tokens mix cases too often to pass.
func camelIdent(v []byte) bool {
	if len(v) < 6 || len(v) > 40 {
		return false
	}
	humps, run := 0, 0
	for k, c := range v {
		switch {
		case c >= 'a' && c <= 'z':
			run++
		case c >= 'A' && c <= 'Z':
			if k > 0 {
				if run < 2 {
					return false
				}
				humps++
			}
			run = 0
		default:
			return false
		}
	}
	return humps >= 1 && run >= 2
}

// plainWord: one letters-only word, lowercase or capitalised (Configuration, ldap).
func plainWord(v []byte) bool {
	if len(v) < 3 || len(v) > 24 {
		return false
	}
	for k, c := range v {
		if c >= 'a' && c <= 'z' || k == 0 && c >= 'A' && c <= 'Z' {
			continue
		}
		return false
	}
	return true
}

// fileExts are extensions of files that hold or name credentials; a value that is such a file name
// names the secret but is not one (GOOGLE_APPLICATION_CREDENTIALS=key.json).
var fileExts = map[string]bool{"json": true, "pem": true, "key": true, "crt": true, "cer": true, "der": true,
	"p12": true, "pfx": true, "jks": true, "keystore": true, "yaml": true, "yml": true, "txt": true,
	"conf": true, "cfg": true, "ini": true, "gpg": true, "asc": true, "ppk": true, "env": true, "toml": true,
	"xml": true, "properties": true, "kdbx": true, "p8": true, "csr": true}

// isFileName: a relative file name or path (key.json, secrets/sa.json) with a known extension
// and elements that look like names, not tokens.
func isFileName(v []byte) bool {
	if len(v) < 5 || len(v) > 256 {
		return false
	}
	dot := -1
	for k, c := range v {
		if !(isKeyChar[c] || c == '/' || c == '\\') {
			return false
		}
		if c == '.' {
			dot = k
		} else if c == '/' || c == '\\' {
			dot = -1
		}
	}
	if dot < 1 || len(v)-dot-1 > 10 || !fileExts[lower(v[dot+1:])] {
		return false
	}
	// every element must look like a file or folder name, not a random token
	st := 0
	for k := 0; k <= dot; k++ {
		if k == dot || v[k] == '/' || v[k] == '\\' {
			if seg := v[st:k]; len(seg) >= 40 || len(seg) >= 8 && mixedAlnum(seg) {
				return false
			}
			st = k + 1
		}
	}
	return true
}

// longRandom: 32 or more hex digits, or 32 or more mixed-case alphanumerics (with - _ + / =).
func longRandom(v []byte) bool {
	if len(v) < 32 || len(v) > 1024 {
		return false
	}
	hex := true
	for _, c := range v {
		if !charsets[csHexLower][c] {
			hex = false
			if !(isWord[c] || c == '-' || c == '+' || c == '/' || c == '=') {
				return false
			}
		}
	}
	return hex || mixedAlnum(v)
}

// numericSecret: digits under a numeric-secret key. Quoted digits are always a secret there;
// unquoted ones from four digits on (a count such as "password": 7 stays).
func numericSecret(key, val []byte, quoted bool) bool {
	if len(val) == 0 || !allDigits(val) || len(val) > 64 || !numericSecretKey(key) {
		return false
	}
	return quoted && len(val) >= 2 || len(val) >= 4 // one character stays (HTML accesskey="1")
}

// hashLike: 40 or 64 lowercase hex digits, a commit or content hash in weak contexts.
func hashLike(v []byte) bool {
	if len(v) != 40 && len(v) != 64 {
		return false
	}
	for _, c := range v {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func linkingWord(v []byte) bool {
	switch lower(v) {
	case "is", "was", "to", "set", "=", ":", "are", "now", "changed", "reset", "value", "of", "->", "=>":
		return true
	}
	return false
}
