package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/redact"
)

type uploadTestCollector struct{}

func (uploadTestCollector) Name() string                                   { return "files.test" }
func (uploadTestCollector) Family() string                                 { return "files" }
func (uploadTestCollector) Collect(context.Context, collectors.Sink) error { return nil }

func uploadTestBundle(t *testing.T, ticket string) string {
	t.Helper()
	dir := t.TempDir()
	eng, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := bundle.NewStage(dir, eng, bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Cleanup()
	sk := st.Sink(uploadTestCollector{})
	w, err := sk.Create("files/test/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, strings.Repeat("some line of text\n", 2000))
	w.Close()
	kept, _ := sk.Finish(true)
	created := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	m := &bundle.Manifest{SchemaVersion: bundle.SchemaVersion, BundleID: "6f1c1f6e-0d7e-4a57-9d0e-0123456789ab", CreatedAt: created, Host: "h1", Format: "tar.gz", Ticket: ticket,
		Collectors: []collectors.Result{{Name: "files.test", Family: "files", Status: collectors.StatusOK, Start: created, Files: kept}}}
	p, err := st.Write(context.Background(), m, dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func uploadTestToken(ticket string) string {
	p, _ := json.Marshal(map[string]any{"id": "t1", "ticket": ticket, "exp": time.Now().Add(time.Hour).Unix(), "max": 0})
	return "cf1." + base64.RawURLEncoding.EncodeToString(p) + ".c2lnbmF0dXJlLW5vdC1jaGVja2VkLWJ5LXRoZS1jbGllbnQ"
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUploadCommandRefusals(t *testing.T) {
	p := uploadTestBundle(t, "4821")
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	state := t.TempDir()
	tok := uploadTestToken("9999")
	code, _, stderr := runCLI(t, "upload", p, "--to", srv.URL, "--token", tok, "--state-dir", state)
	if code != ExitError || !strings.Contains(stderr, "ticket 4821") || !strings.Contains(stderr, "ticket 9999") || strings.Contains(stderr, tok) {
		t.Fatalf("wrong ticket: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "upload", p, "--to", "http://192.0.2.7:8470", "--token", uploadTestToken("4821"), "--state-dir", state)
	if code != ExitError || !strings.Contains(stderr, "refusing plain http://") {
		t.Fatalf("http: exit %d, stderr %q", code, stderr)
	}
	t.Setenv("CASEFILE_UPLOAD_TOKEN", "")
	code, _, stderr = runCLI(t, "upload", p, "--to", srv.URL, "--state-dir", state)
	if code != ExitError || !strings.Contains(stderr, "no upload token") {
		t.Fatalf("no token: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "upload", p, "--state-dir", state)
	if code != ExitUsage || !strings.Contains(stderr, "no upload target") {
		t.Fatalf("no target: exit %d, stderr %q", code, stderr)
	}
	if hits.Load() != 0 {
		t.Fatalf("%d requests reached the server", hits.Load())
	}
	if es, _ := os.ReadDir(state); len(es) != 0 {
		t.Fatalf("state left: %v", es)
	}
}

func TestUploadPutAndDecryptCommands(t *testing.T) {
	p := uploadTestBundle(t, "4821")
	plain, _ := os.ReadFile(p)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "key.txt")
	os.WriteFile(keyFile, []byte(id.String()+"\n"), 0o600)
	var got []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		got, _ = io.ReadAll(r.Body)
	}))
	defer srv.Close()
	code, stdout, stderr := runCLI(t, "upload", p, "--put", srv.URL+"/b?X-Amz-Signature=s3cr3tsignaturevalue", "--recipient", id.Recipient().String(),
		"--state-dir", t.TempDir(), "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Encrypted bool   `json:"encrypted"`
		Target    string `json:"target"`
		Size      int64  `json:"size"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || !res.Encrypted || res.Size != int64(len(got)) || strings.Contains(stdout, "s3cr3t") {
		t.Fatalf("result %q (%v)", stdout, err)
	}
	if bytes.Contains(got, plain[:100]) {
		t.Fatal("plaintext was sent")
	}
	enc := filepath.Join(t.TempDir(), "b.age")
	os.WriteFile(enc, got, 0o600)
	out := filepath.Join(filepath.Dir(enc), "b.tar.gz")
	if code, _, stderr := runCLI(t, "decrypt", enc, "-i", keyFile, "-o", out); code != ExitOK {
		t.Fatalf("decrypt: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(out); !bytes.Equal(b, plain) {
		t.Fatal("decrypt did not restore the bundle")
	}
	if code, _, _ := runCLI(t, "decrypt", enc, "-i", keyFile, "-o", out); code != ExitError {
		t.Fatalf("decrypt over an existing file: exit %d", code)
	}
}
