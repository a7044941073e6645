package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/intake"
	"github.com/casefile/casefile/remote"
	"github.com/casefile/casefile/remote/wire"
)

// A remote request served end to end by the real command: casefile daemon --enroll against a
// real intake, an agent's request (casefile intake request), then casefile daemon itself, whose
// remote loop collects with the daemon (consent: auto) and uploads; the intake files the bundle
// under the ticket and casefile intake requests shows it uploaded.
func TestDaemonEnrollAndRemoteRequest(t *testing.T) {
	data := t.TempDir()
	key, err := intake.LoadKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	filed := make(chan intake.Record, 4)
	srv, err := intake.New(intake.Options{DataDir: data, Key: key, OnFiled: func(r intake.Record) { filed <- r }})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.Close(); srv.Close() }()
	run := func(ctx context.Context, args ...string) (int, string, string) {
		var so, se bytes.Buffer
		code := Run(ctx, args, strings.NewReader(""), &so, &se)
		return code, so.String(), se.String()
	}
	bg := context.Background()
	_, tok, _ := run(bg, "intake", "enroll-token", "--data", data)
	tok = strings.TrimSpace(tok)
	state := filepath.Join(t.TempDir(), "state")
	if code, _, errs := run(bg, "daemon", "--intake", hs.URL, "--state-dir", state); code != 2 {
		t.Fatalf("--intake without --enroll: %d %s", code, errs)
	}
	code, out, errs := run(bg, "daemon", "--enroll", tok, "--intake", hs.URL, "--state-dir", state)
	host := strings.TrimSpace(out)
	if code != 0 || !wire.ValidHostID(host) {
		t.Fatalf("enroll: %d %q %s", code, out, errs)
	}
	if strings.Contains(out+errs, tok) {
		t.Fatal("the enrollment token was printed")
	}
	if code, out, errs := run(bg, "intake", "request", "--data", data, "--ticket", "4821", "--host", host); code != 0 {
		t.Fatalf("request: %d %s %s", code, out, errs)
	}
	sp := filepath.Join(t.TempDir(), "spec.yaml")
	os.WriteFile(sp, []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: remote-test}\n"+
		"collectors: {only: [system.host]}\nupload: {url: \""+hs.URL+"\", consent: auto}\n"), 0o600)
	ctx, cancel := context.WithCancel(bg)
	var wg sync.WaitGroup
	var dcode int
	var dout, derr string
	wg.Add(1)
	go func() {
		defer wg.Done()
		dcode, dout, derr = run(ctx, "daemon", "--spec", sp, "--state-dir", state, "--socket", filepath.Join(state, "d.sock"))
	}()
	var rec intake.Record
	select {
	case rec = <-filed:
	case <-time.After(60 * time.Second):
		cancel()
		wg.Wait()
		t.Fatalf("nothing filed; daemon: %d %s %s", dcode, dout, derr)
	}
	var reqs string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		_, reqs, _ = run(bg, "intake", "requests", "--data", data, "--ticket", "4821")
		if strings.Contains(reqs, "uploaded") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if rec.Ticket != "4821" || rec.Status != intake.StatusOK || !strings.Contains(reqs, "uploaded") || !strings.Contains(reqs, rec.SHA256[:16]) {
		t.Fatalf("filed %+v; requests:\n%s\ndaemon log:\n%s", rec, reqs, derr)
	}
	if !strings.Contains(derr, "remote requests on") {
		t.Errorf("daemon log:\n%s", derr)
	}
	if b, err := os.ReadFile(filepath.Join(state, remote.LogFile)); err != nil || !strings.Contains(string(b), `"event":"uploaded"`) {
		t.Fatalf("local log: %v\n%s", err, b)
	}

	// approve/decline write the answer where the daemon looks; a bad id is a usage error.
	if code, _, errs := run(bg, "daemon", "approve", "r-nope", "--state-dir", state); code != 2 || !strings.Contains(errs, "not a request id") {
		t.Fatalf("approve r-nope: %d %s", code, errs)
	}
	if code, _, errs := run(bg, "daemon", "decline", "r-aaaaaaaaaaaaaaaa", "--state-dir", state); code != 0 {
		t.Fatalf("decline: %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(state, remote.ConsentDir, "r-aaaaaaaaaaaaaaaa.decline")); err != nil {
		t.Fatal(err)
	}
}
