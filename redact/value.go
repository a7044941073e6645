package redact

import "bytes"

// Value extents: where a value after a key starts and ends in its syntax.

// lineStartBefore reports whether only indentation, list/diff markers or "export " precede pos on
// this line: then an unquoted value runs to the end of the line (env dumps, YAML, INI, headers).
func (s *scanner) lineStartBefore(pos int) bool {
	if !s.atStart {
		return false
	}
	p := s.b[s.ctx:pos]
	for len(p) > 0 && lineMarker[p[0]] {
		p = p[1:] // bytes.TrimLeft would build its cutset on every call
	}
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

// lineMarker: indentation and list/diff/quote markers at a line's start
var lineMarker = func() (t [256]bool) {
	for _, c := range []byte(" \t>-<*#+|") {
		t[c] = true
	}
	return
}()

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
	for e < n && e != s.listClose && !isSpace[b[e]] && b[e] != '"' && b[e] != '\'' && b[e] != '<' && b[e] != '>' && b[e] != '`' && !(b[e] == '\\' && e+1 < n && (b[e+1] == '"' || b[e+1] == 'n' || b[e+1] == 'r' || b[e+1] == 't')) {
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
		if isSpace[c] || c == '<' || c == '>' || c == '`' || e == s.listClose {
			break
		}
		// a quote or & inside the word is part of it (P@ss"w0rd, P@ss&w0rd); one that ends
		// the word, or an & before the next pair of a query string, ends the value
		if c == '"' && (e == k || e+1 >= n || !wordCont(b[e+1]) || !wordCont(b[e-1]) && !(b[e-1] == '\\' && e-1 > k && wordCont(b[e-2]))) {
			if bytes.Count(b[k:e], []byte{'"'})%2 == 1 {
				e++ // it closes a quote inside the word (5"x"): the two go together, so that
				// no lone quote is left after the marker to open a string on a second pass
			}
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
