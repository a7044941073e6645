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
	"regexp"
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

// anonWord: IPv4, IPv6, this machine's host names, host names under the configured domains,
// user names in home paths, and IPv4 addresses written inside names (dashed, dotted, reversed).
func (s *scanner) anonWord(i, j int) int {
	b, n := s.b, s.n
	w := b[i:j]
	if w[0] >= '0' && w[0] <= '9' {
		ww := bytes.TrimRight(w, ".")
		if len(ww) >= 7 && len(ww) <= 15 && bytes.Count(ww, []byte{'.'}) == 3 {
			if a, err := netip.ParseAddr(string(ww)); err == nil && a.Is4() {
				if !s.versionAt(i, i+len(ww), a) {
					s.replIPv4(i, i+len(ww), a, false)
				}
				return i + len(ww)
			}
		}
	}
	if e := s.ipv6At(i, j); e != 0 {
		if e < 0 {
			return 0
		}
		return e
	}
	if len(s.e.hosts) > 0 {
		if e := s.anonHost(i, j); e > 0 {
			return e
		}
	}
	if j+1 < n && b[j] == ' ' && (j-i == 4 || j-i == 3) {
		if e := s.sshUser(i, j); e > 0 {
			return e
		}
	}
	if j+12 < n && b[j] == ' ' && b[j+1] == '[' && b[j+4] == '/' && b[j+8] == '/' && i >= 3 && b[i-1] == ' ' && loginName(w) {
		// the user field of Apache/NCSA access logs: HOST IDENT USER [27/Nov/2026:10:00:00 +0000]
		s.anonUser(i, j)
		return j
	}
	if len(s.e.domains) > 0 && bytes.IndexByte(w, '.') > 0 {
		ww := trimDotDash(w)
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
	if j-i >= 9 {
		s.embeddedIPv4(i, j)
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
	if last := dom[bytes.LastIndexByte(dom, '.')+1:]; len(last) < 2 || !isAlpha(last[0]) {
		// no top-level domain: user@10.1.2.3 (ssh) or Class.Method@0.0.0.0; the address is
		// handled as an address, and a plain login name before it as a user name
		if a, err := netip.ParseAddr(string(dom)); err == nil && a.Is4() && ws < at && at-ws <= 32 && loginName(b[ws:at]) {
			s.anonUser(ws, at)
		}
		return 0
	}
	switch string(dom[bytes.LastIndexByte(dom, '.')+1:]) {
	case "service", "socket", "timer", "target", "mount", "automount", "path", "slice", "scope", "device", "swap":
		return 0 // a systemd unit instance (getty@tty1.service, user@1000.service)
	}
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

// loginName: w has the shape of a Unix login (lowercase letters, digits, _ . -, starting with a
// letter or _).
func loginName(w []byte) bool {
	if len(w) == 0 || !(w[0] >= 'a' && w[0] <= 'z' || w[0] == '_') {
		return false
	}
	for _, c := range w {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func (s *scanner) anonUser(v, e int) {
	name := string(s.b[v:e])
	if name == "" || name == "root" || allDigits(s.b[v:e]) || strings.HasPrefix(name, "[REDACTED") || len(name) > 64 || s.e.isToken(name) {
		return
	}
	if strings.Count(name, ".") >= 2 {
		return // a reverse-DNS identifier (owner: com.apple.x), not a login
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

// replIPv4 replaces the address a written at b[st:en] by its pseudonym, unless the pseudonym is
// the address itself (loopback, unspecified, multicast, broadcast are kept as written). reversed:
// the octets are written in reverse order (4.3.2.1.in-addr.arpa); sep is the octet separator.
func (s *scanner) replIPv4At(st, en int, a netip.Addr, reversed bool, sep byte) {
	if reversed {
		o := a.As4()
		a = netip.AddrFrom4([4]byte{o[3], o[2], o[1], o[0]})
	}
	if a.IsLoopback() || a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return // kept, as written
	}
	t := s.e.anonIPv4(a)
	if reversed {
		p := strings.Split(t, ".")
		t = p[3] + "." + p[2] + "." + p[1] + "." + p[0]
	}
	if sep != '.' {
		t = strings.ReplaceAll(t, ".", string(sep))
	}
	s.addRepl(st, en, RuleIP, t)
}

func (s *scanner) replIPv4(st, en int, a netip.Addr, reversed bool) {
	s.replIPv4At(st, en, a, reversed, '.')
}

// versionAt: the dotted quad a at b[st:en] is a version number, not an address: 0.x.x.x (no host
// has it), a Windows package version (~~6.1.1.0, ~6.1.1.0~), or after a word such as "version".
func (s *scanner) versionAt(st, en int, a netip.Addr) bool {
	b, n := s.b, s.n
	if a.As4()[0] == 0 {
		return true
	}
	if st > 0 && b[st-1] == '~' || en < n && b[en] == '~' {
		return true
	}
	if en+1 < n && b[en] == '-' && b[en+1] >= '0' && b[en+1] <= '9' && (st == 0 || !isKeyChar[b[st-1]]) {
		// a package version with its revision (Debian 1.2.5.1-2, 2:1.2.3.4-5ubuntu1); a range
		// of addresses (10.1.2.3-10.1.2.9) goes on with dots
		k := en + 1
		for k < n && (isAlnum[b[k]] || b[k] == '+' || b[k] == '~') {
			k++
		}
		if k == n || b[k] != '.' {
			return true
		}
	}
	k := st
	for k > 0 && (b[k-1] == ' ' || b[k-1] == ':' || b[k-1] == '=' || b[k-1] == '"' || b[k-1] == '\t') && st-k < 4 {
		k--
	}
	e := k
	for k > 0 && isAlnum[b[k-1]] {
		k--
	}
	if e-k < 2 || e-k > 9 || e == st {
		return false
	}
	switch lower(b[k:e]) {
	case "version", "ver", "release", "build", "firmware", "fw", "rev", "revision", "bios":
		return true
	}
	return false
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// ipv6At: an IPv6 address starting at the word b[i:j] (or at the "::" just before it). It returns
// where scanning continues after an address, -1 when b[i:j] is part of a colon-separated run that
// is no address (the caller goes on with other rules), and 0 when it is no IPv6 start.
//
// The run of hex digits, ':' and '.' is taken whole: a suffix of a longer run is never an address
// (so /0:0:0:0:0:0:0:0:2181:FastLeaderElection and hardware ids are not cut into one), an
// address written with a port after it (Java's host:port for IPv6) keeps the port, eight groups of
// exactly two hex digits are a hardware id (EUI-64, Fibre Channel WWN), and C++/Ruby scopes
// (onTouchEvent::0) are no addresses.
func (s *scanner) ipv6At(i, j int) int {
	b, n := s.b, s.n
	if j-i > 4 {
		return 0
	}
	for _, c := range b[i:j] {
		if !isHexDigit(c) {
			return 0
		}
	}
	st := i
	switch {
	case j < n && b[j] == ':':
		if i >= 2 && b[i-1] == ':' && (isHexDigit(b[i-2]) || b[i-2] == ':') {
			return -1 // inside a run that started earlier
		}
	case i >= 2 && b[i-1] == ':' && b[i-2] == ':':
		st = i - 2
		if st > 0 && (isWord[b[st-1]] || b[st-1] == ':' || b[st-1] == '.') {
			return 0 // a scope (std::vector, onTouchEvent::0)
		}
	default:
		return 0
	}
	if st > 0 && (isWord[b[st-1]] || b[st-1] == '.') {
		return 0
	}
	k := st
	for k < n && (isHexDigit(b[k]) || b[k] == ':' || b[k] == '.') {
		k++
	}
	if k < n && (isWord[b[k]] || b[k] == '-') {
		// the run goes on in a word (2181:FastLeaderElection): its last group is that word's start
		for k > st && b[k-1] != ':' {
			k--
		}
		if k <= st {
			return -1
		}
	}
	end := k
	for end > st && (b[end-1] == ':' || b[end-1] == '.') {
		end--
	}
	if end > st && b[end-1] == ':' {
		return -1
	}
	colons, dbl := 0, false
	for x := st; x < end; x++ {
		if b[x] == ':' {
			colons++
			if x+1 < end && b[x+1] == ':' {
				dbl = true
			}
		}
	}
	if colons < 2 {
		return 0
	}
	if !dbl && colons != 7 && colons != 8 && !(colons == 6 && bytes.IndexByte(b[st:end], '.') > 0) {
		return -1 // 10:00:42, MAC addresses: no address can be written so
	}
	cand := string(b[st:end])
	a, err := netip.ParseAddr(cand)
	port := ""
	if err != nil || a.Is4() {
		// addr:port
		c := strings.LastIndexByte(cand, ':')
		if c <= 0 || !allDigits([]byte(cand[c+1:])) || cand[c-1] == ':' {
			return -1
		}
		a, err = netip.ParseAddr(cand[:c])
		if err != nil || !a.Is6() || strings.Count(cand[:c], ":") != 7 {
			return -1
		}
		port = cand[c:]
		cand = cand[:c]
	}
	if a.Zone() != "" {
		return -1
	}
	if !strings.Contains(cand, "::") {
		two := true
		for _, g := range strings.Split(cand, ":") {
			if len(g) != 2 {
				two = false
				break
			}
		}
		if two {
			return end // a hardware id
		}
	}
	addrEnd := end - len(port)
	if a.Is4In6() {
		// ::ffff:10.1.2.3: the IPv4 inside reads as that address's pseudonym
		if dot := strings.LastIndexByte(cand, ':'); dot >= 0 && strings.Contains(cand[dot:], ".") {
			s.replIPv4(st+dot+1, addrEnd, a.Unmap(), false)
			return end
		}
	}
	if t := s.e.anonIPv6(a); t != a.String() {
		s.addRepl(st, addrEnd, RuleIP, t)
	}
	return end
}

// fqdnTail: d (after "host.") reads as a DNS domain: labels of letters, digits and '-', the last
// a common top-level domain or a two-letter country code, or a single label used on local
// networks (local, lan, internal, ...). "swappiness" or "orders.count" are no domains.
func fqdnTail(d []byte) bool {
	if len(d) == 0 || len(d) > 253 {
		return false
	}
	labels := bytes.Split(d, []byte{'.'})
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' {
			return false
		}
		for _, c := range l {
			if !isAlnum[c] && c != '-' {
				return false
			}
		}
	}
	last := lower(labels[len(labels)-1])
	if len(labels) == 1 {
		switch last {
		case "local", "lan", "internal", "localdomain", "home", "corp", "intranet":
			return true
		}
		return false
	}
	if len(last) == 2 && isAlpha(last[0]) && isAlpha(last[1]) {
		return true
	}
	switch last {
	case "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "io", "dev", "app", "cloud",
		"local", "lan", "internal", "localdomain", "home", "corp", "intranet", "arpa", "example", "test", "invalid":
		return true
	}
	return false
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// anonHost: this machine's host names (Config.Hosts). A name with a dot (an FQDN) is replaced
// wherever it stands as a word; a short name only where it stands as a host name: followed by
// ".<domain>", and in host fields (host=, "hostname": ..., user@host, scheme://host, host:port, a
// syslog line's host field, "host NAME"). As a plain word ("VM Started", db=orders) it stays.
func (s *scanner) anonHost(i, j int) int {
	ww := trimDotDash(s.b[i:j])
	for _, h := range s.e.hosts {
		if len(ww) == len(h) && strings.EqualFold(string(ww), h) {
			if strings.IndexByte(h, '.') >= 0 || s.hostContext(i, i+len(ww)) {
				s.addRepl(i, i+len(ww), RuleHostname, s.e.HostToken(h))
				return i + len(ww)
			}
			return 0
		}
	}
	for _, h := range s.e.hosts {
		if len(ww) > len(h)+1 && ww[len(h)] == '.' && strings.IndexByte(h, '.') < 0 && strings.EqualFold(string(ww[:len(h)]), h) && fqdnTail(ww[len(h)+1:]) {
			s.addRepl(i, i+len(h), RuleHostname, s.e.HostToken(h))
			return i + len(ww)
		}
	}
	return 0
}

var hostKeys = map[string]bool{"host": true, "hostname": true, "host_name": true, "rhost": true, "lhost": true,
	"server": true, "servername": true, "server_name": true, "node": true, "nodename": true, "node_name": true,
	"machine": true, "computer": true, "computername": true, "fqdn": true, "peer": true, "remote_host": true,
	"remotehost": true, "src_host": true, "dst_host": true, "target": true, "instance": true}

func (s *scanner) hostContext(st, en int) bool {
	b, n := s.b, s.n
	if st > 0 && b[st-1] == '@' {
		return true
	}
	if st >= 3 && b[st-1] == '/' && b[st-2] == '/' && b[st-3] == ':' {
		return true
	}
	if en+1 < n && (b[en] == ':' || b[en] == '/') && b[en+1] >= '0' && b[en+1] <= '9' {
		return true // host:port, and Java's host/address (service to vm/10.1.2.3:9000)
	}
	// key before: host=NAME, "hostname": "NAME", hostname: NAME, host NAME
	k := st
	if k > 0 && (b[k-1] == '"' || b[k-1] == '\'') {
		k--
	}
	sp := k
	for k > 0 && (b[k-1] == ' ' || b[k-1] == '\t') && sp-k < 8 {
		k--
	}
	spaced := k < sp
	if k > 0 && (b[k-1] == '=' || b[k-1] == ':') {
		k--
		spaced = false
		for k > 0 && (b[k-1] == ' ' || b[k-1] == '\t') {
			k--
		}
		if k > 0 && (b[k-1] == '"' || b[k-1] == '\'') {
			k--
		}
	} else if !spaced {
		return s.hostLine(st, en)
	}
	e := k
	for k > 0 && isKeyChar[b[k-1]] && e-k <= 16 {
		k--
	}
	if e > k {
		key := lower(b[k:e])
		if spaced {
			if key == "host" || key == "hostname" {
				return true
			}
		} else if hostKeys[key] || strings.HasSuffix(key, "hostname") || strings.HasSuffix(key, "_host") {
			return true
		}
	}
	return s.hostLine(st, en)
}

// hostLine: the name at b[st:en] is a host by its place on its line: the whole line
// (/etc/hostname, hostname, uname -n), a name of a hosts-file line ("127.0.1.1 vm vm.corp"),
// uname -a's second field ("Linux vm 6.1.0 ..."), or a syslog line's host field.
func (s *scanner) hostLine(st, en int) bool {
	b, n := s.b, s.n
	ls := st
	for ls > 0 && b[ls-1] != '\n' && st-ls < 256 {
		ls--
	}
	if ls > 0 && b[ls-1] != '\n' {
		return false
	}
	le := en
	for le < n && (b[le] == ' ' || b[le] == '\t' || b[le] == '\r') {
		le++
	}
	pre := bytes.TrimLeft(b[ls:st], " \t")
	if len(pre) == 0 && (le == n || b[le] == '\n') {
		return true
	}
	for _, os := range []string{"Linux ", "Darwin ", "FreeBSD ", "OpenBSD ", "NetBSD ", "SunOS "} {
		if string(pre) == os {
			return true
		}
	}
	if f := bytes.Fields(pre); len(f) >= 1 && len(f) <= 8 {
		if a, err := netip.ParseAddr(string(f[0])); err == nil && a.IsValid() {
			hosts := true
			for _, x := range f[1:] {
				for _, c := range x {
					if !isKeyChar[c] {
						hosts = false
					}
				}
			}
			if hosts {
				return true
			}
		}
	}
	return s.syslogHost(st)
}

// syslogLinePrefix: a syslog line's start up to its host field: an optional <PRI> (and RFC 5424
// version), then "Mmm dd hh:mm:ss" (BSD, optional year and fraction) or an RFC 3339 time.
var syslogLinePrefix = regexp.MustCompile(`^(?:<\d{1,3}>(?:\d )?)?(?:[A-Z][a-z]{2} [ \d]\d(?: \d{4})? \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) $`)

func (s *scanner) syslogHost(st int) bool {
	ls := st
	for ls > 0 && s.b[ls-1] != '\n' && st-ls < 48 {
		ls--
	}
	if ls > 0 && s.b[ls-1] != '\n' {
		return false
	}
	return syslogLinePrefix.Match(s.b[ls:st])
}

// embeddedIPv4: IPv4 addresses written inside a longer word: dashed in host names
// (calvisitor-10-105-160-95, ec2-52-80-34-196.compute-1.amazonaws.com), dotted at the start of
// a reverse-DNS name (62.99.164.82.sh.example.at), reversed before in-addr.arpa, or inside an id
// (BP-1-10.190.173.170-149). Exactly four decimal groups with one separator, not part of a longer
// run of numbers (OIDs, versions). The address gets its pseudonym, written the same way; a
// reversed form (in-addr.arpa, or the reverse of an address already pseudonymized) gets the
// pseudonym of the address it names.
func (s *scanner) embeddedIPv4(i, j int) {
	b := s.b
	digits, dots, dashes := 0, 0, 0
	for _, c := range b[i:j] {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		case c == '-':
			dashes++
		}
	}
	if digits < 4 || dots < 3 && dashes < 3 {
		return
	}
	for p := i; p < j; p++ {
		if b[p] < '0' || b[p] > '9' || p > i && b[p-1] != '.' && b[p-1] != '-' {
			continue
		}
		var o [4]byte
		q := p
		var sep byte
		ok := true
		for g := 0; g < 4; g++ {
			v, d := 0, 0
			for q < j && b[q] >= '0' && b[q] <= '9' && d < 4 {
				v = v*10 + int(b[q]-'0')
				q++
				d++
			}
			if d == 0 || d > 3 || v > 255 || d > 1 && b[q-d] == '0' {
				ok = false
				break
			}
			o[g] = byte(v)
			if g < 3 {
				if q >= j || b[q] != '.' && b[q] != '-' || sep != 0 && b[q] != sep {
					ok = false
					break
				}
				sep = b[q]
				q++
			}
		}
		if !ok {
			// skip to the end of this group
			for p+1 < j && b[p+1] >= '0' && b[p+1] <= '9' {
				p++
			}
			continue
		}
		// not part of a longer run of numbers with the same separator
		longer := q < j && (b[q] >= '0' && b[q] <= '9' || b[q] == sep && q+1 < j && b[q+1] >= '0' && b[q+1] <= '9')
		if !longer && p > i && b[p-1] == sep {
			g := p - 1
			for g > i && b[g-1] >= '0' && b[g-1] <= '9' {
				g--
			}
			longer = g < p-1 && (g == i || b[g-1] == '.' || b[g-1] == '-')
		}
		if longer {
			// skip the whole run
			for q < j && (b[q] >= '0' && b[q] <= '9' || b[q] == sep) {
				q++
			}
			p = q
			continue
		}
		a := netip.AddrFrom4(o)
		if o[0] == 0 || sep == '.' && s.versionAt(p, q, a) {
			p = q
			continue
		}
		rev := false
		if sep == '.' && bytes.HasPrefix(b[q:j], []byte(".in-addr.arpa")) {
			rev = true
		} else if r := netip.AddrFrom4([4]byte{o[3], o[2], o[1], o[0]}); r != a && s.e.seenIP(r.String()) && !s.e.seenIP(a.String()) {
			rev = true
		}
		s.replIPv4At(p, q, a, rev, sep)
		p = q
	}
}

// seenIP: the address v already has a pseudonym, or is one.
func (e *Engine) seenIP(v string) bool {
	e.amu.Lock()
	defer e.amu.Unlock()
	if _, ok := e.tokens["ip\x00"+v]; ok {
		return true
	}
	_, ok := e.rev[v] // a pseudonym: its reversed form is read back as written (idempotence)
	return ok
}

// sshUser: OpenSSH's user names in prose: "Invalid user NAME from", "for invalid user NAME",
// "Accepted password for NAME from", "Failed publickey for NAME from". b[i:j] is "user" or "for".
func (s *scanner) sshUser(i, j int) int {
	b, n := s.b, s.n
	w := lower(b[i:j])
	if w != "user" && w != "for" {
		return 0
	}
	pe := i - 1
	if pe < 1 || b[pe] != ' ' {
		return 0
	}
	ps := pe
	for ps > 0 && (isKeyChar[b[ps-1]] || b[ps-1] == '/') {
		ps--
	}
	prev := lower(b[ps:pe])
	v := j + 1
	e := v
	for e < n && b[e] != ' ' && b[e] != '\t' && b[e] != '"' && b[e] != '\'' {
		e++
	}
	if e == v || e-v > 64 {
		return 0
	}
	switch w {
	case "user":
		if prev != "invalid" && prev != "illegal" {
			return 0
		}
	case "for":
		switch prev {
		case "password", "publickey", "keyboard-interactive/pam", "none", "hostbased", "gssapi-with-mic", "keyboard-interactive":
		default:
			return 0
		}
		if lower(b[v:e]) == "invalid" || !hasPrefixAt(b, e, " from ") {
			return 0
		}
	}
	s.anonUser(v, e)
	return e
}

func trimDotDash(w []byte) []byte {
	for len(w) > 0 && (w[len(w)-1] == '.' || w[len(w)-1] == '-') {
		w = w[:len(w)-1]
	}
	return w
}
