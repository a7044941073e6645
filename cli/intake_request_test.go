package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/casefile/casefile/intake"
	"github.com/casefile/casefile/remote"
	"github.com/casefile/casefile/remote/wire"
)

// The agent's side of remote requests from the command line: an enrollment token that a real
// daemon key enrolls with at a real intake, the host listed, a request recorded in storage and
// listed with its status.
func TestIntakeRequestCommands(t *testing.T) {
	data := t.TempDir()
	run := func(args ...string) (int, string, string) {
		var so, se bytes.Buffer
		code := Run(context.Background(), append(args, "--data", data), strings.NewReader(""), &so, &se)
		return code, so.String(), se.String()
	}
	code, out, errs := run("intake", "enroll-token", "--ttl", "1h")
	if code != 0 || !strings.HasPrefix(out, "cfh1.") {
		t.Fatalf("enroll-token: %d %q %s", code, out, errs)
	}
	enrollTok := strings.TrimSpace(out)
	key, err := intake.LoadKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := intake.New(intake.Options{DataDir: data, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.Close(); srv.Close() }()
	e, err := remote.EnrollHost(context.Background(), remote.EnrollOptions{StateDir: t.TempDir(), IntakeURL: hs.URL, Token: strings.TrimSpace(out), Name: "db-2"})
	if err != nil {
		t.Fatal(err)
	}
	if code, out, _ := run("intake", "hosts"); code != 0 || !strings.Contains(out, e.HostID) || !strings.Contains(out, "db-2") {
		t.Fatalf("hosts: %d %s", code, out)
	}
	if code, _, errs := run("intake", "request", "--ticket", "4821", "--host", "h-aaaaaaaaaaaaaaaa"); code != 2 || !strings.Contains(errs, "not enrolled") {
		t.Fatalf("request for an unknown host: %d %s", code, errs)
	}
	if code, _, errs := run("intake", "request", "--ticket", "a b", "--host", e.HostID); code != 2 || !strings.Contains(errs, "--ticket") {
		t.Fatalf("bad ticket: %d %s", code, errs)
	}
	code, out, errs = run("intake", "request", "--ticket", "4821", "--host", e.HostID, "--note", "the 2 a.m. timeouts")
	if code != 0 || !wire.ValidRequestID(strings.TrimSpace(out)) {
		t.Fatalf("request: %d %q %s", code, out, errs)
	}
	rid := strings.TrimSpace(out)
	code, out, _ = run("intake", "requests", "--json")
	var got struct {
		Requests []intake.HostRequest `json:"requests"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got.Requests) != 1 {
		t.Fatalf("requests --json: %d %s", code, out)
	}
	if q := got.Requests[0]; q.ID != rid || q.Ticket != "4821" || q.Host != e.HostID || q.Status != "pending" || q.Note != "the 2 a.m. timeouts" {
		t.Fatalf("request %+v", q)
	}
	if code, out, _ := run("intake", "requests", "--ticket", "9999"); code != 0 || strings.Contains(out, rid) {
		t.Fatalf("requests --ticket 9999: %d %s", code, out)
	}
	if code, out, _ := run("intake", "requests"); code != 0 || !strings.Contains(out, rid) || !strings.Contains(out, "pending") {
		t.Fatalf("requests: %d %s", code, out)
	}

	// intake revoke takes enrollment tokens too: the token enrolls no further host.
	if code, _, errs := run("intake", "revoke", enrollTok); code != 0 || !strings.Contains(errs, "enrollment") {
		t.Fatalf("revoke: %d %s", code, errs)
	}
	if _, err := remote.EnrollHost(context.Background(), remote.EnrollOptions{StateDir: t.TempDir(), IntakeURL: hs.URL, Token: enrollTok}); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("enrolling with a revoked token: %v", err)
	}
	// Removing the host ends its open request failed; it is listed no more.
	if code, _, errs := run("intake", "hosts", "--remove", e.HostID); code != 0 {
		t.Fatalf("hosts --remove: %d %s", code, errs)
	}
	if code, out, _ := run("intake", "hosts"); code != 0 || strings.Contains(out, e.HostID) {
		t.Fatalf("hosts after removal: %d %s", code, out)
	}
	if code, out, _ := run("intake", "requests", "--host", e.HostID); code != 0 || !strings.Contains(out, "failed") || !strings.Contains(out, "removed") {
		t.Fatalf("requests after removal: %d %s", code, out)
	}
	if code, _, _ := run("intake", "hosts", "--remove", e.HostID); code != 2 {
		t.Fatalf("removing again: %d", code)
	}
}
