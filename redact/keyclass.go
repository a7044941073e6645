package redact

// Key classifiers over the key-word table (keys.go): the one key splitter, the prefilters that
// reject most words before any lookup, and the predicates the detectors ask.

// Sensitivity of a key, as classifyKey returns it.
const (
	keyNone = iota
	keyWeak // value redacted only when it looks like a secret
	keyStrong
	keyAuth   // Authorization-style: keep the scheme word
	keyCookie // Cookie / Set-Cookie: redact each cookie value
)

// keyBuf holds a key split into lowercase segments, stored without separators so that adjacent
// segments are contiguous (lb[seg[n-2][0]:seg[n-1][1]] is the last two joined).
type keyBuf struct {
	lb  [80]byte
	seg [12][2]int
	n   int
}

func (k *keyBuf) s(i int) []byte { return k.lb[k.seg[i][0]:k.seg[i][1]] }

// last is the last segment; call only when n > 0.
func (k *keyBuf) last() []byte { return k.s(k.n - 1) }

// prev is the segment before the last, or nil.
func (k *keyBuf) prev() []byte {
	if k.n < 2 {
		return nil
	}
	return k.s(k.n - 2)
}

// joined2 is the last two segments joined (the last one alone when there is one).
func (k *keyBuf) joined2() []byte {
	if k.n < 2 {
		return k.last()
	}
	return k.lb[k.seg[k.n-2][0]:k.seg[k.n-1][1]]
}

// all is every segment joined.
func (k *keyBuf) all() []byte { return k.lb[:k.seg[k.n-1][1]] }

// split is the one key splitter: it lowercases word into segments split at _ - . and at
// lower->Upper transitions (camelCase, snake_case, kebab-case, dotted.keys, SCREAMING_SNAKE).
func (k *keyBuf) split(word []byte) {
	k.n = 0
	w := 0
	segStart := 0
	for i := 0; i < len(word) && w < len(k.lb); i++ {
		c := word[i]
		if c == '_' || c == '-' || c == '.' {
			k.emit(segStart, w)
			segStart = w
			continue
		}
		if c >= 'A' && c <= 'Z' {
			if i > 0 && w > segStart {
				p := word[i-1]
				if p >= 'a' && p <= 'z' || p >= '0' && p <= '9' {
					k.emit(segStart, w)
					segStart = w
				}
			}
			c += 32
		}
		k.lb[w] = c
		w++
	}
	k.emit(segStart, w)
}

func (k *keyBuf) emit(s, e int) {
	if e <= s {
		return
	}
	if k.n == len(k.seg) {
		k.seg[k.n-1][1] = e // too many segments: extend the last
		return
	}
	k.seg[k.n] = [2]int{s, e}
	k.n++
}

// lastSegment is split's last segment of word, found from the end without splitting the rest
// (the same boundaries), in its original case. The prefilters use it.
func lastSegment(word []byte) []byte {
	e := len(word)
	for e > 0 && (word[e-1] == '_' || word[e-1] == '-' || word[e-1] == '.') {
		e--
	}
	s := e
	for s > 0 {
		c := word[s-1]
		if c == '_' || c == '-' || c == '.' {
			break
		}
		if c >= 'A' && c <= 'Z' && s-1 > 0 {
			p := word[s-2]
			if p >= 'a' && p <= 'z' || p >= '0' && p <= '9' {
				s--
				break
			}
		}
		s--
	}
	return word[s:e]
}

// Prefilters. segShape and suffix3 are derived from keyWords and keySuffixes: they reject most
// words before any splitting or map lookup.
var (
	// segShape[len][first][last]: some word that can be a sensitive key's last segment has this
	// length, first and last byte.
	segShape [25][36][36]bool
	// suffix3: the last three letters of some keySuffixes or ownedSuffixes entry.
	suffix3 [1 << 15]bool
	// keySufHash, ownedSufHash: suffixHash of each suffix's last three letters
	keySufHash   [len(keySuffixes)]uint16
	ownedSufHash [len(ownedSuffixes)]uint16
)

