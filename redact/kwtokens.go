package redact

import (
	"encoding/binary"
	"math/bits"
)

// Provider tokens without a distinctive prefix (Mailchimp, LaunchDarkly, Okta, Datadog, ...): a
// word of the provider's shape is redacted only when one of the provider's keywords appears in
// the key or shortly before the word on the same line. A 32- or 40-character hex hash in a log
// line stays unless such a keyword is there.
//
// The detector (keyword-token in detect.go) runs only for words whose length and byte profile
// some rule takes (kwCandidate, decided in word() from the profile it computes anyway). It looks
// for keywords at the starts of letter runs in the kwWindow bytes before the word (each byte of
// a line once, eight at a time), then inside the key right before the word, and tests the
// rules' shapes only when a keyword of theirs is there.

// kwWindow is how far before the word a keyword may start (the key and its separator, or a
// short phrase such as "datadog api key is").
const kwWindow = 40

// shape classes of keyword-anchored tokens
const (
	kshHex    = iota // hex digits (either case), with a digit and a letter
	kshHexLow        // lowercase hex, with a digit and a letter
	kshAlnum         // letters and digits, with a digit and a letter
	kshB64URL        // letters, digits, _ and -, with a digit and a letter
	kshUUID          // 8-4-4-4-12 hex
	kshFunc          // check only
)

type kwRule struct {
	id    string
	desc  string
	kws   []string // lowercase; nil: the shape alone is distinctive
	lens  []int
	shape int
	check func(w []byte) bool // an extra test (nil: none)
	mask  kwSet               // r.kws as kwList indexes
}

