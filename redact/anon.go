package redact

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// Pseudonyms: the same value always maps to the same token within an engine (and across engines
// that share AnonymizeKey). Tokens are derived with HMAC-SHA256 under the key, so nothing in the
// bundle reverses them; the key and the map stay with the customer (TokenMap, WriteTokenMap).

// maxTokens bounds the pseudonym map so memory stays bounded on inputs with millions of distinct
// identifiers. Past it, tokens are still derived the same way (so still consistent) but are not
// remembered: collisions are no longer resolved and the map written with --anonymize-map is
// incomplete.
const maxTokens = 100_000

func (e *Engine) pseudonym(kind, value string, mk func(h []byte) string) string {
	e.amu.Lock()
	defer e.amu.Unlock()
	k := kind + "\x00" + value
	if t, ok := e.tokens[k]; ok {
		return t
	}
	if _, ok := e.rev[value]; ok {
		// already a token we issued: leave it (idempotence)
		return value
	}
	if len(e.tokens) >= maxTokens {
		m := hmac.New(sha256.New, e.anonKey)
		fmt.Fprintf(m, "%s\x00%s\x00%d", kind, value, 0)
		return mk(m.Sum(nil))
	}
	for ctr := 0; ; ctr++ {
		m := hmac.New(sha256.New, e.anonKey)
		fmt.Fprintf(m, "%s\x00%s\x00%d", kind, value, ctr)
		t := mk(m.Sum(nil))
		if t == value {
			continue
		}
		if _, taken := e.rev[t]; !taken {
			e.tokens[k] = t
			e.rev[t] = value
			return t
		}
	}
}

func (e *Engine) anonIPv4(a netip.Addr) string {
	if a.IsLoopback() || a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return a.String()
	}
	return e.pseudonym("ip", a.String(), func(h []byte) string {
		o := a.As4()
		var r [4]byte
		copy(r[:], h[:4])
		switch {
		case o[0] == 10:
			r[0] = 10
		case o[0] == 172 && o[1]&0xf0 == 16:
			r[0], r[1] = 172, 16|(r[1]&0x0f)
		case o[0] == 192 && o[1] == 168:
			r[0], r[1] = 192, 168
		case o[0] == 100 && o[1]&0xc0 == 64:
			r[0], r[1] = 100, 64|(r[1]&0x3f)
		case o[0] == 169 && o[1] == 254:
			r[0], r[1] = 169, 254
		default:
			// public stays public: pick a first octet outside private, loopback, CGNAT, link-local,
			// multicast and reserved space.
			for i := 0; ; i++ {
				r[0] = 1 + (h[i%len(h)]+byte(i))%222
				c := netip.AddrFrom4(r)
				if !c.IsPrivate() && !c.IsLoopback() && !c.IsLinkLocalUnicast() && r[0] != 100 && r[0] != 0 && r[0] != 127 && r[0] != 198 && r[0] != 192 && r[0] != 203 {
					break
				}
			}
		}
		if r[3] == 0 || r[3] == 255 {
			r[3] = 1 + r[3]%200
		}
		return netip.AddrFrom4(r).String()
	})
}

func (e *Engine) anonIPv6(a netip.Addr) string {
	if a.IsLoopback() || a.IsUnspecified() || a.IsMulticast() {
		return a.String()
	}
	return e.pseudonym("ip", a.String(), func(h []byte) string {
		o := a.As16()
		var r [16]byte
		copy(r[:], h[:16])
		switch {
		case a.IsLinkLocalUnicast():
			copy(r[:8], o[:8])
		case o[0]&0xfe == 0xfc: // ULA stays ULA
			r[0] = 0xfd
		default:
			r[0] = 0x20 | (r[0] & 0x1f) // global unicast 2000::/3
		}
		return netip.AddrFrom16(r).String()
	})
}

func tokenHex(prefix string, n int) func([]byte) string {
	return func(h []byte) string { return prefix + hex.EncodeToString(h)[:n] }
}

