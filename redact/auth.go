package redact

import (
	"bytes"
	"encoding/base64"
)

// Authorization headers, cookies, Basic credentials and URL userinfo.

// detectAuthScheme: the scheme words Bearer / SSWS / Basic anywhere, followed by a credential.
func (s *scanner) detectAuthScheme(w wordAt) int {
	b, n, j := s.b, s.n, w.j
	switch lower(b[w.i:j]) {
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
	return 0
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
		// any scheme word (Bearer, Api-Token, GenieKey, Key, DSN...) is kept when a
		// credential follows it; a run with digits is the credential itself
		if schemeWord(val) && e+1 < n && b[e] == ' ' && !looksAssignAt(b, skipSpaces(b, e)) {
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

// letterName: letters only, a name (akka.tcp://sparkExecutorActorSystem@host, an actor system;
// spark://CoarseGrainedScheduler@host): a token has digits.
func letterName(w []byte) bool {
	for _, c := range w {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// schemeWord: an HTTP auth scheme: letters, with inner dashes, up to 24 bytes (Bearer, Basic,
// Api-Token, X-Auth, GenieKey). A word with digits is a credential, not a scheme.
func schemeWord(w []byte) bool {
	if len(w) == 0 || len(w) > 24 || w[0] == '-' || w[len(w)-1] == '-' {
		return false
	}
	for _, c := range w {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
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
		// in a URL the field after user: is the password, whatever word it is; only a
		// placeholder that cannot be real stays
		if len(pw) > 0 && !bytes.HasPrefix(pw, []byte("[REDACTED")) && !placeholderValue(pw) {
			s.add(a+c+1, a+at, RuleURLPass)
		}
		if s.anon && c > 0 {
			s.anonUser(a, a+c)
		}
	} else if (looksSecret(ui) || (len(ui) >= 20 && allAlnum(ui))) && !letterName(ui) {
		s.add(a, a+at, RuleURLToken)
	} else if s.anon && len(ui) > 0 {
		s.anonUser(a, a+at)
	}
	return a + at + 1
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
