package redact

import "bytes"

// PEM private key blocks and PuTTY private keys.

// detectPEMBegin: a PEM private key at the BEGIN of "-----BEGIN ... PRIVATE KEY-----".
func (s *scanner) detectPEMBegin(w wordAt) int {
	b, i := s.b, w.i
	if string(b[i:w.j]) == "BEGIN" && string(b[i-5:i]) == "-----" {
		return s.pem(i - 5)
	}
	return 0
}

// detectPPK: PuTTY .ppk: the lines after "Private-Lines: N" are the private key.
func (s *scanner) detectPPK(w wordAt) int {
	b, n, j := s.b, s.n, w.j
	if string(b[w.i:j]) != "Private-Lines" {
		return 0
	}
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
	return 0
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
	t := l
	for len(t) > 0 && (t[len(t)-1] == ' ' || t[len(t)-1] == '\t' || t[len(t)-1] == '\r') {
		t = t[:len(t)-1]
	}
	if len(t) == 0 {
		return true
	}
	if pemCodeLine(t) {
		return true
	}
	if prefix > 0 && len(t) <= prefix && len(t) >= prefix-4 && (t[len(t)-1] == ':' || t[len(t)-1] == ']' || t[len(t)-1] == '>' || t[len(t)-1] == '|') && bytes.IndexAny(t, " \t0123456789") >= 0 && !sensitiveBlockKeyLine(t) {
		return true // a blank line of the block carrying only its log prefix
	}
	if bytes.IndexByte(t, ':') >= 0 && (bytes.Contains(t, []byte("Proc-Type:")) || bytes.Contains(t, []byte("DEK-Info:")) || bytes.Contains(t, []byte("Comment:")) || bytes.Contains(t, []byte("Version:"))) {
		return true
	}
	f := t
	if bytes.IndexByte(t, ' ') >= 0 || bytes.IndexByte(t, '\t') >= 0 {
		for sp := len(t) - 1; sp >= 0; sp-- {
			if t[sp] == ' ' || t[sp] == '\t' {
				f = t[sp+1:] // the last field (bytes.LastIndexAny builds its set per call)
				break
			}
		}
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

// sensitiveBlockKeyLine: the line is a sensitive YAML key opening a block scalar
// ("password: |"), which ends an open PEM block rather than being a log prefix of its body.
func sensitiveBlockKeyLine(t []byte) bool {
	c := bytes.IndexByte(t, ':')
	if c < 1 {
		return false
	}
	key := bytes.TrimLeft(t[:c], " \t-")
	for _, x := range key {
		if !isKeyChar[x] {
			return false
		}
	}
	return len(key) > 0 && classifyKey(key, nil) != keyNone && blockIndicator(t, skipSpaces(t, c+1))
}

// pemCodeLine: a line of a key built by string concatenation in code, at any indentation:
// an optional operator, a quoted base64 run (with an optional \n escape), an optional operator
// ("MIIEow...\n" +, + "MIIEow...", . 'MIIEow...\n').
func pemCodeLine(t []byte) bool {
	for len(t) > 0 && (t[0] == ' ' || t[0] == '\t' || t[0] == '+' || t[0] == '.' || t[0] == '&' || t[0] == '|') {
		t = t[1:] // indentation and an operator (bytes.TrimLeft would build its cutset per call)
	}
	if len(t) < 3 || t[0] != '"' && t[0] != '\'' && t[0] != '`' {
		return false
	}
	q := t[0]
	e := bytes.IndexByte(t[1:], q)
	if e < 1 {
		return false
	}
	body := t[1 : 1+e]
	body = bytes.TrimSuffix(body, []byte("\\n"))
	body = bytes.TrimSuffix(body, []byte("\\r"))
	if len(body) < 16 {
		return false
	}
	for _, c := range body {
		if !isB64[c] {
			return false
		}
	}
	rest := bytes.TrimSpace(t[2+e:])
	return len(bytes.Trim(rest, "+.&|,\\);")) == 0
}
