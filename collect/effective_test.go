package collect

import (
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/spec"
)

// The spec.yaml a bundle carries holds no literal secret, stays valid, and includes what the
// command line added, so the same collection can run again elsewhere.
func TestEffectiveSpecRunsAgain(t *testing.T) {
	s, err := spec.Parse("v.yaml", []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: v}\n"+
		"redact: {literals: [Hunter2-vendor]}\nlogs:\n  - {name: app, paths: [/var/log/app/*.log]}\n"+
		"commands:\n  - {name: db, argv: [mysql, --password, ArgvPw42secret, -e, status]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	req := &Request{Spec: s, Literals: []string{"cli-secret-42"}, Add: []string{"/etc/app"}, Logs: []string{"/opt/x/*.log"},
		Since: 2 * time.Hour, Only: []string{"system", "files"}, Skip: []string{"system.processes"}}
	eng, _ := redact.New(redact.Config{})
	out, err := EffectiveSpec(req, eng).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, secret := range []string{"Hunter2-vendor", "cli-secret-42", "ArgvPw42secret"} {
		if strings.Contains(text, secret) {
			t.Errorf("effective spec holds %q:\n%s", secret, text)
		}
	}
	e, err := spec.Parse("bundle spec.yaml", out)
	if err != nil {
		t.Fatalf("effective spec does not parse: %v\n%s", err, text)
	}
	if len(e.Redact.Literals) != 2 || e.Redact.Literals[0] != "[REDACTED:literal]" {
		t.Errorf("literals %q", e.Redact.Literals)
	}
	if len(e.Files) != 1 || e.Files[0].Name != "added" || e.Files[0].Paths[0] != "/etc/app" {
		t.Errorf("files %+v", e.Files)
	}
	if len(e.Logs) != 2 || e.Logs[1].Name != "extra" || time.Duration(e.Logs[0].Since) != 2*time.Hour {
		t.Errorf("logs %+v", e.Logs)
	}
	if strings.Join(e.Collectors.Only, ",") != "system,files" || e.Collectors.Disable[0] != "system.processes" {
		t.Errorf("collectors %+v", e.Collectors)
	}
	// The loaded spec itself is untouched.
	if s.Redact.Literals[0] != "Hunter2-vendor" || len(s.Files) != 0 {
		t.Errorf("original spec changed: %+v", s.Redact)
	}
}
