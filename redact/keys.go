package redact

// Key classification. Every decision about a key name goes through one table, keyWords, which
// maps a lowercase key segment to the classes it belongs to, and one splitting function,
// keyBuf.split, which cuts a key into segments at _ - . and lower->Upper (camelCase) boundaries.
// The classifiers below (classifyKey, passwordKey, numericSecretKey, ...) are predicates over the
// segments' classes; none keeps a word list of its own.

// Key classification. Every decision about a key name goes through one table, keyWords, which
// maps a lowercase key segment to the classes it belongs to, and one splitting function,
// keyBuf.split, which cuts a key into segments at _ - . and lower->Upper (camelCase) boundaries.
// The classifiers below (classifyKey, passwordKey, numericSecretKey, ...) are predicates over the
// segments' classes; none keeps a word list of its own.

// keyClass is a set of classes of one key segment.
type keyClass uint32

const (
	// kStrong: a last segment (or the last two joined) that makes a key sensitive: its value is
	// redacted whatever it looks like (password, token, api_key's "apikey", session).
	kStrong keyClass = 1 << iota
	// kPassword: a two-field config line with this last segment holds a secret
	// ("requirepass foobared", "password hunter2"); SQL PASSWORD('x').
	kPassword
	// kChosen: the value is a word someone chose (a password or passphrase), so a camelCase value
	// can be the secret itself; under token or key names it is a field name.
	kChosen
	// kNumeric: the value is a secret even when it is all digits (PIN, OTP, numeric API key).
	kNumeric
	// kPlural: a plural secret word, the key of a list whose elements can be numeric secrets.
	kPlural
	// kAmbiguous: also an ordinary word or abbreviation (x86/PAT:, session:, auth:): a plain
	// dictionary word after it is no secret.
	kAmbiguous
	// kURL: the value is usually a URL or connection string; its credentials are found by the URL
	// rules and host and path stay readable.
	kURL
	// kQualifier: before "key", makes the key strong (api_key, AccountKey, SharedAccessKey).
	kQualifier
	// kCount: names a count, size or time (password_min_length, token_ttl).
	kCount
	// kMeta: names or describes a secret without holding it (secret_name, password_file).
	kMeta
	// kKeep: inside a container under a sensitive key, the value names the credential's owner or
	// place (user, host, region), not the secret.
	kKeep
	// kAuth: Authorization-style: the scheme word is kept.
	kAuth
	// kCookie: Cookie / Set-Cookie: each cookie value is redacted.
	kCookie
	// kKey: "key" or "keys": strong after a qualifier, weak otherwise.
	kKey
	// kWeak: hash, salt, nonce, seed, sid: the value is redacted only when it looks random.
	kWeak
	// kSession: before "id" makes a session id (session_id, sess_id).
	kSession
	// kPublic: before the last segment, names public material (public_key, pub_token).
	kPublic
	// kPayload: after a kPayloadOwner segment, the key holds the owner's value (password_value,
	// secret_data).
	kPayload
	kPayloadOwner
	// kSecretWord: "secret" or "secrets", which also counts before the last segment
	// (secret_key_base).
	kSecretWord
	// kAnywhere: a word that makes a key sensitive in any position, not only as its last
	// segment (MY_SECRET_THING, api_key_value, KUBECONFIG_DATA), unless the last segment is a
	// kMeta, kCount, kKeep or kDescr word (SECRET_COUNT, token_ttl, password_file). Short or
	// ambiguous words (pass, pwd, auth, session, sig) count only as the last segment.
	kAnywhere
	// kDescr: as the last segment after a kAnywhere word, describes the secret's handling rather
	// than holding it (token_cache, password_encoder, secret_status).
	kDescr
	// kLastSeg: not sensitive alone, but a last segment that the classes above can make sensitive
	// together with the segment before it (api_key, session_id, connection_string). Used by the
	// prefilters only.
	kLastSeg
)