// lastSegClasses are the classes of words that can end a sensitive key.
const lastSegClasses = kStrong | kLastSeg

func init() {
	for x, sf := range keySuffixes {
		k := sf.s
		keySufHash[x] = suffixHash(k[len(k)-3], k[len(k)-2], k[len(k)-1])
		suffix3[keySufHash[x]] = true
	}
	for x, k := range ownedSuffixes {
		ownedSufHash[x] = suffixHash(k[len(k)-3], k[len(k)-2], k[len(k)-1])
		suffix3[ownedSufHash[x]] = true
	}
	for k, c := range keyWords {
		if c&lastSegClasses != 0 && len(k) < len(segShape) {
			segShape[len(k)][alnumIdx(k[0])][alnumIdx(k[len(k)-1])] = true
		}
	}
	// JWK marker members ("kty"): not sensitive, but detectKeyStructure must see them to open
	// the window for the private members on the next lines (jwkMarker)
	for _, k := range []string{"kty", "crv", "kid", "alg"} {
		segShape[len(k)][alnumIdx(k[0])][alnumIdx(k[len(k)-1])] = true
	}
}

// plainWordMaybeKey: the shape test for a word without separators or capitals (its only segment
// is itself), plus the suffix test for run-together keys (dbpassword).
func plainWordMaybeKey(w []byte) bool {
	if len(w) < 2 {
		return false
	}
	if len(w) <= 24 && segShape[len(w)][alnumIdx(w[0])&63][alnumIdx(w[len(w)-1])&63] {
		return true
	}
	if len(w) > 5 {
		return suffix3[suffixHash(w[len(w)-3], w[len(w)-2], w[len(w)-1])]
	}
	return false
}

func alnumIdx(c byte) int { return int(alnumIdxOf[c]) }

// alnumIdxOf[c]: a-z and A-Z are 0-25, 0-9 are 26-35, any other byte -1
var alnumIdxOf = func() (t [256]int8) {
	for c := range t {
		switch {
		case c >= 'a' && c <= 'z':
			t[c] = int8(c - 'a')
		case c >= 'A' && c <= 'Z':
			t[c] = int8(c - 'A')
		case c >= '0' && c <= '9':
			t[c] = int8(26 + c - '0')
		default:
			t[c] = -1
		}
	}
	return
}()

func suffixHash(a, b, c byte) uint16 {
	return uint16((uint32(a)*961 + uint32(b)*31 + uint32(c)) & (1<<15 - 1))
}

// maybeSensitive is the cheap test on the key's last segment.
func maybeSensitive(word []byte) bool {
	seg := lastSegment(word)
	if len(seg) < 2 {
		return false
	}
	f, l := alnumIdx(seg[0]), alnumIdx(seg[len(seg)-1])
	if len(seg) <= 24 && f >= 0 && l >= 0 && segShape[len(seg)][f][l] {
		var lb [24]byte
		for i, c := range seg {
			if c >= 'A' && c <= 'Z' {
				c += 32
			}
			lb[i] = c
		}
		if wordClass(lb[:len(seg)])&lastSegClasses != 0 {
			return true
		}
	}
	if len(seg) > 5 {
		a, b, c := seg[len(seg)-3]|0x20, seg[len(seg)-2]|0x20, seg[len(seg)-1]|0x20
		return suffix3[suffixHash(a, b, c)]
	}
	return false
}

// Classifiers ----------------------------------------------------------------------------------

