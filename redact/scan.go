package redact

import (
	"bytes"
	"sort"
	"strings"
)

// span is a region of the scanned text to replace: by a marker naming rule, or by repl when set
// (pseudonyms).
type span struct {
	s, e int
	rule string
	repl string
}

// scanner finds spans in one line (or one window of a very long line). It is owned by one stream
// and reused; it never holds state between lines except pemOpen.
type scanner struct {
	e       *Engine
	b       []byte
	n       int
	ctx     int  // bytes [0,ctx) are read-only context from the previous window
	atStart bool // b[ctx..] begins a line (not a continuation window)
	spans   []span
	pemOpen bool // a private key BEGIN was seen without its END on this line
	// pemPrefix is how many bytes preceded BEGIN on its line (a log prefix); body lines carry a
	// prefix of about the same length.
	pemPrefix int
	// miss[slot] is the smallest start from which a search for that terminator already failed;
	// a later search from further on fails too. This keeps pathological lines linear.
	miss             [6]int
	urlStart, urlEnd int
	urlLastAt        int
	anon             bool
	awsID            bool // an AWS access key id is on this line: look for its secret key too
	b64Start, b64End int
	// yamlOpen: this line ends with a YAML block scalar header under a sensitive key; the more
	// indented lines that follow (deeper than column yamlIndent) are the value.
	yamlOpen   bool
	yamlIndent int
	// pgpass: the stream is a .pgpass file; pgpassHdr: a "# hostname:port:database:username:password"
	// comment was seen, and the lines that follow in that shape are .pgpass lines.
	pgpass, pgpassHdr bool
	// cont: an object or list under a sensitive key that goes on over the next lines
	cont container
	// partial: this window does not end its line (the line goes on in the next window)
	partial bool
}

const (
	missDQ = iota
	missSQ
	missEscDQ
	missRunDQ
	missRunSQ
	missLT
)

func (s *scanner) add(st, en int, rule string) {
	if en <= st || en <= s.ctx {
		return
	}
	if s.e.disabled[rule] {
		return
	}
	if st < s.ctx {
		st = s.ctx
	}
	s.spans = append(s.spans, span{s: st, e: en, rule: rule})
}

func (s *scanner) addRepl(st, en int, rule, repl string) {
	if en <= st || st < s.ctx || s.e.disabled[rule] {
		return
	}
	s.spans = append(s.spans, span{s: st, e: en, rule: rule, repl: repl})
}

// scan fills s.spans for b. ctx bytes at the front are context only.
func (s *scanner) scan(b []byte, ctx int, atStart bool) {
	s.b, s.n, s.ctx, s.atStart = b, len(b), ctx, atStart
	s.spans = s.spans[:0]
	s.anon = s.e.anon
	s.pemOpen = false
	s.awsID = false
	s.yamlOpen = false
	n := len(b)
	for k := range s.miss {
		s.miss[k] = n + 1
	}
	s.urlStart, s.urlEnd, s.b64Start, s.b64End = -1, -1, -1, -1
	if atStart && ctx == 0 && (s.pgpass || s.pgpassHdr || n > 30 && b[0] == '#') {
		s.pgpassFields()
	}
	i := 0
	if s.cont.depth > 0 && (ctx > 0 || atStart) {
		i = s.containerLine()
	} else if s.cont.yaml && atStart && ctx == 0 {
		i = s.yamlMapLine()
	}
	afterEsc := -1
	for i < n {
		if !isAlnum[b[i]] {
			i++
			for i < n && !isAlnum[b[i]] {
				i++
			}
			continue
		}
		ws := i // key start: include leading underscores (_authToken) when they start the word
		if i > 0 && b[i-1] == '\\' && (i < 2 || b[i-2] != '\\') {
			// a JSON escape is a delimiter: \n \t \r, and \u0026 (&) \u003d (=) as Go's
			// encoder writes them
			switch {
			case b[i] == 'n' || b[i] == 't' || b[i] == 'r':
				i++
				afterEsc = i
				continue
			case b[i] == 'u' && i+5 <= n && isHexWord(b[i+1:i+5]):
				i += 5
				afterEsc = i
				continue
			}
		}
		if i > 0 && b[i-1] == '%' && i+2 < n && isAlnum[b[i+2]] && pctDelim(b[i], b[i+1]) {
			// URL-encoded & ? ; , and space delimit pairs in an encoded query string
			i += 2
			afterEsc = i
			continue
		}
		if i > 0 && isAlnum[b[i-1]] && i != afterEsc {
			// inside a word (should not happen) — skip it
			for i < n && isKeyChar[b[i]] {
				i++
			}
			continue
		}
		if i > 0 && b[i-1] == '_' {
			k := i - 1
			for k > 0 && b[k-1] == '_' {
				k--
			}
			if k > 0 && isAlnum[b[k-1]] {
				for i < n && isKeyChar[b[i]] {
					i++
				}
				continue
			}
			ws = k
		}
		next := s.word(ws, i)
		if next <= i {
			next = i + 1
		}
		i = next
	}
	if s.awsID {
		s.awsSecrets()
	}
	if len(s.e.literals) > 0 {
		s.literals()
	}
	if len(s.e.regexes) > 0 {
		s.userRegexes()
	}
	for _, u := range s.e.users {
		off := 0
		for {
			k := bytes.Index(s.b[off:], u)
			if k < 0 {
				break
			}
			st, en := off+k, off+k+len(u)
			if (st == 0 || !isWord[s.b[st-1]]) && (en == s.n || !isWord[s.b[en]]) {
				s.anonUser(st, en)
			}
			off = en
		}
	}
}

func hasPrefixAt(b []byte, i int, p string) bool {
	return len(b)-i >= len(p) && string(b[i:i+len(p)]) == p
}

// separators after a key
const (
	sepNone = iota
	sepEq
	sepColon
	sepSpace
	sepXML
)

