package redact

import "bytes"

// Command-line passwords: -pSECRET (mysql), sshpass -p, redis-cli -a, curl -u user:pass ...

// shortFlags: single-letter password flags, valid only when the line runs one of the tools that
// use them that way (-p is a port for ssh, -a a flag for many tools).
var shortFlags = []struct {
	flag          byte
	glued, spaced bool
	tools         []string
}{
	{'p', true, false, []string{"mysql", "mariadb", "7z ", "7za ", "7zz "}},
	{'P', false, true, []string{"zip ", "unzip ", "zipcloak "}},
	{'p', true, true, []string{"sshpass"}},
	{'p', false, true, []string{"docker login", "podman login", "buildah login", "nerdctl login", "helm registry login", "mongo", "mongosh", "mongodump", "mongorestore", "mongoexport", "mongoimport"}},
	{'a', true, true, []string{"redis-cli", "keydb-cli"}},
	{'w', false, true, []string{"ldapsearch", "ldapmodify", "ldapadd", "ldapdelete", "ldapwhoami", "ldappasswd", "ldapcompare"}},
	{'P', false, true, []string{"sqlcmd", "bcp ", "ipmitool"}},
}

// shortFlag handles -pSECRET (mysql), sshpass -p SECRET, redis-cli -a, ldapsearch -w, docker login
// -p, curl -u user:pass / --user user:pass and openssl -passin pass:SECRET.
func (s *scanner) shortFlag(i, j, k, sep int) int {
	b := s.b
	w := b[i:j]
	single := b[i-1] == '-' && (i < 2 || b[i-2] != '-')
	if single {
		glued := j-i > 1 || (j < s.n && !isSpace[b[j]])
		for _, f := range shortFlags {
			if w[0] != f.flag || (glued && !f.glued) || (!glued && (!f.spaced || sep != sepSpace || j-i != 1)) {
				continue
			}
			if !s.lineHasAny(f.tools) {
				continue
			}
			var v, e int
			if glued {
				v, e = s.valueRun(i + 1)
			} else {
				v, e = s.valueRun(k)
			}
			if e > v && b[v] != '-' && !benignValue(b[v:e]) {
				s.add(v, e, RuleCLIPass)
				return e
			}
			return 0
		}
		// openssl -passin pass:SECRET / -passout / -pass / -k
		if (string(w) == "passin" || string(w) == "passout" || string(w) == "pass") && sep == sepSpace {
			v, e := s.valueRun(k)
			if bytes.HasPrefix(b[v:e], []byte("pass:")) && e > v+5 {
				s.add(v+5, e, RuleCLIPass)
				return e
			}
		}
	}
	if string(w) == "U" && single && sep == sepSpace && s.lineHasAny([]string{"smbclient", "rpcclient", "smbmap", "net rpc", "winexe", "mount.cifs"}) {
		v, e := s.valueRun(k)
		if c := bytes.IndexByte(b[v:e], '%'); c >= 0 && c < e-v-1 {
			s.add(v+c+1, e, RuleCLIPass)
			return e
		}
	}
	if (string(w) == "u" && single) || (string(w) == "user" && i >= 2 && b[i-2] == '-') || string(w) == "proxy-user" {
		if sep != sepSpace && sep != sepEq {
			return 0
		}
		v, e := s.valueRun(k)
		val := b[v:e]
		if c := bytes.IndexByte(val, ','); c > 0 && c < len(val)-1 && bytes.IndexByte(val, ':') < 0 && s.lineHasAny([]string{"lftp"}) {
			s.add(v+c+1, e, RuleCLIPass) // lftp -u user,password
			return e
		}
		c := bytes.IndexByte(val, ':')
		if c >= 0 && c < len(val)-1 && !allDigits(val[c+1:]) && !benignValue(val) && !benignValue(val[c+1:]) && !isIPv6ish(val) {
			s.add(v+c+1, e, RuleCLIPass)
			return e
		}
	}
	return 0
}

// isIPv6ish: hex groups and colons only (an address, not user:password).
func isIPv6ish(v []byte) bool {
	if bytes.Count(v, []byte{':'}) < 2 {
		return false
	}
	for _, c := range v {
		if !charsets[csHexLower][c] && c != ':' && c != '.' {
			return false
		}
	}
	return true
}

func (s *scanner) lineHasAny(tools []string) bool {
	for _, t := range tools {
		if bytes.Contains(s.b, []byte(t)) {
			return true
		}
	}
	return false
}
