package redact

import (
	"bytes"
	"strings"
)

// Key/value assignments: the word as a key, its separator, and the value after it
// (key=value, key: value, JSON, XML, INI, env, SQL, name/value pairs).

// separators after a key
const (
	sepNone = iota
	sepEq
	sepColon
	sepSpace
	sepXML
)

// keyPair is what follows a word that may be a key.
type keyPair struct {
	k      int  // where the value (or, with sepSpace, the next word) starts
	sep    int  // sepNone, sepEq, sepColon, sepSpace or sepXML
	quoted bool // the key is closed by a quote ("password": ...)
	flag   bool // the key is a command-line flag (-p, --password)
	pctEq  bool // the separator is a URL-encoded '=' (%3D)
}

// detectKeyStructure handles a word that does not start with a digit as a possible key: it finds
// the separator after it, then lets the key's class (keys.go) decide about the value. Flags,
// e-mails, URLs and (with anonymize) host names are handled here too, as they hang on the same
// word.
func (s *scanner) detectKeyStructure(w wordAt) int {
	b, n, i, j := s.b, s.n, w.i, w.j
	wd := b[i:j]
	k := j
	flag := i >= 1 && b[i-1] == '-' && (i < 2 || b[i-2] == '-' || b[i-2] == ' ' || b[i-2] == '\t' || b[i-2] == '"' || b[i-2] == '\'')
	if flag && j-i > 1 && i >= 2 && b[i-2] != '-' && (wd[0] == 'p' || wd[0] == 'a') {
		if e := s.shortFlag(i, j, j, sepNone); e > 0 {
			return e
		}
	}
	if k < n && b[k] == '@' {
		if s.anon {
			if e := s.email(w.ws, k); e > 0 {
				return e
			}
		}
		return j
	}
	if k+2 < n && b[k] == ':' && b[k+1] == '/' && b[k+2] == '/' {
		return s.url(k + 3)
	}
	if s.anon {
		if e := s.anonWord(i, j); e > 0 {
			return e
		}
	}
	p := keyPair{flag: flag}
	if k < n && (b[k] == '"' || b[k] == '\'') {
		k++
		p.quoted = true
	} else if k+1 < n && b[k] == '\\' && b[k+1] == '"' {
		k += 2
		p.quoted = true
	}
	// <password>x</password>; not a <PLACEHOLDER> standing as a value (user:<PASSWORD>@host,
	// password=<PASSWORD>)
	xml := !p.quoted && i > 0 && b[i-1] == '<' && k < n && b[k] == '>' && (i < 2 || !isAlnum[b[i-2]] && b[i-2] != ':' && b[i-2] != '=')
	sp := k
	for k < n && (b[k] == ' ' || b[k] == '\t') {
		k++
	}
	p.sep = sepNone
	switch {
	case xml:
		p.sep = sepXML
		k++
	case k+6 <= n && b[k] == '\\' && string(b[k:k+6]) == `\u003d`:
		p.sep = sepEq
		k += 6
	case k+3 <= n && b[k] == '%' && b[k+1] == '3' && b[k+2]|0x20 == 'd':
		p.sep = sepEq // URL-encoded '=' (password%3Dx in an encoded query string)
		k += 3
		p.pctEq = true
	case k < n && b[k] == '=':
		if k+1 < n && b[k+1] == '=' {
			return j
		}
		p.sep = sepEq
		k++
		if k < n && b[k] == '>' {
			k++
		}
	case k < n && b[k] == ':':
		p.sep = sepColon
		k++
		if k < n && b[k] == '=' {
			k++
		}
	case k+1 < n && b[k+1] == '=' && (b[k] == '?' || b[k] == '+' || b[k] == '|' || b[k] == '.' && k > sp) && (k+2 >= n || b[k+2] != '='):
		// make's ?= and +=, PHP's .=, Ruby's ||= (X_TOKEN ?= "x", $xToken .= "x")
		p.sep = sepEq
		k += 2
	case k > sp && k < n && !p.quoted && (i == 0 || (b[i-1] != '=' && b[i-1] != ':')):
		p.sep = sepSpace
	}
	p.k = k
	if flag {
		if e := s.shortFlag(i, j, k, p.sep); e > 0 {
			return e
		}
	}
	if p.quoted && i >= 1 && b[i-1] == '"' && s.isNameValue(i) {
		if e := s.nameValuePair(i, j); e > 0 {
			return e
		}
	}
	if p.quoted && i >= 2 && (b[i-1] == '"' || b[i-1] == '\'') && b[i-2] == '=' {
		if e := s.xmlAttrPair(i, j); e > 0 {
			return e
		}
	}
	if p.sep == sepNone {
		return s.unseparated(w, &p)
	}
	if p.quoted && p.sep == sepColon && j-i == 3 && i > 0 && b[i-1] == '"' && jwkMarker(wd) {
		s.jwkNear = jwkLines // "kty": the private members may follow on the next lines
		s.jwkMark = true     // and those before it on earlier lines are settled (stream.go)
	}
	if p.quoted && p.sep == sepColon && j-i <= 2 && i > 0 && b[i-1] == '"' && jwkMember(wd) {
		return s.jwkValue(w, k)
	}
	// the value after a key and its separator
	ws, sep := w.ws, p.sep
	if sep == sepSpace && (b[k] == '\'' || b[k] == '"') && (passwordKey(wd) || sqlIdentifiedBy(b, i, wd)) {
		// SQL: ALTER USER bob WITH PASSWORD 'x'; CREATE USER ... IDENTIFIED BY 'x'
		vs, ve, next := s.value(k, false, false)
		if !benignValue(b[vs:ve]) {
			s.add(vs, ve, RuleKeyValue)
		}
		return next
	}
	if (sep == sepEq || sep == sepColon) && len(wd) >= 3 && len(wd) <= 12 && ws == i && (wd[len(wd)-1]|0x20 == 'n' || wd[len(wd)-1]|0x20 == 'e') {
		// pin=4821: a PIN is digits; other values after "pin" are pin numbers of hardware
		if last := lower(wd); last == "pin" || last == "pincode" || strings.HasSuffix(last, "_pin") {
			vk := skipSpaces(b, k)
			v, e := s.valueRun(vk)
			if numericSecret(wd, b[v:e], vk < n && (b[vk] == '"' || b[vk] == '\'')) {
				s.add(v, e, RuleKeyValue)
				return e
			}
		}
	}
	if w.prof&(pSep|pUpper) == 0 && ws == i && len(s.e.extraKeys) == 0 && !plainWordMaybeKey(wd) && !(s.anon && sep != sepSpace && isUserKey(wd)) {
		return j // a plain lowercase word that is no sensitive key
	}
	cls := classifyKey(b[ws:j], s.e.extraKeys)
	if cls != keyNone && (sep == sepSpace || sep == sepColon) && !p.flag && (ws == 0 || b[ws-1] != '<') {
		// a typed declaration: var xToken string = "x", val password: String = "x",
		// def f(passwd: str = "x"), let secret: &str = "x"
		if v := typedAssign(b, k, cls != keyCookie && cls != keyAuth); v > 0 {
			p.sep, p.k = sepEq, v
			return s.assignedValue(w, &p, cls)
		}
	}
	switch {
	case cls == keyNone:
		return s.otherKey(w, &p)
	case sep == sepSpace:
		return s.spacedValue(w, &p, cls)
	}
	return s.assignedValue(w, &p, cls)
}

