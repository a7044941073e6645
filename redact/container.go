package redact

import "bytes"

// Containers under sensitive keys.
//
// The value of a strong sensitive key may be an object or a list: {"auth": {"basic": "x"}},
// secrets: {primary: x}, a pretty-printed "tokens": [ ... ] over several lines, or a YAML block
// map or sequence (passwords:\n  - x). Inside it, every scalar leaf is redacted; keys, brackets,
// quotes and indentation stay, so JSON stays valid. Values under inner keys that name or describe
// a secret (user, type, url, ttl...) stay, and so do plain words under ambiguous outer keys
// (auth, session) and short numbers.
//
// The state lives in the scanner across lines. It is bounded: a container that has not ended
// after containerMaxLines lines or containerMaxBytes bytes is closed, and what follows is
// scanned as usual. A flow container goes on over the next lines only when its first line ends
// inside it with an opening bracket or a comma; each further line must be indented deeper than
// the key's line (or start with the closing bracket at the key's indentation), else the
// container is closed: a truncated "token: [x" in a log does not swallow the lines after it.

const (
	containerMaxLines = 10000
	containerMaxBytes = 1 << 20
)

type container struct {
	depth   int    // >0: inside a flow container
	obj     uint64 // bit d-1: level d is an object
	expKey  bool   // the next scalar of the current object is a key
	hasKey  bool   // an inner key was seen for the current element
	keep    bool   // the inner key names or describes the secret: its value stays
	sens    bool   // the inner key is itself sensitive
	count   bool   // the inner key is a count, size or time word
	amb     bool   // the outer key is an ambiguous word (auth, session)
	json    byte   // 0, '"' for JSON, '\\' for escaped JSON: how unquoted numbers are quoted
	inStr   byte   // a window ended inside a string opened with this quote
	inVal   bool   // that string is a value to redact
	inEsc   bool   // that string is escaped JSON (\"...\")
	indent  int    // the key line's indentation
	lines   int    // lines seen since the container opened
	bytes   int    // bytes seen since the container opened
	rule    string // rule id of the markers
	yaml    bool   // inside a YAML block map or sequence under a sensitive key
	yamlInd int    // the key's indentation (block mode)
	yamlSeq bool   // the sequence items sit at the key's own indentation
}

// innerKey records what the inner key at b[ks:ke] says about its value.
func (s *scanner) innerKey(key []byte) {
	c := &s.cont
	c.hasKey = true
	c.keep, c.count, c.sens = false, false, false
	var kb keyBuf
	kb.split(key)
	if kb.n == 0 {
		return
	}
	if classifyKey(key, s.e.extraKeys) != keyNone {
		c.sens = true // a sensitive inner key: its value is redacted whatever it is
		return
	}
	last := wordClass(kb.last())
	c.count = last&kCount != 0
	c.keep = last&(kKeep|kMeta) != 0 || keyWords[lower(key)]&kKeep != 0
}

// leaf decides one scalar value at b[vs:ve] inside a container.
func (s *scanner) leaf(vs, ve int, quoted bool) {
	c := &s.cont
	val := s.b[vs:ve]
	if len(val) == 0 || bytes.Contains(val, []byte("[REDACTED:")) {
		return
	}
	if c.keep {
		if k := bytes.Index(val, []byte("://")); k >= 0 {
			s.url(vs + k + 3) // credentials in a kept URL are still found
		}
		return
	}
	num := allDigits(val)
	if !quoted {
		num = num || isNumber(val)
		if lv := lower(val); len(val) <= 5 && (lv == "true" || lv == "false" || lv == "null") {
			return
		}
	}
	if num {
		if c.count || len(val) < 2 || !quoted && (len(val) < 4 || !allDigits(val)) {
			return
		}
	} else if benignValue(val) || isFileName(val) || c.amb && !c.sens && plainWord(val) {
		return
	}
	if !quoted && c.json == '"' {
		s.addRepl(vs, ve, c.rule, `"[REDACTED:`+c.rule+`]"`)
		return
	}
	if !quoted && c.json == '\\' {
		s.addRepl(vs, ve, c.rule, `\"[REDACTED:`+c.rule+`]\"`)
		return
	}
	s.add(vs, ve, c.rule)
}

