package redact

import (
	"strings"
	"testing"
)

// Issue 9: --anonymize on real-world log lines. Each case is a line in a known log syntax; the
// test checks what must stay and what must change.

func anonEngine(t testing.TB, hosts ...string) *Engine {
	t.Helper()
	e, err := New(Config{Anonymize: true, Hosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAnonEmptyUserKey(t *testing.T) {
	e := anonEngine(t)
	in := "Dec 10 06:55:46 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.9.8.7  user=mallory"
	out := e.String("auth.log", in)
	for _, keep := range []string{"logname= uid=0 euid=0 tty=ssh ruser= rhost=10."} {
		if !strings.Contains(out, keep) {
			t.Errorf("%q lost: %s", keep, out)
		}
	}
	if strings.Contains(out, "mallory") || strings.Contains(out, "10.9.8.7") {
		t.Errorf("user or IP kept: %s", out)
	}
	// a value after "= " that is no key is still the user
	if out := e.String("x", "user= mallory"); strings.Contains(out, "mallory") {
		t.Errorf("spaced user value kept: %s", out)
	}
}