// unseparated: a key with no separator after it: a quoted pair define('DB_PASSWORD', 'x') or SQL
// PASSWORD('x').
func (s *scanner) unseparated(w wordAt, p *keyPair) int {
	b, n, k := s.b, s.n, p.k
	if p.quoted && k < n && b[k] == ',' {
		return s.quotedPair(w.ws, w.i, w.j, k)
	}
	if !p.quoted && k < n && b[k] == ',' && w.prof&pUpper != 0 {
		// an option constant and its value as call arguments:
		// curl_easy_setopt(h, CURLOPT_PASSWORD, "x")
		return s.constArg(w, k)
	}
	if !p.quoted && k+1 < n && b[k] == '(' && (b[k+1] == '\'' || b[k+1] == '"') && passwordKey(b[w.i:w.j]) {
		// SQL: SET PASSWORD = PASSWORD('x')
		vs, ve, next := s.value(k+1, false, false)
		if !benignValue(b[vs:ve]) {
			s.add(vs, ve, RuleKeyValue)
		}
		return next
	}
	return w.j
}

// otherKey: a key that classifyKey does not call sensitive. Keys named after secrets in other
// segments (secret_key_base) can still hold one; with anonymize, user keys hold user names.
func (s *scanner) otherKey(w wordAt, p *keyPair) int {
	b, n, k, sep := s.b, s.n, p.k, p.sep
	if (sep == sepEq || sep == sepColon) && secretNamedKey(b[w.ws:w.j]) {
		// secret_key_base: <long hex>
		vk := skipSpaces(b, k)
		v, e := s.valueRun(vk)
		val := b[v:e]
		if longRandom(val) {
			s.add(v, e, RuleKeyValue)
			return e
		}
		// SECRET_KEY_BASE=x: any value but a path, a file name, a boolean or a small number
		if secretKeyNamed(b[w.ws:w.j]) && len(val) > 0 && !isFileName(val) && (!benignValue(val) || numericSecret([]byte("secret_key"), val, vk < n && (b[vk] == '"' || b[vk] == '\''))) {
			s.add(v, e, RuleKeyValue)
			return e
		}
	}
	if (sep == sepEq || sep == sepColon && (p.quoted || s.lineStartBefore(w.ws))) && anywhereKey(b[w.ws:w.j]) {
		// MY_SECRET_THING=x, "apiKeyValue": "x", KUBECONFIG_DATA: x: a secret word before the
		// last segment. Numbers, durations, paths, file names, URLs (their credentials are found
		// by the URL rules), plain words and nested structures stay.
		if vk := skipSpaces(b, k); vk < n && scalarEnd(b, vk) == 0 && b[vk] != '{' && b[vk] != '[' && b[vk] != '(' {
			v, e, next := s.value(vk, false, s.lineStartBefore(w.ws))
			if val := b[v:e]; !benignValue(val) && !isFileName(val) && !plainWord(val) && !camelIdent(val) &&
				!bytes.Contains(val, []byte("://")) && !looksAssignAt(b, v) {
				s.add(v, e, RuleKeyValue)
				return next
			}
		}
	}
	if s.anon && sep != sepSpace && isUserKey(b[w.i:w.j]) {
		return s.anonUserValue(k, sep == sepXML)
	}
	return w.j
}

