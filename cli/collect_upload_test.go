package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/intake"
)

// collect --upload sends the bundle it wrote to a real intake server on loopback (unencrypted:
// the built-in spec names no recipient), which files it under the ticket; stdout keeps collect's
// bundle path alone, and a refused upload exits 1 with the bundle kept and the way to retry said.
func TestCollectUpload(t *testing.T) {
	key := []byte(strings.Repeat("c", 32))
	filed := make(chan intake.Record, 2)
	srv, err := intake.New(intake.Options{DataDir: t.TempDir(), Key: key, OnFiled: func(r intake.Record) { filed <- r }})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	claims, err := intake.NewClaims("4821", time.Now(), time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := intake.Sign(key, claims)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var so, se bytes.Buffer
	code := Run(context.Background(), []string{"collect", "--only", "system.host", "--ticket", "4821", "--out", out,
		"--upload", "--upload-to", hs.URL, "--upload-token", tok}, strings.NewReader(""), &so, &se)
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
	case r := <-filed:
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
		"--upload", "--upload-to", hs.URL, "--upload-token", tok}, strings.NewReader(""), &so, &se)
	if code != ExitError || !strings.Contains(se.String(), "the bundle is kept at") {
		t.Errorf("other ticket: exit %d\n%s", code, se.String())
	}
}
