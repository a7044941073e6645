package intake

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/casefile/casefile/internal/testenv"
)

// startVersity runs a real S3 server (versitygw, posix backend) on loopback for the test, sets
// the key environment variables the config names, creates the bucket and returns the storage
// config.
func startVersity(t *testing.T, bucket, prefix string) Storage {
	t.Helper()
	bin := testenv.NeedTool(t, "versitygw")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	root := t.TempDir()
	var out bytes.Buffer
	cmd := exec.Command(bin, "--access", "intake-test-access", "--secret", "intake-test-secret", "--port", addr, "posix", root)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("versitygw output:\n%s", out.String())
		}
	})
	t.Setenv("S3_ACCESS_KEY", "intake-test-access")
	t.Setenv("S3_SECRET_KEY", "intake-test-secret")
	st := Storage{URL: "s3://" + bucket + "/" + prefix, Endpoint: "http://" + addr, Region: "us-east-1",
		AccessKeyEnv: "S3_ACCESS_KEY", SecretKeyEnv: "S3_SECRET_KEY", Bucket: bucket, Prefix: prefix + "/"}
	c, err := newS3Client(st)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket})
		cancel()
		if err == nil {
			break
		}
		select {
		case <-exited:
			t.Fatalf("versitygw exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("creating bucket %s on versitygw at %s: %v\n%s", bucket, addr, err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return st
}

// newInstance is an intake server with its own data folder (index cache, scratch space) and the
// shared signing key and storage: one of several stateless instances.
func newInstance(t *testing.T, key []byte, cfg *Config) *testServer {
	t.Helper()
	data := t.TempDir()
	ts := &testServer{key: key, data: data, filed: make(chan Record, 16), now: time.Now(), logs: &bytes.Buffer{}}
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&mu, ts.logs}, nil))
	s, err := New(Options{DataDir: data, Config: cfg, Key: key, Logger: logger, OnFiled: func(r Record) { ts.filed <- r }})
	if err != nil {
		t.Fatal(err)
	}
	ts.Server = s
	hs := httptest.NewServer(s.Handler())
	ts.url = hs.URL + BasePath
	t.Cleanup(func() {
		hs.Close()
		s.Close()
		mu.Lock()
		defer mu.Unlock()
		if strings.Contains(ts.logs.String(), "cf1.") || strings.Contains(ts.logs.String(), "intake-test-secret") {
			t.Errorf("a token or key reached the log:\n%s", ts.logs)
		}
	})
	return ts
}

func getObject(t *testing.T, b *s3Storage, key string) []byte {
	t.Helper()
	o, err := b.c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &b.bucket, Key: aws.String(key)})
	if err != nil {
		t.Fatalf("s3://%s/%s: %v", b.bucket, key, err)
	}
	defer o.Body.Close()
	data, err := io.ReadAll(o.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// An upload cut at a random offset on one instance resumes on another sharing the bucket,
// arrives byte-identical and is filed in the bucket; a tampered bundle is quarantined in the
// bucket; reindex from the bucket alone gives the same list.
func TestS3StatelessInstances(t *testing.T) {
	st := startVersity(t, "casefile-bundles", "intake")
	cfg := &Config{Limits: DefaultLimits, Storage: st}
	key, err := LoadKey(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	a, b := newInstance(t, key, cfg), newInstance(t, key, cfg)
	bucket := b.s3

	data := realBundle(t)
	tok := a.token(t, "4821", time.Hour, 0)
	resp, body := create(t, a.url, tok, int64(len(data)), bundleMeta(data, "4821"))
	if resp.StatusCode != 201 {
		t.Fatalf("create on A: %d %s", resp.StatusCode, body)
	}
	locA := resp.Header.Get("Location")
	id := locA[strings.LastIndex(locA, "/")+1:]
	locB := b.url + id
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 12))
	n := 1 + rng.Int64N(int64(len(data))-1)
	t.Logf("cut on instance A after %d of %d bytes", n, len(data))
	patch(t, locA, tok, 0, &cutReader{r: bytes.NewReader(data), n: n})
	// Instance B knows the upload and its offset from the bucket alone.
	var off int64
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, hr := head(t, locB, tok)
		if hr.StatusCode != 200 {
			t.Fatalf("HEAD on B: %d", hr.StatusCode)
		}
		if got > 0 || time.Now().After(deadline) {
			if got > n {
				t.Fatalf("offset %d after sending %d", got, n)
			}
			off = got
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("instance B resumes at offset %d", off)
	resp, body, err = patch(t, locB, tok, off, bytes.NewReader(data[off:]))
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("resume on B: %v %v %s", err, resp, body)
	}
	r := b.waitFiled(t)
	if r.Status != StatusOK || r.Ticket != "4821" || r.Path != "bundles/4821/"+r.SHA256+".tar.gz" {
		t.Fatalf("record %+v", r)
	}
	if stored := getObject(t, bucket, "intake/"+r.Path); !bytes.Equal(stored, data) {
		t.Fatalf("the bucket's bundle differs from what was sent (%d vs %d bytes)", len(stored), len(data))
	}
	var rec Record
	if err := json.Unmarshal(getObject(t, bucket, "intake/"+r.Path+".json"), &rec); err != nil || rec.SHA256 != r.SHA256 || rec.ID != id {
		t.Fatalf("record in the bucket: %v %+v", err, rec)
	}
	if left, err := bucket.list("intake/tus/"); err != nil || len(left) != 0 {
		t.Errorf("tus state left in the bucket: %v %v", err, left)
	}

	// A tampered bundle, through instance A: quarantined in the bucket.
	bad := tampered(t, data)
	upload(t, a, tok, bad, bundleMeta(bad, "4821"))
	q := a.waitFiled(t)
	if q.Status != StatusQuarantined || !strings.HasPrefix(q.Path, "quarantine/4821/") {
		t.Fatalf("tampered: %+v", q)
	}
	if stored := getObject(t, bucket, "intake/"+q.Path); !bytes.Equal(stored, bad) {
		t.Fatal("quarantined bundle not kept as received")
	}

	// The same bytes again through A: one entry in the bucket, the duplicate noted.
	upload(t, a, tok, data, bundleMeta(data, "4821"))
	if d := a.waitFiled(t); d.ID != id || len(d.Duplicates) != 1 {
		t.Fatalf("duplicate: %+v", d)
	}

	// Each instance's index is a cache of what it filed; reindex from the bucket alone, in a
	// fresh data folder, gives the list of all of them.
	listA, _ := a.Index().List("")
	listB, _ := b.Index().List("")
	want := map[string]Record{}
	for _, x := range append(listB, listA...) {
		want[x.Path] = x
	}
	fresh := t.TempDir()
	got, err := Reindex(fresh, cfg)
	if err != nil {
		t.Fatal(err)
	}
	x, err := OpenIndex(indexPath(fresh))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	listed, _ := x.List("")
	if len(got) != 2 || len(want) != 2 || !reflect.DeepEqual(got, listed) {
		t.Fatalf("reindex: got %+v\nlisted %+v\nwant %+v", got, listed, want)
	}
	for _, g := range got {
		if !reflect.DeepEqual(g, want[g.Path]) {
			t.Errorf("reindexed %+v\nfiled     %+v", g, want[g.Path])
		}
	}

	// A bundle without its record is described from the bucket alone.
	if _, err := bucket.c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket.bucket, Key: aws.String("intake/" + r.Path + ".json")}); err != nil {
		t.Fatal(err)
	}
	got, err = Reindex(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		if g.Path == r.Path && (g.Status != StatusOK || g.SHA256 != r.SHA256 || g.BundleID != r.BundleID) {
			t.Errorf("described without its record: %+v", g)
		}
	}
}