// spacedValue: "--password X" or "credential X": no separator, so only strong keys, and unless it
// is a flag, only values that look like secrets.
func (s *scanner) spacedValue(w wordAt, p *keyPair, cls int) int {
	b, n, ws, j, k, flag := s.b, s.n, w.ws, w.j, p.k, p.flag
	if cls == keyWeak && !flag {
		// "with key X": only clearly random values
		v, e := s.valueRun(k)
		if looksSecret(b[v:e]) && !hashLike(b[v:e]) && !looksAssignAt(b, v) {
			s.add(v, e, RuleKeyValue)
			return e
		}
		return j
	}
	if cls != keyStrong && cls != keyCookie {
		return j
	}
	v, e := s.valueRun(k)
	val := b[v:e]
	if !flag {
		// "password is X", "token set to X"
		for hop := 0; hop < 2 && linkingWord(val) && e < n && b[e] == ' '; hop++ {
			v, e = s.valueRun(e + 1)
			val = b[v:e]
		}
	}
	if flag {
		if len(val) > 0 && val[0] != '-' && val[0] != '(' && val[0] != '[' && val[0] != '{' && !benignValue(val) {
			s.add(v, e, RuleCLIPass)
			return e
		}
		return j
	}
	if (looksSecretRelaxed(val) || (cls == keyStrong && passwordKey(b[ws:j]) && s.lineStartBefore(ws) && onlyTrailing(b, e) && !benignValue(val))) && !looksAssignAt(b, v) {
		rule := RuleKeyValue
		if rid := s.tokenRuleAt(v); rid != "" {
			rule = rid
		}
		s.add(v, e, rule)
		return e
	}
	return j
}

