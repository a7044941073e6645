package redact

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// qaCase: in is redacted as the stream named file; no secret may survive, every keep must be
// there verbatim, and when equal is set the output must be exactly that (benign input is kept
// whole). JSON input (whole or line by line) must stay valid JSON.
type qaCase struct {
	name   string
	file   string
	in     string
	secret []string
	keep   []string
	equal  string
}

var qaCases = []qaCase{
	// YAML block scalars under sensitive keys: each block line is redacted, indentation kept
	{name: "yaml literal and folded blocks", in: "token: |\n  BlockTok1\npassword: >-\n  FoldedPw2\n  FoldedLine3\nuser: bob\n",
		secret: []string{"BlockTok1", "FoldedPw2", "FoldedLine3"},
		equal:  "token: |\n  [REDACTED:sensitive-key]\npassword: >-\n  [REDACTED:sensitive-key]\n  [REDACTED:sensitive-key]\nuser: bob\n"},
	{name: "yaml block with blank line, indicator digit and comment", in: "data:\n  client_secret: |2+ # rotated\n    Xk9Lm2Np\n\n    Qr7St1Uv\n  name: app\n",
		secret: []string{"Xk9Lm2Np", "Qr7St1Uv"}, keep: []string{"client_secret: |2+ # rotated", "\n\n", "  name: app\n"}},
	{name: "yaml block in a list item (helm values)", in: "auth:\n  - password: |-\n      Hunter2Pass\n  - user: admin\n",
		secret: []string{"Hunter2Pass"}, keep: []string{"  - password: |-\n      [REDACTED:sensitive-key]\n", "  - user: admin"}},
	{name: "yaml block with crlf", in: "token: >\r\n  CrLfTok9\r\nnext: 1\r\n",
		secret: []string{"CrLfTok9"}, equal: "token: >\r\n  [REDACTED:sensitive-key]\r\nnext: 1\r\n"},
	{name: "yaml block under a quoted key", in: "\"db_password\": |\n  QuotedBlk7x\n'api_token': >\n  QuotedBlk8y\nname: x\n",
		secret: []string{"QuotedBlk7x", "QuotedBlk8y"}, keep: []string{"name: x\n"}},
	{name: "yaml block under a non-sensitive key stays", in: "description: |\n  The token rotates daily.\n  Ask ops.\n",
		equal: "description: |\n  The token rotates daily.\n  Ask ops.\n"},
	{name: "kubeconfig token block", in: "users:\n- name: admin\n  user:\n    token: |\n      eyJhbGciOiJSUzI1NiJ9WkToken\n    username: admin\n",
		secret: []string{"eyJhbGciOiJSUzI1NiJ9WkToken"}, keep: []string{"    username: admin\n"}},

	// JSON objects and arrays under sensitive keys keep their structure
	{name: "json object and array under sensitive keys", in: `{"auth":{"u":"b"},"credentials":[{"x":1}]}`, equal: `{"auth":{"u":"b"},"credentials":[{"x":1}]}`},
	{name: "json nested values decided by their own keys", in: `{"auth":{"user":"bob","password":"Sup3rS3cretPw"},"credentials":[{"token":"abcDEF123ghiJKL456"}],"x":"y"}`,
		secret: []string{"Sup3rS3cretPw", "abcDEF123ghiJKL456"}, keep: []string{`"user":"bob"`, `"x":"y"`}},
	{name: "json mixed list under a sensitive key", in: `{"auth": [ "a1B2c3D4e5", {"x": "y", "password": "Pw9xQ2zR"}, "b2C3d4E5f6" ], "z": 1}`,
		secret: []string{"a1B2c3D4e5", "Pw9xQ2zR", "b2C3d4E5f6"}, keep: []string{`{"x": "y", "password": "`, `"z": 1}`}},
	{name: "json nested lists under a sensitive key", in: `{"secrets": [[ "Ab3Cd5Ef7Gh9" ], ["Zz9Yy8Xx7Ww6"]], "n": [1], "keys":[{"kid":"abc","n":"xyz"}]}`,
		secret: []string{"Ab3Cd5Ef7Gh9", "Zz9Yy8Xx7Ww6"}, keep: []string{`"n": [1]`, `"keys":[{"kid":"abc","n":"xyz"}]`}},
	{name: "json spaced object under secrets", in: `{"secrets": {"db": {"password": "Zq8Wv3Rt6Yu1"}}, "n": 2}`,
		secret: []string{"Zq8Wv3Rt6Yu1"}, keep: []string{`"n": 2`}},

	// every scalar leaf of an object or list under a sensitive key, on one line or several
	{name: "objects under sensitive keys", in: `{"auth": {"basic": "S1abcdef"}, "n": "keep1"}` + "\n" + `{"secrets": {"primary": "S2abcdef"}}` + "\n" + `{"password": {"value": "S4abcdef"}}` + "\nsecrets: {primary: S5abcdef, other: S6abcdef}\nhost: keep2\n",
		secret: []string{"S1abcdef", "S2abcdef", "S4abcdef", "S5abcdef", "S6abcdef"}, keep: []string{`"basic": "`, `"n": "keep1"}`, `"primary": "`, `{"value": "`, "secrets: {primary: ", ", other: ", "host: keep2\n"}},
	{name: "pretty-printed JSON list and object", in: "{\n  \"tokens\": [\n    \"JSONMLSECRET1\",\n    \"JSONMLSECRET2\"\n  ],\n  \"secrets\": {\n    \"primary\": \"X1abcdef\",\n    \"user\": \"bobkeep\",\n    \"ttl\": 3600,\n    \"pin\": 12345678\n  },\n  \"name\": \"keep3\"\n}\n",
		secret: []string{"JSONMLSECRET1", "JSONMLSECRET2", "X1abcdef", "12345678"}, keep: []string{`"user": "bobkeep"`, `"ttl": 3600`, `"name": "keep3"`, "  \"tokens\": [\n    \""}},
	{name: "pretty-printed list at top level", in: "\"tokens\": [\n  \"JSONMLSECRET1\",\n  \"JSONMLSECRET2\"\n]\nnext: keep4\n",
		secret: []string{"JSONMLSECRET1", "JSONMLSECRET2"}, keep: []string{"next: keep4\n", "]\n"}},
	{name: "escaped JSON object under secrets", in: `{"log":"{\"secrets\": {\"primary\": \"S9abcdef\", \"n\": 123456}}, \"x\": \"keep5\"}"}`,
		secret: []string{"S9abcdef", "123456"}, keep: []string{`\"x\": \"keep5\"`}},
	{name: "YAML block sequence and map", in: "passwords:\n  - YAMLLISTSECRET1\n  - \"YAMLLISTSECRET2\"\napi_keys:\n  primary: YAMLMAPSECRET1 # rotated\n  user: bobkeep\n  nested:\n    deep: YAMLMAPSECRET2\nother: keep6\n",
		secret: []string{"YAMLLISTSECRET1", "YAMLLISTSECRET2", "YAMLMAPSECRET1", "YAMLMAPSECRET2"}, keep: []string{"passwords:\n  - ", "  primary: ", "# rotated", "  user: bobkeep\n", "  nested:\n    deep: ", "other: keep6\n"}},
	{name: "YAML sequence at the key's indentation", in: "tokens:\n- YAMLSEQSECRET1\n- YAMLSEQSECRET2\nname: keep7\n",
		secret: []string{"YAMLSEQSECRET1", "YAMLSEQSECRET2"}, keep: []string{"name: keep7\n", "tokens:\n- "}},
	{name: "YAML map under auth keeps plain words and counts", in: "auth:\n  type: ldap\n  timeout: 30\n  bind_password: Zx9Yw8Vu7\n  url: ldap://ldap.example:389\nname: keep8\n",
		secret: []string{"Zx9Yw8Vu7"}, keep: []string{"  type: ldap\n", "  timeout: 30\n", "  url: ldap://ldap.example:389\n", "name: keep8\n"}},
	{name: "a truncated list does not swallow the lines after it", in: "token: [Ab3Cd5Ef7\n2026-11-27 app: started keep9\n  \"x\": \"keep10\"\n",
		secret: []string{"Ab3Cd5Ef7"}, keep: []string{"2026-11-27 app: started keep9\n", `"x": "keep10"`}},
	{name: "an open list closes when indentation returns", in: "  \"secrets\": [\n  \"keep11\": 1\n}\n", keep: []string{`"keep11": 1`}},

	// unquoted values end at whitespace, not at a quote or & inside the word
	{name: "quote and ampersand inside an unquoted value", in: "ts=1 password=P@ss\"w0rd user=bob\nts=2 password=P@ss\\\"w0rd user=bob\nts=3 password=P@ss&w0rd user=bob\n",
		secret: []string{"P@ss", "w0rd"}, keep: []string{"ts=1 password=", " user=bob\nts=2", " user=bob\nts=3", " user=bob\n"}},
	{name: "quote after a bracket and HTML entities end the value", in: "  .key = cbor_move(cbor_build_string(\"Is CBOR awesome?\")),\n&ldquo;secret:1&rdquo;, accesskey=\"1\"\n",
		equal: "  .key = cbor_move(cbor_build_string(\"Is CBOR awesome?\")),\n&ldquo;secret:1&rdquo;, accesskey=\"1\"\n"},
	{name: "ampersand still separates query pairs", in: "GET /x?a=1&password=Qs9Ab3Cd&b=2 HTTP/1.1\nbody: user=bob&pass=Fm7Xy2Zq&submit=1\nx password=Hx4Tr8Lm&amp;lang=en\n",
		secret: []string{"Qs9Ab3Cd", "Fm7Xy2Zq", "Hx4Tr8Lm"}, keep: []string{"?a=1&password=", "&b=2 HTTP/1.1", "user=bob&pass=", "&submit=1", "&amp;lang=en"}},
	{name: "values inside JSON strings still end at the quote", in: `{"msg":"login password=abc123x","u":1}` + "\n" + `{"msg":"x {\"password=abc123y\"}"}`,
		secret: []string{"abc123x", "abc123y"}, keep: []string{`","u":1}`, `\"}"}`}},
	{name: "curl header in single quotes keeps its quote", in: "curl -H 'X-Api-Key: Kq8Wz3Lp5' https://api.example.com/v1\n",
		secret: []string{"Kq8Wz3Lp5"}, keep: []string{"curl -H 'X-Api-Key: ", "' https://api.example.com/v1\n"}},
	{name: "SQL doubled quote inside the value", in: "UPDATE users SET password = 'it''s SECRET' WHERE id=1;\nALTER USER bob WITH PASSWORD 'a''b Cz9';\n",
		secret: []string{"SECRET", "Cz9", "s SECRET"}, keep: []string{"UPDATE users SET password = '", "' WHERE id=1;\n", "ALTER USER bob WITH PASSWORD '", "';\n"}},

	// numbers, booleans and null after sensitive keys are kept, with their delimiters
	{name: "json number after cookie", in: `{"cookie": 2, "x": 1}`, equal: `{"cookie": 2, "x": 1}`},
	{name: "json compact numbers and booleans", in: `{"cookie":2,"authorization":5,"token":36,"session":true,"password":null,"x":1}`,
		equal: `{"cookie":2,"authorization":5,"token":36,"session":true,"password":null,"x":1}`},

	// numeric passwords, PINs and one-time codes are secrets; counts, sizes and times stay
	{name: "numeric passwords", in: "password: \"12345678\"\nDB_PASSWORD=20231105\notp=123456\npin=4821\nuser=bob\n",
		secret: []string{"12345678", "20231105", "123456", "4821"}, keep: []string{"user=bob\n", "password: \"", "DB_PASSWORD=", "otp=", "pin="}},
	{name: "numeric password in JSON stays valid", in: `{"password": 12345678, "x": 1}` + "\n" + `{"token":36000,"pin":"0042","retries":3}`,
		secret: []string{"12345678", "36000", "0042"}, keep: []string{`"x": 1}`, `"retries":3}`}},
	{name: "numeric password in escaped JSON", in: `{"log":"{\"password\":12345678,\"n\":2}"}`, secret: []string{"12345678"}, keep: []string{`\"n\":2}`}},
	{name: "counts sizes and times after sensitive keys stay", in: "password_min_length=12 token_ttl=3600 max_tokens: 4096 session_timeout=30 cookie_max_age=60\n{\"cookie\": 2, \"session\": 15, \"password\": 7}\n",
		equal: "password_min_length=12 token_ttl=3600 max_tokens: 4096 session_timeout=30 cookie_max_age=60\n{\"cookie\": 2, \"session\": 15, \"password\": 7}\n"},
	{name: "numeric passwords in lists", in: `{"passwords": [12345678, "4321", 7], "max_tokens": [4096], "x": 1}` + "\n" + `{"log":"{\"password\":12345}"}`,
		secret: []string{"12345678", "4321", "12345"}, keep: []string{", 7]", `"max_tokens": [4096]`, `"x": 1}`}},
	{name: "pin words that are no PIN stay", in: "pin: GPIO17\nspin=1234\npin_count=4096\n", equal: "pin: GPIO17\nspin=1234\npin_count=4096\n"},

	// checksums and identifiers that look like keys
	{name: "SRI integrity hash", in: `{"integrity": "sha512-+OJ9konv95ClSTOJCmMZqpd5+YGsB2S+x6w3E1oaM8UuR5j8nTNHYSz8c9BEPGDOCMQYIEEGlVPj/VY64iTbGw=="}` + "\n",
		equal: `{"integrity": "sha512-+OJ9konv95ClSTOJCmMZqpd5+YGsB2S+x6w3E1oaM8UuR5j8nTNHYSz8c9BEPGDOCMQYIEEGlVPj/VY64iTbGw=="}` + "\n"},
	{name: "API model token field names", in: `{"input_token": "nextToken", "output_token": "NextMarker"}` + "\n",
		equal: `{"input_token": "nextToken", "output_token": "NextMarker"}` + "\n"},
	{name: "camelCase password still redacted", in: "password=CorrectHorseBattery\n", secret: []string{"CorrectHorseBattery"}},
	{name: "mixed-case token still redacted", in: "token=xKqLmNpQrStUvWxYz\n", secret: []string{"xKqLmNpQrStUvWxYz"}},

	// x509 error text: a plain word after signature: is no secret
	{name: "x509 signature error", in: "x509: invalid signature: parent certificate cannot sign this kind of certificate\n",
		equal: "x509: invalid signature: parent certificate cannot sign this kind of certificate\n"},
	{name: "signature value still redacted", in: "signature: Xk9Lm2Np4Qr7St1Uv3W\n", secret: []string{"Xk9Lm2Np4Qr7St1Uv3W"}},

	// keys named secret ... key
	{name: "SECRET_KEY_BASE short value", in: "SECRET_KEY_BASE=ENVSECRET3abc\nHOME=/root\nsecret_key_path=/etc/app/secret.key\nsecret_key_base_enabled=true\n",
		secret: []string{"ENVSECRET3abc"}, keep: []string{"HOME=/root\n", "secret_key_path=/etc/app/secret.key\n", "secret_key_base_enabled=true\n"}},
	{name: "secret key file and name stay", in: "SECRET_KEY_BASE_FILE=secrets/base.txt\nsecret_key_name=mykey\n", equal: "SECRET_KEY_BASE_FILE=secrets/base.txt\nsecret_key_name=mykey\n"},
	{name: "sysctl syncookies", in: "net.ipv4.tcp_syncookies = 1\n", equal: "net.ipv4.tcp_syncookies = 1\n"},
	{name: "issue text numbers", in: "password_min_length=12 token_ttl=3600", equal: "password_min_length=12 token_ttl=3600"},
	{name: "digits then more text is one value", in: "password: 1234 abcd\npassword: 123,abc\n", equal: "password: [REDACTED:sensitive-key]\npassword: [REDACTED:sensitive-key]\n"},
	{name: "scalars before closing brackets", in: `[{"password":7},{"session":1},{"token": 5 }]`, equal: `[{"password":7},{"session":1},{"token": 5 }]`},
	{name: "cookie value still redacted", in: `{"cookie": "sid=Ab3Cd5Ef7Gh9", "x": 1}`, secret: []string{"Ab3Cd5Ef7Gh9"}, keep: []string{`"x": 1`}},

	// plain words after ambiguous keys
	{name: "dmesg PAT", in: "x86/PAT: Configuration [0-7]: WB  WC  UC- UC  ", equal: "x86/PAT: Configuration [0-7]: WB  WC  UC- UC  "},
	{name: "KEY then a word", in: "Press KEY: Enter to continue", equal: "Press KEY: Enter to continue"},
	{name: "PAT token still redacted", in: "PAT: Xk9Lm2Np4Qr7St1Uv3W", secret: []string{"Xk9Lm2Np4Qr7St1Uv3W"}},
	{name: "password word still redacted", in: "password: Welcome", secret: []string{"Welcome"}},

	// secret-named keys with long random values
	{name: "rails secret_key_base", in: "secret_key_base: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a089f86d081884c7d659a2feaa0c55ad015\n",
		secret: []string{"9f86d081884c7d659a2feaa0c55ad015"}, keep: []string{"secret_key_base: "}},
	{name: "secret_key_base in JSON, Ruby and env", in: `{"secret_key_base":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","x":1}` + "\nconfig.secret_key_base = \"Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6\"\nSECRET_KEY_BASE=0123456789abcdef0123456789abcdef RAILS_ENV=production\n",
		secret: []string{"9f86d081884c7d659a2feaa0c55ad015", "Xk9Lm2Np4Qr7St1Uv3Wx5Yz8", "0123456789abcdef0123456789abcdef"}, keep: []string{`"x":1}`, "RAILS_ENV=production"}},
	{name: "hex under non-sensitive keys stays", in: "commit_sha: 4f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e2b4d6f8a\nchecksum=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\nsecret_store=vault\n",
		equal: "commit_sha: 4f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e2b4d6f8a\nchecksum=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\nsecret_store=vault\n"},

	// URL-encoded query strings
	{name: "url-encoded equals", in: "url=https://x/?password%3DUrlEnc9", secret: []string{"UrlEnc9"}, keep: []string{"password%3D"}},
	{name: "url-encoded pair in an encoded query", in: "next=%2Flogin%3Fuser%3Dbob%26password%3DUrlEnc9x%26lang%3Den",
		secret: []string{"UrlEnc9x"}, keep: []string{"user%3Dbob%26password%3D", "%26lang%3Den"}},

	// .pgpass
	{name: "pgpass file", file: "home/bob/.pgpass", in: "db.example.com:5432:app:bob:PgPw9secret\n*:*:*:admin:se:cr\\:et\n# comment: a:b:c:d\n",
		secret: []string{"PgPw9secret", "se:cr\\:et"}, keep: []string{"db.example.com:5432:app:bob:", "*:*:*:admin:", "# comment: a:b:c:d"}},
	{name: "pgpass with a token as user name", file: ".pgpass", in: "db:5432:app:ghp_R8xK2mQ9vLp4Tn7Wc3Yb6Hd1Fs5Jg0Ae2Zu4:PgPw9secret\n",
		secret: []string{"R8xK2mQ9vLp4Tn7Wc3Yb6Hd1Fs5Jg0Ae2Zu4", "PgPw9secret"}, keep: []string{"db:5432:app:"}},
	{name: "pgpass after its header comment", in: "# hostname:port:database:username:password\nlocalhost:5432:*:postgres:pgadmin1\n",
		secret: []string{"pgadmin1"}, keep: []string{"localhost:5432:*:postgres:"}},
	{name: "colon lines elsewhere stay", in: "12:00:01:02:03 tick\nroot:x:0:0:root:/root:/bin/bash\n",
		equal: "12:00:01:02:03 tick\nroot:x:0:0:root:/root:/bin/bash\n"},

	// crypt(3) password hashes
	{name: "shadow hashes", file: "etc/shadow", in: "root:$6$saltsalt$Lk2Rl0V8WdNq5t3c1hV4m7rXQ9pz.3c5Q1T0eJ6wNqFqS/Y2bKl9eQxW0eXc8sYp7O1Zb0d3r2fGy9Tt6uI7W1:19000:0:99999:7:::\nbob:$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7:19000::::::\ndaemon:*:19000:0:99999:7:::\n",
		secret: []string{"Lk2Rl0V8WdNq5t3c1hV4m7rXQ9pz", "X3DX6M94c7o.9agCG9G317fhZg9SqC", "F5Jx5fExrKuPp53xLKQ"}, keep: []string{"root:$6$", ":19000:0:99999:7:::", "bob:$y$", "daemon:*:19000:0:99999:7:::"}},
	{name: "bcrypt sha256 md5 argon2 in logs", in: "hash=$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy user set $5$rounds=5000$abc$Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1 and $1$Xy9Kq2Lm$Ab3Cd5Ef7Gh9Jk1Lm3Np5Q and $argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
		secret: []string{"N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92", "Qm8Rt3Vx9Lp2Kw7Zn4Bc6Hd1", "Ab3Cd5Ef7Gh9Jk1Lm3Np5Q", "RdescudvJCsgt3ub"}},
	{name: "usermod -p with a quoted hash", in: "usermod -p '$6$abcdefgh$Lk2Rl0V8WdNq5t3c1hV4m7rXQ9pz.3c5Q1T0eJ6wNqFq' bob", secret: []string{"Lk2Rl0V8WdNq5t3c1hV4m7rXQ9pz"}, keep: []string{"usermod -p '$6$", "' bob"}},
	{name: "yescrypt under a password key", in: "PASSWORD=$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7", secret: []string{"X3DX6M94c7o.9agCG9G317fhZg9SqC"}},
	{name: "dollar words stay", in: "cost $5 and $6 each; echo $1$2 $HOME", equal: "cost $5 and $6 each; echo $1$2 $HOME"},

	// a prefixed legacy encrypted PEM key with a prefix-only blank line
	{name: "prefixed encrypted rsa key", in: "2026-11-27T10:00:00Z app: -----BEGIN RSA PRIVATE KEY-----\n2026-11-27T10:00:00Z app: Proc-Type: 4,ENCRYPTED\n2026-11-27T10:00:00Z app: DEK-Info: AES-128-CBC,3F9A1C7E5B2D8F4A6C0E9B1D7F3A5C8E\n2026-11-27T10:00:00Z app: \n2026-11-27T10:00:00Z app: MIIEowIBAAKCAQEAx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4\n2026-11-27T10:00:00Z app: St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2Lm4Np6Qr8St0Uv2Wx4Yz6=\n2026-11-27T10:00:00Z app: -----END RSA PRIVATE KEY-----\n2026-11-27T10:00:01Z app: done\n",
		secret: []string{"MIIEowIBAAKCAQEAx9Lm2Np4Qr7St1Uv3Wx5Yz8", "St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Jk2Lm4", "3F9A1C7E5B2D8F4A"}, keep: []string{"2026-11-27T10:00:01Z app: done\n"}},

	{name: "syslog-prefixed encrypted rsa key", in: "Nov 27 10:00:00 host app[123]: -----BEGIN RSA PRIVATE KEY-----\nNov 27 10:00:00 host app[123]: Proc-Type: 4,ENCRYPTED\nNov 27 10:00:00 host app[123]: DEK-Info: AES-128-CBC,3F9A1C7E5B2D8F4A\nNov 27 10:00:00 host app[123]: \nNov 27 10:00:00 host app[123]: MIIEowIBAAKCAQEAx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6\nNov 27 10:00:00 host app[123]: -----END RSA PRIVATE KEY-----\nNov 27 10:00:01 host app[123]: done\n",
		equal: "Nov 27 10:00:00 host app[123]: [REDACTED:private-key]\nNov 27 10:00:01 host app[123]: done\n"},

	// file names under sensitive keys name the secret, they are not one
	{name: "credentials file paths", in: "GOOGLE_APPLICATION_CREDENTIALS=/path/to/key.json\nGOOGLE_APPLICATION_CREDENTIALS=key.json\nTLS_PRIVATE_KEY=certs/server.key\nSECRET_FILE=C:\\secrets\\sa.json\n",
		equal: "GOOGLE_APPLICATION_CREDENTIALS=/path/to/key.json\nGOOGLE_APPLICATION_CREDENTIALS=key.json\nTLS_PRIVATE_KEY=certs/server.key\nSECRET_FILE=C:\\secrets\\sa.json\n"},
	{name: "a password that ends like a file name is redacted when random", in: "password=Xk9Lm2Np4Q.json", secret: []string{"Xk9Lm2Np4Q"}},
}

