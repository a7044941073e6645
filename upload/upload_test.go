package upload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

func baseOpts(t *testing.T, bundlePath, url, token string) Options {
	return Options{
		Bundle: bundlePath, URL: url, Token: token, StateDir: filepath.Join(t.TempDir(), "uploads"),
		ChunkSize: 64 << 10, BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond,
	}
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func dirEntries(t *testing.T, dir string) []string {
	es, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestResumeAfterThreeCuts(t *testing.T) {
	dir := t.TempDir()
	p := makeBundle(t, dir, "4821", 600<<10)
	want, _ := os.ReadFile(p)
	tok := makeToken("4821", time.Now().Add(time.Hour), 0)
	f, srv := newFakeTus(t, tok)
	for i := 0; i < 3; i++ {
		f.cuts = append(f.cuts, 1+rand.Int64N(int64(len(want))-1))
	}
	t.Logf("bundle %d bytes, cuts at %v", len(want), f.cuts)
	o := baseOpts(t, p, srv.URL, tok)
	var last int64
	o.Progress = func(sent, total int64) { last = sent }
	res, err := Upload(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	u := f.only()
	if !bytes.Equal(u.data, want) {
		t.Fatalf("server holds %d bytes, not the bundle's %d", len(u.data), len(want))
	}
	if len(f.cuts) != 0 {
		t.Fatalf("cuts not reached: %v", f.cuts)
	}
	if n, _, _ := f.counts(); n != 1 {
		t.Fatalf("%d uploads created, want 1", n)
	}
	if u.meta["sha256"] != sum(want) || res.SHA256 != sum(want) || res.BundleSHA256 != sum(want) {
		t.Fatalf("sha256: meta %s result %s want %s", u.meta["sha256"], res.SHA256, sum(want))
	}
	if u.meta["ticket"] != "4821" || u.meta["filename"] != filepath.Base(p) || u.meta["bundle_id"] == "" || u.meta["encrypted"] != "" {
		t.Fatalf("metadata: %v", u.meta)
	}
	if last != int64(len(want)) {
		t.Fatalf("progress ended at %d", last)
	}
	if left := dirEntries(t, o.StateDir); len(left) != 0 {
		t.Fatalf("state left after a completed upload: %v", left)
	}
}

// TestRetriesAreBounded: a server that cuts every PATCH before a byte arrives makes the
// client give up after its retries, keeping the state to resume later.
func TestRetriesAreBounded(t *testing.T) {
	dir := t.TempDir()
	p := makeBundle(t, dir, "4821", 200<<10)
	tok := makeToken("4821", time.Now().Add(time.Hour), 0)
	f, srv := newFakeTus(t, tok)
	f.onPatch = func(*http.Request, int64) { panic(http.ErrAbortHandler) }
	o := baseOpts(t, p, srv.URL, tok)
	o.Retries = 3
	_, err := Upload(context.Background(), o)
	var ue *Error
	if !errors.As(err, &ue) || ue.Kind != KindUnreachable || !errors.Is(err, ErrResumable) {
		t.Fatalf("err = %v", err)
	}
	if _, _, n := f.counts(); n != 4 {
		t.Fatalf("%d PATCHes, want 1 + 3 retries", n)
	}
	if left := dirEntries(t, o.StateDir); len(left) != 1 {
		t.Fatalf("state dir: %v, want the state file", left)
	}
}

func TestWrongTicketRefusedBeforeSending(t *testing.T) {
	dir := t.TempDir()
	p := makeBundle(t, dir, "4821", 10<<10)
	tok := makeToken("9999", time.Now().Add(time.Hour), 0)
	f, srv := newFakeTus(t, tok)
	o := baseOpts(t, p, srv.URL, tok)
	_, err := Upload(context.Background(), o)
	var ue *Error
	if !errors.As(err, &ue) || ue.Kind != KindWrongTicket || !strings.Contains(err.Error(), "4821") || !strings.Contains(err.Error(), "9999") {
		t.Fatalf("err = %v", err)
	}
	if n := f.requests(); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
	if left := dirEntries(t, o.StateDir); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

func TestLocalRefusals(t *testing.T) {
	dir := t.TempDir()
	p := makeBundle(t, dir, "4821", 10<<10)
	f, srv := newFakeTus(t, "x")
	for _, c := range []struct {
		name, tok, kind, want string
	}{
		{"expired", makeToken("4821", time.Now().Add(-time.Minute), 0), KindExpired, "expired"},
		{"too big", makeToken("4821", time.Now().Add(time.Hour), 100), KindTooLarge, "at most 100"},
	} {
		o := baseOpts(t, p, srv.URL, c.tok)
		_, err := Upload(context.Background(), o)
		var ue *Error
		if !errors.As(err, &ue) || ue.Kind != c.kind || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v", c.name, err)
		}
	}
	o := baseOpts(t, p, srv.URL, "garbage")
	if _, err := Upload(context.Background(), o); !errors.Is(err, ErrBadToken) {
		t.Errorf("bad token: err = %v", err)
	}
	if n := f.requests(); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
}

func TestServerRefusalsMapped(t *testing.T) {
	dir := t.TempDir()
	p := makeBundle(t, dir, "4821", 10<<10)
	tok := makeToken("4821", time.Now().Add(time.Hour), 0)
	for _, c := range []struct {
		status int
		kind   string
		want   string
	}{
		{401, KindUnauthorized, "expired, was revoked"},
		{403, KindForbidden, "does not allow"},
		{413, KindTooLarge, "too large"},
		{429, KindRateLimited, "rate limiting"},
	} {
		f, srv := newFakeTus(t, tok)
		f.force = c.status
		o := baseOpts(t, p, srv.URL, tok)
		_, err := Upload(context.Background(), o)
		var ue *Error
		if !errors.As(err, &ue) || ue.Kind != c.kind || ue.Status != c.status || !strings.Contains(err.Error(), c.want) ||
			!strings.Contains(err.Error(), "forced") {
			t.Errorf("%d: err = %v", c.status, err)
		}
		if left := dirEntries(t, o.StateDir); len(left) != 0 {
			t.Errorf("%d: left behind: %v", c.status, left)
		}
	}
}

func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	dir := t.TempDir()
	p := makeBundle(t, dir, "4821", 10<<10)
	tok := makeToken("4821", time.Now().Add(time.Hour), 0)
	// Refused before any connection: these addresses are never contacted.
	for _, u := range []string{"http://192.0.2.10:8470", "http://intake.example", "http://[2001:db8::1]/", "ftp://127.0.0.1/"} {
		o := baseOpts(t, p, u, tok)
		_, err := Upload(context.Background(), o)
		if err == nil || !(strings.Contains(err.Error(), "refusing plain http") || strings.Contains(err.Error(), "not an http")) {
			t.Errorf("%s: err = %v", u, err)
		}
		o = baseOpts(t, p, "", "")
		o.PutURL = u
		if _, err := Upload(context.Background(), o); err == nil {
			t.Errorf("--put %s: no error", u)
		}
	}
	for _, h := range []string{"127.0.0.1", "127.1.2.3", "::1", "localhost", "LOCALHOST"} {
		if !IsLoopback(h) {
			t.Errorf("IsLoopback(%s) = false", h)
		}
	}
	for _, h := range []string{"10.0.0.1", "localhost.example", "0.0.0.0", "127.0.0.1.example"} {
		if IsLoopback(h) {
			t.Errorf("IsLoopback(%s) = true", h)
		}
	}
}

func newIdentity(t *testing.T) (*age.X25519Identity, string) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(f, []byte("# test key\n"+id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return id, f
}

func TestEncryptedUploadRoundTrips(t *testing.T) {
	dir := t.TempDir()
	p := makeBundle(t, dir, "4821", 300<<10)
	plain, _ := os.ReadFile(p)
	id, keyFile := newIdentity(t)
	tok := makeToken("4821", time.Now().Add(time.Hour), 0)
	f, srv := newFakeTus(t, tok)
	f.cuts = []int64{1 + rand.Int64N(int64(len(plain))-1)}
	o := baseOpts(t, p, srv.URL, tok)
	o.Recipient = id.Recipient().String()
	res, err := Upload(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	u := f.only()
	if !res.Encrypted || u.meta["encrypted"] != "age" || u.meta["sha256"] != sum(u.data) || res.SHA256 != sum(u.data) {
		t.Fatalf("result %+v meta %v", res, u.meta)
	}
	if !bytes.HasPrefix(u.data, []byte("age-encryption.org/v1\n")) {
		t.Fatal("the server did not receive age ciphertext")
	}
	if bytes.Contains(u.data, plain[:64]) || bytes.Contains(u.data, plain[len(plain)/2:len(plain)/2+64]) {
		t.Fatal("the server saw plaintext")
	}
	if left := dirEntries(t, o.StateDir); len(left) != 0 {
		t.Fatalf("spool or state left after a completed upload: %v", left)
	}
	enc := filepath.Join(t.TempDir(), "b.age")
	os.WriteFile(enc, u.data, 0o600)
	out := filepath.Join(t.TempDir(), "restored.tar.gz")
	if err := Decrypt(enc, keyFile, out); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	if !bytes.Equal(got, plain) {
		t.Fatal("decrypted bundle differs from the original")
	}
	// A wrong key and a damaged file leave nothing behind.
	_, otherKey := newIdentity(t)
	bad := filepath.Join(filepath.Dir(out), "bad.tar.gz")
	if err := Decrypt(enc, otherKey, bad); err == nil {
		t.Fatal("wrong key decrypted")
	}
	damaged := append([]byte{}, u.data...)
	damaged[len(damaged)-10] ^= 1
	os.WriteFile(enc, damaged, 0o600)
	if err := Decrypt(enc, keyFile, bad); err == nil {
		t.Fatal("damaged file decrypted")
	}
	if left := dirEntries(t, filepath.Dir(out)); len(left) != 1 {
		t.Fatalf("decrypt left files: %v", left)
	}
}

func TestPresignedPut(t *testing.T) {
	dir := t.TempDir()
	p := makeBundle(t, dir, "4821", 100<<10)
	plain, _ := os.ReadFile(p)
	var got []byte
	var query string
	fails := 1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut || r.Header.Get("Authorization") != "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.URL.Query().Get("X-Amz-Signature") != "sig" {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "<Error><Code>SignatureDoesNotMatch</Code></Error>")
			return
		}
		b, _ := io.ReadAll(r.Body)
		if fails > 0 { // one transient failure: the PUT is tried again
			fails--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		got, query = b, r.URL.RawQuery
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	o := baseOpts(t, p, "", "")
	o.PutURL = srv.URL + "/bucket/b.tar.gz?X-Amz-Signature=sig"
	res, err := Upload(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) || query == "" || strings.Contains(res.Target, "sig") {
		t.Fatalf("PUT body %d bytes, target %s", len(got), res.Target)
	}
	// Encrypted.
	id, keyFile := newIdentity(t)
	o.Recipient = id.Recipient().String()
	if _, err := Upload(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	enc := filepath.Join(t.TempDir(), "b.age")
	os.WriteFile(enc, got, 0o600)
	out := filepath.Join(filepath.Dir(enc), "out")
	if err := Decrypt(enc, keyFile, out); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); !bytes.Equal(b, plain) {
		t.Fatal("round trip through PUT differs")
	}
	if left := dirEntries(t, o.StateDir); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	// An expired signature.
	o.PutURL = srv.URL + "/bucket/b.tar.gz?X-Amz-Signature=old"
	_, err = Upload(context.Background(), o)
	var ue *Error
	if !errors.As(err, &ue) || ue.Status != 403 || !strings.Contains(err.Error(), "presigned URL") {
		t.Fatalf("err = %v", err)
	}
}
