package redact

import "math/bits"

// Word detectors. The scanner (scan.go) calls word for every word start; word computes, from a
// few bytes around the word, which detectors could match it, then tries those in the order of
// the detectors table below. The first detector that returns a position > 0 has handled the word
// and scanning continues there; a detector that returns 0 declines.
//
// The order matters and is part of the behaviour:
//
//  1. crypt-hash          $6$salt$hash ($ before the word): the hash part is redacted
//  2. provider-token      fixed-prefix vendor tokens (tokens.go, tokenRules)
//  2a. keyword-token      provider tokens without a prefix, counted only with the provider's
//                         keyword in the key or shortly before (kwtokens.go, kwRules)
//  3. base64-run          88-char base64 ending in == (Azure storage key); long base64 blobs
//                         (public keys, certificate bodies) are skipped whole
//  4. bare-basic          base64 "user:password" without a Basic header
//  5. telegram-token      digits:35 chars
//  6. azure-client-secret xxx8Q~...
//  7. discord-token       three dot-separated base64url parts
//  8. terraform-token     *.atlasv1.*
//  9. pem-begin           -----BEGIN ... PRIVATE KEY----- (pem.go)
// 10. ppk-private-lines   PuTTY "Private-Lines: N" (pem.go)
// 11. auth-scheme         Bearer / SSWS / Basic followed by a credential, anywhere (auth.go)
// 12. number-word         a word starting with a digit: never a key; only URLs, e-mails and,
//                         with anonymize, IPs (terminal)
// 13. key-structure       the word as a key: key=value, key: value, JSON, XML, flags, URLs,
//                         e-mails (assign.go) (terminal)
//
// Exactly one of the two terminal detectors applies to each word, so every word is handled.

// wordAt is the word being scanned: b[i:j], with ws <= i where leading underscores start the key
// (_authToken). prof says which classes of bytes the word holds (profileOf: digits, hex and
// other letters in either case, _ or -, '.'); pSep and pUpper are its separator and uppercase
// bits.
type wordAt struct {
	ws, i, j int
	prof     uint8
}

type detector struct {
	name string
	run  func(s *scanner, w wordAt) int
}

const (
	detCrypt = iota
	detToken
	detKeyword
	detBase64
	detBareBasic
	detTelegram
	detAzureClient
	detDiscord
	detTerraform
	detPEM
	detPPK
	detScheme
	detNumber
	detKey
	numDetectors
)

// detectors, in the order they are tried (see the list above).
var detectors = [numDetectors]detector{
	detCrypt:       {"crypt-hash", (*scanner).detectCryptHash},
	detToken:       {"provider-token", (*scanner).detectProviderToken},
	detKeyword:     {"keyword-token", (*scanner).detectKeywordToken},
	detBase64:      {"base64-run", (*scanner).detectBase64Run},
	detBareBasic:   {"bare-basic", (*scanner).detectBareBasic},
	detTelegram:    {"telegram-token", (*scanner).detectTelegram},
	detAzureClient: {"azure-client-secret", (*scanner).detectAzureClientSecret},
	detDiscord:     {"discord-token", (*scanner).detectDiscord},
	detTerraform:   {"terraform-token", (*scanner).detectTerraform},
	detPEM:         {"pem-begin", (*scanner).detectPEMBegin},
	detPPK:         {"ppk-private-lines", (*scanner).detectPPK},
	detScheme:      {"auth-scheme", (*scanner).detectAuthScheme},
	detNumber:      {"number-word", (*scanner).detectNumberWord},
	detKey:         {"key-structure", (*scanner).detectKeyStructure},
}

