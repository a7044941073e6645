package intake

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/klauspost/compress/gzip"

	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/spec"
)

// A real bundle, made once by the collection engine (system.host only: nothing leaves the
// machine).
var (
	bundleOnce  sync.Once
	bundleBytes []byte
	bundleErr   error
)

func realBundle(t *testing.T) []byte {
	t.Helper()
	bundleOnce.Do(func() {
		dir, err := os.MkdirTemp("", "intake-bundle-")
		if err != nil {
			bundleErr = err
			return
		}
		defer os.RemoveAll(dir)
		res, err := collect.Run(context.Background(), collect.Request{
			Spec: spec.Default(), SpecRaw: spec.DefaultYAML(), SpecSource: spec.Source{Kind: "default", Name: "built-in"},
			Only: []string{"system.host"}, OutDir: dir, Ticket: "4821", Root: "/",
			Hostname: "intake-test", Username: "tester", Args: []string{"casefile", "collect"},
			Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Pinned: true,
		})
		if err != nil {
			bundleErr = err
			return
		}
		bundleBytes, bundleErr = os.ReadFile(res.Path)
	})
	if bundleErr != nil {
		t.Fatal(bundleErr)
	}
	return bundleBytes
}

// tampered is the bundle with one byte flipped inside a collected file, the archive still valid.
func tampered(t *testing.T, src []byte) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out bytes.Buffer
	gw := gzip.NewWriter(&out)
	tw := tar.NewWriter(gw)
	flipped := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		if !flipped && h.Typeflag == tar.TypeReg && strings.Contains(h.Name, "/system/") && len(data) > 0 {
			data[len(data)/2] ^= 0x01
			flipped = true
		}
		tw.WriteHeader(h)
		tw.Write(data)
	}
	tw.Close()
	gw.Close()
	if !flipped {
		t.Fatal("no system/ file to tamper with")
	}
	return out.Bytes()
}

type testServer struct {
	*Server
	url   string
	key   []byte
	data  string
	filed chan Record
	now   time.Time
	logs  *bytes.Buffer
}

func newTestServer(t *testing.T, cfg *Config, ids ...age.Identity) *testServer {
	t.Helper()
	data := t.TempDir()
	key, err := LoadKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg == nil {
		cfg = &Config{Limits: DefaultLimits}
	}
	ts := &testServer{key: key, data: data, filed: make(chan Record, 16), now: time.Now(), logs: &bytes.Buffer{}}
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&mu, ts.logs}, nil))
	s, err := New(Options{DataDir: data, Config: cfg, Key: key, Identities: ids, Logger: logger,
		OnFiled: func(r Record) { ts.filed <- r }})
	if err != nil {
		t.Fatal(err)
	}
	ts.Server = s
	hs := httptest.NewServer(s.Handler()) // loopback
	ts.url = hs.URL + BasePath
	t.Cleanup(func() {
		hs.Close()
		s.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, secret := range []string{"cf1."} {
			if strings.Contains(ts.logs.String(), secret) {
				t.Errorf("a token reached the log:\n%s", ts.logs)
			}
		}
	})
	return ts
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (ts *testServer) token(t *testing.T, ticket string, ttl time.Duration, max int64) string {
	t.Helper()
	c, err := NewClaims(ticket, time.Now(), ttl, max)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Sign(ts.key, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (ts *testServer) waitFiled(t *testing.T) Record {
	t.Helper()
	select {
	case r := <-ts.filed:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("upload not filed")
		return Record{}
	}
}

// tusFiles lists what the tus store holds (uploads and their .info).
func (ts *testServer) tusFiles(t *testing.T) []string {
	t.Helper()
	es, _ := os.ReadDir(filepath.Join(ts.data, "tus"))
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// A small tus 1.0 client: the test's own, independent of package upload.

func metadata(kv map[string]string) string {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(kv))
	for _, k := range keys {
		parts = append(parts, k+" "+base64.StdEncoding.EncodeToString([]byte(kv[k])))
	}
	return strings.Join(parts, ",")
}

func do(t *testing.T, req *http.Request, tok string) (*http.Response, string) {
	t.Helper()
	req.Header.Set("Tus-Resumable", "1.0.0")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func create(t *testing.T, base, tok string, size int64, meta map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base, nil)
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	req.Header.Set("Upload-Metadata", metadata(meta))
	return do(t, req, tok)
}

func head(t *testing.T, loc, tok string) (int64, *http.Response) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodHead, loc, nil)
	resp, _ := do(t, req, tok)
	off, _ := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	return off, resp
}