// classifyKey returns how sensitive a key name is. extra holds user-supplied key names, normalised.
func classifyKey(word []byte, extra map[string]bool) int {
	if len(word) < 2 || len(word) > 80 {
		return keyNone
	}
	if len(extra) == 0 && !maybeSensitive(word) {
		return keyNone
	}
	var kb keyBuf
	kb.split(word)
	if kb.n == 0 {
		return keyNone
	}
	if len(extra) > 0 && userKeySplit(&kb, extra) {
		return keyStrong
	}
	last := wordClass(kb.last())
	switch {
	case last&kAuth != 0:
		return keyAuth
	case last&kCookie != 0:
		return keyCookie
	case last&kKey != 0:
		if wordClass(kb.prev())&kPublic != 0 {
			return keyNone // public_key, publicKey: public material
		}
		if wordClass(kb.prev())&kQualifier != 0 {
			return keyStrong
		}
		return keyWeak
	case string(kb.last()) == "id":
		if wordClass(kb.prev())&kSession != 0 {
			return keyStrong
		}
		return keyNone
	case last&kWeak != 0:
		return keyWeak
	}
	strong := last&kStrong != 0 || kb.n >= 2 && wordClass(kb.joined2())&kStrong != 0
	suffix := !strong && suffixClass(kb.last())&kStrong != 0
	if !strong && !suffix && last&kPayload == 0 {
		return keyNone // nothing below can make it sensitive: spare the lookup of prev
	}
	prev := wordClass(kb.prev())
	switch {
	case prev&kPublic != 0:
		return keyNone
	case strong:
		return keyStrong
	case prev&kPayloadOwner != 0 && last&kPayload != 0:
		return keyStrong
	case suffix:
		return keyStrong
	}
	return keyNone
}

// normKey is a key's segments joined, lowercased (for user-supplied key names).
func normKey(k string) string {
	var kb keyBuf
	kb.split([]byte(k))
	if kb.n == 0 {
		return ""
	}
	return string(kb.all())
}

// lastClass splits w and returns the classes of its last segment (table and suffixes), or 0.
func lastClass(w []byte) keyClass {
	var kb keyBuf
	kb.split(w)
	if kb.n == 0 {
		return 0
	}
	return segClass(kb.last())
}

// passwordKey: keys whose two-field config line ("requirepass foobared") holds a secret. Words
// such as auth or session also start lines of PAM and login.defs files with plain values.
func passwordKey(w []byte) bool { return lastClass(w)&kPassword != 0 }

// secretWordKey: keys whose value is a word someone chose (a password or passphrase), where a
// camelCase value can be the secret itself; under token or key names such a value is a field name.
func secretWordKey(w []byte) bool { return lastClass(w)&kChosen != 0 }

// urlKey: keys whose values are usually URLs or connection strings with embedded credentials.
func urlKey(w []byte) bool { return lastClass(w)&kURL != 0 }

// ambiguousKey: sensitive key words that are also ordinary words or abbreviations (x86/PAT:,
// session:, auth:). A plain dictionary word after them is not a secret.
func ambiguousKey(key []byte) bool { return lastClass(key)&kAmbiguous != 0 }

// userKey: the key is one the user named (redact.keys, --redact-key); their word is final.
func userKey(word []byte, extra map[string]bool) bool {
	if len(extra) == 0 {
		return false
	}
	var kb keyBuf
	kb.split(word)
	return kb.n > 0 && userKeySplit(&kb, extra)
}

// userKeySplit: the whole key, its last segment or its last two joined is a user-named key.
func userKeySplit(kb *keyBuf, extra map[string]bool) bool {
	return extra[string(kb.all())] || extra[string(kb.last())] || extra[string(kb.joined2())]
}

// secretNamedKey: a key with a "secret" segment that is not its last (secret_key_base). Its
// value is a secret when it is a long random string; it decides nothing else.
func secretNamedKey(key []byte) bool {
	if len(key) < 8 || len(key) > 80 || !containsFold(key, "secret") {
		return false
	}
	var kb keyBuf
	kb.split(key)
	for k := 0; k < kb.n-1; k++ {
		if wordClass(kb.s(k))&kSecretWord != 0 {
			return true
		}
	}
	return false
}

