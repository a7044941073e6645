package remote_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/remote"
	"github.com/casefile/casefile/remote/wire"
	"github.com/casefile/casefile/upload"
)

// The upload tokens a host is handed at each poll stay in its memory: no file of the state
// folder (key, enrollment, log, upload resume state) and no log line holds one, after a request
// that uploaded and one whose upload failed.
func TestNoUploadTokenInTheHostsFiles(t *testing.T) {
	ri := startIntake(t, nil)
	h := enrollHost(t, ri, remote.ConsentAuto)
	var logs bytes.Buffer
	ok := ri.request(t, h.id, "4860")
	c := h.client(t, remote.Config{Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if _, err := c.Poll(context.Background(), h.handler(t)); err != nil {
		t.Fatal(err)
	}
	waitFiled(t, ri)
	bad := ri.request(t, h.id, "4861")
	// The upload goes to a port nobody listens on (loopback): it fails.
	cfg := remote.Config{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	cfg.StateDir, cfg.Spec = h.state, h.current
	cfg.Upload = func(o *upload.Options) {
		o.URL, o.Retries, o.BackoffBase, o.BackoffMax = "http://127.0.0.1:1", 2, 10*time.Millisecond, 10*time.Millisecond
	}
	c2, err := remote.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Poll(context.Background(), h.handler(t)); err != nil {
		t.Fatal(err)
	}
	if got := ri.status(t, h.id, bad.ID); got.Status != wire.StatusFailed || got.Reason == "" {
		t.Fatalf("request %+v", got)
	}
	if got := ri.status(t, h.id, ok.ID); got.Status != wire.StatusUploaded {
		t.Fatalf("request %+v", got)
	}
	files := 0
	filepath.WalkDir(h.state, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files++
		if bytes.Contains(b, []byte("cf1.")) {
			t.Errorf("an upload token is in %s", p)
		}
		return nil
	})
	if files < 3 || strings.Contains(logs.String(), "cf1.") {
		t.Fatalf("%d files; log:\n%s", files, logs.String())
	}
}