var kwRules = []*kwRule{
	{id: "mailchimp-key", desc: "Mailchimp API key (32 hex + -usNN) near \"mailchimp\"", kws: []string{"mailchimp"}, lens: []int{36, 37}, shape: kshFunc, check: mailchimpKey},
	{id: "launchdarkly-key", desc: "LaunchDarkly API, SDK and mobile keys (api-, sdk-, mob- + UUID, or 40 characters) near \"launchdarkly\"", kws: []string{"launchdarkly", "launch_darkly", "launch-darkly"}, lens: []int{40}, shape: kshB64URL},
	{id: "okta-token", desc: "Okta API token (00 + 40) near \"okta\" or \"ssws\"", kws: []string{"okta", "ssws"}, lens: []int{42}, shape: kshFunc, check: oktaToken},
	{id: "datadog-key", desc: "Datadog API and application keys (32 or 40 hex) near \"datadog\", \"dd_api_key\", \"dd_app_key\"", kws: []string{"datadog", "dd_api", "dd_app", "dd-api", "dd-app", "ddapi", "ddapp"}, lens: []int{32, 40}, shape: kshHexLow},
	{id: "adyen-key", desc: "Adyen HMAC key (64 hex) near \"adyen\"; Adyen API keys (AQE...) are a prefix rule needing the keyword", kws: []string{"adyen"}, lens: []int{64}, shape: kshHex},
	{id: "clickhouse-key", desc: "ClickHouse Cloud API secret (4b1d + 38) near \"clickhouse\" (mixed-case ones without it)", kws: []string{"clickhouse"}, lens: []int{42}, shape: kshFunc, check: clickhouseKey},
	{id: "maxmind-key", desc: "MaxMind license key (6 _ 29 _mmk): the shape alone", lens: []int{40}, shape: kshFunc, check: maxmindKey},
	// The keyword-anchored rules of the public rule sets (gitleaks and others), with the
	// provider's length and alphabet; lengths under 24 are left to the key-name rules.
	{id: "adafruit-key", kws: []string{"adafruit"}, lens: []int{32}, shape: kshB64URL},
	{id: "algolia-key", kws: []string{"algolia"}, lens: []int{32}, shape: kshAlnum},
	{id: "alibaba-secret", kws: []string{"alibaba", "aliyun"}, lens: []int{30}, shape: kshAlnum},
	{id: "asana-secret", kws: []string{"asana"}, lens: []int{32}, shape: kshAlnum},
	{id: "atlassian-token", kws: []string{"atlassian", "confluence", "jira"}, lens: []int{24}, shape: kshAlnum},
	{id: "bitbucket-secret", kws: []string{"bitbucket"}, lens: []int{64}, shape: kshB64URL},
	{id: "bittrex-key", kws: []string{"bittrex"}, lens: []int{32}, shape: kshAlnum},
	{id: "cisco-meraki-key", kws: []string{"meraki"}, lens: []int{40}, shape: kshHexLow},
	{id: "cloudflare-key", kws: []string{"cloudflare"}, lens: []int{37, 40}, shape: kshB64URL},
	{id: "codecov-token", kws: []string{"codecov"}, lens: []int{32}, shape: kshAlnum},
	{id: "cohere-key", kws: []string{"cohere", "co_api_key"}, lens: []int{40}, shape: kshAlnum},
	{id: "coinbase-token", kws: []string{"coinbase"}, lens: []int{64}, shape: kshB64URL},
	{id: "confluent-secret", kws: []string{"confluent"}, lens: []int{64}, shape: kshAlnum},
	{id: "contentful-token", kws: []string{"contentful"}, lens: []int{43}, shape: kshB64URL},
	{id: "discord-secret", kws: []string{"discord"}, lens: []int{32, 64}, shape: kshB64URL},
	{id: "droneci-token", kws: []string{"droneci", "drone_token", "drone-token"}, lens: []int{32}, shape: kshAlnum},
	{id: "etsy-token", kws: []string{"etsy"}, lens: []int{24}, shape: kshAlnum},
	{id: "facebook-secret", kws: []string{"facebook"}, lens: []int{32}, shape: kshHex},
	{id: "fastly-token", kws: []string{"fastly"}, lens: []int{32}, shape: kshB64URL},
	{id: "finicity-secret", kws: []string{"finicity"}, lens: []int{32}, shape: kshHex},
	{id: "flickr-token", kws: []string{"flickr"}, lens: []int{32}, shape: kshAlnum},
	{id: "freshbooks-token", kws: []string{"freshbooks"}, lens: []int{64}, shape: kshAlnum},
	{id: "gitter-token", kws: []string{"gitter"}, lens: []int{40}, shape: kshB64URL},
	{id: "heroku-key", kws: []string{"heroku"}, lens: []int{36}, shape: kshUUID},
	{id: "hubspot-key", kws: []string{"hubspot"}, lens: []int{36}, shape: kshUUID},
	{id: "intercom-token", kws: []string{"intercom"}, lens: []int{60}, shape: kshB64URL},
	{id: "jfrog-key", kws: []string{"jfrog", "artifactory", "bintray"}, lens: []int{64, 73}, shape: kshAlnum},
	{id: "kucoin-secret", kws: []string{"kucoin"}, lens: []int{24, 36}, shape: kshFunc, check: hexOrUUID},
	{id: "linear-secret", kws: []string{"linear_client", "linear-client", "linear_secret", "linearclient"}, lens: []int{32}, shape: kshHexLow},
	{id: "looker-secret", kws: []string{"looker"}, lens: []int{24}, shape: kshAlnum},
	{id: "mailgun-key", kws: []string{"mailgun"}, lens: []int{50}, shape: kshFunc, check: mailgunSigning},
	{id: "mattermost-token", kws: []string{"mattermost"}, lens: []int{26}, shape: kshAlnum},
	{id: "messagebird-key", kws: []string{"messagebird", "message_bird", "message-bird"}, lens: []int{25, 36}, shape: kshFunc, check: alnumOrUUID},
	{id: "netlify-token", kws: []string{"netlify"}, lens: []int{40, 41, 42, 43, 44, 45, 46}, shape: kshB64URL},
	{id: "newrelic-key", kws: []string{"newrelic", "new_relic", "new-relic"}, lens: []int{64}, shape: kshAlnum},
	{id: "nytimes-token", kws: []string{"nytimes", "newyorktimes"}, lens: []int{32}, shape: kshB64URL},
	{id: "plaid-secret", kws: []string{"plaid"}, lens: []int{24, 30}, shape: kshAlnum},
	{id: "privateai-token", kws: []string{"privateai", "private_ai", "private-ai"}, lens: []int{32}, shape: kshAlnum},
	{id: "rapidapi-token", kws: []string{"rapidapi"}, lens: []int{50}, shape: kshB64URL},
	{id: "sendbird-token", kws: []string{"sendbird"}, lens: []int{36, 40}, shape: kshFunc, check: hexOrUUID},
	{id: "sentry-token", kws: []string{"sentry"}, lens: []int{64}, shape: kshHex},
	{id: "snyk-token", kws: []string{"snyk"}, lens: []int{36}, shape: kshUUID},
	{id: "squarespace-token", kws: []string{"squarespace"}, lens: []int{36}, shape: kshUUID},
	{id: "sumologic-key", kws: []string{"sumo"}, lens: []int{64}, shape: kshAlnum},
	{id: "twitch-token", kws: []string{"twitch"}, lens: []int{30}, shape: kshAlnum},
	{id: "twitter-secret", kws: []string{"twitter"}, lens: []int{45, 50}, shape: kshAlnum},
	{id: "zendesk-secret", kws: []string{"zendesk"}, lens: []int{40}, shape: kshAlnum},
}