// anonWord: IPv4, IPv6 and host names under the configured domains.
func (s *scanner) anonWord(i, j int) int {
	b, n := s.b, s.n
	w := b[i:j]
	if w[0] >= '0' && w[0] <= '9' {
		ww := bytes.TrimRight(w, ".")
		if a, err := netip.ParseAddr(string(ww)); err == nil && a.Is4() && bytes.Count(ww, []byte{'.'}) == 3 {
			s.addRepl(i, i+len(ww), RuleIP, s.e.anonIPv4(a))
			return i + len(ww)
		}
	}
	if j < n && b[j] == ':' && j-i <= 4 && isHexWord(w) {
		k := i
		for k < n && (charsets[csHexLower][b[k]] || b[k] == ':' || b[k] == '.') {
			k++
		}
		cand := bytes.TrimRight(b[i:k], ":.")
		if bytes.Count(cand, []byte{':'}) >= 2 {
			if a, err := netip.ParseAddr(string(cand)); err == nil && a.Is6() && !a.Is4In6() {
				s.addRepl(i, i+len(cand), RuleIP, s.e.anonIPv6(a))
				return i + len(cand)
			}
		}
	}
	if i > 0 && b[i-1] == ':' && j-i <= 4 && isHexWord(w) && i >= 2 && b[i-2] == ':' {
		// "::1"-style addresses starting with "::"
		k := i
		for k < n && (charsets[csHexLower][b[k]] || b[k] == ':' || b[k] == '.') {
			k++
		}
		if a, err := netip.ParseAddr(string(b[i-2 : k])); err == nil && a.Is6() && !a.IsLoopback() {
			s.addRepl(i-2, k, RuleIP, s.e.anonIPv6(a))
			return k
		}
	}
	if len(s.e.hosts) > 0 {
		ww := bytes.TrimRight(w, ".-")
		for _, h := range s.e.hosts {
			if strings.EqualFold(string(ww), h) {
				s.addRepl(i, i+len(ww), RuleHostname, s.e.HostToken(h))
				return i + len(ww)
			}
		}
	}
	if len(s.e.domains) > 0 && bytes.IndexByte(w, '.') > 0 {
		ww := bytes.TrimRight(w, ".-")
		for _, d := range s.e.domains {
			if len(ww) > len(d)+1 && ww[len(ww)-len(d)-1] == '.' && strings.EqualFold(string(ww[len(ww)-len(d):]), d) {
				host := strings.ToLower(string(ww[:len(ww)-len(d)-1]))
				t := s.e.pseudonym("host", host+"."+d, tokenHex("host-", 10))
				if strings.HasPrefix(host, "host-") && s.e.isToken(host) {
					return i + len(ww)
				}
				s.addRepl(i, i+len(ww)-len(d)-1, RuleHostname, t)
				return i + len(ww)
			}
		}
	}
	// /home/NAME, /Users/NAME, C:\Users\NAME
	if (string(w) == "home" || string(w) == "Users" || string(w) == "users") && i > 0 && (b[i-1] == '/' || b[i-1] == '\\') && j < n && (b[j] == '/' || b[j] == '\\') {
		k := j + 1
		if k < n && b[k] == '\\' {
			k++ // escaped backslash in JSON
		}
		e := k
		for e < n && isKeyChar[b[e]] {
			e++
		}
		name := string(b[k:e])
		switch strings.ToLower(name) {
		case "", "shared", "public", "default", "all users", "default user":
		default:
			s.anonUser(k, e)
			return e
		}
	}
	return 0
}

func (e *Engine) isToken(t string) bool {
	e.amu.Lock()
	defer e.amu.Unlock()
	_, ok := e.rev[t]
	return ok
}

func isHexWord(w []byte) bool {
	for _, c := range w {
		if !charsets[csHexLower][c] {
			return false
		}
	}
	return len(w) > 0
}

