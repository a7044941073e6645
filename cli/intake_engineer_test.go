package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/intake"
)

// intake token --engineer prints an engineer token (kind cfe1., read-only: it logs in to the web
// view and cannot upload) signed with the data folder's key; revoke accepts it; bad flags are
// usage errors.
func TestIntakeEngineerToken(t *testing.T) {
	data := t.TempDir()
	run := func(args ...string) (int, string, string) {
		var so, se bytes.Buffer
		code := Run(context.Background(), append([]string{"intake"}, args...), strings.NewReader(""), &so, &se)
		return code, so.String(), se.String()
	}
	code, out, errOut := run("token", "--data", data, "--engineer", "alice", "--ttl", "2h")
	if code != 0 {
		t.Fatalf("token --engineer: %d %s", code, errOut)
	}
	tok := strings.TrimSpace(out)
	key, err := intake.LoadKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := intake.VerifyEngineer(key, nil, tok, time.Now())
	if err != nil || c.Engineer != "alice" || c.Exp < time.Now().Add(119*time.Minute).Unix() || c.Exp > time.Now().Add(2*time.Hour).Unix() {
		t.Fatalf("engineer token %q: %+v %v", tok, c, err)
	}
	if _, err := intake.Parse(key, tok); err != intake.ErrTokenKind {
		t.Errorf("the engineer token parses as an upload token: %v", err)
	}
	for _, bad := range [][]string{
		{"--engineer", "alice", "--ticket", "4821"},
		{"--engineer", "alice", "--max-size", "1GiB"},
		{"--engineer", "a b"},
		{"--engineer", ""},
		{"--engineer", "alice", "--ttl", "0s"},
	} {
		if code, _, errOut := run(append([]string{"token", "--data", data}, bad...)...); code != 2 {
			t.Errorf("token %v: exit %d, want 2 (%s)", bad, code, errOut)
		}
	}
	code, _, errOut = run("revoke", "--data", data, tok)
	if code != 0 || !strings.Contains(errOut, "engineer alice") {
		t.Fatalf("revoke: %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "revoked", c.ID)); err != nil {
		t.Errorf("revocation not written: %v", err)
	}
	if _, err := intake.VerifyEngineer(key, intake.NewRevocations(data), tok, time.Now()); err != intake.ErrEngineerRevoked {
		t.Errorf("after revoke: %v", err)
	}
}