// keyWords is the one table of key segment words.
var keyWords = map[string]keyClass{
	"access":           kQualifier,
	"accesskey":        kStrong | kAnywhere,
	"accesstoken":      kStrong | kAnywhere,
	"account":          kQualifier,
	"accountkey":       kStrong,
	"addr":             kDescr,
	"address":          kDescr,
	"admin":            kQualifier,
	"adminpass":        kStrong,
	"aes":              kQualifier,
	"age":              kCount | kMeta,
	"alg":              kMeta,
	"algorithm":        kMeta,
	"api":              kQualifier,
	"apikey":           kStrong | kPassword | kNumeric | kAnywhere,
	"apikeys":          kStrong | kPlural | kAnywhere,
	"apipassword":      kStrong,
	"apisecret":        kStrong | kAnywhere,
	"apitoken":         kStrong | kAnywhere,
	"app":              kQualifier,
	"appkey":           kStrong,
	"application":      kQualifier,
	"arn":              kMeta,
	"attempts":         kCount,
	"audience":         kKeep,
	"auth":             kStrong | kAmbiguous | kQualifier,
	"authentication":   kAuth | kLastSeg,
	"authkey":          kStrong,
	"authorization":    kAuth | kLastSeg,
	"authtoken":        kStrong | kAnywhere,
	"b64":              kPayload | kLastSeg,
	"backend":          kMeta,
	"base64":           kPayload | kLastSeg,
	"bearer":           kStrong | kAmbiguous,
	"bits":             kCount | kMeta,
	"bot":              kQualifier,
	"browser":          kQualifier,
	"cache":            kDescr,
	"characters":       kDescr,
	"chars":            kDescr,
	"cipher":           kQualifier | kDescr,
	"claim":            kDescr,
	"class":            kDescr,
	"client":           kQualifier,
	"clientsecret":     kStrong | kAnywhere,
	"complexity":       kDescr,
	"connectionstring": kStrong | kURL,
	"connstr":          kStrong | kURL,
	"consumer":         kQualifier,
	"consumersecret":   kStrong | kAnywhere,
	"contrasena":       kStrong | kAnywhere,
	"cookie":           kQualifier | kCookie | kLastSeg,
	"cookies":          kCookie | kLastSeg,
	"count":            kCount | kMeta,
	"created":          kKeep,
	"cred":             kStrong | kAmbiguous,
	"credential":       kStrong | kPassword | kAnywhere,
	"credentials":      kStrong | kPassword | kAnywhere,
	"creds":            kStrong | kAmbiguous,
	"crypt":            kQualifier,
	"csrf":             kStrong | kAmbiguous | kQualifier,
	"csrftoken":        kStrong,
	"data":             kPayload | kLastSeg,
	"days":             kCount | kMeta,
	"decryption":       kQualifier,
	"deploy":           kQualifier,
	"description":      kKeep,
	"destkeypass":      kStrong,
	"deststorepass":    kStrong,
	"dev":              kQualifier,
	"developer":        kQualifier,
	"dir":              kMeta,
	"domain":           kKeep,
	"driver":           kDescr,
	"dsn":              kStrong | kURL,
	"duration":         kCount | kMeta,
	"email":            kKeep,
	"enabled":          kMeta,
	"enc":              kPayload | kLastSeg,
	"encoder":          kDescr,
	"encoding":         kDescr,
	"encrypted":        kPayload | kLastSeg,
	"encryption":       kQualifier,
	"encryptionkey":    kStrong | kAnywhere,
	"endpoint":         kKeep,
	"engine":           kDescr,
	"env":              kMeta,
	"error":            kDescr,
	"errors":           kDescr,
	"expires":          kCount | kMeta,
	"expiry":           kCount | kMeta,
	"field":            kMeta,
	"file":             kMeta,
	"format":           kMeta,
	"gpg":              kQualifier,
	"handler":          kDescr,
	"hash":             kWeak | kPayload | kLastSeg,
	"hasher":           kDescr,
	"hashing":          kDescr,
	"haslo":            kStrong | kAnywhere,
	"header":           kMeta,
	"hmac":             kQualifier,
	"hmackey":          kStrong,
	"host":             kKeep,
	"hostname":         kKeep,
	"hotp":             kNumeric,
	"hours":            kCount | kMeta,
	"id":               kMeta | kLastSeg,
	"idtoken":          kStrong,
	"ingest":           kQualifier,
	"instrumentation":  kQualifier,
	"integration":      kQualifier,
	"interval":         kCount | kMeta,
	"issuer":           kKeep,
	"jsessionid":       kStrong,
	"jwt":              kStrong | kAmbiguous | kQualifier,
	"kennwort":         kStrong | kPassword | kChosen | kAnywhere,
	"key":              kKey | kLastSeg,
	"keypass":          kStrong,
	"keys":             kKey | kLastSeg,
	"keystorepass":     kStrong,
	"kind":             kMeta,
	"kubeconfig":       kAnywhere,
	"label":            kMeta,
	"len":              kCount | kMeta,
	"length":           kCount | kMeta,
	"license":          kQualifier,
	"licensekey":       kStrong,
	"lifetime":         kCount | kMeta,
	"limit":            kCount,
	"live":             kQualifier,
	"location":         kMeta,
	"login":            kKeep,
	"losenord":         kStrong | kAnywhere,
	"manager":          kDescr,
	"master":           kQualifier,
	"masterauth":       kStrong | kPassword | kChosen,
	"masterkey":        kStrong,
	"masterpassword":   kStrong | kAnywhere,
	"max":              kCount | kMeta,
	"method":           kMeta,
	"min":              kCount | kMeta,
	"minutes":          kCount | kMeta,
	"mobile":           kQualifier,
	"mode":             kMeta,
	"motdepasse":       kStrong | kPassword | kChosen | kAnywhere,
	"mount":            kDescr,
	"mysqlpwd":         kStrong,
	"name":             kMeta,
	"namespace":        kDescr,
	"nonce":            kWeak | kLastSeg,
	"options":          kDescr,
	"otp":              kStrong | kNumeric | kAmbiguous,
	"otps":             kPlural,
	"parola":           kStrong,
	"partner":          kQualifier,
	"pass":             kStrong | kPassword | kChosen,
	"passcode":         kStrong | kChosen | kNumeric | kAnywhere,
	"passcodes":        kPlural,
	"passphrase":       kStrong | kPassword | kChosen | kAnywhere,
	"passphrases":      kStrong | kPlural | kAnywhere,
	"passwd":           kStrong | kPassword | kChosen | kAnywhere,
	"password":         kStrong | kPassword | kChosen | kPayloadOwner | kAnywhere,
	"passwords":        kStrong | kPlural | kAnywhere,
	"passwort":         kStrong | kPassword | kChosen | kAnywhere,
	"pat":              kStrong | kAmbiguous,
	"path":             kMeta,
	"pattern":          kDescr,
	"pgp":              kQualifier,
	"pgpassword":       kStrong | kAnywhere,
	"phpsessid":        kStrong,
	"pin":              kChosen | kNumeric,
	"pincode":          kNumeric,
	"pins":             kPlural,
	"plugin":           kDescr,
	"policy":           kMeta,
	"port":             kCount | kKeep,
	"prefix":           kMeta,
	"primary":          kQualifier,
	"principal":        kKeep,
	"private":          kQualifier,
	"privatekey":       kStrong | kNumeric | kAnywhere,
	"privkey":          kStrong | kAnywhere,
	"prod":             kQualifier,
	"provider":         kMeta,
	"pub":              kPublic,
	"public":           kPublic,
	"pw":               kStrong | kNumeric,
	"pwd":              kStrong | kPassword | kChosen,
	"pword":            kStrong | kNumeric,
	"pswd":             kStrong | kPassword | kChosen,
	"psw":              kStrong | kPassword | kChosen,
	"passwrd":          kStrong | kPassword | kChosen,
	"read":             kQualifier,
	"realm":            kKeep,
	"ref":              kMeta,
	"refreshtoken":     kStrong | kAnywhere,
	"regex":            kDescr,
	"region":           kKeep,
	"requirements":     kDescr,
	"requirepass":      kStrong | kPassword | kChosen,
	"rest":             kQualifier,
	"result":           kDescr,
	"retries":          kCount,
	"root":             kQualifier,
	"rootpw":           kStrong,
	"rotation":         kMeta,
	"rules":            kDescr,
	"salasana":         kStrong | kAnywhere,
	"salt":             kWeak | kLastSeg,
	"sas":              kStrong | kAmbiguous | kQualifier,
	"saskey":           kStrong,
	"sastoken":         kStrong,
	"scheme":           kMeta,
	"scope":            kKeep,
	"scopes":           kKeep,
	"sdk":              kQualifier,
	"secondary":        kQualifier,
	"seconds":          kCount | kMeta,
	"secret":           kStrong | kPassword | kChosen | kQualifier | kPayloadOwner | kSecretWord | kAnywhere,
	"secretaccesskey":  kStrong | kAnywhere,
	"secretkey":        kStrong | kNumeric | kAnywhere,
	"secrets":          kStrong | kPlural | kSecretWord | kAnywhere,
	"securestring":     kStrong,
	"seed":             kWeak | kLastSeg,
	"selector":         kDescr,
	"senha":            kStrong | kAnywhere,
	"server":           kQualifier,
	"service":          kQualifier | kDescr,
	"sess":             kSession,
	"sessid":           kStrong,
	"session":          kStrong | kAmbiguous | kQualifier | kSession,
	"sessionid":        kStrong,
	"sessionkey":       kStrong,
	"sessiontoken":     kStrong | kAnywhere,
	"settings":         kDescr,
	"shared":           kQualifier,
	"sharedaccesskey":  kStrong,
	"sid":              kWeak | kLastSeg,
	"sig":              kStrong | kAmbiguous,
	"signature":        kStrong | kAmbiguous,
	"signing":          kQualifier,
	"signingkey":       kStrong | kAnywhere,
	"size":             kCount | kMeta,
	"source":           kMeta,
	"srckeypass":       kStrong,
	"srcstorepass":     kStrong,
	"ssh":              kQualifier,
	"sshpass":          kAnywhere,
	"ssl":              kQualifier,
	"state":            kDescr,
	"status":           kDescr,
	"storage":          kQualifier,
	"store":            kMeta,
	"storepass":        kStrong,
	"strategy":         kDescr,
	"strength":         kDescr,
	"string":           kLastSeg,
	"subscription":     kQualifier,
	"template":         kDescr,
	"test":             kQualifier,
	"timeout":          kCount | kMeta,
	"tls":              kQualifier,
	"token":            kStrong | kPassword | kQualifier | kAnywhere,
	"tokens":           kStrong | kPlural | kAnywhere,
	"totp":             kStrong | kNumeric,
	"truststorepass":   kStrong,
	"ttl":              kCount | kMeta,
	"type":             kMeta,
	"updated":          kKeep,
	"uri":              kURL,
	"url":              kURL | kMeta,
	"user":             kQualifier | kKeep,
	"user_name":        kKeep,
	"username":         kKeep,
	"value":            kPayload | kLastSeg,
	"var":              kMeta,
	"version":          kCount | kMeta,
	"volume":           kDescr,
	"wachtwoord":       kStrong | kAnywhere,
	"webhook":          kQualifier,
	"webhookurl":       kStrong,
	"write":            kQualifier,
	"xsrf":             kStrong | kAmbiguous,
	"xsrftoken":        kStrong,
}

