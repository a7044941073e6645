package redact

import (
	"bytes"
	"strings"
)

// Formats a secret is found in by its shape or position rather than by a key name: crypt(3)
// password hashes, .pgpass lines and YAML block scalars under sensitive keys. The scanner calls
// these from its hooks; they hold no state of their own.

const (
	// RulePasswordHash: crypt(3) password hashes ($6$salt$hash, $2b$10$..., $argon2id$...), as in
	// /etc/shadow. The algorithm id stays visible.
	RulePasswordHash = "password-hash"
	// RulePgpass: the password field of a .pgpass line (host:port:db:user:password).
	RulePgpass = "pgpass-password"
)

// cryptIDs are the crypt(3) and passlib algorithm ids ($id$...).
var cryptIDs = map[string]bool{
	"1": true, "2": true, "2a": true, "2b": true, "2x": true, "2y": true, "3": true, "5": true, "6": true,
	"7": true, "y": true, "gy": true, "sha1": true, "md5": true, "argon2i": true, "argon2d": true,
	"argon2id": true, "scrypt": true, "pbkdf2": true, "pbkdf2-sha256": true, "pbkdf2-sha512": true,
	"bcrypt-sha256": true,
}

// cryptHashAt: the word b[i:j] is preceded by '$' and followed by '$'. If it is a crypt(3) id and
// what follows is a salt and hash, it returns the end of the hash (the span j+1..end is redacted).
func cryptHashAt(b []byte, i, j int) int {
	if i < 1 || b[i-1] != '$' || j >= len(b) || b[j] != '$' || j-i > 13 || !cryptIDs[string(b[i:j])] {
		return 0
	}
	e := j + 1
	last := e // start of the last $-separated field
	dollars := 0
	for e < len(b) {
		c := b[e]
		if c == '$' {
			dollars++
			last = e + 1
		} else if !(isAlnum[c] || c == '.' || c == '/' || c == '=' || c == ',' || c == '+') {
			break
		}
		e++
	}
	if dollars == 0 || e-last < 16 {
		return 0
	}
	return e
}

// isCryptHash: v is a whole crypt(3) hash ($6$salt$hash), not a $VARIABLE reference.
func isCryptHash(v []byte) bool {
	if len(v) < 20 || v[0] != '$' {
		return false
	}
	k := bytes.IndexByte(v[1:], '$')
	if k < 1 {
		return false
	}
	return cryptHashAt(v, 1, 1+k) == len(v)
}

// blockIndicator: a YAML block scalar header at k (|, >, |-, >+, |2, >-2 ...), alone on the rest
// of the line but for a comment.
func blockIndicator(b []byte, k int) bool {
	if k >= len(b) || (b[k] != '|' && b[k] != '>') {
		return false
	}
	e := k + 1
	digit, sign := false, false
	for e < len(b) {
		c := b[e]
		if c >= '1' && c <= '9' && !digit {
			digit = true
		} else if (c == '-' || c == '+') && !sign {
			sign = true
		} else {
			break
		}
		e++
	}
	if e < len(b) && !isSpace[b[e]] {
		return false
	}
	return onlyTrailing(b, e)
}

// scalarEnd: a JSON number (at most 12 digits), true, false or null at k, followed by a
// delimiter: it returns the scalar's end. Such values are never secrets and their delimiter must
// not be taken into a marker.
func scalarEnd(b []byte, k int) int {
	e := k
	switch {
	case hasPrefixAt(b, k, "true"):
		e += 4
	case hasPrefixAt(b, k, "false"):
		e += 5
	case hasPrefixAt(b, k, "null"):
		e += 4
	default:
		if e < len(b) && b[e] == '-' {
			e++
		}
		d := 0
		for e < len(b) && (b[e] >= '0' && b[e] <= '9' || b[e] == '.' && d > 0) {
			if b[e] != '.' {
				d++
			}
			e++
		}
		if d == 0 || d > 12 {
			return 0
		}
	}
	switch {
	case e == len(b) || b[e] == '}' || b[e] == ']':
	case b[e] == ',':
		// a JSON or list delimiter, not "123,abc"
		if e+1 < len(b) && !isSpace[b[e+1]] && b[e+1] != '"' && b[e+1] != '\\' && b[e+1] != '{' && b[e+1] != '[' {
			return 0
		}
	case isSpace[b[e]]:
		// the value ends here: "1234 abcd" could be one passphrase
		if f := skipSpaces(b, e); f < len(b) && !onlyTrailing(b, f) && !looksKeyAt(b, f) && b[f] != ',' && b[f] != '}' && b[f] != ']' {
			return 0
		}
	default:
		return 0
	}
	return e
}