// secretKeyNamed: a key whose segments hold "secret" followed later by "key" (SECRET_KEY_BASE,
// secret_key_value), whose last segment is not a meta word: its value is a secret.
func secretKeyNamed(key []byte) bool {
	var kb keyBuf
	kb.split(key)
	n := kb.n
	if n < 3 || wordClass(kb.last())&kMeta != 0 {
		return false
	}
	for k := 0; k < n-1; k++ {
		if wordClass(kb.s(k))&kSecretWord != 0 {
			for m := k + 1; m < n; m++ {
				if string(kb.s(m)) == "key" {
					return true
				}
			}
		}
	}
	return false
}

// numericSecretKey: keys whose value is a secret even when it is all digits (a numeric password,
// PIN or one-time code): password, pin, otp, token, api_key, secret_key... Count, size and time
// words as the last segment (password_min_length, token_ttl) are never such keys.
func numericSecretKey(key []byte) bool {
	var kb keyBuf
	kb.split(key)
	if kb.n == 0 {
		return false
	}
	last := kb.last()
	if string(last) == "key" {
		return wordClass(kb.prev())&kQualifier != 0
	}
	return segClass(last)&(kNumeric|kPassword) != 0
}

// pluralSecret: a plural password-like last segment (passwords, pins): the key of a list whose
// elements are numeric secrets.
func pluralSecret(key []byte) bool {
	var kb keyBuf
	kb.split(key)
	if kb.n == 0 {
		return false
	}
	return wordClass(kb.last())&kPlural != 0 && wordClass(kb.prev())&kCount == 0
}

// containsFold: w contains the lowercase ASCII word sub, in any case.
func containsFold(w []byte, sub string) bool {
	for k := 0; k+len(sub) <= len(w); k++ {
		m := 0
		for m < len(sub) && w[k+m]|0x20 == sub[m] {
			m++
		}
		if m == len(sub) {
			return true
		}
	}
	return false
}

// anywhereKey: a kAnywhere word is a segment before the last, or two adjacent such segments
// joined are one (api_key_value: "apikey"), and the last segment does not describe the secret
// (kMeta, kCount, kKeep, kDescr): MY_SECRET_THING, KUBECONFIG_DATA, private_key_pem. Or the
// last segment is a kAnywhere word that is not kStrong (SSHPASS, KUBECONFIG). classifyKey looks
// at the end of a key only; this is for keys it calls keyNone.
func anywhereKey(key []byte) bool {
	if len(key) < 5 || len(key) > 80 {
		return false
	}
	var kb keyBuf
	kb.split(key)
	n := kb.n
	if n == 0 {
		return false
	}
	if last := wordClass(kb.last()); last&(kAnywhere|kStrong) == kAnywhere {
		return true // a kAnywhere word that classifyKey does not know (SSHPASS, KUBECONFIG)
	} else if last&(kMeta|kCount|kKeep|kDescr) != 0 {
		return false
	}
	for k := 0; k < n-1; k++ {
		seg := kb.s(k)
		if len(seg) < 2 || !anywhereFirst2[first2(seg)] {
			continue // no kAnywhere word starts like this segment: skip the lookups
		}
		if wordClass(seg)&kAnywhere != 0 {
			return true
		}
		if k+1 < n-1 && wordClass(kb.lb[kb.seg[k][0]:kb.seg[k+1][1]])&kAnywhere != 0 {
			return true
		}
	}
	return false
}

// anywhereFirst2[first2(w)]: some kAnywhere word starts with w's first two bytes.
var anywhereFirst2 = func() (t [1 << 10]bool) {
	for w, c := range keyWords {
		if c&kAnywhere != 0 {
			t[first2([]byte(w))] = true
		}
	}
	return t
}()

func first2(w []byte) int { return int(w[0]&31)<<5 | int(w[1]&31) }