// keySuffixes make a single run-together segment sensitive (dbpassword, accesstoken). They apply
// when the segment is longer than the suffix; the segment that equals a suffix is in keyWords.
var keySuffixes = [...]struct {
	s   string
	cls keyClass
}{
	{"password", kStrong | kPassword | kChosen},
	{"passwd", kStrong | kPassword | kChosen},
	{"secret", kStrong | kPassword | kChosen},
	{"token", kStrong | kPassword},
	{"apikey", kStrong},
	{"privatekey", kStrong},
	{"accesskey", kStrong},
	{"secretkey", kStrong},
	{"credential", kStrong},
	{"credentials", kStrong},
	{"passphrase", kStrong},
	{"sessionid", kStrong},
}

// ownedSuffixes are short password words that make a run-together segment sensitive only after
// a word naming whose password it is (MYSQLPASS, DBPWD, ADMINPSWD, rootpass), never alone at the
// end of any word (bypass, compass).
var ownedSuffixes = [...]string{"pass", "pwd", "pswd", "psw", "passwrd", "pword"}

var passOwners = map[string]bool{"mysql": true, "db": true, "root": true, "admin": true, "user": true,
	"usr": true, "smtp": true, "mail": true, "ftp": true, "sftp": true, "ldap": true, "redis": true, "pg": true,
	"sql": true, "mssql": true, "api": true, "app": true, "bind": true, "proxy": true, "sys": true, "master": true,
	"sa": true, "service": true, "svc": true, "web": true, "rabbit": true, "rabbitmq": true, "mongo": true,
	"mongodb": true, "postgres": true, "oracle": true, "ora": true, "vnc": true, "wifi": true,
	"wpa": true, "login": true, "super": true, "default": true, "initial": true, "new": true,
	"server": true, "client": true, "imap": true, "pop": true, "pop3": true, "rdp": true, "bmc": true,
	"ipmi": true, "console": true, "jenkins": true, "git": true, "nexus": true, "docker": true,
	"registry": true, "kafka": true, "elastic": true, "es": true, "my": true, "dbuser": true, "database": true,
	"account": true, "acct": true, "email": true, "auth": true, "private": true, "priv": true, "cert": true,
	"pfx": true, "p12": true, "zip": true, "archive": true, "enc": true, "crypt": true, "vpn": true,
	"radius": true, "snmp": true, "ad": true, "domain": true, "dsrm": true, "local": true, "guest": true}

