package remote_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/intake"
	"github.com/casefile/casefile/remote"
	"github.com/casefile/casefile/remote/wire"
	"github.com/casefile/casefile/spec"
	"github.com/casefile/casefile/upload"
)

// realIntake is the repository's intake server on loopback, folder storage.
type realIntake struct {
	url   string
	data  string
	key   []byte
	srv   *intake.Server
	filed chan intake.Record
	rem   *intake.Remote
}

func startIntake(t *testing.T, cfg *intake.Config) *realIntake {
	t.Helper()
	data := t.TempDir()
	key, err := intake.LoadKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	ri := &realIntake{data: data, key: key, filed: make(chan intake.Record, 8)}
	ri.srv, err = intake.New(intake.Options{DataDir: data, Key: key, Config: cfg, OnFiled: func(r intake.Record) { ri.filed <- r }})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(ri.srv.Handler())
	ri.url = hs.URL
	t.Cleanup(func() {
		hs.Close()
		ri.srv.Close()
	})
	if ri.rem, err = intake.OpenRemote(data, cfg, nil); err != nil {
		t.Fatal(err)
	}
	return ri
}

func (ri *realIntake) enrollToken(t *testing.T) string {
	t.Helper()
	c, err := intake.NewEnrollClaims(time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := intake.SignEnroll(ri.key, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (ri *realIntake) request(t *testing.T, host, ticket string) intake.HostRequest {
	t.Helper()
	q, err := ri.rem.CreateRequest(ticket, host, "collect please")
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func (ri *realIntake) status(t *testing.T, host, id string) intake.HostRequest {
	t.Helper()
	q, err := ri.rem.Request(host, id)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// host is an enrolled daemon's state folder and spec, with a handler that runs a real
// collection (system.host only: nothing leaves the machine).
type host struct {
	state   string
	id      string
	mu      sync.Mutex
	spec    *spec.Spec
	collect atomic.Int32
}

func enrollHost(t *testing.T, ri *realIntake, consent string) *host {
	t.Helper()
	h := &host{state: t.TempDir()}
	e, err := remote.EnrollHost(context.Background(), remote.EnrollOptions{StateDir: h.state, IntakeURL: ri.url, Token: ri.enrollToken(t), Name: "test-host"})
	if err != nil {
		t.Fatal(err)
	}
	h.id = e.HostID
	h.setConsent(ri.url, consent)
	return h
}

func (h *host) setConsent(url, consent string) {
	s := *spec.Default()
	s.Upload = &spec.Upload{URL: url, Consent: consent}
	h.mu.Lock()
	h.spec = &s
	h.mu.Unlock()
}

func (h *host) current() *spec.Spec {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.spec
}

func (h *host) handler(t *testing.T) remote.Handler {
	return func(ctx context.Context, r remote.Request) (string, error) {
		h.collect.Add(1)
		res, err := collect.Run(ctx, collect.Request{
			Spec: h.current(), SpecRaw: spec.DefaultYAML(), SpecSource: spec.Source{Kind: "default", Name: "built-in"},
			Only: []string{"system.host"}, OutDir: filepath.Join(h.state, "requests"), Ticket: r.Ticket, Root: "/",
			Hostname: "remote-test", Username: "tester", Args: []string{"casefile", "daemon"}, Created: time.Now().UTC(),
		})
		if err != nil {
			return "", err
		}
		return res.Path, nil
	}
}

func (h *host) client(t *testing.T, cfg remote.Config) *remote.Client {
	t.Helper()
	cfg.StateDir, cfg.Spec = h.state, h.current
	cfg.Upload = func(o *upload.Options) { o.ChunkSize = 64 << 10 }
	c, err := remote.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func logEvents(t *testing.T, state, rid string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(state, remote.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e remote.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if e.Request == rid {
			out = append(out, e.Event)
		}
	}
	return out
}

func waitFiled(t *testing.T, ri *realIntake) intake.Record {
	t.Helper()
	select {
	case r := <-ri.filed:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("the intake filed nothing")
		return intake.Record{}
	}
}

// TestRemoteRequestAuto: an agent's request → the daemon polls → consent auto → a real
// collection → the real upload path → the intake files the bundle under the ticket, and the
// request ends uploaded with that bundle's sha256.
func TestRemoteRequestAuto(t *testing.T) {
	ri := startIntake(t, nil)
	h := enrollHost(t, ri, remote.ConsentAuto)
	if _, err := os.Stat(filepath.Join(h.state, remote.KeyFile)); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(filepath.Join(h.state, remote.KeyFile)); st.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %v", st.Mode().Perm())
	}
	q := ri.request(t, h.id, "4821")
	c := h.client(t, remote.Config{})
	if _, err := c.Poll(context.Background(), h.handler(t)); err != nil {
		t.Fatal(err)
	}
	rec := waitFiled(t, ri)
	got := ri.status(t, h.id, q.ID)
	if got.Status != wire.StatusUploaded || got.BundleSHA256 == "" {
		t.Fatalf("request after the poll: %+v", got)
	}
	if rec.Ticket != "4821" || rec.Status != intake.StatusOK || rec.SHA256 != got.BundleSHA256 {
		t.Fatalf("filed %+v, request %+v", rec, got)
	}
	recs, err := ri.srv.Index().List("4821")
	if err != nil || len(recs) != 1 || recs[0].SHA256 != got.BundleSHA256 {
		t.Fatalf("index %+v %v", recs, err)
	}
	if ev := logEvents(t, h.state, q.ID); strings.Join(ev, ",") != "received,collected,uploaded" {
		t.Fatalf("log events %v", ev)
	}
	if r := c.Recent(); len(r) != 1 || r[0].Status != "uploaded" || !r[0].Reported || r[0].BundleSHA256 != got.BundleSHA256 {
		t.Fatalf("recent %+v", r)
	}
	if len(c.Pending()) != 0 {
		t.Fatalf("pending %+v", c.Pending())
	}
	// The local bundle is gone once the request ended; polling again does nothing.
	if es, _ := os.ReadDir(filepath.Join(h.state, "requests")); len(es) != 0 {
		t.Fatalf("left behind: %v", es)
	}
	if _, err := c.Poll(context.Background(), h.handler(t)); err != nil || h.collect.Load() != 1 {
		t.Fatalf("second poll: %v, %d collections", err, h.collect.Load())
	}
}

// TestRemoteRequestNever: the policy never declines; nothing is collected or uploaded.
func TestRemoteRequestNever(t *testing.T) {
	ri := startIntake(t, nil)
	h := enrollHost(t, ri, remote.ConsentNever)
	q := ri.request(t, h.id, "4822")
	c := h.client(t, remote.Config{})
	if _, err := c.Poll(context.Background(), h.handler(t)); err != nil {
		t.Fatal(err)
	}
	got := ri.status(t, h.id, q.ID)
	if got.Status != wire.StatusDeclined || !strings.Contains(got.Reason, "never") {
		t.Fatalf("request %+v", got)
	}
	if h.collect.Load() != 0 {
		t.Fatal("a declined request was collected")
	}
	if recs, _ := ri.srv.Index().List(""); len(recs) != 0 {
		t.Fatalf("something was uploaded: %+v", recs)
	}
	if ev := logEvents(t, h.state, q.ID); strings.Join(ev, ",") != "received,declined" {
		t.Fatalf("log events %v", ev)
	}
}

// TestRemoteRequestAsk: under ask the request waits (shown by Pending, status waiting at the
// intake) until Approve, then runs; Decline ends another as declined.
func TestRemoteRequestAsk(t *testing.T) {
	ri := startIntake(t, nil)
	h := enrollHost(t, ri, remote.ConsentAsk)
	q1 := ri.request(t, h.id, "4823")
	c := h.client(t, remote.Config{Interval: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, h.handler(t)) }()
	defer func() {
		cancel()
		<-done
	}()
	waitFor(t, "the request to wait for consent", func() bool {
		p := c.Pending()
		return len(p) == 1 && p[0].ID == q1.ID && p[0].State == "waiting" && ri.status(t, h.id, q1.ID).Status == wire.StatusWaiting
	})
	time.Sleep(300 * time.Millisecond) // several polls: still waiting, nothing collected
	if h.collect.Load() != 0 || ri.status(t, h.id, q1.ID).Status != wire.StatusWaiting {
		t.Fatal("a request under ask ran without consent")
	}
	if err := c.Approve("r-aaaaaaaaaaaaaaaa"); !errors.Is(err, remote.ErrUnknownRequest) {
		t.Fatalf("approving an unknown request: %v", err)
	}
	if err := c.Approve(q1.ID); err != nil {
		t.Fatal(err)
	}
	rec := waitFiled(t, ri)
	waitFor(t, "the request to end uploaded", func() bool { return ri.status(t, h.id, q1.ID).Status == wire.StatusUploaded })
	if rec.Ticket != "4823" || rec.SHA256 != ri.status(t, h.id, q1.ID).BundleSHA256 {
		t.Fatalf("filed %+v", rec)
	}
	if ev := logEvents(t, h.state, q1.ID); strings.Join(ev, ",") != "received,waiting,approved,collected,uploaded" {
		t.Fatalf("log events %v", ev)
	}

	q2 := ri.request(t, h.id, "4824")
	waitFor(t, "the second request to wait", func() bool { return len(c.Pending()) == 1 })
	if err := c.Decline(q2.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second request to end declined", func() bool { return ri.status(t, h.id, q2.ID).Status == wire.StatusDeclined })
	if h.collect.Load() != 1 {
		t.Fatalf("%d collections, want 1", h.collect.Load())
	}

	// Answers dropped in the state folder (casefile daemon approve|decline ID) reach the
	// running loop within remote.ConsentCheck.
	q3, q4 := ri.request(t, h.id, "4826"), ri.request(t, h.id, "4827")
	waitFor(t, "two requests to wait", func() bool { return len(c.Pending()) == 2 })
	if err := remote.Answer(h.state, "../x", true); err == nil {
		t.Fatal("a bad id was accepted")
	}
	if err := remote.Answer(h.state, q3.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := remote.Answer(h.state, q4.ID, false); err != nil {
		t.Fatal(err)
	}
	waitFiled(t, ri)
	waitFor(t, "the answers to take effect", func() bool {
		return ri.status(t, h.id, q3.ID).Status == wire.StatusUploaded && ri.status(t, h.id, q4.ID).Status == wire.StatusDeclined
	})
	if es, _ := os.ReadDir(filepath.Join(h.state, remote.ConsentDir)); len(es) != 0 {
		t.Fatalf("answers left behind: %v", es)
	}
	if h.collect.Load() != 2 {
		t.Fatalf("%d collections, want 2", h.collect.Load())
	}
}

// TestRemoteOutcomeReportedAfterRestart: an outcome the intake did not acknowledge (it was
// down) is in the local log; a new client reports it at its first poll and does not run the
// request again.
func TestRemoteOutcomeReportedAfterRestart(t *testing.T) {
	ri := startIntake(t, nil)
	h := enrollHost(t, ri, remote.ConsentNever)
	q := ri.request(t, h.id, "4825")
	var down atomic.Bool
	flaky := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		if down.Load() && r.Method == http.MethodPost {
			return nil, errors.New("connection refused (test)")
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	down.Store(true)
	c := h.client(t, remote.Config{HTTP: flaky})
	if _, err := c.Poll(context.Background(), h.handler(t)); err != nil {
		t.Fatal(err)
	}
	if r := c.Recent(); len(r) != 1 || r[0].Reported {
		t.Fatalf("recent %+v", r)
	}
	if got := ri.status(t, h.id, q.ID); got.Status != wire.StatusDelivered {
		t.Fatalf("request %+v", got)
	}
	down.Store(false)
	h.setConsent(ri.url, remote.ConsentAuto) // would collect if it ran the request again
	c2 := h.client(t, remote.Config{})
	if _, err := c2.Poll(context.Background(), h.handler(t)); err != nil {
		t.Fatal(err)
	}
	if got := ri.status(t, h.id, q.ID); got.Status != wire.StatusDeclined || h.collect.Load() != 0 {
		t.Fatalf("request %+v, %d collections", got, h.collect.Load())
	}
}

// TestLoopBacksOff: with the intake gone, Run keeps trying with growing waits and stops when
// its context ends; a host that is not enrolled is told so.
func TestLoopBacksOff(t *testing.T) {
	if _, err := remote.New(remote.Config{StateDir: t.TempDir(), Spec: spec.Default}); !errors.Is(err, remote.ErrNotEnrolled) {
		t.Fatalf("not enrolled: %v", err)
	}
	ri := startIntake(t, nil)
	h := enrollHost(t, ri, remote.ConsentAuto)
	var polls atomic.Int32
	var times []time.Time
	var mu sync.Mutex
	failing := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		polls.Add(1)
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		return nil, errors.New("unreachable (test)")
	})}
	c := h.client(t, remote.Config{HTTP: failing, Interval: 10 * time.Millisecond, MaxBackoff: 20 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 7*time.Second)
	defer cancel()
	err := c.Run(ctx, h.handler(t))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run returned %v", err)
	}
	// 5 s (±10 %) after the first failure: two attempts in 7 s, not hundreds at the 10 ms interval.
	if n := polls.Load(); n != 2 {
		t.Fatalf("%d attempts in 7 s, want 2 (backoff 5 s, then 10 s)", n)
	}
	if d := times[1].Sub(times[0]); d < 4*time.Second || d > 6*time.Second {
		t.Fatalf("waited %s after the first failure, want about 5 s", d)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestApprovalSurvivesRestart: a request approved and then cut short by the daemon stopping
// (its context ends during the collection) runs again after a restart without asking again.
func TestApprovalSurvivesRestart(t *testing.T) {
	ri := startIntake(t, nil)
	h := enrollHost(t, ri, remote.ConsentAsk)
	q := ri.request(t, h.id, "4828")
	c := h.client(t, remote.Config{})
	if _, err := c.Poll(context.Background(), h.handler(t)); err != nil {
		t.Fatal(err)
	}
	if err := c.Approve(q.ID); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopping := func(ctx context.Context, r remote.Request) (string, error) {
		cancel() // the daemon stops while collecting
		<-ctx.Done()
		return "", ctx.Err()
	}
	if _, err := c.Poll(ctx, stopping); !errors.Is(err, context.Canceled) {
		t.Fatalf("poll while stopping: %v", err)
	}
	if got := ri.status(t, h.id, q.ID); got.Status != wire.StatusWaiting {
		t.Fatalf("request after the stop: %+v", got)
	}
	c2 := h.client(t, remote.Config{})
	if _, err := c2.Poll(context.Background(), h.handler(t)); err != nil {
		t.Fatal(err)
	}
	waitFiled(t, ri)
	if got := ri.status(t, h.id, q.ID); got.Status != wire.StatusUploaded {
		t.Fatalf("request after the restart: %+v", got)
	}
}

// TestAskUnanswered: nobody answers the Ask hook within AskTimeout; the loop goes on and the
// request waits for an answer file, which then lets it run; a "no" from the hook declines.
func TestAskUnanswered(t *testing.T) {
	ri := startIntake(t, nil)
	h := enrollHost(t, ri, remote.ConsentAsk)
	q := ri.request(t, h.id, "4831")
	var asked atomic.Int32
	c := h.client(t, remote.Config{AskTimeout: 100 * time.Millisecond, Ask: func(ctx context.Context, r remote.Request) (bool, error) {
		asked.Add(1)
		if r.Ticket == "4832" {
			return false, nil
		}
		<-ctx.Done() // nobody at the terminal
		return false, ctx.Err()
	}})
	if _, err := c.Poll(context.Background(), h.handler(t)); err != nil {
		t.Fatal(err)
	}
	if got := ri.status(t, h.id, q.ID); got.Status != wire.StatusWaiting || h.collect.Load() != 0 {
		t.Fatalf("request %+v after an unanswered question", got)
	}
	if _, err := c.Poll(context.Background(), h.handler(t)); err != nil || asked.Load() != 1 {
		t.Fatalf("asked %d times, %v", asked.Load(), err)
	}
	if err := remote.Answer(h.state, q.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Poll(context.Background(), h.handler(t)); err != nil {
		t.Fatal(err)
	}
	waitFiled(t, ri)
	if got := ri.status(t, h.id, q.ID); got.Status != wire.StatusUploaded {
		t.Fatalf("request %+v after the answer file", got)
	}
	q2 := ri.request(t, h.id, "4832")
	if _, err := c.Poll(context.Background(), h.handler(t)); err != nil {
		t.Fatal(err)
	}
	if got := ri.status(t, h.id, q2.ID); got.Status != wire.StatusDeclined || got.Reason != "declined on this host" {
		t.Fatalf("request %+v after no", got)
	}
}
