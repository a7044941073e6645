package desk

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/spec"
)

var (
	bundleOnce sync.Once
	bundlePath string
	bundleErr  error
)

// testBundle is a real bundle (ticket 4821) made by the collection engine, with a spec analyzer
// that always fires one critical and one warning finding. Made once per test binary.
func testBundle(t *testing.T) (string, []byte) {
	t.Helper()
	bundleOnce.Do(func() {
		raw := []byte(`apiVersion: casefile/v1
kind: Spec
metadata: {name: desk-test}
analyzers:
  - {id: acme.uptime, file: system/host.json, field: uptime_seconds, op: ">", value: 0, severity: critical,
     title: "Host has been up for a while"}
  - {id: acme.uptime-known, file: system/host.json, field: uptime_seconds, op: ">=", value: 0, severity: warning,
     title: "Uptime is measured"}
`)
		sp, err := spec.Parse("desk-test.yaml", raw)
		if err != nil {
			bundleErr = err
			return
		}
		dir, err := os.MkdirTemp("", "desk-bundle-")
		if err != nil {
			bundleErr = err
			return
		}
		res, err := collect.Run(context.Background(), collect.Request{
			Spec: sp, SpecRaw: raw, SpecSource: spec.Source{Kind: "file", Name: "desk-test.yaml"},
			Only: []string{"system.host"}, OutDir: dir, Ticket: "4821", Root: "/",
			Hostname: "desk-test-host", Username: "tester", Args: []string{"casefile", "collect"},
			Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Pinned: true,
		})
		if err != nil {
			bundleErr = err
			return
		}
		bundlePath = res.Path
	})
	if bundleErr != nil {
		t.Fatal(bundleErr)
	}
	data, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	return bundlePath, data
}

// fileStore keeps states in memory and reads bundles from local paths (the key is the path).
type fileStore struct {
	mu     sync.Mutex
	states map[string]State
	saved  []string // every state as saved, JSON
}

func (f *fileStore) SaveState(p string, st State) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.states == nil {
		f.states = map[string]State{}
	}
	f.states[p] = st
	b, _ := json.Marshal(st)
	f.saved = append(f.saved, string(b))
	return nil
}

func (f *fileStore) Open(p string) (io.ReadCloser, error) { return os.Open(p) }

func (f *fileStore) Summarize(p string) (Summary, error) {
	c, err := bundle.Read(p, bundle.DefaultReadLimits)
	if err != nil {
		return Summary{}, err
	}
	return Summarize(c), nil
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// run delivers the test bundle for ticket through conn with a queue and returns every state
// it went through and the log; it ends at the first state that is not pending.
type runResult struct {
	states []State
	final  State
	logs   string
	saved  []string
}

func deliverOnce(t *testing.T, conn Connector, ticket string, size int64, link string) runResult {
	t.Helper()
	p, data := testBundle(t)
	if size == 0 {
		size = int64(len(data))
	}
	sum := sha256.Sum256(data)
	store := &fileStore{}
	logs := &syncBuf{}
	changes := make(chan State, 100)
	q := NewQueue(QueueOptions{Connector: conn, Store: store, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Retry:    Retry{Attempts: 5, Initial: 50 * time.Millisecond, Max: 200 * time.Millisecond},
		OnChange: func(_ string, st State) { changes <- st }})
	defer q.Close()
	if err := q.Enqueue(State{Ticket: ticket, Path: p, Size: size, SHA256: hex.EncodeToString(sum[:]),
		FileName: "stored.tar.gz", FileType: "application/gzip", Link: link}); err != nil {
		t.Fatal(err)
	}
	var r runResult
	timeout := time.After(20 * time.Second)
	for {
		select {
		case st := <-changes:
			r.states = append(r.states, st)
			if st.Status != StatusPending {
				r.final, r.logs = st, logs.String()
				store.mu.Lock()
				r.saved = append([]string{}, store.saved...)
				store.mu.Unlock()
				return r
			}
		case <-timeout:
			t.Fatalf("no final state; states %+v\nlogs:\n%s", r.states, logs.String())
		}
	}
}

func secretFor(t *testing.T) string {
	b := make([]byte, 12)
	rand.Read(b)
	return "tok-" + hex.EncodeToString(b)
}

// noSecret fails when the secret, or a basic-auth header made from it, is in the run's
// reasons, saved states or logs.
func (r runResult) noSecret(t *testing.T, user, secret string) {
	t.Helper()
	forms := []string{secret,
		base64.StdEncoding.EncodeToString([]byte(user + ":" + secret)),
		base64.StdEncoding.EncodeToString([]byte(user + "/token:" + secret))}
	texts := append([]string{r.logs, r.final.Reason}, r.saved...)
	for _, s := range r.states {
		texts = append(texts, s.Reason, s.String())
	}
	for _, text := range texts {
		for _, f := range forms {
			if strings.Contains(text, f) {
				t.Errorf("the secret is in %q", text)
			}
		}
	}
}

func envWith(kv ...string) Env {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return Env{LookupEnv: func(k string) (string, bool) { v, ok := m[k]; return v, ok }, ReadFile: os.ReadFile}
}