// ownedSuffixClass: seg is owner + a short password word (mysqlpass, dbpwd, adminpswd).
func ownedSuffixClass(seg []byte, h uint16) keyClass {
	for k, sf := range ownedSuffixes {
		if ownedSufHash[k] == h && len(seg) > len(sf) && string(seg[len(seg)-len(sf):]) == sf && passOwners[string(seg[:len(seg)-len(sf)])] {
			return kStrong | kPassword | kChosen
		}
	}
	return 0
}

// wordClass is the classes of one lowercase segment. It reads wordIndex, an open-addressing
// copy of keyWords that is cheaper to probe than the map on the scanner's hot path.
func wordClass(seg []byte) keyClass {
	if len(seg) == 0 || len(seg) > maxKeyWord {
		return 0
	}
	for h := wordHash(seg); ; h = (h + 1) & (len(wordIndex) - 1) {
		e := &wordIndex[h]
		if e.cls == 0 {
			return 0
		}
		if e.w == string(seg) {
			return e.cls
		}
	}
}

const maxKeyWord = 24

// wordIndex holds every keyWords entry at wordHash(word) or the next free slots; it is at most
// a seventh full, so a probe ends after a slot or two.
var wordIndex = func() (t [2048]struct {
	w   string
	cls keyClass
}) {
	for w, c := range keyWords {
		if len(w) > maxKeyWord || c == 0 || 4*len(keyWords) > len(t) {
			panic("redact: key word table does not fit its index: " + w)
		}
		h := wordHash([]byte(w))
		for t[h].cls != 0 {
			h = (h + 1) & (len(t) - 1)
		}
		t[h].w, t[h].cls = w, c
	}
	return t
}()