// assignedValue: the value after key=, key: or <key>: numbers, YAML blocks, Authorization and
// Cookie values, lists, objects and scalars.
func (s *scanner) assignedValue(w wordAt, p *keyPair, cls int) int {
	b, n, ws, j, k, sep := s.b, s.n, w.ws, w.j, p.k, p.sep
	wd := b[w.i:j]
	for k < n && (b[k] == ' ' || b[k] == '\t') {
		k++
	}
	rule := RuleKeyValue
	if p.flag {
		rule = RuleCLIPass
	}
	if sep == sepColon && cls == keyStrong && s.atStart && s.ctx == 0 && (k >= n || b[k] == '#' && isSpace[b[k-1]] || b[k] == '\r' && k+1 == n) {
		// a YAML block map or sequence under a sensitive key (passwords:, api_keys:)
		ks := ws
		if p.quoted && ks > 0 && (b[ks-1] == '"' || b[ks-1] == '\'') {
			ks--
		}
		if s.lineStartBefore(ks) {
			s.yamlOpenMap(ws, j, ks, rule)
			return n
		}
	}
	if sep == sepXML && cls == keyStrong && s.atStart && s.ctx == 0 && onlyTrailing(b, k) && s.lineStartBefore(ws-1) {
		// <password> alone on its line: the value is on the more indented lines that follow,
		// up to the closing tag or a child element
		s.yamlOpen, s.xmlOpen = true, true
		s.yamlIndent = ws - 1 - s.ctx
		return n
	}
	if k >= n {
		return k
	}
	if e := templateEnd(b, k); e > 0 {
		return e // {{ .Values.Password }}: a template fills the value in
	}
	if b[k] == '(' && cls == keyStrong {
		s.tupleSecrets(k, rule)
		return k + 1
	}
	if b[k] != '"' && b[k] != '\'' {
		if e := s.codeExprEnd(k); e >= 0 {
			return e // os.getenv(, new AWS.SharedIniFileCredentials(, var.db_password
		}
		if sep == sepColon && b[k-1] == ':' && mavenCoord(b[ws:j], b, k) {
			return k // io.jsonwebtoken:jjwt-api:0.11.5
		}
	}
	if e := scalarEnd(b, k); e > 0 {
		if numericSecret(b[ws:j], b[k:e], false) {
			// a numeric password, PIN or one-time code; in JSON the marker is a string
			s.addNumber(k, e, rule, true, jsonQuote(b, ws))
		}
		return e // a number, boolean or null: never a secret, and its delimiter stays
	}
	if sep == sepColon && cls != keyWeak && blockIndicator(b, k) {
		// YAML block scalar (password: |): the value is on the more indented lines that follow
		ks := ws
		if p.quoted && ks > s.ctx && (b[ks-1] == '"' || b[ks-1] == '\'') {
			ks-- // "password": |
		}
		if s.lineStartBefore(ks) {
			s.yamlOpen = true
			s.yamlIndent = ks - s.ctx
			return n
		}
	}
	switch cls {
	case keyAuth:
		return s.authValue(k, rule)
	case keyCookie:
		return s.cookieValue(k, sep == sepColon)
	}
	if b[k] == '[' && !hasPrefixAt(b, k, "[REDACTED") {
		if e := s.listValue(k, cls, rule, b[ws:j], jsonQuote(b, ws)); e > 0 {
			return e
		}
		if cls == keyStrong && len(bytes.TrimRight(b[k+1:], " \t\r")) == 0 {
			// "tokens": [ ending the line: the elements follow on the next lines
			return s.openContainer(ws, j, k, rule)
		}
		k++ // an unterminated list: the bracket is not part of the value
		if k >= n {
			return k
		}
	}
	if b[k] == '{' && cls == keyStrong && sep != sepXML {
		return s.openContainer(ws, j, k, rule) // an object under a sensitive key
	}
	v, e, next := s.value(k, sep == sepXML, s.lineStartBefore(ws) && sep != sepXML)
	if p.pctEq {
		if c := bytes.Index(b[v:e], []byte("%26")); c >= 0 {
			e, next = v+c, v+c // an encoded '&' ends the encoded pair
		}
	}
	val := b[v:e]
	if len(val) > 0 && val[0] == '{' && e == next && e-v > 1 {
		// a nested object: its own keys are scanned
		return v + 1
	}

	if notAValue(val, cls) || j < n && b[j] == ' ' && sep == sepColon && proseAfter(b, v, e) && !userKey(b[ws:j], s.e.extraKeys) {
		// AppWindowToken{9f4ef63, "$1:$2", key=0|com.x|4097, key="a.b.c", "token : This is..."
		return next
	}
	if len(val) > 0 && (val[0] <= '9' && correlationID(val) || val[0] >= 'A' && val[0] <= 'Z' && upperWord(val)) && ambiguousKey(b[ws:j]) {
		return next // Session: 30546173_4261722401, (auth:SIMPLE)
	}
	if cls == keyWeak {
		if !looksSecret(val) || hashLike(val) || camelIdent(val) {
			return v
		}
	} else if numericSecret(b[ws:j], val, k < n && (b[k] == '"' || b[k] == '\'' || b[k] == '\\')) {
		// a quoted numeric password, or digits after a password-like key
	} else if benignValue(val) || (len(wd) == 3 && lower(wd) == "pwd" && len(val) > 0 && (val[0] == '/' || val[0] == '~')) {
		return next
	} else if isFileName(val) && !pathSegment(b, ws) || plainWord(val) && ambiguousKey(b[ws:j]) && !userKey(b[ws:j], s.e.extraKeys) {
		// a file name (key.json), or a word after x86/PAT:, session:, auth:. Not when the
		// assignment is itself a path segment (/home/x/password=hunter.txt): then the file is
		// named after the secret, and its extension is the file's own.
		return next
	} else if camelIdent(val) && !secretWordKey(b[ws:j]) && !userKey(b[ws:j], s.e.extraKeys) {
		return next // an identifier naming a field (API models: "input_token": "nextToken")
	}
	if bytes.EqualFold(val, []byte("ConvertTo-SecureString")) {
		return v // PowerShell: the secret is the string that follows
	}
	if rid := s.tokenRuleAt(v); rid != "" {
		rule = rid
	} else if urlKey(wd) && bytes.Contains(val, []byte("://")) {
		return v // the URL rules find its credentials; host and path stay readable
	}
	s.add(v, e, rule)
	return next
}

