package redact

import "bytes"

// What follows a sensitive key but is no value: code that computes the value, template and
// regex placeholders, names of things, prose, and the identifiers real logs print next to words
// such as token, session or auth (issue 9).

// codeRefRoots: the first segment of a dotted reference to a value defined elsewhere (Terraform
// var.x / local.x / data.x, process.env.X, self.x, GitHub Actions secrets.X).
var codeRefRoots = map[string]bool{"var": true, "local": true, "data": true, "module": true, "self": true,
	"this": true, "process": true, "env": true, "config": true, "settings": true, "cfg": true, "conf": true,
	"params": true, "props": true, "options": true, "opts": true, "args": true, "secrets": true, "vars": true,
	"inputs": true, "os": true, "system": true, "context": true, "ctx": true, "app": true, "request": true,
	"req": true, "values": true, "import": true, "window": true, "global": true}

// codeExprEnd reports whether the unquoted value at k is code that computes the value rather
// than the value: a call or index (os.getenv(, getToken(, os.environ[), a constructor
// (new AWS.SharedIniFileCredentials(), a tuple ("Basic ", user)), or a dotted reference
// (var.db_password). It returns where scanning goes on (inside the expression, so literals in
// it are still seen), or -1.
func (s *scanner) codeExprEnd(k int) int {
	b, n := s.b, s.n
	if k >= n {
		return -1
	}
	if b[k] == '(' {
		return k + 1 // a tuple or parenthesised expression: its parts are scanned one by one
	}
	p := k
	if hasPrefixAt(b, p, "new ") {
		p += 4
	}
	st := p
	if p >= n || !(b[p] >= 'a' && b[p] <= 'z' || b[p] >= 'A' && b[p] <= 'Z' || b[p] == '_') {
		return -1
	}
	dots := 0
	firstDot := -1
	for p < n && (isWord[b[p]] || b[p] == '.' || b[p] == '$') {
		if b[p] == '.' {
			if firstDot < 0 {
				firstDot = p
			}
			dots++
		}
		p++
	}
	id := b[st:p]
	if len(id) == 0 || id[len(id)-1] == '.' {
		return -1
	}
	if p < n && (b[p] == '(' || b[p] == '[') {
		// a call or an index: only when the name reads as code (a dotted name, new X, or an
		// identifier with a lower-case start and no digit run that a password would have)
		if st > k || dots > 0 || codeName(id) {
			return st
		}
		return -1
	}
	if dots > 0 && (p >= n || b[p] == ';' || b[p] == ',' || b[p] == ')' || isSpace[b[p]]) && onlyTrailingCode(b, p) {
		if codeRefRoots[string(b[st:firstDot])] {
			return p
		}
	}
	return -1
}

// onlyTrailingCode: after a reference, only a statement end, a comment or nothing.
func onlyTrailingCode(b []byte, p int) bool {
	for ; p < len(b); p++ {
		switch b[p] {
		case ' ', '\t', '\r', '\n', ';', ',', ')':
			continue
		case '#', '/':
			return true
		}
		return false
	}
	return true
}

// codeName: a function name: letters (and underscores) only, starting lower-case, at least two
// letters (getToken, get_password, decrypt).
func codeName(id []byte) bool {
	if len(id) < 3 || !(id[0] >= 'a' && id[0] <= 'z') {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

// templateEnd: a template expression at k ({{ .Values.Password }}, "{{ x | b64enc }}",
// ${{ secrets.X }}): where it ends, or -1.
func templateEnd(b []byte, k int) int {
	q := k
	if q < len(b) && (b[q] == '"' || b[q] == '\'') {
		q++
	}
	if q < len(b) && b[q] == '$' {
		q++
	}
	if !hasPrefixAt(b, q, "{{") {
		return -1
	}
	c := bytes.Index(b[q+2:], []byte("}}"))
	if c < 0 {
		return -1
	}
	e := q + 2 + c + 2
	if q > k && e < len(b) && b[e] == b[k] {
		e++
	}
	return e
}

// regexBackrefs: a replacement pattern made of back-references ("$1:$2", "\1@\2").
func regexBackrefs(v []byte) bool {
	refs := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c == '$' || c == '\\') && i+1 < len(v) && v[i+1] >= '0' && v[i+1] <= '9' {
			refs++
			i++
			continue
		}
		if isAlnum[c] {
			return false
		}
	}
	return refs > 0
}

// dottedName: a name made of dotted identifier segments (jetbrains.mps.v8_elimination,
// token.renderer.cache): a setting or class name, not a secret.
func dottedName(v []byte) bool {
	if len(v) < 3 || bytes.IndexByte(v, '.') < 0 {
		return false
	}
	for rest := v; len(rest) > 0 || v[len(v)-1] == '.'; {
		seg := rest
		if d := bytes.IndexByte(rest, '.'); d >= 0 {
			seg, rest = rest[:d], rest[d+1:]
		} else {
			rest = nil
		}
		if len(seg) == 0 || !(seg[0] >= 'a' && seg[0] <= 'z' || seg[0] >= 'A' && seg[0] <= 'Z') {
			return false
		}
		letters := 0
		for _, c := range seg {
			switch {
			case c >= 'a' && c <= 'z':
				letters++
			case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
			default:
				return false
			}
		}
		if letters*2 < len(seg) {
			return false
		}
	}
	return true
}

