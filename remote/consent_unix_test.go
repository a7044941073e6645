//go:build unix

package remote_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/testenv"
	"github.com/casefile/casefile/remote"
	"github.com/casefile/casefile/remote/wire"
)

// Only who may write the daemon's private state can answer for a person: answers in a consent
// folder that group or others may write, answers that are symbolic links, and answers owned by
// another user are ignored (the request keeps waiting, nothing is collected), and the same
// answers count once they are the daemon's user's or root's regular files in a private folder.
func TestConsentAnswersOnlyFromAPrivateFolder(t *testing.T) {
	ri := startIntake(t, nil)
	h := enrollHost(t, ri, remote.ConsentAsk)
	c := h.client(t, remote.Config{Interval: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, h.handler(t)) }()
	defer func() {
		cancel()
		<-done
	}()
	dir := filepath.Join(h.state, remote.ConsentDir)
	waitingStill := func(id string) {
		t.Helper()
		time.Sleep(time.Second) // ten polls, each looks at the answers
		if st := ri.status(t, h.id, id).Status; st != wire.StatusWaiting || h.collect.Load() != 0 {
			t.Fatalf("request %s is %s after %d collections: an untrusted answer was taken", id, st, h.collect.Load())
		}
	}

	// A folder others may write: the answer is ignored, and Answer refuses to write there.
	q1 := ri.request(t, h.id, "4840")
	waitFor(t, "the request to wait", func() bool { return ri.status(t, h.id, q1.ID).Status == wire.StatusWaiting })
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, q1.ID+".approve"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := remote.Answer(h.state, q1.ID, true); err == nil || !strings.Contains(err.Error(), "writable by group or others") {
		t.Fatalf("Answer into a world-writable folder: %v", err)
	}
	waitingStill(q1.ID)
	// A symbolic link as the folder (to a private folder elsewhere) is ignored too.
	elsewhere := t.TempDir()
	os.WriteFile(filepath.Join(elsewhere, q1.ID+".approve"), nil, 0o600)
	os.RemoveAll(dir)
	if err := os.Symlink(elsewhere, dir); err != nil {
		t.Fatal(err)
	}
	waitingStill(q1.ID)
	os.Remove(dir)

	// A symbolic link as the answer, in a private folder: ignored.
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "x")
	os.WriteFile(target, nil, 0o600)
	if err := os.Symlink(target, filepath.Join(dir, q1.ID+".approve")); err != nil {
		t.Fatal(err)
	}
	waitingStill(q1.ID)
	os.Remove(filepath.Join(dir, q1.ID+".approve"))

	// Another user's answer: ignored (needs root to make one).
	if os.Geteuid() != 0 {
		testenv.NeedRoot(t)
	}
	p := filepath.Join(dir, q1.ID+".approve")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(p, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	waitingStill(q1.ID)

	// The daemon's own answer in its private folder counts.
	os.Remove(p)
	if err := remote.Answer(h.state, q1.ID, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the approved request to end uploaded", func() bool { return ri.status(t, h.id, q1.ID).Status == wire.StatusUploaded })
}