// word handles the word starting at i (ws includes leading underscores) and returns where scanning
// continues.
func (s *scanner) word(ws, i int) int {
	b, n := s.b, s.n
	j := n
	var prof uint8
	for x, c := range b[i:] {
		v := profileOf[c] // 0: not a word byte (!isKeyChar[c])
		if v == 0 {
			j = i + x
			break
		}
		prof |= v
	}
	w := wordAt{ws: ws, i: i, j: j, prof: prof}
	// m: the detectors whose cheap precondition holds (bit k: detectors[k]); each detector
	// still checks the rest of its conditions itself.
	l := j - i
	var m uint32
	if i > 0 && b[i-1] == '$' {
		m |= 1 << detCrypt
	}
	if firstByte[b[i]] != nil && i+2 < n && firstTwo[uint16(b[i])<<8|uint16(b[i+1])] != 0 && firstThree[prefix3(b[i], b[i+1], b[i+2])] {
		m |= 1 << detToken
	}
	if l >= kwMinLen && prof&pDigit != 0 && kwCandidate(l, prof) {
		m |= 1 << detKeyword
		s.kwProf = prof
	}
	var next byte // the byte after the word, 0 at the end
	if j < n {
		next = b[j]
	}
	if next == '+' || next == '/' || next == '=' || l >= 86 {
		m |= 1 << detBase64
	}
	if l >= 12 && prof&pUpper != 0 && next != '.' {
		m |= 1 << detBareBasic
	}
	if next == ':' && l >= 8 {
		m |= 1 << detTelegram
	}
	if l == 5 && next == '~' {
		m |= 1 << detAzureClient
	}
	if l >= 50 && l <= 90 {
		m |= 1 << detDiscord
	}
	if l > 70 {
		m |= 1 << detTerraform
	}
	if l == 5 && i >= 5 && b[i] == 'B' {
		m |= 1 << detPEM
	}
	if l == 13 && next == ':' && b[i] == 'P' {
		m |= 1 << detPPK
	}
	if next == ' ' && l >= 4 && l <= 6 && (b[i]|0x20 == 'b' || b[i]|0x20 == 's') {
		m |= 1 << detScheme
	}
	if b[i] <= '9' && ws == i && !(prof&pSep != 0 && (next == '=' || next == ':') && l >= 5 && b[j-1] >= 'a' && b[j-1] <= 'z') {
		// a word starting with a digit is no key, unless it reads like one: a separator, a
		// lower-case end and = or : after it (1password_token:, 2fa_secret=)
		m |= 1 << detNumber
	} else {
		m |= 1 << detKey
	}
	if m&^(1<<detKeyword) == 1<<detKey && prof&(pSep|pUpper) == 0 && ws == i {
		if m&(1<<detKeyword) != 0 {
			// a lowercase word of a keyword token's length (a hex id): the keyword test, then
			// the plain-word test as for any other word
			if e := s.detectKeywordToken(w); e > 0 {
				return e
			}
			m &^= 1 << detKeyword
		}
		if s.plainWordOut(i, j) {
			return j // key-structure's own first test, done here to spare the call
		}
	}
	// the detectors before the terminal ones, in order; most words have none
	for rest := m &^ (1<<detNumber | 1<<detKey); rest != 0; rest &= rest - 1 {
		if next := detectors[bits.TrailingZeros32(rest)].run(s, w); next > 0 {
			return next
		}
	}
	// the terminal detectors, called directly (exactly one applies)
	if m&(1<<detNumber) != 0 {
		return s.detectNumberWord(w)
	}
	return s.detectKeyStructure(w)
}

// plainWordOut: the lowercase word b[i:j] (no separators, no capitals, no leading underscore) is
// no sensitive key and starts no flag, URL or SQL/PIN pair, so detectKeyStructure would return j
// for it whatever follows. Most words of a log are such words.
func (s *scanner) plainWordOut(i, j int) bool {
	b, n := s.b, s.n
	if s.noPlain || i > 0 && b[i-1] == '-' || j+2 < n && b[j] == ':' && b[j+1] == '/' && b[j+2] == '/' {
		return false
	}
	w := b[i:j]
	if plainWordMaybeKey(w) {
		return false
	}
	if len(w) <= 2 && i > 0 && b[i-1] == '"' && j < n && b[j] == '"' && jwkMember(w) {
		return false // "d": a JWK private member
	}
	switch string(w) {
	case "by", "pin", "pincode": // IDENTIFIED BY 'x', pin=4821
		return false
	}
	return true
}

// detectNumberWord: numbers, timestamps, hex ids are never keys; only URLs, e-mails and (with
// anonymize) IPs.
func (s *scanner) detectNumberWord(w wordAt) int {
	b, n, j := s.b, s.n, w.j
	if j+2 < n && b[j] == ':' && b[j+1] == '/' && b[j+2] == '/' {
		return s.url(j + 3)
	}
	if s.anon {
		if j < n && b[j] == '@' {
			if e := s.email(w.ws, j); e > 0 {
				return e
			}
		}
		if e := s.anonWord(w.i, j); e > 0 {
			return e
		}
	}
	return j
}