// kwSet: a set of kwList indexes
type kwSet [2]uint64

func (a kwSet) meets(b kwSet) bool { return a[0]&b[0] != 0 || a[1]&b[1] != 0 }

var (
	kwLen  [128][]*kwRule // rules by word length
	kwList []string       // every keyword once; a rule's keywords are bits in kwMask
	// by word length: the keywords of its rules, whether some rule needs one, the rules that
	// need none
	kwLenMask [128]kwSet
	kwAnyKw   [128]bool
	kwNoKw    [128][]*kwRule
	// kwProf[l]: bit p is set when some rule of length l may take a word of profile p
	// (wordProfile); word() sends only such words to the detector
	kwProf [128][2]uint64
	// kwQuad[kwQuadHash(v)]: 1 + the index in kwQuadGroups of the keywords whose first four
	// bytes (case-folded as in kwQuadWord) hash to it; 0: none
	kwQuad       [1 << 12]uint8
	kwQuadGroups [][]uint8
	// kwHead[x]: the first eight bytes of kwList[x] (fewer: kwHeadMask) as a little-endian
	// word, folded as kwQuadWord folds
	kwHead, kwHeadMask [128]uint64
)

// kwQuadWord: four bytes from b[p:] as a little-endian word with ASCII letters folded to lower
// case (other bytes change too, the same way on both sides of the lookup).
func kwQuadWord(b []byte, p int) uint32 {
	return binary.LittleEndian.Uint32(b[p:p+4]) | 0x20202020
}

func kwQuadHash(v uint32) uint32 { return (v * 0x9E3779B1) >> 20 }

// kwMinLen: the shortest length of any rule (init checks it).
const kwMinLen = 24

// kwCandidate: some rule may take a word of length l and profile p.
func kwCandidate(l int, p uint8) bool {
	return l < len(kwProf) && kwProf[l][p>>6]&(1<<(p&63)) != 0
}

func init() {
	idx := map[string]int{}
	for _, r := range kwRules {
		for _, l := range r.lens {
			kwLen[l] = append(kwLen[l], r)
		}
		var m kwSet
		for _, k := range r.kws {
			x, ok := idx[k]
			if !ok {
				x = len(kwList)
				if x >= 128 {
					panic("redact: more than 128 provider keywords")
				}
				idx[k] = x
				kwList = append(kwList, k)
				if len(k) < 4 {
					panic("redact: provider keyword shorter than 4 bytes: " + k)
				}
				h := kwQuadHash(kwQuadWord([]byte(k), 0))
				if kwQuad[h] == 0 {
					kwQuadGroups = append(kwQuadGroups, nil)
					kwQuad[h] = uint8(len(kwQuadGroups))
				}
				g := kwQuad[h] - 1
				kwQuadGroups[g] = append(kwQuadGroups[g], uint8(x))
				for q := 0; q < len(k) && q < 8; q++ {
					kwHead[x] |= uint64(k[q]|0x20) << (8 * q)
					kwHeadMask[x] |= 0xff << (8 * q)
				}
			}
			m[x/64] |= 1 << (x % 64)
		}
		r.mask = m
		for _, l := range r.lens {
			if l < kwMinLen {
				panic("redact: kwMinLen is above a rule's length")
			}
			for p := range 128 {
				if kwProfileOK(r.shape, uint8(p)) {
					kwProf[l][p>>6] |= 1 << (p & 63)
				}
			}
			kwLenMask[l][0] |= m[0]
			kwLenMask[l][1] |= m[1]
			if r.kws == nil {
				kwNoKw[l] = append(kwNoKw[l], r)
			} else {
				kwAnyKw[l] = true
			}
		}
	}
}

