package redact

import (
	"strings"
	"testing"
)

func TestArgv(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		argv   []string
		secret string
	}{
		{[]string{"mysql", "--password", "ArgvPw42secret", "-h", "127.0.0.1"}, "ArgvPw42secret"},
		{[]string{"curl", "-u", "admin:Sup3rS3cret!", "https://127.0.0.1/"}, "Sup3rS3cret!"},
		{[]string{"app", "--token=ghp_16C7e42F292c6912E7710c838347Ae178B4a"}, "ghp_16C7e42F292c6912E7710c838347Ae178B4a"},
		{[]string{"sshpass", "-p", "Hunter2Hunter2", "ssh", "host"}, "Hunter2Hunter2"},
	}
	for _, c := range cases {
		got := e.Argv("argv", c.argv)
		if len(got) != len(c.argv) || strings.Contains(strings.Join(got, " "), c.secret) {
			t.Errorf("Argv(%q) = %q: secret survived", c.argv, got)
		}
		if got[0] != c.argv[0] {
			t.Errorf("Argv(%q) changed the program name: %q", c.argv, got)
		}
	}
	// Benign arguments are kept as they are.
	benign := []string{"ip", "-s", "link", "show", "--password-file", "/etc/app/pw", "--count", "4"}
	if got := e.Argv("argv", benign); strings.Join(got, " ") != strings.Join(benign, " ") {
		t.Errorf("benign argv changed: %q", got)
	}
}