// pgpassName: a file whose lines are host:port:database:username:password.
func pgpassName(file string) bool {
	f := strings.ToLower(strings.ReplaceAll(file, "\\", "/"))
	return strings.HasSuffix(f, ".pgpass") || f == "pgpass.conf" || strings.HasSuffix(f, "/pgpass.conf")
}

// pgpassHeader: the comment that documents the .pgpass format.
func pgpassHeader(l []byte) bool {
	t := bytes.TrimSpace(l)
	if len(t) == 0 || t[0] != '#' {
		return false
	}
	const want = "hostname:port:database:username:password"
	k := 0
	for _, c := range t[1:] {
		if c == ' ' || c == '\t' {
			continue
		}
		if k == len(want) || c|0x20 != want[k] {
			break
		}
		k++
	}
	return k == len(want)
}

// pgpassLine returns where the password field of a .pgpass line starts and ends (0, 0 when l is
// not such a line). A colon or backslash inside a field is escaped with a backslash.
func pgpassLine(l []byte) (int, int) {
	fields, start := 0, 0
	var port []byte
	for p := 0; p < len(l); p++ {
		switch l[p] {
		case '\\':
			p++
		case '[':
			if hasPrefixAt(l, p, "[REDACTED:") {
				if q := bytes.IndexByte(l[p:], ']'); q > 0 {
					p += q // a marker from another rule: its colon separates nothing
				}
			}
		case ':':
			if fields == 1 {
				port = l[start:p]
			}
			fields++
			start = p + 1
			if fields == 4 {
				e := len(l)
				for e > start && (l[e-1] == '\r' || l[e-1] == '\n') {
					e--
				}
				if !(allDigits(port) || string(port) == "*") || e == start {
					return 0, 0
				}
				return start, e
			}
		case ' ', '\t':
			if fields < 2 {
				return 0, 0 // host and port hold no spaces
			}
		}
	}
	return 0, 0
}

// pgpassFields redacts the password field when the line is a .pgpass line; in a stream that is
// not a .pgpass file, a line of another shape ends the .pgpass lines begun by the header comment.
func (s *scanner) pgpassFields() {
	l := s.b
	if pgpassHeader(l) {
		s.pgpassHdr = true
		return
	}
	t := bytes.TrimSpace(l)
	if len(t) == 0 || t[0] == '#' {
		return
	}
	st, en := pgpassLine(l)
	if en <= st {
		if !s.pgpass {
			s.pgpassHdr = false
		}
		return
	}
	if !bytes.HasPrefix(l[st:en], []byte("[REDACTED:")) {
		s.add(st, en, RulePgpass)
	}
}