// word profile bits (wordProfile)
const (
	pDigit  = 1 << iota
	pHexLow // a-f
	pHexUp  // A-F
	pLow    // g-z
	pUp     // G-Z
	pUD     // _ or -
	pOther  // in a word (wordAt): '.'

	pSep   = pUD | pOther // a separator: _ - .
	pUpper = pHexUp | pUp // an uppercase letter
)

// profileOf[c]: the profile bit of a word byte (isKeyChar: letters, digits, _ - .), 0 for any
// other byte, so that word() finds a word's end and its profile with one lookup per byte.
var profileOf = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= '0' && c <= '9':
			t[c] = pDigit
		case c >= 'a' && c <= 'f':
			t[c] = pHexLow
		case c >= 'A' && c <= 'F':
			t[c] = pHexUp
		case c >= 'g' && c <= 'z':
			t[c] = pLow
		case c >= 'G' && c <= 'Z':
			t[c] = pUp
		case c == '_' || c == '-':
			t[c] = pUD
		case c == '.':
			t[c] = pOther
		}
	}
	return
}()

// kwProfileOK: a word whose profile is p may have the shape (the part of kwShape that the
// profile alone decides).
func kwProfileOK(shape int, p uint8) bool {
	const letters = pHexLow | pHexUp | pLow | pUp
	if p&pDigit == 0 {
		return false // every shape has a digit
	}
	switch shape {
	case kshHex:
		return p&(pHexLow|pHexUp) != 0 && p&^(pDigit|pHexLow|pHexUp) == 0
	case kshHexLow:
		return p == pDigit|pHexLow
	case kshAlnum:
		return p&letters != 0 && p&(pUD|pOther) == 0
	case kshB64URL:
		return p&letters != 0 && p&pOther == 0
	case kshUUID:
		return p&(pLow|pUp|pOther) == 0
	}
	return true // kshFunc: the check decides
}

// kwShape: a word with profile p (the OR of profileOf over its bytes) has the rule's shape.
func kwShape(r *kwRule, p uint8, w []byte) bool {
	if !kwProfileOK(r.shape, p) || r.shape == kshUUID && !isUUID(w) {
		return false
	}
	return r.check == nil || r.check(w)
}