// word handles the word starting at i (ws includes leading underscores) and returns where scanning
// continues.
func (s *scanner) word(ws, i int) int {
	b, n := s.b, s.n
	j := n
	var shape byte // separators (1) or uppercase (2) seen in the word
	for x, c := range b[i:] {
		if !isKeyChar[c] {
			j = i + x
			break
		}
		shape |= wordShape[c]
	}
	if i > 0 && b[i-1] == '$' {
		if e := cryptHashAt(b, i, j); e > 0 {
			s.add(j+1, e, RulePasswordHash) // $6$salt$hash: the algorithm id stays visible
			return e
		}
	}
	// 1. provider tokens by prefix
	if rules := firstByte[b[i]]; rules != nil && i+1 < n && firstTwo[uint16(b[i])<<8|uint16(b[i+1])] {
		for _, r := range rules {
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
	}
	w := b[i:j]
	// 2. shapes without a fixed prefix
	if j < n && (b[j] == '+' || b[j] == '/' || b[j] == '=') || j-i >= 86 {
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
	}
	if len(w) >= 12 && shape&2 != 0 && (j == n || b[j] != '.') {
		// base64 "user:password" on its own (a Basic credential without its header)
		k := i
		for k < n && isB64[b[k]] {
			k++
		}
		if run := b[i:k]; len(run) >= 12 && len(run) <= 200 && len(run)%4 == 0 && (i == 0 || !isB64[b[i-1]]) && basicCredsStrict(run) {
			s.add(i, k, RuleBasic)
			return k
		}
	}
	if j < n && b[j] == ':' && len(w) >= 8 {
		if tw := bytes.TrimPrefix(w, []byte("bot")); len(tw) >= 8 && len(tw) <= 10 && allDigits(tw) {
			k := j + 1
			for k < n && charsets[csAlnumDash][b[k]] {
				k++
			}
			if k-j-1 == 35 {
				s.add(j-len(tw), k, "telegram-token")
				return k
			}
		}
	}
	if j-i == 5 && j < n && b[j] == '~' && w[4] == 'Q' && w[3] >= '0' && w[3] <= '9' {
		// Azure AD client secret: 3 chars, a digit, "Q~", 34 more
		k := j
		for k < n && (isKeyChar[b[k]] || b[k] == '~') {
			k++
		}
		if k-i >= 34 && k-i <= 44 {
			s.add(i, k, "azure-client-secret")
			return k
		}
	}
	if len(w) >= 50 && len(w) <= 90 && (w[0] == 'M' || w[0] == 'N' || w[0] == 'O') && isDiscord(w) {
		s.add(i, j, "discord-token")
		return j
	}
	if len(w) > 70 && bytes.Contains(w, []byte(".atlasv1.")) {
		s.add(i, j, "terraform-token")
		return j
	}
	// PEM private key
	if len(w) == 5 && string(w) == "BEGIN" && i >= 5 && string(b[i-5:i]) == "-----" {
		if k := s.pem(i - 5); k > 0 {
			return k
		}
	}
	// PuTTY .ppk: the lines after "Private-Lines: N" are the private key
	if len(w) == 13 && j < n && b[j] == ':' && string(w) == "Private-Lines" {
		v := skipSpaces(b, j+1)
		e := v
		for e < n && b[e] >= '0' && b[e] <= '9' {
			e++
		}
		if e > v && (e == n || !isKeyChar[b[e]]) {
			s.add(v, e, RulePrivateKey)
			s.pemOpen = true
			s.pemPrefix = 0
			return e
		}
	}
	// scheme words: Bearer / Basic / SSWS anywhere
	if j < n && b[j] == ' ' && len(w) >= 4 && len(w) <= 6 && (w[0]|0x20 == 'b' || w[0]|0x20 == 's') {
		switch lower(w) {
		case "bearer", "ssws":
			v, e := s.valueRun(j + 1)
			if e-v >= 8 && !benignValue(b[v:e]) {
				s.add(v, e, RuleBearer)
				return e
			}
		case "basic":
			v := j + 1
			e := v
			for e < n && isB64[b[e]] {
				e++
			}
			if basicCreds(b[v:e]) {
				s.add(v, e, RuleBasic)
				return e
			}
		}
	}
	// 3. structure after the word
	if w[0] <= '9' && ws == i {
		// numbers, timestamps, hex ids: never keys; only URLs, e-mails and (with anonymize) IPs
		if j+2 < n && b[j] == ':' && b[j+1] == '/' && b[j+2] == '/' {
			return s.url(j + 3)
		}
		if s.anon {
			if j < n && b[j] == '@' {
				if e := s.email(ws, j); e > 0 {
					return e
				}
			}
			if e := s.anonWord(i, j); e > 0 {
				return e
			}
		}
		return j
	}
	k := j
	flag := i >= 1 && b[i-1] == '-' && (i < 2 || b[i-2] == '-' || b[i-2] == ' ' || b[i-2] == '\t' || b[i-2] == '"' || b[i-2] == '\'')
	if flag && j-i > 1 && i >= 2 && b[i-2] != '-' && (w[0] == 'p' || w[0] == 'a') {
		if e := s.shortFlag(i, j, j, sepNone); e > 0 {
			return e
		}
	}
	if k < n && b[k] == '@' {
		if s.anon {
			if e := s.email(ws, k); e > 0 {
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
	quoted := false
	if k < n && (b[k] == '"' || b[k] == '\'') {
		k++
		quoted = true
	} else if k+1 < n && b[k] == '\\' && b[k+1] == '"' {
		k += 2
		quoted = true
	}
	xml := !quoted && i > 0 && b[i-1] == '<' && k < n && b[k] == '>'
	sp := k
	for k < n && (b[k] == ' ' || b[k] == '\t') {
		k++
	}
	sep := sepNone
	pctEq := false
	switch {
	case xml:
		sep = sepXML
		k++
	case k+6 <= n && b[k] == '\\' && string(b[k:k+6]) == `\u003d`:
		sep = sepEq
		k += 6
	case k+3 <= n && b[k] == '%' && b[k+1] == '3' && b[k+2]|0x20 == 'd':
		sep = sepEq // URL-encoded '=' (password%3Dx in an encoded query string)
		k += 3
		pctEq = true
	case k < n && b[k] == '=':
		if k+1 < n && b[k+1] == '=' {
			return j
		}
		sep = sepEq
		k++
		if k < n && b[k] == '>' {
			k++
		}
	case k < n && b[k] == ':':
		sep = sepColon
		k++
		if k < n && b[k] == '=' {
			k++
		}
	case k > sp && k < n && !quoted && (i == 0 || (b[i-1] != '=' && b[i-1] != ':')):
		sep = sepSpace
	}
	if flag {
		if e := s.shortFlag(i, j, k, sep); e > 0 {
			return e
		}
	}
	if quoted && i >= 1 && b[i-1] == '"' && s.isNameValue(i) {
		if e := s.nameValuePair(i, j); e > 0 {
			return e
		}
	}
	if quoted && i >= 2 && (b[i-1] == '"' || b[i-1] == '\'') && b[i-2] == '=' {
		if e := s.xmlAttrPair(i, j); e > 0 {
			return e
		}
	}
	if sep == sepNone {
		if quoted && k < n && b[k] == ',' {
			return s.quotedPair(ws, i, j, k)
		}
		if !quoted && k+1 < n && b[k] == '(' && (b[k+1] == '\'' || b[k+1] == '"') && passwordKey(w) {
			// SQL: SET PASSWORD = PASSWORD('x')
			vs, ve, next := s.value(k+1, false, false)
			if !benignValue(b[vs:ve]) {
				s.add(vs, ve, RuleKeyValue)
			}
			return next
		}
		return j
	}
	if sep == sepSpace && (b[k] == '\'' || b[k] == '"') && (passwordKey(w) || sqlIdentifiedBy(b, i, w)) {
		// SQL: ALTER USER bob WITH PASSWORD 'x'; CREATE USER ... IDENTIFIED BY 'x'
		vs, ve, next := s.value(k, false, false)
		if !benignValue(b[vs:ve]) {
			s.add(vs, ve, RuleKeyValue)
		}
		return next
	}
	if (sep == sepEq || sep == sepColon) && len(w) >= 3 && len(w) <= 12 && ws == i && (w[len(w)-1]|0x20 == 'n' || w[len(w)-1]|0x20 == 'e') {
		// pin=4821: a PIN is digits; other values after "pin" are pin numbers of hardware
		if last := lower(w); last == "pin" || last == "pincode" || strings.HasSuffix(last, "_pin") {
			vk := skipSpaces(b, k)
			v, e := s.valueRun(vk)
			if numericSecret(w, b[v:e], vk < n && (b[vk] == '"' || b[vk] == '\'')) {
				s.add(v, e, RuleKeyValue)
				return e
			}
		}
	}
	if shape == 0 && ws == i && len(s.e.extraKeys) == 0 && !plainWordMaybeKey(w) && !(s.anon && sep != sepSpace && isUserKey(w)) {
		return j // a plain lowercase word that is no sensitive key
	}
	cls := classifyKey(b[ws:j], s.e.extraKeys)
	if cls == keyNone {
		if (sep == sepEq || sep == sepColon) && secretNamedKey(b[ws:j]) {
			// secret_key_base: <long hex>
			vk := skipSpaces(b, k)
			v, e := s.valueRun(vk)
			val := b[v:e]
			if longRandom(val) {
				s.add(v, e, RuleKeyValue)
				return e
			}
			// SECRET_KEY_BASE=x: any value but a path, a file name, a boolean or a small number
			if secretKeyNamed(b[ws:j]) && len(val) > 0 && !isFileName(val) && (!benignValue(val) || numericSecret([]byte("secret_key"), val, vk < n && (b[vk] == '"' || b[vk] == '\''))) {
				s.add(v, e, RuleKeyValue)
				return e
			}
		}
		if s.anon && sep != sepSpace && isUserKey(w) {
			return s.anonUserValue(k, sep == sepXML)
		}
		return j
	}
	if sep == sepSpace {
		// "--password X" or "credential X": no separator, so only strong keys, and unless it is a
		// flag, only values that look like secrets.
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
	for k < n && (b[k] == ' ' || b[k] == '\t') {
		k++
	}
	rule := RuleKeyValue
	if flag {
		rule = RuleCLIPass
	}
	if sep == sepColon && cls == keyStrong && s.atStart && s.ctx == 0 && (k >= n || b[k] == '#' && isSpace[b[k-1]] || b[k] == '\r' && k+1 == n) {
		// a YAML block map or sequence under a sensitive key (passwords:, api_keys:)
		ks := ws
		if quoted && ks > 0 && (b[ks-1] == '"' || b[ks-1] == '\'') {
			ks--
		}
		if s.lineStartBefore(ks) {
			s.yamlOpenMap(ws, j, ks, rule)
			return n
		}
	}
	if k >= n {
		return k
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
		if quoted && ks > s.ctx && (b[ks-1] == '"' || b[ks-1] == '\'') {
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
	if pctEq {
		if c := bytes.Index(b[v:e], []byte("%26")); c >= 0 {
			e, next = v+c, v+c // an encoded '&' ends the encoded pair
		}
	}
	val := b[v:e]
	if len(val) > 0 && val[0] == '{' && e == next && e-v > 1 {
		// a nested object: its own keys are scanned
		return v + 1
	}

	if cls == keyWeak {
		if !looksSecret(val) || hashLike(val) || camelIdent(val) {
			return v
		}
	} else if numericSecret(b[ws:j], val, k < n && (b[k] == '"' || b[k] == '\'' || b[k] == '\\')) {
		// a quoted numeric password, or digits after a password-like key
	} else if benignValue(val) || (len(w) == 3 && lower(w) == "pwd" && len(val) > 0 && (val[0] == '/' || val[0] == '~')) {
		return next
	} else if isFileName(val) || plainWord(val) && ambiguousKey(b[ws:j]) && !userKey(b[ws:j], s.e.extraKeys) {
		return next // a file name (key.json), or a word after x86/PAT:, session:, auth:
	} else if camelIdent(val) && !secretWordKey(b[ws:j]) && !userKey(b[ws:j], s.e.extraKeys) {
		return next // an identifier naming a field (API models: "input_token": "nextToken")
	}
	if bytes.EqualFold(val, []byte("ConvertTo-SecureString")) {
		return v // PowerShell: the secret is the string that follows
	}
	if rid := s.tokenRuleAt(v); rid != "" {
		rule = rid
	} else if urlKey(w) && bytes.Contains(val, []byte("://")) {
		return v // the URL rules find its credentials; host and path stay readable
	}
	s.add(v, e, rule)
	return next
}

// urlKey: keys whose values are usually URLs or connection strings with embedded credentials.
func urlKey(w []byte) bool {
	var kb keyBuf
	kb.split(w)
	if kb.n == 0 {
		return false
	}
	switch string(kb.s(kb.n - 1)) {
	case "dsn", "connectionstring", "connstr", "url", "uri":
		return true
	}
	return false
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

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
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

func lower(w []byte) string {
	var buf [16]byte
	if len(w) > 16 {
		return ""
	}
	for i, c := range w {
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		buf[i] = c
	}
	return string(buf[:len(w)])
}

// lineStartBefore reports whether only indentation, list/diff markers or "export " precede pos on
// this line: then an unquoted value runs to the end of the line (env dumps, YAML, INI, headers).
func (s *scanner) lineStartBefore(pos int) bool {
	if !s.atStart {
		return false
	}
	p := s.b[s.ctx:pos]
	p = bytes.TrimLeft(p, " \t>-<*#+|")
	if len(p) == 0 {
		return true
	}
	for _, pre := range []string{"export ", "set ", "declare -x ", "ENV ", "setenv "} {
		if string(p) == pre {
			return true
		}
	}
	return false
}

// valueRun returns the non-space run at k, without surrounding quotes.
func (s *scanner) valueRun(k int) (int, int) {
	b, n := s.b, s.n
	if k < n && (b[k] == '"' || b[k] == '\'') {
		q := b[k]
		slot := missRunDQ
		if q == '\'' {
			slot = missRunSQ
		}
		if k >= s.miss[slot] {
			return k + 1, n
		}
		e := k + 1
		for e < n && b[e] != q && b[e] != '\n' {
			e++
		}
		if e == n {
			s.miss[slot] = k
		}
		return k + 1, e
	}
	e := k
	for e < n && !isSpace[b[e]] && b[e] != '"' && b[e] != '\'' && b[e] != '<' && b[e] != '>' && b[e] != '`' && !(b[e] == '\\' && e+1 < n && (b[e+1] == '"' || b[e+1] == 'n' || b[e+1] == 'r' || b[e+1] == 't')) {
		if (b[e] == ',' || b[e] == ';') && (e+1 >= n || isSpace[b[e+1]]) {
			break
		}
		e++
	}
	return k, e
}

// value parses the value at k. It returns the value bounds and where scanning continues.
func (s *scanner) value(k int, xml, toEOL bool) (v, e, next int) {
	b, n := s.b, s.n
	if xml {
		if k >= s.miss[missLT] {
			return k, n, n
		}
		e = k
		for e < n && b[e] != '<' {
			e++
		}
		if e == n {
			s.miss[missLT] = k
		}
		return k, e, e
	}
	if k < n && (b[k] == '"' || b[k] == '\'') {
		q := b[k]
		slot := missDQ
		if q == '\'' {
			slot = missSQ
		}
		if k >= s.miss[slot] {
			return k + 1, n, n
		}
		e = k + 1
		for e < n {
			if b[e] == q {
				// an escaped quote (odd run of backslashes) does not close
				bs := 0
				for p := e - 1; p > k && b[p] == '\\'; p-- {
					bs++
				}
				if bs%2 == 0 {
					if q == '\'' && e+1 < n && b[e+1] == '\'' && e > k+1 {
						e += 2 // SQL: a doubled quote inside a single-quoted string ('it''s')
						continue
					}
					break
				}
			}
			e++
		}
		if e < n {
			return k + 1, e, e + 1
		}
		s.miss[slot] = k
		return k + 1, n, n
	}
	if k+1 < n && b[k] == '\\' && b[k+1] == '"' {
		if k >= s.miss[missEscDQ] {
			return k + 2, n, n
		}
		idx := bytes.Index(b[k+2:], []byte(`\"`))
		if idx < 0 {
			s.miss[missEscDQ] = k
			return k + 2, n, n
		}
		return k + 2, k + 2 + idx, k + 4 + idx
	}
	if toEOL && k < n && b[k] == '#' && k > 0 && isSpace[b[k-1]] {
		return k, k, k // "secret = # comment": no value
	}
	if toEOL && k < n && b[k] != '{' && b[k] != '[' {
		e = n
		for p := k; p < n; p++ {
			if isSpace[b[p]] {
				q := p
				for q < n && isSpace[b[q]] {
					q++
				}
				if q < n && (b[q] == '#' || b[q] == ';' && q+1 < n && b[q+1] == ' ') || looksKeyAt(b, q) && (q+1 >= n || b[q] != '-') {
					e = p // a trailing comment, or the next key=value pair
					break
				}
				p = q
			}
		}
		for e > k && isSpace[b[e-1]] {
			e--
		}
		return k, e, e
	}
	e = k
	for e < n {
		c := b[e]
		if isSpace[c] || c == '<' || c == '>' || c == '`' {
			break
		}
		// a quote or & inside the word is part of it (P@ss"w0rd, P@ss&w0rd); one that ends
		// the word, or an & before the next pair of a query string, ends the value
		if c == '"' && (e == k || e+1 >= n || !wordCont(b[e+1]) || !wordCont(b[e-1]) && !(b[e-1] == '\\' && e-1 > k && wordCont(b[e-2]))) {
			break
		}
		if c == '&' && (e+1 >= n || !wordCont(b[e+1]) || b[e+1] == '&' || looksAssignAt(b, e+1) || htmlEntityAt(b, e)) {
			break
		}
		if c == '\'' && e > k && (e+1 >= n || isSpace[b[e+1]] || b[e+1] == ',' || b[e+1] == ';' || b[e+1] == ')') && s.insideSingleQuotes(k) {
			break // the closing quote of a single-quoted argument: curl -H 'X-Api-Key: K'
		}
		if c == '\\' && e+1 < n && b[e+1] == '"' && (e == k || e+2 >= n || !wordCont(b[e+2]) || !wordCont(b[e-1])) {
			break
		}
		if c == '\\' && e+1 < n && (b[e+1] == 'n' || b[e+1] == 'r' || b[e+1] == 't' || b[e+1] == 'u' && e+6 <= n && isHexWord(b[e+2:e+6])) {
			break
		}
		if c == ',' || c == ';' || c == '}' || c == ']' || c == ')' {
			if e+1 >= n || isSpace[b[e+1]] || b[e+1] == '"' || b[e+1] == ',' || b[e+1] == '}' || b[e+1] == ']' || b[e+1] == ')' || b[e+1] == '\\' || looksKeyAt(b, e+1) {
				break
			}
		}
		e++
	}
	return k, e, e
}

// jsonQuote: how the key at ws is quoted: '"' in JSON, '\\' in escaped JSON, else 0.
func jsonQuote(b []byte, ws int) byte {
	switch {
	case ws >= 2 && b[ws-1] == '"' && b[ws-2] == '\\':
		return '\\'
	case ws >= 1 && b[ws-1] == '"':
		return '"'
	}
	return 0
}

// addNumber redacts a numeric secret; a bare number in JSON becomes a quoted marker so the
// JSON stays valid.
func (s *scanner) addNumber(st, en int, rule string, bare bool, jq byte) {
	switch {
	case bare && jq == '\\':
		s.addRepl(st, en, rule, `\"[REDACTED:`+rule+`]\"`)
	case bare && jq == '"':
		s.addRepl(st, en, rule, `"[REDACTED:`+rule+`]"`)
	default:
		s.add(st, en, rule)
	}
}

// htmlEntityAt: an HTML entity (&amp; &rdquo; &#39;) starts at the & at i.
func htmlEntityAt(b []byte, i int) bool {
	k := i + 1
	if k < len(b) && b[k] == '#' {
		k++
	}
	st := k
	for k < len(b) && k-st <= 8 && isAlnum[b[k]] {
		k++
	}
	return k > st && k < len(b) && b[k] == ';'
}

// wordCont: a byte that carries an unquoted word on past a quote or & inside it.
func wordCont(c byte) bool {
	return isAlnum[c] || c == '@' || c == '#' || c == '$' || c == '%' || c == '^' || c == '*' || c == '!' || c == '_' || c == '-' || c == '+' || c == '.'
}

// insideSingleQuotes: an odd number of single quotes precede k on this line (looking back at
// most 1 KiB), so the value sits inside a single-quoted argument.
func (s *scanner) insideSingleQuotes(k int) bool {
	return bytes.Count(s.b[max(s.ctx, k-1024):k], []byte{'\''})%2 == 1
}

// listValue: a list under a sensitive key ("passwords": ["a", "b"], Password:[x]). Each element
// is redacted on its own so that JSON stays valid; lists of objects are scanned instead.
func (s *scanner) listValue(k, cls int, rule string, key []byte, jq byte) int {
	b := s.b
	end := -1
	var inq byte
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
		} else if c == '{' || c == '[' {
			return s.mixedList(k, cls, rule) // nested structures are scanned key by key
		} else if c == ']' {
			end = p
			break
		}
	}
	if end < 0 {
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

// passwordKey: keys whose two-field config line ("requirepass foobared") holds a secret. Words
// such as auth or session also start lines of PAM and login.defs files with plain values.
func passwordKey(w []byte) bool {
	var kb keyBuf
	kb.split(w)
	if kb.n == 0 {
		return false
	}
	last := string(kb.s(kb.n - 1))
	switch last {
	case "password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "requirepass", "masterauth",
		"apikey", "credential", "credentials", "passwort", "kennwort", "motdepasse":
		return true
	}
	for _, sf := range []string{"password", "passwd", "secret", "token"} {
		if strings.HasSuffix(last, sf) {
			return true
		}
	}
	return false
}

// secretWordKey: keys whose value is a word someone chose (a password or passphrase), where a
// camelCase value can be the secret itself; under token or key names such a value is a field name.
func secretWordKey(w []byte) bool {
	var kb keyBuf
	kb.split(w)
	if kb.n == 0 {
		return false
	}
	last := string(kb.s(kb.n - 1))
	switch last {
	case "password", "passwd", "pwd", "pass", "passphrase", "secret", "pin", "passcode", "requirepass",
		"masterauth", "passwort", "kennwort", "motdepasse":
		return true
	}
	return strings.HasSuffix(last, "password") || strings.HasSuffix(last, "passwd") || strings.HasSuffix(last, "secret")
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

func skipSpaces(b []byte, e int) int {
	for e < len(b) && (b[e] == ' ' || b[e] == '\t') {
		e++
	}
	return e
}

// onlyTrailing: nothing but spaces or a comment after e.
func onlyTrailing(b []byte, e int) bool {
	for ; e < len(b); e++ {
		if b[e] == '#' {
			return true
		}
		if !isSpace[b[e]] {
			return false
		}
	}
	return true
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

// looksAssignAt: "name=value" at p (not base64 padding).
func looksAssignAt(b []byte, p int) bool {
	k := p
	for k < len(b) && isKeyChar[b[k]] {
		k++
	}
	return k > p && k+1 < len(b) && b[k] == '=' && b[k+1] != '=' && !isSpace[b[k+1]]
}

// looksKeyAt: "name=" or "name:" at p (the next pair of a ;- or ,-separated list).
func looksKeyAt(b []byte, p int) bool {
	k := p
	for k < len(b) && isKeyChar[b[k]] {
		k++
	}
	return k > p && k < len(b) && (b[k] == '=' || b[k] == ':')
}

// authValue: Authorization-like value; the scheme word stays visible.
func (s *scanner) authValue(k int, rule string) int {
	b, n := s.b, s.n
	if rule == RuleKeyValue {
		rule = RuleHTTPAuth
	}
	if k < n && b[k] == '[' && !hasPrefixAt(b, k, "[REDACTED") { // Go header dumps: Authorization:[Bearer x]
		k++
	}
	v, e, next := s.value(k, false, true)
	if k < n && b[k] != '"' && b[k] != '\'' && b[k] != '\\' && !s.lineStartBefore(k) {
		// mid-line unquoted: scheme + one credential run
		v, e, next = k, k, k
		for e < n && !isSpace[b[e]] && b[e] != '"' && b[e] != ']' {
			e++
		}
		next = e
	}
	val := b[v:e]
	// keep the scheme word
	p := 0
	for p < len(val) && (isAlnum[val[p]] || val[p] == '-') {
		p++
	}
	if p > 0 && p <= 24 && p < len(val) && val[p] == ' ' {
		cs := p
		for cs < len(val) && val[cs] == ' ' {
			cs++
		}
		if cs == len(val) && !s.lineStartBefore(k) {
			// only the scheme so far: credential is the next run
			rv, re := s.valueRun(v + cs)
			if re-rv > 0 && !benignValue(b[rv:re]) {
				s.add(rv, re, rule)
			}
			return re
		}
		if !benignValue(val[cs:]) {
			s.add(v+cs, e, rule)
		}
		return next
	}
	if p == len(val) && p > 0 && e < n && b[e] == ' ' && looksAssignAt(b, skipSpaces(b, e)) {
		// "AWS4-HMAC-SHA256 Credential=..., Signature=...": the pairs are redacted by their keys
		return e
	}
	if p == len(val) && p > 0 && p <= 24 && k < n && b[k] != '"' && b[k] != '\'' {
		// "Authorization: Bearer" then the credential after a space
		sch := lower(val)
		if sch == "bearer" || sch == "basic" || sch == "token" || sch == "digest" || sch == "negotiate" || sch == "ntlm" || sch == "ssws" || sch == "bot" || sch == "apikey" {
			for e < n && b[e] == ' ' {
				e++
			}
			rv, re := s.valueRun(e)
			if re > rv && !benignValue(b[rv:re]) {
				s.add(rv, re, rule)
			}
			return re
		}
	}
	if !benignValue(val) {
		s.add(v, e, rule)
	}
	return next
}

var cookieAttrs = map[string]bool{"path": true, "domain": true, "expires": true, "max-age": true, "samesite": true,
	"secure": true, "httponly": true, "priority": true, "partitioned": true, "version": true, "comment": true}

// cookieValue redacts each cookie value, keeping names and attributes.
func (s *scanner) cookieValue(k int, colon bool) int {
	b, n := s.b, s.n
	if k < n && b[k] == '[' && !hasPrefixAt(b, k, "[REDACTED") {
		k++
	}
	var v, e, next int
	if colon || (k < n && (b[k] == '"' || b[k] == '\'' || b[k] == '\\')) {
		v, e, next = s.value(k, false, true)
		if k < n && b[k] != '"' && b[k] != '\'' && b[k] != '\\' {
			// unquoted: to end of line or quote
			e = k
			for e < n && b[e] != '"' && !(b[e] == '\\' && e+1 < n && b[e+1] == '"') {
				e++
			}
			for e > k && isSpace[b[e-1]] {
				e--
			}
			next = e
		}
	} else {
		v, e, next = s.value(k, false, false)
	}
	pairs := 0
	p := v
	for p < e {
		q := p
		for q < e && b[q] != ';' {
			q++
		}
		pair := bytes.TrimSpace(b[p:q])
		off := p + bytes.Index(b[p:q], pair)
		if len(pair) > 0 {
			pairs++
			if eq := bytes.IndexByte(pair, '='); eq >= 0 {
				name := lower(bytes.TrimSpace(pair[:eq]))
				cv := pair[eq+1:]
				if !(pairs > 1 && cookieAttrs[name]) && len(cv) > 0 && !benignValue(cv) {
					s.add(off+eq+1, off+len(pair), RuleCookie)
				}
			} else if !cookieAttrs[lower(pair)] && (pairs == 1 && !benignValue(pair) || looksSecret(pair)) {
				s.add(off, off+len(pair), RuleCookie)
			}
		}
		p = q + 1
	}
	return next
}

// shortFlags: single-letter password flags, valid only when the line runs one of the tools that
// use them that way (-p is a port for ssh, -a a flag for many tools).
var shortFlags = []struct {
	flag          byte
	glued, spaced bool
	tools         []string
}{
	{'p', true, false, []string{"mysql", "mariadb", "7z ", "7za ", "7zz "}},
	{'P', false, true, []string{"zip ", "unzip ", "zipcloak "}},
	{'p', true, true, []string{"sshpass"}},
	{'p', false, true, []string{"docker login", "podman login", "buildah login", "nerdctl login", "helm registry login", "mongo", "mongosh", "mongodump", "mongorestore", "mongoexport", "mongoimport"}},
	{'a', true, true, []string{"redis-cli", "keydb-cli"}},
	{'w', false, true, []string{"ldapsearch", "ldapmodify", "ldapadd", "ldapdelete", "ldapwhoami", "ldappasswd", "ldapcompare"}},
	{'P', false, true, []string{"sqlcmd", "bcp ", "ipmitool"}},
}

// shortFlag handles -pSECRET (mysql), sshpass -p SECRET, redis-cli -a, ldapsearch -w, docker login
// -p, curl -u user:pass / --user user:pass and openssl -passin pass:SECRET.
func (s *scanner) shortFlag(i, j, k, sep int) int {
	b := s.b
	w := b[i:j]
	single := b[i-1] == '-' && (i < 2 || b[i-2] != '-')
	if single {
		glued := j-i > 1 || (j < s.n && !isSpace[b[j]])
		for _, f := range shortFlags {
			if w[0] != f.flag || (glued && !f.glued) || (!glued && (!f.spaced || sep != sepSpace || j-i != 1)) {
				continue
			}
			if !s.lineHasAny(f.tools) {
				continue
			}
			var v, e int
			if glued {
				v, e = s.valueRun(i + 1)
			} else {
				v, e = s.valueRun(k)
			}
			if e > v && b[v] != '-' && !benignValue(b[v:e]) {
				s.add(v, e, RuleCLIPass)
				return e
			}
			return 0
		}
		// openssl -passin pass:SECRET / -passout / -pass / -k
		if (string(w) == "passin" || string(w) == "passout" || string(w) == "pass") && sep == sepSpace {
			v, e := s.valueRun(k)
			if bytes.HasPrefix(b[v:e], []byte("pass:")) && e > v+5 {
				s.add(v+5, e, RuleCLIPass)
				return e
			}
		}
	}
	if string(w) == "U" && single && sep == sepSpace && s.lineHasAny([]string{"smbclient", "rpcclient", "smbmap", "net rpc", "winexe", "mount.cifs"}) {
		v, e := s.valueRun(k)
		if c := bytes.IndexByte(b[v:e], '%'); c >= 0 && c < e-v-1 {
			s.add(v+c+1, e, RuleCLIPass)
			return e
		}
	}
	if (string(w) == "u" && single) || (string(w) == "user" && i >= 2 && b[i-2] == '-') || string(w) == "proxy-user" {
		if sep != sepSpace && sep != sepEq {
			return 0
		}
		v, e := s.valueRun(k)
		val := b[v:e]
		if c := bytes.IndexByte(val, ','); c > 0 && c < len(val)-1 && bytes.IndexByte(val, ':') < 0 && s.lineHasAny([]string{"lftp"}) {
			s.add(v+c+1, e, RuleCLIPass) // lftp -u user,password
			return e
		}
		c := bytes.IndexByte(val, ':')
		if c >= 0 && c < len(val)-1 && !allDigits(val[c+1:]) && !benignValue(val) && !benignValue(val[c+1:]) && !isIPv6ish(val) {
			s.add(v+c+1, e, RuleCLIPass)
			return e
		}
	}
	return 0
}

// isIPv6ish: hex groups and colons only (an address, not user:password).
func isIPv6ish(v []byte) bool {
	if bytes.Count(v, []byte{':'}) < 2 {
		return false
	}
	for _, c := range v {
		if !charsets[csHexLower][c] && c != ':' && c != '.' {
			return false
		}
	}
	return true
}

func (s *scanner) lineHasAny(tools []string) bool {
	for _, t := range tools {
		if bytes.Contains(s.b, []byte(t)) {
			return true
		}
	}
	return false
}

// url handles scheme://[user[:pass]@]host...; a is the byte after "://".
func (s *scanner) url(a int) int {
	b, n := s.b, s.n
	end := a
	if a >= s.urlStart && a < s.urlEnd {
		end = s.urlEnd
	} else {
		for end < n {
			c := b[end]
			if isSpace[c] || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c == '\\' {
				break
			}
			end++
		}
		s.urlStart, s.urlEnd = a, end
		s.urlLastAt = -1
		if k := bytes.LastIndexByte(b[a:end], '@'); k >= 0 {
			s.urlLastAt = a + k
		}
	}
	auth := b[a:end]
	slash := bytes.IndexByte(auth, '/')
	lim := auth
	if slash >= 0 {
		lim = auth[:slash]
	}
	at := bytes.LastIndexByte(lim, '@')
	if at < 0 && slash >= 0 {
		// a password containing '/': accept the last '@' if what precedes the first '/' is not a
		// host:port
		at2 := -1
		if s.urlLastAt >= a {
			at2 = s.urlLastAt - a
		}
		c := bytes.IndexByte(auth, ':')
		if at2 > 0 && c >= 0 && c < slash && !allDigits(auth[c+1:slash]) && bytes.IndexByte(auth[:at2], '?') < 0 {
			at = at2
		}
	}
	if at < 0 {
		return a
	}
	ui := auth[:at]
	if bytes.Contains(ui, []byte("[REDACTED")) {
		return a + at + 1
	}
	if c := bytes.IndexByte(ui, ':'); c >= 0 {
		pw := ui[c+1:]
		if len(pw) > 0 && !bytes.HasPrefix(pw, []byte("[REDACTED")) && !benignValue(pw) {
			s.add(a+c+1, a+at, RuleURLPass)
		}
		if s.anon && c > 0 {
			s.anonUser(a, a+c)
		}
	} else if looksSecret(ui) || (len(ui) >= 20 && allAlnum(ui)) {
		s.add(a, a+at, RuleURLToken)
	} else if s.anon && len(ui) > 0 {
		s.anonUser(a, a+at)
	}
	return a + at + 1
}

func allAlnum(b []byte) bool {
	for _, c := range b {
		if !isAlnum[c] {
			return false
		}
	}
	return true
}

var (
	pemBegin = []byte("-----BEGIN")
	pemEnd   = []byte("-----END")
	dashes   = []byte("-----")
)

// pem handles a BEGIN marker at p. For private keys it redacts to the END marker on this line, or
// to the end of the line and opens block mode for the lines that follow.
func (s *scanner) pem(p int) int {
	b := s.b
	hdrEnd := bytes.Index(b[p+10:], dashes)
	if hdrEnd < 0 || hdrEnd > 60 {
		return 0
	}
	hdr := b[p+10 : p+10+hdrEnd]
	if !bytes.Contains(hdr, []byte("PRIVATE KEY")) {
		return 0
	}
	after := p + 10 + hdrEnd + 5
	if e := bytes.Index(b[after:], pemEnd); e >= 0 {
		endm := after + e + len(pemEnd)
		if d := bytes.Index(b[endm:], dashes); d >= 0 && d < 60 {
			endm += d + 5
		}
		s.add(p, endm, RulePrivateKey)
		return endm
	}
	// No END on this line: the key goes on in the lines that follow. Inside a JSON string, stop at
	// its closing quote so the line stays valid JSON.
	end := s.n
	for q := after; q < s.n; q++ {
		if s.b[q] == '"' && s.b[q-1] != '\\' {
			end = q
			break
		}
	}
	s.add(p, end, RulePrivateKey)
	s.pemOpen = true
	s.pemPrefix = p - s.ctx
	return end
}

// pemJSONBody finds a PEM body line wrapped in a JSON string at about the offset where BEGIN
// was on its line (journald -o json, structured loggers): it returns the run to remove.
func pemJSONBody(l []byte, prefix int) (int, int, bool) {
	for off := max(1, prefix-4); off <= prefix+4 && off < len(l); off++ {
		if l[off-1] != '"' {
			continue
		}
		e := off
		for e < len(l) && (isB64[l[e]] || l[e] == '\\' && e+1 < len(l) && (l[e+1] == 'n' || l[e+1] == 'r')) {
			if l[e] == '\\' {
				e++
			}
			e++
		}
		if e > off && e < len(l) && l[e] == '"' {
			if r := skipSpaces(l, e+1); r < len(l) && l[r] == ':' {
				continue // a JSON key ("auth": ...), not a body line
			}
			return off, e, true
		}
	}
	return 0, 0, false
}

// pemBodyLine: a line inside a PEM block (optionally with a log prefix about as long as the BEGIN
// line's): its last field is base64, a PEM header, or it is blank.
func pemBodyLine(l []byte, prefix int) bool {
	t := bytes.TrimRight(l, " \t\r")
	if len(t) == 0 {
		return true
	}
	if prefix > 0 && len(t) <= prefix && len(t) >= prefix-4 && (t[len(t)-1] == ':' || t[len(t)-1] == ']' || t[len(t)-1] == '>' || t[len(t)-1] == '|') && bytes.IndexAny(t, " \t0123456789") >= 0 {
		return true // a blank line of the block carrying only its log prefix
	}
	if bytes.Contains(t, []byte("Proc-Type:")) || bytes.Contains(t, []byte("DEK-Info:")) || bytes.Contains(t, []byte("Comment:")) || bytes.Contains(t, []byte("Version:")) {
		return true
	}
	f := t
	if sp := bytes.LastIndexAny(t, " \t"); sp >= 0 {
		f = t[sp+1:]
	}
	if pl := len(t) - len(f); pl != 0 && (pl < prefix-4 || pl > prefix+4) {
		// a prefix, but not one like the BEGIN line's: the block has ended
		return false
	}
	f = bytes.Trim(f, `"',`)
	if len(f) == 0 {
		return false
	}
	for _, c := range f {
		if !isB64[c] && c != '\\' {
			return false
		}
	}
	return true
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

func (s *scanner) literals() {
	for _, lit := range s.e.literals {
		off := 0
		for {
			k := bytes.Index(s.b[off:], lit)
			if k < 0 {
				break
			}
			s.add(off+k, off+k+len(lit), RuleLiteral)
			off += k + len(lit)
		}
	}
}

func (s *scanner) userRegexes() {
	for _, r := range s.e.regexes {
		if len(r.prefix) > 0 && !bytes.Contains(s.b, r.prefix) {
			continue
		}
		for _, m := range r.re.FindAllSubmatchIndex(s.b, -1) {
			st, en := m[0], m[1]
			if len(m) >= 4 && m[2] >= 0 {
				st, en = m[2], m[3]
			}
			s.add(st, en, r.id)
		}
	}
}

// resolve sorts and merges overlapping spans; a redaction wins over a pseudonym.
func (s *scanner) resolve() []span {
	sp := s.spans
	if len(sp) == 0 {
		return sp
	}
	sorted := true
	for k := 1; k < len(sp); k++ {
		if sp[k].s < sp[k-1].s {
			sorted = false
			break
		}
	}
	if !sorted {
		sort.SliceStable(sp, func(a, c int) bool { return sp[a].s < sp[c].s })
	}
	out := sp[:1]
	for _, x := range sp[1:] {
		last := &out[len(out)-1]
		if x.s < last.e {
			if x.e > last.e {
				last.e = x.e
			}
			if last.repl != "" && x.repl == "" {
				last.rule, last.repl = x.rule, ""
			} else if last.repl != "" && x.repl != "" {
				// two pseudonyms overlapping: redact rather than emit a mangled token
				last.rule, last.repl = x.rule, ""
			}
			continue
		}
		out = append(out, x)
	}
	// Keep JSON and other escapes intact: never start right after an escaping backslash, never
	// end between a backslash and the byte it escapes.
	b := s.b
	for k := range out {
		x := &out[k]
		if x.repl != "" {
			continue
		}
		bs := 0
		for p := x.s - 1; p >= 0 && b[p] == '\\'; p-- {
			bs++
		}
		if bs%2 == 1 && (k == 0 || out[k-1].e < x.s) && x.s-1 >= s.ctx {
			x.s--
		}
		bs = 0
		for p := x.e - 1; p >= x.s && b[p] == '\\'; p-- {
			bs++
		}
		if bs%2 == 1 && x.e < len(b) && (k+1 == len(out) || out[k+1].s > x.e) {
			x.e++
		}
	}
	return out
}