// objectRef: a Java/Android object's identity as toString prints it: ClassName{hash or
// ClassName@hash (AppWindowToken{9f4ef63, Token{a64f992, BinderProxy@2bd79ce).
func objectRef(v []byte) bool {
	c := -1
	for k, x := range v {
		if x == '{' || x == '@' {
			c = k
			break
		}
	}
	if c < 1 || !(v[0] >= 'A' && v[0] <= 'Z') || len(v)-c-1 < 4 || len(v)-c-1 > 16 {
		return false
	}
	for _, x := range v[:c] {
		if !(isAlnum[x] || x == '$' || x == '.' || x == '_') {
			return false
		}
	}
	for _, x := range v[c+1:] {
		if !(x >= '0' && x <= '9' || x >= 'a' && x <= 'f') {
			return false
		}
	}
	return true
}

// correlationID: digits with separators (30546173_4261722401, 42): a session number that
// correlates log lines; it grants nothing without a credential.
func correlationID(v []byte) bool {
	d := 0
	for _, c := range v {
		switch {
		case c >= '0' && c <= '9':
			d++
		case c == '_' || c == '-' || c == '.' || c == ':':
		default:
			return false
		}
	}
	return d > 0
}

// upperWord: an all-capitals word (SIMPLE, KERBEROS, TOKEN): an authentication method's name.
func upperWord(v []byte) bool {
	if len(v) < 2 || len(v) > 16 {
		return false
	}
	for _, c := range v {
		if !(c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

// pipeRecord: fields joined by '|' (key=0|com.tencent.mm|4097|null|10112, Android notification
// keys): a composite id, not a secret.
func pipeRecord(v []byte) bool { return bytes.Count(v, []byte("|")) >= 2 }

// mavenCoord: group:artifact[:version] after a dotted group id (io.jsonwebtoken:jjwt-api:0.11.5).
func mavenCoord(key, b []byte, k int) bool {
	if bytes.Count(key, []byte(".")) < 1 {
		return false
	}
	for _, c := range key {
		if c >= 'A' && c <= 'Z' {
			return false
		}
	}
	p := k
	for p < len(b) && (b[p] >= 'a' && b[p] <= 'z' || b[p] >= '0' && b[p] <= '9' || b[p] == '-' || b[p] == '_' || b[p] == '.') {
		p++
	}
	if p == k || !(b[k] >= 'a' && b[k] <= 'z') {
		return false
	}
	return p == len(b) || b[p] == ':' || b[p] == '\'' || b[p] == '"' || b[p] == '<' || isSpace[b[p]] || b[p] == ','
}

// proseAfter: the value is a plain word and words follow it ("Enter token : This is the
// prompt"): a sentence, not a value.
func proseAfter(b []byte, v, e int) bool {
	if e-v < 2 || e-v > 12 || e+2 >= len(b) || b[e] != ' ' {
		return false
	}
	for k := v; k < e; k++ {
		c := b[k]
		if !(c >= 'a' && c <= 'z' || k == v && c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return b[e+1] >= 'a' && b[e+1] <= 'z' && b[e+2] >= 'a' && b[e+2] <= 'z'
}

// tupleSecrets: a tuple under a sensitive key (AUTH = ("admin", "s3cr3t")): each quoted part
// that looks like a secret is redacted; words ("Basic ") and names stay.
func (s *scanner) tupleSecrets(k int, rule string) {
	b, n := s.b, s.n
	depth := 0
	for p := k; p < n && p < k+1024; p++ {
		switch c := b[p]; c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return
			}
		case '"', '\'':
			q := p + 1
			for q < n && b[q] != c {
				if b[q] == '\\' {
					q++
				}
				q++
			}
			if q >= n {
				return
			}
			if v := b[p+1 : q]; looksSecret(v) && !benignValue(v) {
				s.add(p+1, q, rule)
			}
			p = q
		}
	}
}

// typedAssign: after a key, a type annotation and '=' (": String = ", " string = ", ": &str = "):
// where the value starts, or 0. Only a quoted literal counts as the value, and with marker a
// marker where a literal was redacted (not after Cookie: or Authorization:, which are headers).
func typedAssign(b []byte, k int, marker bool) int {
	n := len(b)
	p := skipSpaces(b, k)
	if p < n && b[p] == ':' {
		p = skipSpaces(b, p+1)
	}
	st := p
	for p < n && (isWord[b[p]] || b[p] == '&' || b[p] == '*' || b[p] == '[' || b[p] == ']' || b[p] == '<' || b[p] == '>' || b[p] == '.' || b[p] == '?' || b[p] == '\'') {
		if b[p] == '\'' && p > st && b[p-1] != '&' {
			break
		}
		p++
	}
	if p == st || p-st > 40 || !(b[st] >= 'a' && b[st] <= 'z' || b[st] >= 'A' && b[st] <= 'Z' || b[st] == '&' || b[st] == '*' || b[st] == '[') {
		return 0
	}
	p = skipSpaces(b, p)
	if p+1 >= n || b[p] != '=' || b[p+1] == '=' || b[p+1] == '>' {
		return 0
	}
	p = skipSpaces(b, p+1)
	if p < n && (b[p] == '"' || b[p] == '\'' || b[p] == '`') || marker && hasPrefixAt(b, p, "[REDACTED:") {
		return p // a literal, or one redacted before (a second pass takes the same path)
	}
	return 0
}

// constArg: an all-capitals option constant naming a secret, then a quoted value, as call
// arguments (curl_easy_setopt(h, CURLOPT_PASSWORD, "x"), CURLOPT_USERPWD).
func (s *scanner) constArg(w wordAt, k int) int {
	b, n := s.b, s.n
	for _, c := range b[w.i:w.j] {
		if c >= 'a' && c <= 'z' {
			return w.j
		}
	}
	p := w.ws - 1
	for p >= 0 && b[p] == ' ' {
		p--
	}
	if p < 0 || b[p] != ',' && b[p] != '(' {
		return w.j
	}
	v := skipSpaces(b, k+1)
	if v >= n || b[v] != '"' && b[v] != '\'' || classifyKey(b[w.ws:w.j], s.e.extraKeys) != keyStrong {
		return w.j
	}
	vs, ve, next := s.value(v, false, false)
	if !benignValue(b[vs:ve]) {
		s.add(vs, ve, RuleKeyValue)
	}
	return next
}

// jwkMember: the private members of a JSON Web Key: RSA d, p, q, dp, dq, qi; EC and OKP d;
// symmetric k.
func jwkMember(w []byte) bool {
	switch string(w) {
	case "d", "p", "q", "dp", "dq", "qi", "k":
		return true
	}
	return false
}

// jwkMarker: a member every JWK has ("kty") or that only JWKs use ("crv"), a key id ("kid") or
// algorithm ("alg": sorted keys put it before "k" and "kty"): seen as a quoted key, the next
// jwkLines lines may hold the key's private members. keyclass.go's segShape sends these words
// to detectKeyStructure, which sets the window (assign.go).
func jwkMarker(w []byte) bool {
	switch string(w) {
	case "kty", "crv", "kid", "alg":
		return true
	}
	return false
}

const jwkLines = 24

// jwkHoldLine: the longest line whose JWK member the stream holds back (a pretty-printed JWK's
// lines are short)
const jwkHoldLine = 4096

// jwkValue: the value of a JWK private member. With "kty" on the line, or a JWK member ("kty",
// "crv", "kid") on one of the jwkLines lines before (a pretty-printed JWK), it is redacted
// whatever it is (a JWK's members are base64url, 8 characters or more); without, only a long
// base64url run is.
func (s *scanner) jwkValue(w wordAt, k int) int {
	b, n := s.b, s.n
	v := skipSpaces(b, k)
	if v >= n || b[v] != '"' {
		return w.j
	}
	e := v + 1
	for e < n && isB64URL[b[e]] && b[e] != '.' {
		e++
	}
	if e >= n || b[e] != '"' || e-v-1 < 8 {
		return w.j
	}
	val := b[v+1 : e]
	if s.jwkNear > 0 || bytes.Contains(b, []byte(`"kty"`)) || len(val) >= 40 && mixedAlnum(val) {
		s.add(v+1, e, RuleKeyValue)
		return e + 1
	}
	if s.ctx == 0 && s.atStart && !s.partial && s.n <= jwkHoldLine && bytes.IndexByte(b[e:], '}') < 0 {
		// a member before "kty" in a pretty-printed JWK with sorted keys ("k" < "kty", "d" <
		// "kty"): the stream holds it back until the object shows whether it is a JWK
		s.jwkPend = append(s.jwkPend, [2]int{v + 1, e})
	}
	return w.j
}

// notAValue: value shapes that are never a secret under a sensitive key: an object identity,
// regex back-references, and under weak keys a '|' record or a dotted name. The first byte
// decides which test can apply.
func notAValue(val []byte, cls int) bool {
	if len(val) < 2 {
		return false
	}
	switch c := val[0]; {
	case c >= 'A' && c <= 'Z':
		if objectRef(val) {
			return true
		}
	case c == '$' || c == '\\':
		return regexBackrefs(val)
	}
	return cls == keyWeak && (pipeRecord(val) || dottedName(val))
}
