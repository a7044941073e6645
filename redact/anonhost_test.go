package redact

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestHostsPseudonymized(t *testing.T) {
	e, err := New(Config{Anonymize: true, Hosts: []string{"web01", "web01.corp.example"}})
	if err != nil {
		t.Fatal(err)
	}
	tok := e.HostToken("web01")
	if !strings.HasPrefix(tok, "host-") || tok == "web01" || e.HostToken("WEB01") != tok {
		t.Fatalf("HostToken = %q", tok)
	}
	in := `{"hostname": "web01", "fqdn": "web01.corp.example"}` + "\n" + "Nov 27 10:00:00 web01 sshd[1]: ok\n"
	out, err := e.Bytes("system/host.json", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "web01") {
		t.Errorf("host name survived: %s", out)
	}
	if !strings.Contains(string(out), tok) {
		t.Errorf("token %s not used consistently: %s", tok, out)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if !json.Valid([]byte(first)) {
		t.Errorf("JSON broken: %s", first)
	}
	// Words that merely contain the name are left alone.
	if got := e.String("x", "web01x vm.web01_count"); got != "web01x vm.web01_count" {
		t.Errorf("partial matches changed: %q", got)
	}
	// Without anonymization nothing changes.
	plain, _ := New(Config{Hosts: []string{"web01"}})
	if plain.HostToken("web01") != "web01" || plain.String("x", "web01 up") != "web01 up" {
		t.Errorf("host pseudonymized without --anonymize")
	}
}