// mailchimpKey: 32 lowercase hex, "-us", one or two digits.
func mailchimpKey(w []byte) bool {
	if len(w) < 36 || string(w[32:35]) != "-us" || !allHex(w[:32]) {
		return false
	}
	for _, c := range w[35:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// oktaToken: "00" and 40 letters, digits, _ or -, mixed.
func oktaToken(w []byte) bool {
	if len(w) != 42 || w[0] != '0' || w[1] != '0' {
		return false
	}
	for _, c := range w[2:] {
		if !isWord[c] && c != '-' {
			return false
		}
	}
	return mixedAlnum(w[2:])
}

// clickhouseKey: "4b1d" and 38 letters and digits.
func clickhouseKey(w []byte) bool {
	return len(w) == 42 && string(w[:4]) == "4b1d" && allAlnum(w[4:])
}

// maxmindKey: 6 alphanumerics, '_', 29 alphanumerics, "_mmk".
func maxmindKey(w []byte) bool {
	return len(w) == 40 && w[6] == '_' && string(w[36:]) == "_mmk" && allAlnum(w[:6]) && allAlnum(w[7:36]) && hasDigit(w[:36])
}

// mailgunSigning: a Mailgun webhook signing key, 32-8-8 hex.
func mailgunSigning(w []byte) bool {
	return len(w) == 50 && w[32] == '-' && w[41] == '-' && allHex(w[:32]) && allHex(w[33:41]) && allHex(w[42:])
}

func hexOrUUID(w []byte) bool {
	if len(w) == 36 {
		return isUUID(w)
	}
	return allHex(w) && hasDigit(w)
}

func alnumOrUUID(w []byte) bool {
	if len(w) == 36 {
		return isUUID(w)
	}
	return allAlnum(w) && hasDigit(w)
}

// kwHit: a keyword (kwList index x) starting at pos on the scanned line.
type kwHit struct {
	pos int
	x   uint8
}

// keywordsUpTo records the keywords that start in b[from:to] at the start of a run of letters
// (DD_API_KEY, x-datadog-key, MailchimpSDK), compared case-insensitively, in s.kwHits. Each
// byte of a line is looked at once however many candidate words the line has (s.kwTo). The run
// starts are found eight bytes at a time (letterBits); each costs one hashed lookup of its first
// four bytes (kwQuad), and a keyword is compared only when that hits.
func (s *scanner) keywordsUpTo(from, to int) {
	b := s.b
	from = max(from, s.kwTo)
	s.kwTo = max(s.kwTo, to)
	to = min(to, len(b)-3) // every keyword has at least four bytes
	if from >= to {
		return
	}
	var prev uint64 // 0x80 when the byte before p is a letter
	if from > 0 && letterIdx[b[from-1]] != 0 {
		prev = 0x80
	}
	p := from
	for ; p+8 <= to; p += 8 {
		l := letterBits(binary.LittleEndian.Uint64(b[p : p+8]))
		starts := l &^ (l<<8 | prev)
		prev = l >> 56
		for starts != 0 {
			q := p + bits.TrailingZeros64(starts)>>3
			starts &= starts - 1
			if g := kwQuad[kwQuadHash(kwQuadWord(b, q))]; g != 0 {
				s.keywordAt(q, g)
			}
		}
	}
	for ; p < to; p++ {
		if letterIdx[b[p]] == 0 {
			prev = 0
			continue
		}
		if prev == 0 {
			if g := kwQuad[kwQuadHash(kwQuadWord(b, p))]; g != 0 {
				s.keywordAt(p, g)
			}
		}
		prev = 0x80
	}
}

// letterBits: 0x80 in each byte of v (eight bytes of text, little-endian) that is an ASCII
// letter, 0 in the others.
func letterBits(v uint64) uint64 {
	const (
		hi = 0x8080808080808080
		lo = 0x7f7f7f7f7f7f7f7f
	)
	t := (v | 0x2020202020202020) & lo  // letters folded to lower case, the top bit dropped
	ge := (t + 0x1f1f1f1f1f1f1f1f) & hi // t >= 'a' (0x61)
	gt := (t + 0x0505050505050505) & hi // t > 'z' (0x7a)
	return ge &^ gt &^ v                // and the byte itself is ASCII
}

// keywordAt records the keywords of kwQuadGroups[g-1] that start at b[p]. Common words share a
// keyword's first four letters (configuration, internal, private, message): the first eight
// bytes are compared in one step (kwHead) before the byte-by-byte compare.
func (s *scanner) keywordAt(p int, g uint8) {
	b := s.b
	var v uint64
	if p+8 <= len(b) {
		v = binary.LittleEndian.Uint64(b[p:p+8]) | 0x2020202020202020
	}
	for _, x := range kwQuadGroups[g-1] {
		if p+8 <= len(b) && v&kwHeadMask[x] != kwHead[x] {
			continue
		}
		if kwAt(b, p, kwList[x]) && !inMarker(b, p) {
			s.kwHits = append(s.kwHits, kwHit{p, x})
		}
	}
}

// inMarker: b[p] is inside the rule id of a [REDACTED:...] marker ([REDACTED:twitter-bearer]
// names twitter, but is no keyword: a second pass must see what the first saw).
func inMarker(b []byte, p int) bool {
	q := p
	for q > 0 && p-q < 48 && (isKeyChar[b[q-1]]) {
		q--
	}
	return q >= 10 && string(b[q-10:q]) == "[REDACTED:"
}

// kwAt: the lowercase keyword k is at b[p:], in any case.
func kwAt(b []byte, p int, k string) bool {
	if p+len(k) > len(b) {
		return false
	}
	for q := 0; q < len(k); q++ {
		if d := b[p+q]; d|0x20 != k[q] && d != k[q] {
			return false
		}
	}
	return true
}

// letterIdx[c]: 1 + the letter's index in the alphabet for a-z and A-Z, else 0
var letterIdx = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = uint8(c-'a') + 1
		t[c-'a'+'A'] = uint8(c-'a') + 1
	}
	return
}()