// yamlBlock handles a line (or window) while a YAML block scalar under a sensitive key is open:
// a line indented deeper than the key is replaced after its indentation by one marker; blank
// lines pass; any other line ends the block and is scanned as usual (it returns false).
func (w *stream) yamlBlock(l []byte, nl, atStart bool) bool {
	if !atStart {
		if !w.yamlLine {
			return false
		}
		// the rest of a long block line: already covered by its marker
		if nl {
			w.out = append(w.out, '\n')
			w.yamlLine = false
		}
		w.endSegment(nil, nl)
		return true
	}
	ind := 0
	for ind < len(l) && (l[ind] == ' ' || l[ind] == '\t') {
		ind++
	}
	rest := bytes.TrimRight(l[ind:], " \t\r")
	if len(rest) == 0 {
		w.out = append(w.out, l...)
		if nl {
			w.out = append(w.out, '\n')
		}
		w.endSegment(nil, nl)
		return true
	}
	if ind <= w.yamlIndent || w.yamlXML && rest[0] == '<' {
		w.yaml = false
		return false
	}
	w.out = append(w.out, l[:ind]...)
	if !bytes.HasPrefix(rest, []byte("[REDACTED:")) || bytes.IndexByte(rest, ']') != len(rest)-1 {
		w.out = append(w.out, "[REDACTED:"+RuleKeyValue+"]"...)
		if w.counts == nil {
			w.counts = map[string]int{}
		}
		w.counts[RuleKeyValue]++
	} else {
		w.out = append(w.out, rest...) // already redacted (idempotence)
	}
	if len(l) > 0 && l[len(l)-1] == '\r' {
		w.out = append(w.out, '\r')
	}
	if nl {
		w.out = append(w.out, '\n')
	} else {
		w.yamlLine = true
	}
	w.endSegment(nil, nl)
	return true
}

// pctDelim: %26 (&), %3F (?), %3B (;), %2C (,) and %20 (space), delimiters of an encoded query.
func pctDelim(a, c byte) bool {
	c |= 0x20
	return a == '2' && (c == '6' || c == 'c' || c == '0') || a == '3' && (c == 'f' || c == 'b')
}

// mixedList handles a list under a sensitive key that holds nested lists or objects
// ("auth": ["x", {"k": "v"}], "secrets": [["x"]]). Scalars that belong to the list itself (not
// to a nested object, whose own keys decide) are redacted one by one; the structure stays. It
// returns k+1 so that the scanner goes on inside the list and finds the nested objects' keys, or
// 0 when the list does not end within reach.
func (s *scanner) mixedList(k, cls int, rule string) int {
	b := s.b
	lim := min(s.n, k+4096)
	var stack [32]byte
	d, objs := 0, 0
	marked := false // a [REDACTED:...] marker was skipped
	type el struct{ s, e int }
	var found [16]el
	nf := 0
	for p := k; p < lim; {
		c := b[p]
		switch {
		case c == '[' && hasPrefixAt(b, p, "[REDACTED:"):
			q := bytes.IndexByte(b[p:lim], ']')
			if q < 0 {
				return 0
			}
			p += q + 1
			marked = true
		case c == '[' || c == '{':
			if d == len(stack) {
				return 0
			}
			stack[d] = c
			d++
			if c == '{' {
				objs++
			}
			p++
		case c == ']' || c == '}':
			if d == 0 {
				return 0
			}
			d--
			if stack[d] == '{' {
				objs--
			}
			p++
			if d == 0 {
				if !marked { // a list with a marker in it was redacted before (as in listValue)
					for _, f := range found[:nf] {
						s.add(f.s, f.e, rule)
					}
				}
				s.listClose = p - 1 // values inside end at its closing bracket (value)
				return k + 1
			}
		case c == '"' || c == '\'':
			q := p + 1
			for q < lim && (b[q] != c || b[q-1] == '\\') {
				q++
			}
			if q >= lim {
				return 0
			}
			if objs == 0 && s.listScalar(b[p+1:q], cls) {
				if nf == len(found) {
					return 0
				}
				found[nf] = el{p + 1, q}
				nf++
			}
			p = q + 1
		case c == ',' || isSpace[c] || c == ':':
			p++
		default:
			q := p
			for q < lim && b[q] != ',' && b[q] != ']' && b[q] != '}' && b[q] != '[' && b[q] != '{' && b[q] != '"' && !isSpace[b[q]] {
				q++
			}
			if objs == 0 && s.listScalar(b[p:q], cls) {
				if nf == len(found) {
					return 0
				}
				found[nf] = el{p, q}
				nf++
			}
			p = q
		}
	}
	return 0
}

func (s *scanner) listScalar(v []byte, cls int) bool {
	return len(v) > 0 && !benignValue(v) && (cls != keyWeak || looksSecret(v))
}