// wordHash is FNV-1a over w, folded to the index size.
func wordHash(w []byte) int {
	h := uint32(2166136261)
	for _, c := range w {
		h ^= uint32(c)
		h *= 16777619
	}
	return int((h ^ h>>11 ^ h>>22) & 2047)
}

// suffixClass is the classes that seg gets from the suffixes it ends with (and is longer than).
func suffixClass(seg []byte) keyClass {
	// every suffix is three bytes or more and shorter than seg; most segments end in no
	// suffix's last three letters (suffix3), and a suffix is compared only when its last three
	// letters hash as seg's do (keySufHash)
	if len(seg) < 4 {
		return 0
	}
	h := suffixHash(seg[len(seg)-3], seg[len(seg)-2], seg[len(seg)-1])
	if !suffix3[h] {
		return 0
	}
	var c keyClass
	for k := range keySuffixes {
		if sf := &keySuffixes[k]; keySufHash[k] == h && len(seg) > len(sf.s) && string(seg[len(seg)-len(sf.s):]) == sf.s {
			c |= sf.cls
		}
	}
	if len(seg) > 4 {
		c |= ownedSuffixClass(seg, h)
	}
	return c
}

// segClass is a segment's classes from the table and from its suffixes.
func segClass(seg []byte) keyClass { return wordClass(seg) | suffixClass(seg) }