// openContainer starts a flow container at the bracket at k, under the key at b[ws:j].
func (s *scanner) openContainer(ws, j, k int, rule string) int {
	b := s.b
	c := &s.cont
	*c = container{rule: rule, amb: ambiguousKey(b[ws:j])}
	if ws >= 1 && b[ws-1] == '"' {
		c.json = '"'
		if ws >= 2 && b[ws-2] == '\\' {
			c.json = '\\'
		}
	}
	ind := s.ctx
	for ind < s.n && (b[ind] == ' ' || b[ind] == '\t') {
		ind++
	}
	c.indent = ind - s.ctx
	c.push(b[k] == '{')
	return s.walk(k+1, true)
}

func (c *container) push(isObj bool) {
	c.depth++
	if c.depth <= 64 {
		if isObj {
			c.obj |= 1 << (c.depth - 1)
		} else {
			c.obj &^= 1 << (c.depth - 1)
		}
	}
	c.expKey = isObj
	c.hasKey, c.keep, c.count, c.sens = false, false, false, false
}

func (c *container) inObj() bool {
	return c.depth > 64 || c.depth > 0 && c.obj&(1<<(c.depth-1)) != 0
}

// walk goes through the container from p until it closes or the line ends.
func (s *scanner) walk(p int, first bool) int {
	b, n := s.b, s.n
	c := &s.cont
	if c.inStr != 0 {
		// the previous window ended inside a string: it was redacted up to the cut, and the
		// stream redacts on to its closing quote
		q := c.inStr
		esc := c.inEsc
		c.inStr, c.inEsc = 0, false
		st := p
		for p < n && !(b[p] == q && (p == 0 || b[p-1] != '\\')) && !(esc && b[p] == '\\' && p+1 < n && b[p+1] == '"') {
			if esc && b[p] == '\\' {
				p++
			}
			p++
		}
		e := min(p, n)
		// decide on the whole string when its start is still in the context
		r := st - 1
		for r >= 0 && b[r] != q {
			r--
		}
		if esc && r > 0 && b[r-1] == '\\' {
			r-- // \" opens escaped JSON
		}
		switch {
		case r >= 0 && !c.expKey && c.inVal:
			s.leaf(r+1+btoi(esc), e, true)
		case r < 0 && c.inVal && !bytes.Contains(b[st:e], []byte("REDACTED:")):
			s.add(st, e, c.rule)
		}
		p = e
		if p < n {
			p++
			if esc {
				p++
			}
		}
	}
	lastOpen := -1 // just after the line's last bracket or comma
	if first {
		lastOpen = p // openContainer took the opening bracket
	}
	for p < n && c.depth > 0 {
		ch := b[p]
		switch {
		case ch == '[' && hasPrefixAt(b, p, "[REDACTED:"):
			q := bytes.IndexByte(b[p:], ']')
			if q < 0 {
				p = n
				break
			}
			p += q + 1
			c.expKey = false
		case ch == '{' || ch == '[':
			c.push(ch == '{')
			p++
			lastOpen = p
		case ch == '}' || ch == ']':
			c.depth--
			p++
			c.expKey = false
			c.hasKey, c.keep, c.count, c.sens = false, false, false, false
			lastOpen = p
		case ch == ',':
			if c.inObj() {
				c.expKey = true
				c.hasKey, c.keep, c.count, c.sens = false, false, false, false
			}
			p++
			lastOpen = p
		case ch == ':':
			c.expKey = false
			p++
		case isSpace[ch]:
			p++
		case ch == '"' || ch == '\'' || ch == '\\' && p+1 < n && b[p+1] == '"':
			vs := p + 1
			esc := ch == '\\'
			if esc {
				vs = p + 2
			}
			q := vs
			for q < n {
				if esc {
					if b[q] == '\\' && q+1 < n && b[q+1] == '"' {
						break
					}
					if b[q] == '\\' {
						q++
					}
				} else if b[q] == ch {
					bs := 0
					for r := q - 1; r >= vs && b[r] == '\\'; r-- {
						bs++
					}
					if bs%2 == 0 {
						if ch == '\'' && q+1 < n && b[q+1] == '\'' {
							q += 2 // a doubled quote inside a single-quoted string
							continue
						}
						break
					}
				}
				q++
			}
			if q >= n {
				// the string goes on past this window
				c.inVal = !c.expKey && !c.keep && !c.count
				if !c.expKey {
					s.leaf(vs, n, true)
				}
				c.inStr, c.inEsc = ch, esc
				if esc {
					c.inStr = '"'
				}
				p = n
				break
			}
			end := q + 1
			if esc {
				end = q + 2
			}
			r := skipSpaces(b, end)
			if c.inObj() && (r < n && b[r] == ':' || r >= n && c.expKey) {
				s.innerKey(b[vs:q])
				c.expKey = false
			} else {
				s.leaf(vs, q, true)
				c.expKey = false
			}
			p = end
		case ch == '#' && p > 0 && isSpace[b[p-1]] && c.json == 0:
			p = n // a YAML comment
		default:
			// an unquoted scalar: a key up to ':', or a value up to , ] } or the end of the line
			q := p
			if c.inObj() && c.expKey {
				for q < n && b[q] != ':' && b[q] != ',' && b[q] != '}' && b[q] != ']' && b[q] != '[' && b[q] != '{' && b[q] != '"' && b[q] != '\'' && b[q] != '\\' && !isSpace[b[q]] {
					q++
				}
				if q < n && b[q] == ':' {
					s.innerKey(b[p:q])
					c.expKey = false
					p = q + 1
					break
				}
				q = p
			}
			for q < n && b[q] != ',' && b[q] != '}' && b[q] != ']' && b[q] != '"' && !(b[q] == '\\' && q+1 < n && b[q+1] == '"') {
				if isSpace[b[q]] {
					// a run of blanks ends the value before JSON, a next key or a comment
					r := q
					for r < n && isSpace[b[r]] {
						r++
					}
					if c.json != 0 || r < n && (b[r] == '#' || looksKeyAt(b, r)) {
						break
					}
					q = r
					continue
				}
				if b[q] == '[' && hasPrefixAt(b, q, "[REDACTED:") {
					r := bytes.IndexByte(b[q:], ']')
					if r < 0 {
						q = n
						break
					}
					q += r + 1
					continue
				}
				if b[q] == '\\' && q+1 < n {
					// a backslash takes the next byte with it (\, is no delimiter): the
					// marker never ends between them (resolve), so the scalar must not either
					q += 2
					continue
				}
				q++
			}
			e := q
			for e > p && isSpace[b[e-1]] {
				e--
			}
			if e == p {
				p++
				break
			}
			s.leaf(p, e, false)
			c.expKey = false
			p = q
		}
	}
	if c.depth > 0 {
		c.bytes += n - s.ctx
		// go on over the next lines only when this line ended at a bracket or a comma
		if !first || s.partial || lastOpen >= 0 && len(bytes.TrimRight(b[lastOpen:], " \t\r")) == 0 {
			return n
		}
		c.depth = 0
		c.inStr = 0
	}
	return p
}

