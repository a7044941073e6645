package upload

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// The child half of TestKilledClientResumes: a client process that the test kills mid-upload.
func TestMain(m *testing.M) {
	if os.Getenv("CASEFILE_UPLOAD_CHILD") == "1" {
		o := Options{
			Bundle: os.Getenv("CHILD_BUNDLE"), URL: os.Getenv("CHILD_URL"), Token: os.Getenv("CHILD_TOKEN"),
			Recipient: os.Getenv("CHILD_RECIPIENT"), StateDir: os.Getenv("CHILD_STATE"), ChunkSize: 32 << 10,
		}
		_, err := Upload(context.Background(), o)
		fmt.Fprintln(os.Stderr, "child ended:", err)
		os.Exit(3) // it should have been killed before this
	}
	os.Exit(m.Run())
}

// TestKilledClientResumes: a client process is killed (SIGKILL) in the middle of an encrypted
// upload; a new client with the same state folder asks the server for its offset and sends the
// rest of the same ciphertext, without creating a second upload.
func TestKilledClientResumes(t *testing.T) {
	dir := t.TempDir()
	p := makeBundle(t, dir, "4821", 400<<10)
	plain, _ := os.ReadFile(p)
	id, keyFile := newIdentity(t)
	tok := makeToken("4821", time.Now().Add(time.Hour), 0)
	f, srv := newFakeTus(t, tok)
	stateDir := filepath.Join(t.TempDir(), "uploads")

	stalled := make(chan struct{})
	release := make(chan struct{})
	f.mu.Lock()
	f.onPatch = func(r *http.Request, off int64) {
		if off >= 96<<10 { // after three chunks: stall until the client is gone
			select {
			case stalled <- struct{}{}:
			default:
			}
			select {
			case <-r.Context().Done():
			case <-release:
			}
			panic(http.ErrAbortHandler)
		}
	}
	f.mu.Unlock()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CASEFILE_UPLOAD_CHILD=1", "CHILD_BUNDLE="+p, "CHILD_URL="+srv.URL, "CHILD_TOKEN="+tok,
		"CHILD_RECIPIENT="+id.Recipient().String(), "CHILD_STATE="+stateDir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stalled:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the child never got far: %s", stderr.String())
	}
	cmd.Process.Kill()
	cmd.Wait()
	close(release)
	f.mu.Lock()
	f.onPatch = nil
	f.mu.Unlock()

	u := f.only()
	f.mu.Lock()
	before := int64(len(u.data))
	f.mu.Unlock()
	if before == 0 {
		t.Fatal("nothing arrived before the kill")
	}
	left := dirEntries(t, stateDir)
	if len(left) != 2 {
		t.Fatalf("state folder after the kill: %v, want the state file and the spool", left)
	}
	for _, n := range left {
		if fi, _ := os.Stat(filepath.Join(stateDir, n)); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", n, fi.Mode().Perm())
		}
	}

	res, err := Upload(context.Background(), Options{Bundle: p, URL: srv.URL, Token: tok, Recipient: id.Recipient().String(),
		StateDir: stateDir, ChunkSize: 32 << 10, BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.ResumedAt != before {
		t.Fatalf("resumed at %d, the server held %d", res.ResumedAt, before)
	}
	if posts, heads, _ := f.counts(); posts != 1 || heads < 1 {
		t.Fatalf("%d uploads created, %d HEADs", posts, heads)
	}
	u = f.only()
	if sum(u.data) != u.meta["sha256"] {
		t.Fatal("the resumed upload is not the ciphertext announced at creation")
	}
	enc := filepath.Join(t.TempDir(), "b.age")
	os.WriteFile(enc, u.data, 0o600)
	out := filepath.Join(filepath.Dir(enc), "b.tar.gz")
	if err := Decrypt(enc, keyFile, out); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, plain) {
		t.Fatal("the resumed upload does not decrypt to the bundle")
	}
	if left := dirEntries(t, stateDir); len(left) != 0 {
		t.Fatalf("state left after completion: %v", left)
	}
}
