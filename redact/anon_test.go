package redact

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"regexp"
	"strings"
	"testing"
)

func TestAnonymize(t *testing.T) {
	e, err := New(Config{Anonymize: true, Domains: []string{"corp.example"}, Users: []string{"jdoe"}})
	if err != nil {
		t.Fatal(err)
	}
	in := "login alice@corp.example from 10.1.2.3 and 203.0.113.77 via db1.corp.example (fd00::1:2, 2001:db8::7) user=bob /home/carol/x C:\\Users\\dave\\y jdoe loopback 127.0.0.1 version 1.2.3\n"
	a := e.String("a.log", in)
	b := e.String("b.log", in)
	if a != b {
		t.Fatalf("same input, different tokens across files:\n%s\n%s", a, b)
	}
	for _, s := range []string{"alice", "10.1.2.3", "203.0.113.77", "db1.corp", "fd00::1:2", "2001:db8::7", "bob", "carol", "dave", "jdoe"} {
		if strings.Contains(a, s) {
			t.Errorf("%q not pseudonymized: %s", s, a)
		}
	}
	for _, k := range []string{"127.0.0.1", "version 1.2.3", ".corp.example (", "login ", "/home/", `C:\Users\`} {
		if !strings.Contains(a, k) {
			t.Errorf("%q lost: %s", k, a)
		}
	}
	// IPs stay IP-shaped, private stays private, public stays public
	m := e.TokenMap()
	for orig, tok := range m {
		oa, err1 := netip.ParseAddr(orig)
		if err1 != nil {
			continue
		}
		ta, err := netip.ParseAddr(tok)
		if err != nil {
			t.Fatalf("%s -> %q is not an IP", orig, tok)
		}
		if oa.Is4() != ta.Is4() || oa.IsPrivate() != ta.IsPrivate() || ta.IsLoopback() {
			t.Errorf("%s -> %s changed class", orig, tok)
		}
	}
	if len(m) < 8 {
		t.Fatalf("token map too small: %v", m)
	}
	// idempotent: tokens are not pseudonymized again
	if again := e.String("c.log", a); again != a {
		t.Fatalf("not idempotent:\n%s\n%s", a, again)
	}
	// a second engine with the same key gives the same tokens; with another key, other tokens
	var buf bytes.Buffer
	if err := e.WriteTokenMap(&buf); err != nil {
		t.Fatal(err)
	}
	key, err := ReadTokenMapKey(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	e2, _ := New(Config{Anonymize: true, AnonymizeKey: key, Domains: []string{"corp.example"}, Users: []string{"jdoe"}})
	if got := e2.String("a.log", in); got != a {
		t.Fatalf("same key, different tokens:\n%s\n%s", a, got)
	}
	e3, _ := New(Config{Anonymize: true, Domains: []string{"corp.example"}, Users: []string{"jdoe"}})
	if got := e3.String("a.log", in); got == a {
		t.Fatal("different keys gave the same tokens")
	}
	// without --anonymize nothing of this changes
	plain, _ := New(Config{})
	if got := plain.String("a.log", in); got != in {
		t.Fatalf("identifiers changed without anonymize: %s", got)
	}
}

func TestAnonymizeJSONStaysValid(t *testing.T) {
	e, _ := New(Config{Anonymize: true, Domains: []string{"corp.example"}})
	doc := map[string]any{
		"host": "api.corp.example", "addrs": []string{"10.0.0.1", "192.168.1.9", "8.8.8.8"},
		"owner": "alice@corp.example", "user": "bob", "note": `quoted "x" \ backslash`,
		"password": "Tr0ub4dor\"3\\", "nested": `{"password":"inner-Secret1","ip":"172.16.5.4"}`,
	}
	raw, _ := json.Marshal(doc)
	out := e.String("result.json", string(raw))
	if !json.Valid([]byte(out)) {
		t.Fatalf("invalid JSON: %s", out)
	}
	for _, s := range []string{"api.corp", "10.0.0.1", "alice", "Tr0ub4dor", "inner-Secret1", "172.16.5.4"} {
		if strings.Contains(out, s) {
			t.Errorf("%q survived: %s", s, out)
		}
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(out), &back); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^10\.`).MatchString(back["addrs"].([]any)[0].(string)) {
		t.Errorf("private 10/8 address left its range: %v", back["addrs"])
	}
}