// The keys come only from the environment variables the config names.
func TestS3KeysFromEnvironment(t *testing.T) {
	t.Setenv("S3_ACCESS_KEY", "")
	_, err := New(Options{DataDir: t.TempDir(), Key: bytes.Repeat([]byte{1}, 32), Config: &Config{Limits: DefaultLimits,
		Storage: Storage{URL: "s3://b-1/p", Bucket: "b-1", Prefix: "p/", Region: "us-east-1", AccessKeyEnv: "S3_ACCESS_KEY", SecretKeyEnv: "S3_SECRET_KEY"}}})
	if err == nil || !strings.Contains(err.Error(), "S3_ACCESS_KEY is not set") {
		t.Fatalf("got %v", err)
	}
	c, err := ParseConfig("intake.yaml", []byte("storage:\n  url: s3://casefile-bundles/intake\n  endpoint: http://127.0.0.1:7070\n  access_key_env: S3_ACCESS_KEY\n  secret_key_env: S3_SECRET_KEY\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Storage.Bucket != "casefile-bundles" || c.Storage.Prefix != "intake/" || c.Storage.Region != "us-east-1" || !c.Storage.IsS3() {
		t.Fatalf("parsed %+v", c.Storage)
	}
}

// Larger than s3store's 5 MiB minimum part: the cut leaves S3 multipart parts (and a .part
// object) that the other instance continues. Random bytes are no bundle: quarantined, as sent.
func TestS3MultipartResumeAcrossInstances(t *testing.T) {
	st := startVersity(t, "casefile-big", "p")
	cfg := &Config{Limits: DefaultLimits, Storage: st}
	key, err := LoadKey(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	a, b := newInstance(t, key, cfg), newInstance(t, key, cfg)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))
	data := make([]byte, 13<<20)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	tok := a.token(t, "4821", time.Hour, 0)
	resp, body := create(t, a.url, tok, int64(len(data)), bundleMeta(data, "4821"))
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	id := loc[strings.LastIndex(loc, "/")+1:]
	var off int64
	for i, ts := range []*testServer{a, b, a} {
		n := 1 + rng.Int64N(int64(len(data))-off-1)
		t.Logf("cut %d on instance %c: from %d, %d bytes", i, "ABA"[i], off, n)
		patch(t, ts.url+id, tok, off, &cutReader{r: bytes.NewReader(data[off:]), n: n})
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, hr := head(t, []*testServer{b, a, b}[i].url+id, tok)
			if hr.StatusCode != 200 {
				t.Fatalf("HEAD: %d", hr.StatusCode)
			}
			if got > off || time.Now().After(deadline) {
				if got < off || got > off+n {
					t.Fatalf("offset %d after sending %d from %d", got, n, off)
				}
				off = got
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	resp, body, err = patch(t, b.url+id, tok, off, bytes.NewReader(data[off:]))
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("final patch on B: %v %v %s", err, resp, body)
	}
	r := b.waitFiled(t)
	if r.Status != StatusQuarantined || r.Size != int64(len(data)) {
		t.Fatalf("record %+v", r)
	}
	if stored := getObject(t, b.s3, "p/"+r.Path); !bytes.Equal(stored, data) {
		t.Fatalf("stored %d bytes, not the %d sent", len(stored), len(data))
	}
}
