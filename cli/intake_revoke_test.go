package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// intake revoke writes the revocation into the configured storage (here a storage folder apart
// from the data folder), where every instance reads it.
func TestIntakeRevokeWritesToStorage(t *testing.T) {
	data, store := t.TempDir(), t.TempDir()
	cfg := filepath.Join(t.TempDir(), "intake.yaml")
	os.WriteFile(cfg, []byte("storage:\n  url: "+store+"\n"), 0o600)
	var so, se bytes.Buffer
	if code := Run(context.Background(), []string{"intake", "token", "--data", data, "--config", cfg, "--ticket", "4821"}, strings.NewReader(""), &so, &se); code != 0 {
		t.Fatalf("token: %d %s", code, se.String())
	}
	tok := strings.TrimSpace(so.String())
	so.Reset()
	se.Reset()
	if code := Run(context.Background(), []string{"intake", "revoke", "--data", data, "--config", cfg, tok}, strings.NewReader(""), &so, &se); code != 0 {
		t.Fatalf("revoke: %d %s", code, se.String())
	}
	es, _ := os.ReadDir(filepath.Join(store, "revoked"))
	if len(es) != 1 {
		t.Errorf("revocations in the storage folder: %v (stderr %s)", es, se.String())
	}
}
