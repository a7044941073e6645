package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// `intake serve` with a desk: the desk refuses the credentials (an RT-shaped server that echoes
// them in its refusal); `intake list` shows the bundle as failed with the reason, and the
// secret is nowhere: not in serve's log, the list, or any file of the data folder.
func TestIntakeDeskFailedListedWithoutSecret(t *testing.T) {
	b := make([]byte, 12)
	rand.Read(b)
	secret := "desk-" + hex.EncodeToString(b)
	t.Setenv("CF_TEST_DESK_SECRET", secret)
	var asked sync.Map
	rt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Store(r.Method+" "+r.URL.Path, true)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"message":"Unauthorized: got %s"}`, r.Header.Get("Authorization"))
	}))
	defer rt.Close()

	data := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "intake.yaml")
	os.WriteFile(cfg, []byte(`desk:
  kind: rt
  url: `+rt.URL+`
  user: root
  password_env: CF_TEST_DESK_SECRET
`), 0o600)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var serveOut, serveErr syncBuffer
	served := make(chan int)
	go func() {
		served <- Run(ctx, []string{"intake", "serve", "--data", data, "--config", cfg, "--listen", addr}, strings.NewReader(""), &serveOut, &serveErr)
	}()
	stop := sync.OnceFunc(func() {
		cancel()
		<-served
	})
	defer stop()
	for i := 0; ; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 200 {
			t.Fatalf("intake serve did not start: %s", serveErr.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
	code, tok, se := runCLI(t, "intake", "token", "--data", data, "--ticket", "4821")
	if code != 0 {
		t.Fatalf("token: %d %s", code, se)
	}
	p := uploadTestBundle(t, "4821")
	if code, so, se := runCLI(t, "upload", p, "--to", "http://"+addr, "--token", strings.TrimSpace(tok), "--no-encrypt", "--state-dir", t.TempDir()); code != 0 {
		t.Fatalf("upload: %d %s %s", code, so, se)
	}
	var list string
	for i := 0; ; i++ {
		_, list, _ = runCLI(t, "intake", "list", "--data", data)
		if strings.Contains(list, "failed (") {
			break
		}
		if i > 400 {
			t.Fatalf("list never showed the failure:\n%s\nserve:\n%s", list, serveErr.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "DESK") ||
		!strings.Contains(lines[1], "failed (RT comment on ticket 4821: HTTP 401: RT refused the credentials (check desk.user and the secret): Unauthorized: got Basic [REDACTED])") {
		t.Errorf("list:\n%s", list)
	}
	if _, ok := asked.Load("POST /REST/2.0/ticket/4821/comment"); !ok {
		t.Errorf("the desk was not asked to comment")
	}
	_, listJSON, _ := runCLI(t, "intake", "list", "--data", data, "--json")
	if !strings.Contains(listJSON, `"status": "failed"`) {
		t.Errorf("list --json: %s", listJSON)
	}
	stop()
	// The index is a cache: rebuilt from storage, the desk state is back.
	os.Remove(filepath.Join(data, "index.db"))
	code, reindexed, se := runCLI(t, "intake", "reindex", "--data", data)
	if code != 0 || !strings.Contains(reindexed, "failed (RT comment on ticket 4821: HTTP 401") {
		t.Errorf("reindex: %d %s %s", code, reindexed, se)
	}
	texts := map[string]string{"serve stdout": serveOut.String(), "serve stderr": serveErr.String(), "list": list, "list --json": listJSON, "reindex": reindexed + se}
	filepath.WalkDir(data, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			texts[p] = string(b)
		}
		return nil
	})
	for name, text := range texts {
		for _, form := range []string{secret, base64.StdEncoding.EncodeToString([]byte("root:" + secret))} {
			if strings.Contains(text, form) {
				t.Errorf("the desk secret is in %s", name)
			}
		}
	}
}

// serve refuses to start when the desk's secret is missing, naming the variable or file.
func TestIntakeServeDeskSecretMissing(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ cfg, want string }{
		{"password_env: CF_TEST_DESK_UNSET_VAR", "environment variable CF_TEST_DESK_UNSET_VAR (the desk's secret) is not set"},
		{"password_file: " + filepath.Join(dir, "nope"), "reading the secret file " + filepath.Join(dir, "nope") + ": no such file or directory"},
	} {
		cfg := filepath.Join(dir, "intake.yaml")
		os.WriteFile(cfg, []byte("desk:\n  kind: rt\n  url: http://127.0.0.1:9\n  user: root\n  "+tc.cfg+"\n"), 0o600)
		code, _, se := runCLI(t, "intake", "serve", "--data", dir, "--config", cfg, "--listen", "127.0.0.1:0")
		if code != 1 || !strings.Contains(se, tc.want) {
			t.Errorf("%s: exit %d, stderr %q", tc.cfg, code, se)
		}
	}
}
