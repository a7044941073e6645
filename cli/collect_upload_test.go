package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/intake/intaketest"
)

// collect --upload sends the bundle it wrote to a real intake server on loopback (unencrypted:
// the built-in spec names no recipient), which files it under the ticket; stdout keeps collect's
// bundle path alone, and a refused upload exits 1 with the bundle kept and the way to retry said.
func TestCollectUpload(t *testing.T) {
	srv := intaketest.Start(t)
	tok := srv.Token(t, "4821")
	out := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var so, se bytes.Buffer
	code := Run(context.Background(), []string{"collect", "--only", "system.host", "--ticket", "4821", "--out", out,
		"--upload", "--upload-to", srv.URL, "--upload-token", tok}, strings.NewReader(""), &so, &se)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, se.String())
	}
	if strings.Contains(so.String()+se.String(), tok) {
		t.Error("the token was printed")
	}
	path := strings.TrimSpace(so.String())
	if filepath.Dir(path) != out || !strings.Contains(se.String(), "uploaded bundle") {
		t.Errorf("stdout %q, stderr %s", so.String(), se.String())
	}
	select {
	case r := <-srv.Filed:
		if r.Ticket != "4821" || r.Status != "ok" {
			t.Errorf("filed %+v", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the intake never filed the bundle")
	}

	// Another ticket's token: refused before a byte is sent; the bundle stays, exit 1.
	so.Reset()
	se.Reset()
	code = Run(context.Background(), []string{"collect", "--only", "system.host", "--ticket", "9999", "--out", out,
		"--upload", "--upload-to", srv.URL, "--upload-token", tok}, strings.NewReader(""), &so, &se)
	if code != ExitError || !strings.Contains(se.String(), "the bundle is kept at") {
		t.Errorf("other ticket: exit %d\n%s", code, se.String())
	}
}