func patch(t *testing.T, loc, tok string, off int64, body io.Reader) (*http.Response, string, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPatch, loc, body)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), nil
}

func bundleMeta(data []byte, ticket string) map[string]string {
	sum := sha256.Sum256(data)
	return map[string]string{"filename": "b.tar.gz", "sha256": hex.EncodeToString(sum[:]), "ticket": ticket}
}

// upload sends data whole and returns the upload's URL.
func upload(t *testing.T, ts *testServer, tok string, data []byte, meta map[string]string) string {
	t.Helper()
	resp, body := create(t, ts.url, tok, int64(len(data)), meta)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	resp, body, err := patch(t, loc, tok, 0, bytes.NewReader(data))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("patch: %v %v %s", err, resp, body)
	}
	return loc
}

func TestUploadFiledAndIndexed(t *testing.T) {
	ts := newTestServer(t, nil)
	data := realBundle(t)
	tok := ts.token(t, "4821", time.Hour, 0)
	upload(t, ts, tok, data, bundleMeta(data, "4821"))
	r := ts.waitFiled(t)
	sum := sha256.Sum256(data)
	if r.Status != StatusOK || r.SHA256 != hex.EncodeToString(sum[:]) || r.Ticket != "4821" || r.Size != int64(len(data)) || r.BundleID == "" {
		t.Fatalf("record %+v", r)
	}
	stored, err := os.ReadFile(filepath.Join(ts.data, "bundles", "4821", r.SHA256+".tar.gz"))
	if err != nil || !bytes.Equal(stored, data) {
		t.Fatalf("stored bundle differs: %v", err)
	}
	if left := ts.tusFiles(t); len(left) != 0 {
		t.Errorf("tus store still holds %v", left)
	}
	// The same bundle again: one entry, the duplicate noted.
	upload(t, ts, tok, data, bundleMeta(data, "4821"))
	r2 := ts.waitFiled(t)
	if r2.ID != r.ID || len(r2.Duplicates) != 1 {
		t.Fatalf("duplicate: %+v", r2)
	}
	list, err := ts.Index().List("4821")
	if err != nil || len(list) != 1 || len(list[0].Duplicates) != 1 {
		t.Fatalf("list: %v %+v", err, list)
	}
	if other, _ := ts.Index().List("9999"); len(other) != 0 {
		t.Errorf("other ticket lists %v", other)
	}
	if !strings.Contains(ts.logs.String(), `"msg":"upload filed"`) {
		t.Errorf("no log of the upload:\n%s", ts.logs)
	}
}

