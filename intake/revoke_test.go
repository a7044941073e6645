package intake

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// With storage in another folder, `intake revoke` (OpenRevocations with the config) writes
// <storage>/revoked/<id> and the server refuses the token; <data>/revoked, where revocations were
// kept before, still counts; a revocation folder that cannot be read refuses every token.
func TestRevocationsInStorageFolder(t *testing.T) {
	store := t.TempDir()
	cfg := &Config{Limits: DefaultLimits, Storage: Storage{URL: store}}
	ts := newTestServer(t, cfg)
	data := realBundle(t)
	meta := bundleMeta(data, "4821")

	tok := ts.token(t, "4821", time.Hour, 0)
	if resp, body := create(t, ts.url, tok, int64(len(data)), meta); resp.StatusCode != http.StatusCreated {
		t.Fatalf("create before revoking: %d %s", resp.StatusCode, body)
	}
	rev, err := OpenRevocations(ts.data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := Parse(ts.key, tok)
	if err := rev.Revoke(c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(store, "revoked", c.ID)); err != nil {
		t.Errorf("revocation not in the storage folder: %v", err)
	}
	resp, body := create(t, ts.url, tok, int64(len(data)), meta)
	wantRefusal(t, "revoked in storage", resp, body, 401, "revoked")

	old := ts.token(t, "4821", time.Hour, 0)
	oc, _ := Parse(ts.key, old)
	if err := NewRevocations(ts.data).Revoke(oc.ID); err != nil {
		t.Fatal(err)
	}
	resp, body = create(t, ts.url, old, int64(len(data)), meta)
	wantRefusal(t, "revoked in the data folder", resp, body, 401, "revoked")

	// Fail closed: revoked/ is a file, so no revocation can be read.
	good := ts.token(t, "4821", time.Hour, 0)
	if err := os.RemoveAll(filepath.Join(store, "revoked")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(store, "revoked"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	resp, body = create(t, ts.url, good, int64(len(data)), meta)
	wantRefusal(t, "unreadable revocations", resp, body, 401, "revoked")
}

// Two instances with their own data folders share a bucket: a token revoked through instance A's
// data folder and config (what `intake revoke` does) is an object <prefix>revoked/<id>, and
// instance B, which had accepted the token (and cached that), refuses it within
// RevocationCacheTTL; the bucket not answering refuses tokens.
func TestS3RevocationSharedThroughBucket(t *testing.T) {
	st := startVersity(t, "casefile-revoked", "intake")
	cfg := &Config{Limits: DefaultLimits, Storage: st}
	key, err := LoadKey(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	a, b := newInstance(t, key, cfg), newInstance(t, key, cfg)
	data := realBundle(t)
	meta := bundleMeta(data, "4821")

	tok := a.token(t, "4821", time.Hour, 0)
	resp, body := create(t, b.url, tok, int64(len(data)), meta)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create on B before revoking: %d %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if off, hr := head(t, loc, tok); hr.StatusCode != http.StatusOK || off != 0 {
		t.Fatalf("HEAD on B before revoking: %d offset %d", hr.StatusCode, off)
	}

	rev, err := OpenRevocations(a.data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := Parse(key, tok)
	revokedAt := time.Now()
	if err := rev.Revoke(c.ID); err != nil {
		t.Fatal(err)
	}
	if got := getObject(t, b.s3, st.Prefix+"revoked/"+c.ID); len(got) != 0 {
		t.Errorf("revocation object holds %d bytes", len(got))
	}
	if _, err := os.Stat(filepath.Join(a.data, "revoked", c.ID)); err == nil {
		t.Errorf("revocation written to A's data folder, not only the bucket")
	}
	for _, ts := range []*testServer{b, a} {
		for {
			resp, body := create(t, ts.url, tok, int64(len(data)), meta)
			if resp.StatusCode == http.StatusUnauthorized {
				wantRefusal(t, "revoked through the bucket", resp, body, 401, "revoked")
				break
			}
			if time.Since(revokedAt) > RevocationCacheTTL+time.Second {
				t.Fatalf("revoked token still accepted %v after revoking: %d %s", time.Since(revokedAt), resp.StatusCode, body)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	t.Logf("refused on both instances %v after revoking", time.Since(revokedAt).Round(time.Millisecond))
	if resp, body, err := patch(t, loc, tok, 0, nil); err != nil || resp.StatusCode != 401 {
		t.Errorf("PATCH with the revoked token on B: %v %v %s", err, resp, body)
	}
	// A token not revoked is still accepted by both.
	good := a.token(t, "4821", time.Hour, 0)
	for _, ts := range []*testServer{a, b} {
		if resp, body := create(t, ts.url, good, int64(len(data)), meta); resp.StatusCode != http.StatusCreated {
			t.Errorf("create with a good token: %d %s", resp.StatusCode, body)
		}
	}

	t.Logf("good token accepted; %v since start of fail-closed checks", time.Since(revokedAt))
	// Fail closed: a bucket that is not there, or a server that does not answer, refuses tokens.
	missing := *b.s3
	missing.bucket = "no-such-bucket"
	if !s3Revocations(&missing, t.TempDir()).Revoked(c.ID + "x") {
		t.Error("a token passed when the bucket is missing")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := st
	down.Endpoint = "http://" + l.Addr().String()
	l.Close()
	dc, err := newS3Client(down)
	if err != nil {
		t.Fatal(err)
	}
	if !s3Revocations(&s3Storage{c: dc, bucket: st.Bucket, prefix: st.Prefix}, t.TempDir()).Revoked(c.ID + "x") {
		t.Error("a token passed when S3 does not answer")
	}
}

type countingStore struct {
	n       int
	revoked bool
	err     error
}

func (s *countingStore) revoke(string) error { s.revoked = true; return nil }
func (s *countingStore) isRevoked(string) (bool, error) {
	s.n++
	return s.revoked, s.err
}

// "Not revoked" is cached for the TTL (a PATCH stream asks the store once), an error is not
// cached and refuses, and a revocation seen once is kept.
func TestRevocationCache(t *testing.T) {
	s := &countingStore{}
	r := newRevocations(time.Hour, s)
	const id = "abcdefgh12345678"
	for range 100 {
		if r.Revoked(id) {
			t.Fatal("refused a token not revoked")
		}
	}
	if s.n != 1 {
		t.Errorf("100 checks asked the store %d times, want 1", s.n)
	}
	s.err = os.ErrPermission
	if r2 := newRevocations(time.Hour, s); !r2.Revoked(id) || !r2.Revoked(id) {
		t.Error("a store that cannot be read let the token pass")
	}
	s.err, s.revoked = nil, true
	if r2 := newRevocations(0, s); !r2.Revoked(id) {
		t.Error("uncached: a revoked token passed")
	}
	s.revoked = false
	r3 := newRevocations(0, s)
	if err := r3.Revoke(id); err != nil || !r3.Revoked(id) {
		t.Error("a token revoked here passed")
	}
}