// isNameValue: the word at i is the string value of a "name" or "key" field (HAR, Postman,
// Kubernetes env lists: {"name": "DB_PASSWORD", "value": "x"}).
func (s *scanner) isNameValue(i int) bool {
	b := s.b
	p := i - 1 // the opening quote
	for p > 0 && b[p-1] == ' ' {
		p--
	}
	if p < 1 || b[p-1] != ':' {
		return false
	}
	p--
	for p > 0 && b[p-1] == ' ' {
		p--
	}
	if p < 1 || b[p-1] != '"' {
		return false
	}
	q := p - 1
	a := q
	for a > 0 && isWord[b[a-1]] {
		a--
	}
	f := lower(b[a:q])
	return f == "name" || f == "key" || f == "header" || f == "field"
}

// nameValuePair redacts the "value" next to a sensitive "name".
func (s *scanner) nameValuePair(i, j int) int {
	b := s.b
	cls := classifyKey(b[i:j], s.e.extraKeys)
	if cls == keyNone {
		return 0
	}
	// exactly: "NAME", "value": "..."
	lim := min(s.n, j+400)
	k := j
	if k < lim && b[k] == '"' {
		k++
	}
	k = skipSpaces(b[:lim], k)
	if k >= lim || b[k] != ',' {
		return 0
	}
	k = skipSpaces(b[:lim], k+1)
	if !hasPrefixAt(b[:lim], k, `"value"`) {
		return 0
	}
	k += 7
	for k < lim && (b[k] == ' ' || b[k] == ':') {
		k++
	}
	if k >= lim || b[k] != '"' {
		return 0
	}
	switch cls {
	case keyAuth:
		return s.authValue(k, RuleHTTPAuth)
	case keyCookie:
		return s.cookieValue(k, false)
	}
	vs, ve, next := s.value(k, false, false)
	val := b[vs:ve]
	if benignValue(val) || (cls == keyWeak && !looksSecret(val)) {
		return next
	}
	s.add(vs, ve, RuleKeyValue)
	return next
}

// xmlAttrPair handles <add key="Password" value="..."/> and name="..." value="..." pairs.
func (s *scanner) xmlAttrPair(i, j int) int {
	b := s.b
	p := i - 2
	a := p
	for a > 0 && isWord[b[a-1]] {
		a--
	}
	attr := lower(b[a:p])
	if attr != "key" && attr != "name" && attr != "id" {
		return 0
	}
	if classifyKey(b[i:j], s.e.extraKeys) == keyNone {
		return 0
	}
	lim := min(s.n, j+300)
	rest := b[j:lim]
	gt := bytes.IndexByte(rest, '>')
	if gt >= 0 {
		rest = rest[:gt]
	}
	vi := bytes.Index(rest, []byte("value="))
	if vi < 0 && gt > 0 && rest[gt-1] != '/' {
		// <entry key="Password">text</entry>
		vs := j + gt + 1
		ve := vs
		for ve < s.n && b[ve] != '<' && b[ve] != '\n' {
			ve++
		}
		if v := b[vs:ve]; len(bytes.TrimSpace(v)) > 0 && !benignValue(bytes.TrimSpace(v)) {
			s.add(vs, ve, RuleKeyValue)
		}
		return ve
	}
	if vi < 0 || vi+6 >= len(rest) {
		return 0
	}
	q := rest[vi+6]
	if q != '"' && q != '\'' {
		return 0
	}
	vs := j + vi + 7
	ve := bytes.IndexByte(b[vs:lim], q)
	if ve < 0 {
		return 0
	}
	if !benignValue(b[vs : vs+ve]) {
		s.add(vs, vs+ve, RuleKeyValue)
	}
	return vs + ve + 1
}