// containerLine continues an open container at the start of a line. It returns where the
// main scan goes on (0 when the container was closed before this line).
func (s *scanner) containerLine() int {
	c := &s.cont
	b, n := s.b, s.n
	if s.ctx == 0 {
		c.inStr = 0
		c.lines++
		ind := 0
		for ind < n && (b[ind] == ' ' || b[ind] == '\t') {
			ind++
		}
		if ind == n {
			return n // a blank line
		}
		if c.lines > containerMaxLines || c.bytes > containerMaxBytes ||
			ind < c.indent || ind == c.indent && b[ind] != ']' && b[ind] != '}' {
			c.depth = 0
			return 0
		}
	}
	return s.walk(s.ctx, false)
}

// yamlOpenMap opens block mode after a sensitive key with no value at the start of a line
// (passwords:, api_keys:).
func (s *scanner) yamlOpenMap(ws, j, ks int, rule string) {
	s.cont = container{rule: rule, amb: ambiguousKey(s.b[ws:j]), yaml: true, yamlInd: ks - s.ctx}
}

// yamlMapLine handles a line while block mode is open. It returns where the main scan goes on,
// 0 when the line ends the block.
func (s *scanner) yamlMapLine() int {
	c := &s.cont
	b, n := s.b, s.n
	ind := 0
	for ind < n && (b[ind] == ' ' || b[ind] == '\t') {
		ind++
	}
	t := bytes.TrimRight(b[ind:], " \t\r")
	if len(t) == 0 || t[0] == '#' {
		return n
	}
	c.lines++
	c.bytes += n
	dash := len(t) >= 2 && t[0] == '-' && (t[1] == ' ' || t[1] == '\t') || len(t) == 1 && t[0] == '-'
	if c.lines == 1 && ind == c.yamlInd && dash {
		c.yamlSeq = true
	}
	if c.lines > containerMaxLines || c.bytes > containerMaxBytes || ind < c.yamlInd || ind == c.yamlInd && !(c.yamlSeq && dash) {
		c.yaml = false
		return 0
	}
	p := ind
	c.hasKey, c.keep, c.count, c.sens = false, false, false, false
	for p < n && b[p] == '-' && p+1 < n && (b[p+1] == ' ' || b[p+1] == '\t') {
		p = skipSpaces(b, p+1)
	}
	if p >= n {
		return n
	}
	// key: value?
	q := p
	quotedKey := false
	if b[q] == '"' || b[q] == '\'' {
		if r := bytes.IndexByte(b[q+1:], b[q]); r >= 0 {
			q += r + 2
			quotedKey = true
		}
	} else {
		for q < n && b[q] != ':' && !isSpace[b[q]] && b[q] != '"' && b[q] != '\'' {
			q++
		}
	}
	if q < n && b[q] == ':' && (q+1 == n || isSpace[b[q+1]]) {
		ks, ke := p, q
		if quotedKey {
			ks, ke = p+1, q-1
		}
		s.innerKey(b[ks:ke])
		p = skipSpaces(b, q+1)
		if p >= n || b[p] == '#' || b[p] == '\r' {
			return n // a nested map or list
		}
		if blockIndicator(b, p) {
			s.yamlOpen = true
			s.yamlIndent = ind
			return n
		}
	} else if quotedKey {
		q = p // a quoted scalar item
	}
	if hasPrefixAt(b, p, "[REDACTED:") {
		return n // already redacted (idempotence)
	}
	if b[p] == '{' || b[p] == '[' {
		save := *c
		*c = container{rule: save.rule, amb: save.amb, indent: ind}
		c.push(b[p] == '{')
		if save.hasKey && b[p] == '[' {
			c.keep, c.count, c.sens, c.hasKey = save.keep, save.count, save.sens, true
		}
		s.walk(p+1, false)
		*c = save
		return n
	}
	// the scalar value: quoted, or up to a comment
	if b[p] == '"' || b[p] == '\'' {
		// a quoted scalar: its closing quote must end the line (or come before a comment)
		q := p + 1
		for q < n && !(b[q] == b[p] && b[q-1] != '\\') {
			q++
		}
		if r := skipSpaces(b, q+1); q < n && (r >= n || b[r] == '#' || b[r] == '\r') {
			s.leaf(p+1, q, true)
			return n
		}
	}
	e := n
	for k := p; k < n; k++ {
		if b[k] == '#' && k > p && isSpace[b[k-1]] {
			e = k
			break
		}
	}
	for e > p && isSpace[b[e-1]] {
		e--
	}
	s.leaf(p, e, false)
	return n
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