// cutReader ends with an error after n bytes, as a dropped connection does.
type cutReader struct {
	r io.Reader
	n int64
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, errors.New("connection cut")
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

func TestResumeAfterCuts(t *testing.T) {
	ts := newTestServer(t, nil)
	// A larger body than the bundle so cuts land inside tusd's buffering, then the real bundle.
	data := realBundle(t)
	tok := ts.token(t, "4821", time.Hour, 0)
	resp, body := create(t, ts.url, tok, int64(len(data)), bundleMeta(data, "4821"))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	var off int64
	for cut := 0; cut < 3; cut++ {
		n := 1 + rng.Int64N(int64(len(data))-off-1)
		t.Logf("cut %d: offset %d, %d bytes then the connection drops", cut, off, n)
		// The error aborts the request; tusd keeps what it received.
		patch(t, loc, tok, off, &cutReader{r: bytes.NewReader(data[off:]), n: n})
		deadline := time.Now().Add(5 * time.Second)
		for {
			got, hr := head(t, loc, tok)
			if hr.StatusCode != http.StatusOK {
				t.Fatalf("HEAD: %d", hr.StatusCode)
			}
			if got > off || time.Now().After(deadline) {
				if got < off || got > off+n {
					t.Fatalf("offset %d after sending %d from %d", got, n, off)
				}
				off = got
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	resp, body, err := patch(t, loc, tok, off, bytes.NewReader(data[off:]))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("final patch: %v %v %s", err, resp, body)
	}
	r := ts.waitFiled(t)
	stored, _ := os.ReadFile(filepath.Join(ts.data, filepath.FromSlash(r.Path)))
	if r.Status != StatusOK || !bytes.Equal(stored, data) {
		t.Fatalf("after resuming: %+v, byte-identical %v", r, bytes.Equal(stored, data))
	}
}

func wantRefusal(t *testing.T, name string, resp *http.Response, body string, status int, words string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d (%s)", name, resp.StatusCode, status, body)
		return
	}
	var e struct{ Error string }
	if err := json.Unmarshal([]byte(body), &e); err != nil || !strings.Contains(e.Error, words) {
		t.Errorf("%s: body %q, want a JSON error saying %q", name, body, words)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", name, ct)
	}
}

func TestTokensRefusedBeforeAByteIsStored(t *testing.T) {
	ts := newTestServer(t, nil)
	data := realBundle(t)
	meta := bundleMeta(data, "4821")

	otherKey := make([]byte, 32)
	c, _ := NewClaims("4821", time.Now(), time.Hour, 0)
	forged, _ := Sign(otherKey, c)
	expired := ts.token(t, "4821", -time.Minute, 0)
	revoked := ts.token(t, "4821", time.Hour, 0)
	rc, _ := Parse(ts.key, revoked)
	if err := NewRevocations(ts.data).Revoke(rc.ID); err != nil {
		t.Fatal(err)
	}
	other := ts.token(t, "5000", time.Hour, 0)
	// A payload edited after signing (ticket changed) no longer matches its MAC.
	good := ts.token(t, "4821", time.Hour, 0)
	parts := strings.Split(good, ".")
	edited := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"id":"`+rc.ID+`","ticket":"5000","exp":9999999999,"max":0}`)) + "." + parts[2]

	for _, tc := range []struct {
		name, tok string
		status    int
		words     string
	}{
		{"missing", "", 401, "no upload token"},
		{"garbage", "not-a-token", 401, "malformed"},
		{"wrong MAC", forged, 401, "signature"},
		{"edited payload", edited, 401, "signature"},
		{"expired", expired, 401, "expired"},
		{"revoked", revoked, 401, "revoked"},
		{"other ticket", other, 403, "ticket"},
	} {
		resp, body := create(t, ts.url, tc.tok, int64(len(data)), meta)
		wantRefusal(t, tc.name, resp, body, tc.status, tc.words)
	}
	if left := ts.tusFiles(t); len(left) != 0 {
		t.Errorf("refused uploads stored %v", left)
	}

	// An upload created with a good token: HEAD and PATCH check the token too.
	resp, _ := create(t, ts.url, good, int64(len(data)), meta)
	loc := resp.Header.Get("Location")
	for _, tc := range []struct {
		name, tok string
		status    int
	}{{"patch expired", expired, 401}, {"patch revoked", revoked, 401}, {"patch wrong MAC", forged, 401}, {"patch other ticket", other, 403}} {
		resp, body, err := patch(t, loc, tc.tok, 0, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		wantRefusal(t, tc.name, resp, body, tc.status, "")
		if off, _ := head(t, loc, good); off != 0 {
			t.Fatalf("%s: %d bytes stored", tc.name, off)
		}
	}
	if _, hr := head(t, loc, other); hr.StatusCode != 403 {
		t.Errorf("HEAD with another ticket's token: %d", hr.StatusCode)
	}
}

func TestTooBigAndRateLimited(t *testing.T) {
	cfg := &Config{Limits: DefaultLimits}
	cfg.Limits.Rate, cfg.Limits.RatePer = 3, time.Minute
	ts := newTestServer(t, cfg)
	data := realBundle(t)
	small := ts.token(t, "4821", time.Hour, 100)
	resp, body := create(t, ts.url, small, int64(len(data)), bundleMeta(data, "4821"))
	wantRefusal(t, "too big", resp, body, 413, "larger than this token allows")

	tok := ts.token(t, "4821", time.Hour, 0)
	for i := 0; i < 3; i++ {
		if resp, body := create(t, ts.url, tok, 10, map[string]string{"ticket": "4821"}); resp.StatusCode != 201 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	resp, body = create(t, ts.url, tok, 10, map[string]string{"ticket": "4821"})
	wantRefusal(t, "rate", resp, body, 429, "rate limit")
	// Another token has its own budget.
	if resp, _ := create(t, ts.url, ts.token(t, "4821", time.Hour, 0), 10, map[string]string{"ticket": "4821"}); resp.StatusCode != 201 {
		t.Errorf("a fresh token was limited: %d", resp.StatusCode)
	}
}

func TestConcurrentUploadsPerToken(t *testing.T) {
	cfg := &Config{Limits: DefaultLimits}
	cfg.Limits.PerToken = 1
	ts := newTestServer(t, cfg)
	tok := ts.token(t, "4821", time.Hour, 0)
	resp, _ := create(t, ts.url, tok, 1000, map[string]string{"ticket": "4821"})
	loc := resp.Header.Get("Location")
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		patch(t, loc, tok, 0, pr)
	}()
	pw.Write(make([]byte, 10))
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		ts.flight.mu.Lock()
		n := ts.flight.n
		ts.flight.mu.Unlock()
		if n == 1 {
			break // the first PATCH is in flight
		}
		if time.Now().After(deadline) {
			t.Fatal("first PATCH never arrived")
		}
	}
	resp2, _ := create(t, ts.url, tok, 1000, map[string]string{"ticket": "4821"})
	resp, body, err := patch(t, resp2.Header.Get("Location"), tok, 0, bytes.NewReader(make([]byte, 10)))
	if err != nil {
		t.Fatal(err)
	}
	wantRefusal(t, "second concurrent PATCH", resp, body, 429, "concurrent")
	pw.Close()
	<-done
}

func TestTamperedBundleQuarantined(t *testing.T) {
	ts := newTestServer(t, nil)
	bad := tampered(t, realBundle(t))
	tok := ts.token(t, "4821", time.Hour, 0)
	upload(t, ts, tok, bad, bundleMeta(bad, "4821"))
	r := ts.waitFiled(t)
	if r.Status != StatusQuarantined || !strings.Contains(r.Reason, "altered") {
		t.Fatalf("record %+v", r)
	}
	if !strings.HasPrefix(r.Path, "quarantine/4821/") {
		t.Errorf("path %s", r.Path)
	}
	if stored, err := os.ReadFile(filepath.Join(ts.data, filepath.FromSlash(r.Path))); err != nil || !bytes.Equal(stored, bad) {
		t.Errorf("quarantined bundle not kept as received: %v", err)
	}

	// A bundle whose manifest names another ticket than its token is quarantined too.
	ts2 := newTestServer(t, nil)
	data := realBundle(t)
	tok2 := ts2.token(t, "7777", time.Hour, 0)
	upload(t, ts2, tok2, data, bundleMeta(data, "7777"))
	if r := ts2.waitFiled(t); r.Status != StatusQuarantined || !strings.Contains(r.Reason, `ticket "4821"`) {
		t.Fatalf("ticket mismatch: %+v", r)
	}
}

func TestReindexRebuildsTheSameList(t *testing.T) {
	ts := newTestServer(t, nil)
	data := realBundle(t)
	tok := ts.token(t, "4821", time.Hour, 0)
	upload(t, ts, tok, data, bundleMeta(data, "4821"))
	ts.waitFiled(t)
	bad := tampered(t, data)
	upload(t, ts, tok, bad, bundleMeta(bad, "4821"))
	ts.waitFiled(t)
	upload(t, ts, tok, data, bundleMeta(data, "4821"))
	ts.waitFiled(t)
	before, err := ts.Index().List("")
	if err != nil || len(before) != 2 {
		t.Fatalf("before: %v %+v", err, before)
	}
	ts.Close()
	if err := os.Remove(filepath.Join(ts.data, "index.db")); err != nil {
		t.Fatal(err)
	}
	after, err := Reindex(ts.data, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := OpenIndex(filepath.Join(ts.data, "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	listed, _ := x.List("")
	if !reflect.DeepEqual(before, after) || !reflect.DeepEqual(before, listed) {
		t.Fatalf("reindex differs:\nbefore %+v\nafter  %+v\nlisted %+v", before, after, listed)
	}
	// Reopened so Cleanup's Close has something to close.
	ts.Server.idx, _ = OpenIndex(filepath.Join(t.TempDir(), "x.db"))
	ts.Server.done = make(chan struct{})
}

func encrypt(t *testing.T, data []byte, r age.Recipient) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := age.Encrypt(&out, r)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return out.Bytes()
}

func TestEncryptedUploads(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	data := realBundle(t)
	ct := encrypt(t, data, id.Recipient())
	meta := bundleMeta(ct, "4821")
	meta["encrypted"] = "age"

	// Without the identity: ciphertext stored as it came, marked encrypted, no plaintext.
	ts := newTestServer(t, nil)
	upload(t, ts, ts.token(t, "4821", time.Hour, 0), ct, meta)
	r := ts.waitFiled(t)
	if r.Status != StatusEncrypted || !strings.HasSuffix(r.Path, ".age") {
		t.Fatalf("without identity: %+v", r)
	}
	filepath.Walk(ts.data, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, data[:64]) || bytes.Equal(b, data) {
				t.Errorf("plaintext stored at %s", p)
			}
		}
		return nil
	})

	// With it: decrypted, verified, filed as the plaintext bundle.
	ts2 := newTestServer(t, nil, id)
	upload(t, ts2, ts2.token(t, "4821", time.Hour, 0), ct, meta)
	r2 := ts2.waitFiled(t)
	sum := sha256.Sum256(data)
	if r2.Status != StatusOK || !r2.Decrypted || r2.SHA256 != hex.EncodeToString(sum[:]) || !strings.HasSuffix(r2.Path, ".tar.gz") {
		t.Fatalf("with identity: %+v", r2)
	}
	if es, _ := os.ReadDir(filepath.Join(ts2.data, "tmp")); len(es) != 0 {
		t.Errorf("decryption left %d temp files", len(es))
	}
}

func TestConfig(t *testing.T) {
	c, err := ParseConfig("intake.yaml", []byte("listen: 127.0.0.1:8470\nkey_file: /k\nstorage: {url: /srv/b}\nlimits: {max_size: 1GiB, concurrent_uploads: 8, per_token_rate: 10/min}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits.MaxSize != 1<<30 || c.Limits.ConcurrentUploads != 8 || c.Limits.Rate != 10 || c.Limits.RatePer != time.Minute || c.Storage.URL != "/srv/b" || c.Limits.PerToken != DefaultLimits.PerToken {
		t.Errorf("parsed %+v", c)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"listen: x:1\nlimitz: {}\n", "intake.yaml:2: limitz: unknown key"},
		{"limits:\n  max_size: lots\n", "intake.yaml:2: limits.max_size: want a size"},
		{"limits:\n  per_token_rate: 10/fortnight\n", "intake.yaml:2: limits.per_token_rate:"},
		{"limits:\n  concurrent_uploads: -1\n", "intake.yaml:2: limits.concurrent_uploads: want a positive"},
		{"storage:\n  url: s3://B_/p\n", "intake.yaml:2: storage.url:"},
		{"storage:\n  url: /srv/b\n  region: us-east-1\n", "intake.yaml:2: storage: storage.region: only for S3"},
		{"storage:\n  url: s3://bucket/p\n  access_key_env: K\n", "storage: give access_key_env and secret_key_env together"},
		{"listen: nope\n", "intake.yaml:1: listen: want host:port"},
		{"storage: [1]\n", "intake.yaml:1: storage: want a mapping"},
	} {
		_, err := ParseConfig("intake.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

func TestKeyCreatedPrivate(t *testing.T) {
	dir := t.TempDir()
	k1, err := LoadKey(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := LoadKey(dir, "")
	if !bytes.Equal(k1, k2) {
		t.Error("key changed between loads")
	}
	if fi, _ := os.Stat(filepath.Join(dir, "intake.key")); fi.Mode().Perm()&0o077 != 0 && os.PathSeparator == '/' {
		t.Errorf("key mode %v", fi.Mode())
	}
}