// email: local@domain.tld. ws is the local part start, at the '@'.
func (s *scanner) email(ws, at int) int {
	b, n := s.b, s.n
	e := at + 1
	for e < n && (isAlnum[b[e]] || b[e] == '.' || b[e] == '-') {
		e++
	}
	dom := bytes.TrimRight(b[at+1:e], ".-")
	if bytes.IndexByte(dom, '.') <= 0 || len(dom) < 4 {
		return 0
	}
	e = at + 1 + len(dom)
	v := strings.ToLower(string(b[ws:e]))
	if s.e.isToken(v) {
		return e
	}
	t := s.e.pseudonym("email", v, func(h []byte) string {
		return "user-" + hex.EncodeToString(h[:4]) + "@domain-" + hex.EncodeToString(h[4:7]) + ".invalid"
	})
	s.addRepl(ws, e, RuleEmail, t)
	return e
}

var userKeys = map[string]bool{"user": true, "username": true, "user_name": true, "login": true, "owner": true,
	"uid": false, "account": true, "userid": false, "user_id": false, "logname": true, "sudo_user": true}

func isUserKey(w []byte) bool {
	if len(w) > 16 {
		return false
	}
	return userKeys[lower(w)]
}

func (s *scanner) anonUserValue(k int, xml bool) int {
	b, n := s.b, s.n
	k0 := k
	for k < n && (b[k] == ' ' || b[k] == '\t') {
		k++
	}
	if k > k0 && k0 > 0 && b[k0-1] == '=' {
		// "logname= uid=0": an empty value, then the next pair; the next word is no user name
		e := k
		for e < n && isKeyChar[b[e]] {
			e++
		}
		if e < n && (b[e] == '=' || b[e] == ':') {
			return k
		}
	}
	v, e, next := s.value(k, xml, false)
	if e > v {
		s.anonUser(v, e)
	}
	return next
}

func (s *scanner) anonUser(v, e int) {
	name := string(s.b[v:e])
	if name == "" || name == "root" || allDigits(s.b[v:e]) || strings.HasPrefix(name, "[REDACTED") || len(name) > 64 || s.e.isToken(name) {
		return
	}
	t := s.e.pseudonym("user", name, tokenHex("user-", 8))
	s.addRepl(v, e, RuleUsername, t)
}

// HostToken returns the pseudonym of a host name (the same token the scanner writes for it). With
// anonymization off it returns h unchanged.
func (e *Engine) HostToken(h string) string {
	if !e.anon {
		return h
	}
	h = strings.ToLower(strings.Trim(h, "."))
	if e.isToken(h) {
		return h
	}
	return e.pseudonym("host", h, tokenHex("host-", 10))
}

// TokenMap returns the pseudonym map (original value to token); it stays on the customer's machine.
func (e *Engine) TokenMap() map[string]string {
	e.amu.Lock()
	defer e.amu.Unlock()
	out := make(map[string]string, len(e.rev))
	for t, v := range e.rev {
		out[v] = t
	}
	return out
}

// tokenMapFile is the on-disk form of --anonymize-map: the key (so later runs reuse the same
// tokens) and the map. It must never be put in a bundle.
type tokenMapFile struct {
	Key    string            `json:"key"`
	Tokens map[string]string `json:"tokens"`
}

// WriteTokenMap writes the key and the pseudonym map as JSON.
func (e *Engine) WriteTokenMap(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(tokenMapFile{Key: hex.EncodeToString(e.anonKey), Tokens: e.TokenMap()})
}

// ReadTokenMapKey reads the key from a file written by WriteTokenMap, to reuse its tokens.
func ReadTokenMapKey(r io.Reader) ([]byte, error) {
	var f tokenMapFile
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("reading anonymization map: %w", err)
	}
	k, err := hex.DecodeString(f.Key)
	if err != nil || len(k) < 16 {
		return nil, fmt.Errorf("anonymization map: bad key")
	}
	return k, nil
}
