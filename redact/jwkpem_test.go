package redact

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func redactStream(e *Engine, in string) string {
	var out bytes.Buffer
	w := e.NewWriter(&out, "x")
	w.Write([]byte(in))
	w.Close()
	return out.String()
}

// TestJWKPrettyPrinted: private members under 40 characters in a JWK whose "kty" (or "crv",
// "alg") is on another line.
func TestJWKPrettyPrinted(t *testing.T) {
	e, _ := New(Config{})
	d := gen(3001, alB64U, 32)
	k := gen(3002, alB64U, 22)
	for _, in := range []string{
		"{\n  \"kty\": \"EC\",\n  \"crv\": \"P-256\",\n  \"d\": \"" + d + "\"\n}\n",
		"{\n  \"alg\": \"HS256\",\n  \"k\": \"" + k + "\",\n  \"kty\": \"oct\"\n}\n",
		"{\"keys\": [\n  {\n    \"kid\": \"a1\",\n    \"kty\": \"OKP\",\n    \"crv\": \"Ed25519\",\n    \"d\": \"" + d + "\"\n  }\n]}\n",
	} {
		out := redactStream(e, in)
		if strings.Contains(out, d) || strings.Contains(out, k) || !strings.Contains(out, "[REDACTED:") {
			t.Errorf("not redacted:\n%s->\n%s", in, out)
		}
	}
	// one-letter keys in other JSON, far from any JWK member, stay
	for _, in := range []string{
		"{\n  \"q\": \"kubernetes-pods\",\n  \"p\": \"page12345678\",\n  \"d\": \"2026-12-02\"\n}\n",
	} {
		if out := redactStream(e, in); out != in {
			t.Errorf("changed:\n%s->\n%s", in, out)
		}
	}
}

// TestB64PEMConcatenated: base64 of a PEM private key built by string concatenation in code.
func TestB64PEMConcatenated(t *testing.T) {
	e, _ := New(Config{})
	l1 := "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2Z0lCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND"
	l2 := gen(3003, alAlnum, 64)
	l3 := gen(3004, alAlnum, 40) + "Cg=="
	for _, in := range []string{
		"const key = \"" + l1 + "\" +\n    \"" + l2 + "\" +\n    \"" + l3 + "\";\nfmt.Println(key)\n",
		"key = (\"" + l1 + "\"\n       \"" + l2 + "\"\n       \"" + l3 + "\")\nprint(key)\n",
		"$pem = '" + l1 + "' .\n  '" + l2 + "' .\n  '" + l3 + "';\necho $pem;\n",
		"String k = \"" + l1 + "\"\n    + \"" + l2 + "\"\n    + \"" + l3 + "\";\nSystem.out.println(k);\n",
	} {
		out := redactStream(e, in)
		if strings.Contains(out, l2[8:40]) || strings.Contains(out, l3[8:40]) || !strings.Contains(out, "[REDACTED:private-key]") {
			t.Errorf("leaked:\n%s->\n%s", in, out)
		}
		if !strings.Contains(out, "key)") && !strings.Contains(out, "echo $pem") && !strings.Contains(out, "println(k)") {
			t.Errorf("code after the key lost:\n%s", out)
		}
	}
	// base64 of a public key concatenated the same way stays
	pub := "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KTUlJQklqQU5CZ2txaGtpRzl3MEJBUUVGQUFPQ0FR"
	in := "const pub = \"" + pub + "\" +\n    \"" + l2 + "\";\n"
	if out := redactStream(e, in); out != in {
		t.Errorf("changed:\n%s->\n%s", in, out)
	}
}

