package daemon

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/intake"
	"github.com/casefile/casefile/remote"
)

// TestRemoteLoopInDaemon: a real daemon with the remote loop, enrolled with this repository's
// real intake, under consent ask: the agent's request shows in /v1/status as asking, an answer
// dropped by casefile daemon approve lets the daemon collect (with its history) and upload, and
// status then shows it done with the bundle's sha256.
func TestRemoteLoopInDaemon(t *testing.T) {
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
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	c, _ := intake.NewEnrollClaims(time.Now(), time.Hour)
	tok, _ := intake.SignEnroll(key, c)
	state := filepath.Join(shortDir(t), "state")
	e, err := remote.EnrollHost(context.Background(), remote.EnrollOptions{StateDir: state, IntakeURL: hs.URL, Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	rem, err := intake.OpenRemote(data, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	q, err := rem.CreateRequest("4821", e.HostID, "")
	if err != nil {
		t.Fatal(err)
	}
	td := startDaemon(t, specHead+fmt.Sprintf("upload: {url: %q, consent: ask}\n", hs.URL), func(cfg *Config) {
		cfg.StateDir = state
		cfg.Remote = &RemoteLoop{Config: remote.Config{Interval: time.Hour}} // the answer, not a poll, wakes it
	})
	remoteState := func() (RemoteRequest, bool) {
		st, err := td.client.Status(context.Background())
		if err != nil || len(st.Remote) == 0 {
			return RemoteRequest{}, false
		}
		return st.Remote[0], true
	}
	waitFor(t, 20*time.Second, "the request to show as asking", func() bool {
		r, ok := remoteState()
		return ok && r.ID == q.ID && r.State == "asking" && r.Ticket == "4821" && strings.Contains(r.Outcome, "casefile daemon approve")
	})
	if err := remote.Answer(state, q.ID, true); err != nil {
		t.Fatal(err)
	}
	var rec intake.Record
	select {
	case rec = <-filed:
	case <-time.After(60 * time.Second):
		t.Fatalf("nothing filed; log:\n%s", indent(td.log.String()))
	}
	waitFor(t, 20*time.Second, "the request to show as done", func() bool {
		r, ok := remoteState()
		return ok && r.State == "done" && r.Bundle == rec.SHA256
	})
	b, err := bundle.Read(filepath.Join(data, filepath.FromSlash(rec.Path)), bundle.DefaultReadLimits)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range b.Manifest.Files {
		found = found || strings.HasSuffix(f.Path, "daemon/history.jsonl")
	}
	if !found || b.Manifest.Ticket != "4821" {
		t.Fatalf("the bundle (ticket %q) lacks daemon/history.jsonl", b.Manifest.Ticket)
	}
	if strings.Contains(td.log.String(), "cf1.") || strings.Contains(td.log.String(), tok) {
		t.Error("a token reached the daemon's log")
	}
}