// keywordsBefore: the keywords that start within kwWindow bytes before i.
func (s *scanner) keywordsBefore(i int) kwSet {
	s.keywordsUpTo(max(0, i-kwWindow), i)
	var m kwSet
	for k := len(s.kwHits) - 1; k >= 0 && s.kwHits[k].pos >= i-kwWindow; k-- {
		if h := s.kwHits[k]; h.pos < i {
			m[h.x/64] |= 1 << (h.x % 64)
		}
	}
	return m
}

// detectKeywordToken: a provider token without a prefix, with its provider's keyword before it
// on the line.
func (s *scanner) detectKeywordToken(w wordAt) int {
	b, n, i, j := s.b, s.n, w.i, w.j
	// a word inside a path, a base64 run or a key of its own is no token
	if i > 0 && (b[i-1] == '/' || b[i-1] == '+' || b[i-1] == '.') || j < n && (b[j] == '/' || b[j] == '+' || b[j] == '=' && (j+1 >= n || b[j+1] != '=')) {
		return 0
	}
	wd := b[i:j]
	rules := kwLen[j-i]
	// word() sent only words whose length and profile some rule takes (kwCandidate): most
	// words of a token's length (plain words, names, timestamps, dashed ids) are not sent
	p := s.kwProf
	// the keywords first: most candidate words (hashes, UUIDs) have none before them
	var seen kwSet
	if kwAnyKw[j-i] {
		seen = s.keywordsBefore(i)
	}
	if !seen.meets(kwLenMask[j-i]) && kwAnyKw[j-i] {
		seen = s.keywordsInKey(i)
	}
	if !seen.meets(kwLenMask[j-i]) {
		// only the rules whose shape alone counts (their checks test every byte)
		for _, r := range kwNoKw[j-i] {
			if r.check(wd) {
				s.add(i, j, r.id)
				return j
			}
		}
		return 0
	}
	for _, r := range rules {
		if r.kws != nil && !seen.meets(r.mask) || !kwShape(r, p, wd) {
			continue
		}
		s.add(i, j, r.id)
		return j
	}
	return 0
}

// keywordsInKey: the keywords inside a letter run of the key right before the value at i
// (mydatadogkey=, "MYDATADOGKEY": , appdatadog_key: ). keywordsBefore finds those that start a
// run; these are the others. A key is the word that ends with = or : (and quotes or spaces) at
// most four bytes before the value.
func (s *scanner) keywordsInKey(i int) kwSet {
	b := s.b
	ke := i
	assign := false // a key is followed by = or : (a word before a space is prose)
	for k := 0; k < 4 && ke > 0; k++ {
		switch b[ke-1] {
		case '=', ':':
			assign = true
			fallthrough
		case '"', '\'', ' ', '\t':
			ke--
			continue
		}
		break
	}
	var m kwSet
	if !assign {
		return m
	}
	// one pass back over the key (at most kwWindow bytes): a keyword inside a letter run
	// starts at a letter after a letter and ends in the key
	for p := ke - 1; p > 0 && ke-p <= kwWindow && profileOf[b[p]] != 0; p-- {
		if p+4 > ke || letterIdx[b[p]] == 0 || letterIdx[b[p-1]] == 0 {
			continue
		}
		g := kwQuad[kwQuadHash(kwQuadWord(b, p))]
		if g == 0 {
			continue
		}
		for _, x := range kwQuadGroups[g-1] {
			if k := kwList[x]; p+len(k) <= ke && kwAt(b, p, k) {
				m[x/64] |= 1 << (x % 64)
			}
		}
	}
	return m
}

// kwNear: one of kws starts within kwWindow bytes before i on the line, or inside the key before
// i (prefix rules that need their provider's keyword).
func (s *scanner) kwNear(i int, kws []string) bool {
	m := s.keywordsBefore(i)
	if mk := s.keywordsInKey(i); mk != (kwSet{}) {
		m[0] |= mk[0]
		m[1] |= mk[1]
	}
	for _, k := range kws {
		for x, l := range kwList {
			if l == k && m[x/64]&(1<<(x%64)) != 0 {
				return true
			}
		}
	}
	return false
}