func TestQA(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range qaCases {
		t.Run(c.name, func(t *testing.T) {
			file := c.file
			if file == "" {
				file = "qa.txt"
			}
			out := e.String(file, c.in)
			check := func(how, out string) {
				for _, s := range c.secret {
					if strings.Contains(out, s) {
						t.Errorf("%s: secret %q survived:\n in: %q\nout: %q", how, s, c.in, out)
					}
				}
				for _, k := range c.keep {
					if !strings.Contains(out, k) {
						t.Errorf("%s: %q destroyed:\n in: %q\nout: %q", how, k, c.in, out)
					}
				}
				if c.equal != "" && out != c.equal {
					t.Errorf("%s:\n  in: %q\n out: %q\nwant: %q", how, c.in, out, c.equal)
				}
				if json.Valid([]byte(c.in)) && !json.Valid([]byte(out)) {
					t.Errorf("%s: JSON broken: %s", how, out)
				}
				inLines, outLines := strings.Split(c.in, "\n"), strings.Split(out, "\n")
				if len(inLines) == len(outLines) {
					for k := range inLines {
						if strings.TrimSpace(inLines[k]) != "" && json.Valid([]byte(inLines[k])) && !json.Valid([]byte(outLines[k])) {
							t.Errorf("%s: JSON line broken: %s", how, outLines[k])
						}
					}
				}
			}
			check("once", out)
			if len(c.secret) > 0 && !strings.Contains(out, "[REDACTED:") {
				t.Errorf("no marker in %q", out)
			}
			if again := e.String(file, out); again != out {
				t.Errorf("not idempotent:\n once: %q\ntwice: %q", out, again)
			}
			// the same through a stream written a few bytes at a time (state across lines)
			var buf bytes.Buffer
			w := e.NewWriter(&buf, file)
			for k := 0; k < len(c.in); k += 3 {
				if _, err := w.Write([]byte(c.in[k:min(k+3, len(c.in))])); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if buf.String() != out {
				t.Errorf("chunked writes differ:\n whole: %q\nchunks: %q", out, buf.String())
			}
		})
	}
}

// TestQAYAMLBlockLongLine: a block line longer than a window is one marker, and the block goes on.
func TestQAYAMLBlockLongLine(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("Ab3Cd5Ef7Gh9 ", (maxWindow/13)*2)
	in := "token: |\n  " + long + "\n  tail9Secret\nname: x\n"
	out := e.String("t", in)
	want := "token: |\n  [REDACTED:sensitive-key]\n  [REDACTED:sensitive-key]\nname: x\n"
	if out != want {
		t.Fatalf("got %q (len %d)", out[:min(len(out), 200)], len(out))
	}
}

// TestQASeedsNoPanic: every prefix of the QA inputs, with pseudonyms and as a .pgpass stream,
// redacts without an engine error.
func TestQASeedsNoPanic(t *testing.T) {
	e, err := New(Config{Anonymize: true, Domains: []string{"example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range qaCases {
		s := c.in
		for cut := 0; cut <= len(s); cut += 7 {
			if _, err := e.Bytes("x.pgpass", []byte(s[:cut])); err != nil {
				t.Fatalf("%q: %v", s[:cut], err)
			}
		}
	}
}

// qaPlants exercise the state the QA fixes keep across lines (YAML blocks, .pgpass lines).
var qaPlants = []struct{ line, core string }{
	{"password: |\n  PlantBlk9xQ", "PlantBlk9xQ"},
	{"token: >-\n    PlantFold7Zr\n    PlantFold8Ws", "PlantFold8Ws"},
	{"root:$6$PlSalt12$PlantHash0aB1cD2eF3gH4iJ5kL6mN7oP8:19000:0:99999:7:::", "PlantHash0aB1cD2eF3gH4"},
	{"db.example:5432:app:bob:PlantPg9Pw", "PlantPg9Pw"}, // only in a .pgpass stream
	{"url=https://x/?a=1%26password%3DPlantEnc5Vx", "PlantEnc5Vx"},
	{"\"tokens\": [\n  \"PlantJsonMl1\",\n  \"PlantJsonMl2x\"\n]", "PlantJsonMl2x"},
	{"passwords:\n  - PlantYamlSeq3", "PlantYamlSeq3"},
	{"secrets: {primary: PlantFlow4x}", "PlantFlow4x"},
	{`{"auth": {"basic": "PlantObj5x"}}`, "PlantObj5x"},
}

// FuzzQA: no engine error, planted secrets never survive, output is idempotent; the stream is a
// .pgpass file or not.
func FuzzQA(f *testing.F) {
	for k, c := range qaCases {
		f.Add([]byte(c.in), uint8(k), uint16(k*5), k%2 == 0)
	}
	e, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8, at uint16, pg bool) {
		p := qaPlants[int(which)%len(qaPlants)]
		file := "fuzz"
		if pg {
			file = "home/u/.pgpass"
		} else if strings.HasPrefix(p.line, "db.example:") {
			return
		}
		if bytes.Contains(data, []byte(p.core)) {
			return
		}
		pos := int(at) % (len(data) + 1)
		in := make([]byte, 0, len(data)+len(p.line)+2)
		in = append(in, data[:pos]...)
		in = append(in, '\n')
		in = append(in, p.line...)
		in = append(in, '\n')
		in = append(in, data[pos:]...)
		out, err := e.Bytes(file, in)
		if err != nil {
			t.Fatalf("engine error: %v", err)
		}
		if bytes.Contains(out, []byte(p.core)) {
			t.Fatalf("planted %q survived:\n%q", p.core, out)
		}
		again, err := e.Bytes(file, out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\n once %q\ntwice %q", out, again)
		}
	})
}