// TestB64PEMHeaderSplit: base64 of a PEM private key concatenated in code whose first quoted
// piece ends inside the BEGIN line (it decodes to "-----BEGIN RSA "): the next piece tells, and
// it and the rest are redacted; split the same way, a public key stays.
func TestB64PEMHeaderSplit(t *testing.T) {
	e, _ := New(Config{})
	pieces := func(pem string, cuts ...int) []string {
		b64 := base64.StdEncoding.EncodeToString([]byte(pem))
		var out []string
		prev := 0
		for _, c := range cuts {
			out = append(out, b64[prev:c])
			prev = c
		}
		return append(out, b64[prev:])
	}
	body := "MIIEow" + gen(3101, alAlnum, 180)
	priv := "-----BEGIN RSA PRIVATE KEY-----\n" + body + "\n-----END RSA PRIVATE KEY-----\n"
	enc := "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + body + "\n-----END ENCRYPTED PRIVATE KEY-----\n"
	cases := []struct {
		name   string
		parts  []string
		secret int // the first piece past the BEGIN line's "PRI"
	}{
		{"rsa cut after BEGIN RSA", pieces(priv, 20, 84, 148, 212, 276), 1},
		{"cut inside BEGIN", pieces(priv, 16, 80, 144, 208, 272), 1},
		{"header over three pieces", pieces(enc, 16, 32, 96, 160, 224, 288), 2},
	}
	for _, c := range cases {
		for _, form := range []struct{ open, sep, end string }{
			{"const blob = \"", "\" +\n    \"", "\";\nfmt.Println(blob)\n"},
			{"data = (\"", "\"\n        \"", "\")\nprint(data)\n"},
			{"$x = '", "' .\n  '", "';\necho $x;\n"},
		} {
			in := form.open + strings.Join(c.parts, form.sep) + form.end
			out := redactStream(e, in)
			for _, p := range c.parts[c.secret:] {
				if len(p) >= 16 && strings.Contains(out, p[4:16]) {
					t.Errorf("%s: piece %q leaked:\n%s->\n%s", c.name, p, in, out)
				}
			}
			if !strings.Contains(out, "[REDACTED:private-key]") || !strings.Contains(out, form.end[strings.Index(form.end, "\n")+1:]) {
				t.Errorf("%s: no marker or code after the key lost:\n%s", c.name, out)
			}
		}
	}
	pub := pieces("-----BEGIN PUBLIC KEY-----\n"+body+"\n-----END PUBLIC KEY-----\n", 16, 80, 144)
	in := "const blob = \"" + strings.Join(pub, "\" +\n    \"") + "\";\n"
	if out := redactStream(e, in); out != in {
		t.Errorf("public key changed:\n%s->\n%s", in, out)
	}
}

// TestJWKMemberBeforeKty: a short private member ("k", "d") before the object's "kty" on a later
// line (keys sorted: "d" < "dp" < "e" < "kty", "k" < "kty"): the stream holds the member back
// until "kty" comes, also when every line is a write of its own; objects that turn out not to be
// a JWK come out unchanged.
func TestJWKMemberBeforeKty(t *testing.T) {
	e, _ := New(Config{})
	k := gen(3201, alB64U, 22)
	d := gen(3202, alB64U, 30)
	dp := gen(3203, alB64U, 28)
	ins := []string{
		"{\n  \"k\": \"" + k + "\",\n  \"kty\": \"oct\"\n}\n",
		"{\"keys\": [\n  {\n    \"k\": \"" + k + "\",\n    \"kid\": \"a1\",\n    \"kty\": \"oct\"\n  }\n]}\n",
		"{\n  \"d\": \"" + d + "\",\n  \"dp\": \"" + dp + "\",\n  \"e\": \"AQAB\",\n  \"kty\": \"RSA\",\n  \"n\": \"" + gen(3204, alB64U, 60) + "\"\n}\n",
		"log line before\n{\n  \"k\": \"" + k + "\",\n\n  \"kty\": \"oct\"\n}\nlog line after\n",
	}
	for _, in := range ins {
		for _, perLine := range []bool{false, true} {
			var out bytes.Buffer
			w := e.NewWriter(&out, "x")
			if perLine {
				for _, l := range strings.SplitAfter(in, "\n") {
					w.Write([]byte(l))
				}
			} else {
				w.Write([]byte(in))
			}
			w.Close()
			got := out.String()
			if strings.Contains(got, k) || strings.Contains(got, d) || strings.Contains(got, dp) || !strings.Contains(got, "[REDACTED:sensitive-key]") {
				t.Errorf("per line %v: not redacted:\n%s->\n%s", perLine, in, got)
			}
			if strings.Count(got, "\n") != strings.Count(in, "\n") || !strings.Contains(got, "\"kty\"") {
				t.Errorf("per line %v: shape changed:\n%s->\n%s", perLine, in, got)
			}
		}
	}
	// the same members in objects that are no JWK go through unchanged
	for _, in := range []string{
		"{\n  \"k\": \"" + k + "\",\n  \"type\": \"session\"\n}\n",
		"{\n  \"d\": \"" + d + "\"\n}\n{\n  \"kty\": \"later, another object\"\n}\n",
		"{\n  \"k\": \"" + k + "\"," + strings.Repeat("\n  \"x\": 1,", jwkLines+2) + "\n  \"kty\": \"oct\"\n}\n",
	} {
		if out := redactStream(e, in); out != in {
			t.Errorf("changed:\n%s->\n%s", in, out)
		}
	}
}
