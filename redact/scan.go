package redact

import (
	"bytes"
	"sort"
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
	listClose        int // the closing bracket of a list mixedList sent to be scanned key by key
	anon             bool
	noPlain          bool // anon or user key names: plainWordOut does not apply
	awsID            bool // an AWS access key id is on this line: look for its secret key too
	b64Start, b64End int
	// yamlOpen: this line ends with a YAML block scalar header under a sensitive key; the more
	// indented lines that follow (deeper than column yamlIndent) are the value.
	yamlOpen   bool
	yamlIndent int
	// xmlOpen: the block is an XML element's text (<password> alone on its line); a line that
	// starts with a tag ends it
	xmlOpen bool
	// pgpass: the stream is a .pgpass file; pgpassHdr: a "# hostname:port:database:username:password"
	// comment was seen, and the lines that follow in that shape are .pgpass lines.
	pgpass, pgpassHdr bool
	// cont: an object or list under a sensitive key that goes on over the next lines
	cont container
	// partial: this window does not end its line (the line goes on in the next window)
	partial bool
	// jwkNear: lines left in which a JWK member ("kty", "crv", "kid") was seen: a pretty-printed
	// JWK puts its private members on other lines than "kty"
	jwkNear int
	// jwkPend: JWK private members on this line left as they are for want of a JWK member
	// before them; the stream holds them back (stream.go jwkLine). jwkMark: a JWK member was
	// seen on this line.
	jwkPend [][2]int
	jwkMark bool
	// kwTo, kwHits: provider keywords found on this line before kwTo (kwtokens.go)
	kwTo   int
	kwHits []kwHit
	kwProf uint8 // the profile of the word word() sends to detectKeywordToken
	// b64HdrNext: the base64 of a PEM BEGIN line cut by the end of a quoted piece on this line
	// (tokens.go b64PEMContinue); b64HdrPrev: the same from the line before; b64Full: scratch
	b64HdrNext, b64HdrPrev, b64Full []byte
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
	s.noPlain = s.anon || len(s.e.extraKeys) > 0
	s.pemOpen = false
	s.awsID = false
	s.yamlOpen = false
	s.xmlOpen = false
	s.kwTo, s.kwHits = 0, s.kwHits[:0]
	if atStart && ctx == 0 {
		s.lineStart()
	}
	n := len(b)
	for k := range s.miss {
		s.miss[k] = n + 1
	}
	s.urlStart, s.urlEnd, s.b64Start, s.b64End, s.listClose = -1, -1, -1, -1, -1
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
		// most words follow a space or punctuation: one lookup (wordPrev) finds the few bytes
		// before a word that need a look
		if i > 0 && wordPrev[b[i-1]] {
			switch c := b[i-1]; {
			case c == '\\':
				if i >= 2 && b[i-2] == '\\' {
					break
				}
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
			case c == '%':
				if i+2 < n && isAlnum[b[i+2]] && pctDelim(b[i], b[i+1]) {
					// URL-encoded & ? ; , and space delimit pairs in an encoded query string
					i += 2
					afterEsc = i
					continue
				}
			case c == '_':
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
			default: // a letter or digit
				if i != afterEsc {
					// inside a word (should not happen) — skip it
					for i < n && isKeyChar[b[i]] {
						i++
					}
					continue
				}
			}
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

// wordPrev: the bytes before a word start that scan looks at: \\ (JSON escapes), % (URL
// encoding), _ (leading underscores) and letters and digits (inside a word)
var wordPrev = func() (t [256]bool) {
	for c := range t {
		t[c] = c == '\\' || c == '%' || c == '_' || c < 128 && isAlnumByte(byte(c))
	}
	return
}()

func isAlnumByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// lineStart keeps the state that spans lines at the start of a line: the JWK window shrinks,
// a base64 PEM piece cut inside its BEGIN line moves on to this line.
func (s *scanner) lineStart() {
	s.jwkPend, s.jwkMark = s.jwkPend[:0], false // (only a line's first window holds members)
	if s.jwkNear > 0 {
		s.jwkNear--
	}
	s.b64HdrPrev, s.b64HdrNext = s.b64HdrNext, s.b64HdrPrev[:0]
	if len(s.b64HdrPrev) > 0 {
		s.b64PEMContinue()
	}
}

func hasPrefixAt(b []byte, i int, p string) bool {
	return len(b)-i >= len(p) && string(b[i:i+len(p)]) == p
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

func allAlnum(b []byte) bool {
	for _, c := range b {
		if !isAlnum[c] {
			return false
		}
	}
	return true
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
			if s.inRuleText(st, en) {
				continue
			}
			s.add(st, en, r.id)
		}
	}
}

// inRuleText reports whether [st, en) lies inside an occurrence of a vendor rule's own id or
// pattern on this line.
func (s *scanner) inRuleText(st, en int) bool {
	for _, t := range s.e.ruleTexts {
		if len(t) < en-st {
			continue
		}
		from := max(0, en-len(t))
		for {
			i := bytes.Index(s.b[from:min(len(s.b), st+len(t))], t)
			if i < 0 {
				break
			}
			if from+i <= st && from+i+len(t) >= en {
				return true
			}
			from += i + 1
		}
	}
	return false
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