// quotedPair handles define('DB_PASSWORD', 'x') and ("password", "x"): a quoted sensitive key, a
// comma, a quoted value.
func (s *scanner) quotedPair(ws, i, j, k int) int {
	b, n := s.b, s.n
	if classifyKey(b[ws:j], s.e.extraKeys) != keyStrong {
		return j
	}
	// only as the first argument of a call or tuple: define('DB_PASSWORD', 'x'), not a list
	// of words ("md5", "password", "scram-sha-256")
	p := ws - 2
	for p >= 0 && b[p] == ' ' {
		p--
	}
	if p < 0 || b[p] != '(' {
		return j
	}
	v := k + 1
	for v < n && b[v] == ' ' {
		v++
	}
	if v >= n || (b[v] != '"' && b[v] != '\'') {
		return j
	}
	vs, ve, next := s.value(v, false, false)
	if !benignValue(b[vs:ve]) {
		s.add(vs, ve, RuleKeyValue)
	}
	return next
}

// listValue: a list under a sensitive key ("passwords": ["a", "b"], Password:[x]). Each element
// is redacted on its own so that JSON stays valid; lists of objects are scanned instead.
func (s *scanner) listValue(k, cls int, rule string, key []byte, jq byte) int {
	b := s.b
	end := -1
	var inq byte
	marked := false // a [REDACTED:...] marker outside quotes
	for p := k + 1; p < s.n && p < k+4096; p++ {
		c := b[p]
		if inq != 0 {
			if c == inq && b[p-1] != '\\' {
				inq = 0
			}
			continue
		}
		if c == '"' || c == '\'' {
			inq = c
		} else if c == '[' && hasPrefixAt(b, p, "[REDACTED") {
			if q := bytes.IndexByte(b[p:], ']'); q > 0 {
				p += q
			}
			marked = true
		} else if c == '{' || c == '[' {
			return s.mixedList(k, cls, rule) // nested structures are scanned key by key
		} else if c == ']' {
			end = p
			break
		}
	}
	if end < 0 {
		if marked {
			// redacted before, and a marker took a bracket of it (a nested list inside a
			// quoted value): scan it key by key, as the first pass's mixedList did
			return k + 1
		}
		return 0
	}
	if bytes.Contains(b[k+1:end], []byte("[REDACTED:")) {
		return end + 1 // already redacted
	}
	p := k + 1
	for p < end {
		for p < end && (b[p] == ' ' || b[p] == ',' || b[p] == '\t') {
			p++
		}
		if p >= end {
			break
		}
		var vs, ve int
		quoted := b[p] == '"' || b[p] == '\''
		if quoted {
			q := b[p]
			vs = p + 1
			ve = vs
			for ve < end && (b[ve] != q || b[ve-1] == '\\') {
				ve++
			}
			p = ve + 1
		} else {
			vs = p
			ve = p
			if hasPrefixAt(b, p, "[REDACTED") {
				ve = p + bytes.IndexByte(b[p:end+1], ']') + 1
			}
			for ve < end && b[ve] != ',' && b[ve] != ' ' {
				ve++
			}
			p = ve
			for ve > vs && b[ve-1] == '\\' {
				ve-- // never swallow the closing bracket through an escape
			}
		}
		val := b[vs:ve]
		if len(val) > 0 && !benignValue(val) && (cls != keyWeak || looksSecret(val)) {
			s.add(vs, ve, rule)
		} else if numericSecret(key, val, quoted) || pluralSecret(key) && numericSecret([]byte("password"), val, quoted) {
			s.addNumber(vs, ve, rule, !quoted, jq)
		}
	}
	return end + 1
}

// sqlIdentifiedBy: the word is BY in "IDENTIFIED BY" or "IDENTIFIED WITH plugin BY".
func sqlIdentifiedBy(b []byte, i int, w []byte) bool {
	if len(w) != 2 || w[0]|0x20 != 'b' || w[1]|0x20 != 'y' {
		return false
	}
	lo := max(0, i-48)
	return bytes.Contains(bytes.ToLower(b[lo:i]), []byte("identified "))
}

// pathSegment reports whether the key starting at ws begins a path segment (follows / or \).
func pathSegment(b []byte, ws int) bool {
	return ws > 0 && (b[ws-1] == '/' || b[ws-1] == '\\')
}
