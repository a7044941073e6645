package daemon

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/intake"
	"github.com/casefile/casefile/remote"
	"github.com/casefile/casefile/remote/wire"
	"github.com/casefile/casefile/spec"
)

// failingHost is a daemon Host whose collection fails with an error that quotes a secret (as a
// collector's or the OS's error text may).
type failingHost struct {
	state string
	spec  *spec.Spec
	log   *slog.Logger
}

func (h *failingHost) Collect(context.Context, CollectRequest, string) (*collect.Result, error) {
	return nil, errors.New("writing the bundle: config line 'password=Hunter2Secret99' could not be read")
}
func (h *failingHost) Spec() *spec.Spec     { return h.spec }
func (h *failingHost) StateDir() string     { return h.state }
func (h *failingHost) Logger() *slog.Logger { return h.log }

// A failure reason leaves the host (to the intake, and into the local log and the daemon's log)
// only through the spec's redaction. Before, the daemon's remote loop set no Redact, so the
// reason went out as the error said it.
func TestRemoteFailureReasonRedacted(t *testing.T) {
	data := t.TempDir()
	key, err := intake.LoadKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := intake.New(intake.Options{DataDir: data, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	c, _ := intake.NewEnrollClaims(time.Now(), time.Hour)
	tok, _ := intake.SignEnroll(key, c)
	state := t.TempDir()
	e, err := remote.EnrollHost(context.Background(), remote.EnrollOptions{StateDir: state, IntakeURL: hs.URL, Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	rem, _ := intake.OpenRemote(data, nil, nil)
	q, err := rem.CreateRequest("4821", e.HostID, "")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spec.Parse("s.yaml", []byte(specHead+"upload: {url: \""+hs.URL+"\", consent: auto}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := &failingHost{state: state, spec: sp, log: slog.New(slog.NewTextHandler(&logs, nil))}
	l := &RemoteLoop{Config: remote.Config{Interval: time.Hour}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx, h) }()
	var got intake.HostRequest
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if got, _ = rem.Request(e.HostID, q.ID); got.Status == wire.StatusFailed {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	t.Logf("reason at the intake: %s", got.Reason)
	if got.Status != wire.StatusFailed || !strings.Contains(got.Reason, "collection failed: writing the bundle") {
		t.Fatalf("request %+v", got)
	}
	local, _ := os.ReadFile(filepath.Join(state, remote.LogFile))
	for where, text := range map[string]string{"the intake's reason": got.Reason, "the local log": string(local), "the daemon's log": logs.String()} {
		if strings.Contains(text, "Hunter2Secret99") {
			t.Errorf("the secret is in %s: %s", where, text)
		}
	}
}
