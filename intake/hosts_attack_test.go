package intake

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/remote/wire"
)

// clockServer is the real intake (New, its host routes on a loopback httptest server) with a
// clock the test moves; api is the routes' state, so a test can look at what they remember.
type clockServer struct {
	*Server
	key  []byte
	data string
	base string // http://127.0.0.1:port
	api  *hostAPI
	logs *bytes.Buffer

	mu  sync.Mutex
	now time.Time
}

func (c *clockServer) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clockServer) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newClockServer(t *testing.T) *clockServer {
	t.Helper()
	data := t.TempDir()
	key, err := LoadKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	cs := &clockServer{key: key, data: data, now: time.Now(), logs: &bytes.Buffer{}}
	var mu sync.Mutex
	s, err := New(Options{DataDir: data, Key: key, Now: cs.Now,
		Logger: slog.New(slog.NewJSONHandler(lockedWriter{&mu, cs.logs}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	cs.Server = s
	mux := http.NewServeMux()
	mux.Handle(BasePath, s.guard(http.StripPrefix(BasePath, s.tus)))
	cs.api = s.remoteRoutes(mux)
	hs := httptest.NewServer(mux) // loopback
	cs.base = hs.URL
	t.Cleanup(func() { hs.Close(); s.Close() })
	return cs
}

// send signs a host request with the server's clock (auth "") or sends auth as given.
func (c *clockServer) send(t *testing.T, key ed25519.PrivateKey, method, path string, body []byte, auth string) (int, string, string) {
	t.Helper()
	if auth == "" {
		var err error
		if auth, err = wire.Sign(key, method, path, body, c.Now()); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), auth
}

func (c *clockServer) enrollToken(t *testing.T) string {
	t.Helper()
	ec, err := NewEnrollClaims(c.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := SignEnroll(c.key, ec)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// A flood must not grow the intake's memory of nonces without bound: enrollment requests with
// a valid proof of possession (anyone can make a key) but no valid enrollment token leave no
// nonce; an enrolled host's flood is remembered only as far as its rate limit lets it through;
// and nonces older than the replay window are forgotten, whatever their number.
func TestNonceCacheBoundedUnderFlood(t *testing.T) {
	cs := newClockServer(t)
	forged := func() string {
		ec, _ := NewEnrollClaims(cs.Now(), time.Hour)
		tok, _ := SignEnroll([]byte(strings.Repeat("k", 32)), ec) // another intake's key
		return tok
	}()
	const flood = 1500
	for i := 0; i < flood; i++ {
		k := newHostKey(t)
		tok := forged
		if i%2 == 1 {
			tok = "" // no token at all
		}
		if st, body, _ := cs.send(t, k, http.MethodPost, wire.EnrollPath, enrollBody(t, tok, k), ""); st != http.StatusUnauthorized {
			t.Fatalf("enrollment %d without a valid token: %d %s", i, st, body)
		}
	}
	if n := cs.api.nonces.len(); n != 0 {
		t.Fatalf("%d enrollments without a valid token left %d nonces in memory", flood, n)
	}

	key := newHostKey(t)
	id := wire.HostID(key.Public().(ed25519.PublicKey))
	if st, body, _ := cs.send(t, key, http.MethodPost, wire.EnrollPath, enrollBody(t, cs.enrollToken(t), key), ""); st != http.StatusOK {
		t.Fatalf("enroll: %d %s", st, body)
	}
	ok, limited := 0, 0
	for i := 0; i < flood; i++ {
		switch st, body, _ := cs.send(t, key, http.MethodGet, wire.RequestsPath(id), nil, ""); st {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("poll %d: %d %s", i, st, body)
		}
	}
	if ok != HostRate || limited != flood-HostRate {
		t.Fatalf("%d polls: %d passed, %d limited; want %d passed", flood, ok, limited, HostRate)
	}
	if n := cs.api.nonces.len(); n > HostRate+1 {
		t.Fatalf("%d polls (%d let through) left %d nonces in memory", flood, ok, n)
	}

	// A replay of an accepted poll is refused without counting against the host's rate.
	cs.advance(time.Minute) // the bucket refills
	st, body, auth := cs.send(t, key, http.MethodGet, wire.RequestsPath(id), nil, "")
	if st != http.StatusOK {
		t.Fatalf("poll after a minute: %d %s", st, body)
	}
	for i := 0; i < 2*HostRate; i++ {
		if st, body, _ := cs.send(t, key, http.MethodGet, wire.RequestsPath(id), nil, auth); st != http.StatusUnauthorized || !strings.Contains(body, "replayed") {
			t.Fatalf("replay %d: %d %s", i, st, body)
		}
	}
	if st, body, _ := cs.send(t, key, http.MethodGet, wire.RequestsPath(id), nil, ""); st != http.StatusOK {
		t.Fatalf("the host's own poll after replays of it: %d %s (replays used up its rate)", st, body)
	}

	// Past the window, what was remembered is gone.
	cs.advance(2*2*wire.MaxSkew + time.Second)
	if st, body, _ := cs.send(t, key, http.MethodGet, wire.RequestsPath(id), nil, ""); st != http.StatusOK {
		t.Fatalf("poll later: %d %s", st, body)
	}
	if n := cs.api.nonces.len(); n != 1 {
		t.Fatalf("after the window %d nonces are remembered, want 1", n)
	}
}

// The nonce cache remembers every nonce for at least 2×MaxSkew (the longest a signed request
// can be accepted), however its two generations turn over.
func TestNonceCacheWindow(t *testing.T) {
	n := newNonceCache()
	t0 := time.Unix(1_700_000_000, 0)
	span := 2 * wire.MaxSkew
	for _, step := range []struct {
		at   time.Duration
		key  string
		seen bool
	}{
		{0, "a", false},
		{span - time.Second, "b", false}, // last moment of the first generation
		{span, "c", false},               // turns over: a and b in the older generation
		{span + time.Second, "a", true},
		{2*span - 2*time.Second, "b", true}, // b recorded span-1s ago: still remembered
		{2 * span, "d", false},              // turns over: a and b dropped, c kept
		{2*span + time.Second, "c", true},
		{2*span + time.Second, "b", false},
		{10 * span, "e", false}, // a long silence drops both generations
		{10 * span, "d", false},
	} {
		if got := n.seen(step.key, t0.Add(step.at)); got != step.seen {
			t.Fatalf("at %s: %s seen=%v, want %v", step.at, step.key, got, step.seen)
		}
	}
}

// An enrollment token can enroll hosts at EnrollRate a minute, not as fast as the intake
// answers (each enrollment stores a host and remembers a nonce).
func TestEnrollmentTokenRate(t *testing.T) {
	cs := newClockServer(t)
	tok := cs.enrollToken(t)
	for i := 1; i <= EnrollRate; i++ {
		k := newHostKey(t)
		if st, body, _ := cs.send(t, k, http.MethodPost, wire.EnrollPath, enrollBody(t, tok, k), ""); st != http.StatusOK {
			t.Fatalf("enrollment %d: %d %s", i, st, body)
		}
	}
	k := newHostKey(t)
	st, body, _ := cs.send(t, k, http.MethodPost, wire.EnrollPath, enrollBody(t, tok, k), "")
	if st != http.StatusTooManyRequests {
		t.Fatalf("enrollment %d: %d %s", EnrollRate+1, st, body)
	}
	// Another token is not held back, and the first one enrolls again a minute later.
	if st, body, _ := cs.send(t, k, http.MethodPost, wire.EnrollPath, enrollBody(t, cs.enrollToken(t), k), ""); st != http.StatusOK {
		t.Fatalf("enrollment with another token: %d %s", st, body)
	}
	cs.advance(time.Minute)
	k = newHostKey(t)
	if st, body, _ := cs.send(t, k, http.MethodPost, wire.EnrollPath, enrollBody(t, tok, k), ""); st != http.StatusOK {
		t.Fatalf("enrollment a minute later: %d %s", st, body)
	}
	hosts, err := (&Remote{kv: folderKV{root: cs.data}, now: cs.Now}).Hosts()
	if err != nil || len(hosts) != EnrollRate+2 {
		t.Fatalf("%d hosts stored (%v), want %d", len(hosts), err, EnrollRate+2)
	}
}

// The upload token a poll hands out serves its request's ticket only, and dies with the request:
// once the host reports it declined, failed or uploaded (or the host is removed), no token any
// poll gave for it uploads again.
func TestRequestUploadTokenEndsWithRequest(t *testing.T) {
	cs := newClockServer(t)
	files := cs.base + BasePath
	key := newHostKey(t)
	id := wire.HostID(key.Public().(ed25519.PublicKey))
	if st, body, _ := cs.send(t, key, http.MethodPost, wire.EnrollPath, enrollBody(t, cs.enrollToken(t), key), ""); st != http.StatusOK {
		t.Fatalf("enroll: %d %s", st, body)
	}
	rem, err := OpenRemote(cs.data, nil, cs.Now) // as `casefile intake request` opens it
	if err != nil {
		t.Fatal(err)
	}
	tickets := []string{"4821", "4822", "4823"}
	var reqs []HostRequest
	for _, tk := range tickets {
		q, err := rem.CreateRequest(tk, id, "")
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, q)
	}
	poll := func() map[string]string {
		st, body, _ := cs.send(t, key, http.MethodGet, wire.RequestsPath(id), nil, "")
		var pr wire.PollResponse
		if st != http.StatusOK || json.Unmarshal([]byte(body), &pr) != nil {
			t.Fatalf("poll: %d %s", st, body)
		}
		out := map[string]string{}
		for _, r := range pr.Requests {
			out[r.ID] = r.UploadToken
		}
		return out
	}
	first := poll()
	cs.advance(time.Minute)
	second := poll()
	for i, q := range reqs {
		for _, tok := range []string{first[q.ID], second[q.ID]} {
			if st, body := tusCreateRaw(t, files, tok, q.Ticket, 100); st != http.StatusCreated {
				t.Fatalf("request %d's token for its ticket: %d %s", i, st, body)
			}
			other := tickets[(i+1)%len(tickets)]
			if st, body := tusCreateRaw(t, files, tok, other, 100); st != http.StatusForbidden {
				t.Fatalf("request %d's token for ticket %s: %d %s", i, other, st, body)
			}
		}
	}
	report := func(q HostRequest, o wire.Outcome) {
		b, _ := json.Marshal(o)
		if st, body, _ := cs.send(t, key, http.MethodPost, wire.OutcomePath(id, q.ID), b, ""); st != http.StatusOK {
			t.Fatalf("outcome %s for %s: %d %s", o.Status, q.ID, st, body)
		}
	}
	report(reqs[0], wire.Outcome{Status: wire.StatusDeclined, Reason: "this host's consent policy is never"})
	report(reqs[1], wire.Outcome{Status: wire.StatusFailed, Reason: "collection failed"})
	if err := rem.RemoveHost(id); err != nil { // as `casefile intake hosts --remove` does
		t.Fatal(err)
	}
	for i, q := range reqs {
		for _, tok := range []string{first[q.ID], second[q.ID]} {
			if st, body := tusCreateRaw(t, files, tok, q.Ticket, 100); st != http.StatusUnauthorized || !strings.Contains(body, "revoked") {
				t.Fatalf("request %d ended: its token still creates an upload: %d %s", i, st, body)
			}
		}
	}
	if strings.Contains(cs.logs.String(), "cf1.") {
		t.Fatalf("an upload token reached the log:\n%s", cs.logs)
	}
}

// An "uploaded" report must name a bundle that was filed under the request's ticket: a sha256
// nobody uploaded, or that of a bundle filed under another ticket, leaves the request as it was
// (503: the host reports again at its next poll); the bundle's real sha256, once filed, ends it.
func TestUploadedReportNeedsTheFiledBundle(t *testing.T) {
	defer func(d time.Duration) { FilingWait = d }(FilingWait)
	FilingWait = 300 * time.Millisecond
	ts := newTestServer(t, nil)
	base := strings.TrimSuffix(ts.url, BasePath)
	key := newHostKey(t)
	id := wire.HostID(key.Public().(ed25519.PublicKey))
	if st, resp := hostReq(t, base, key, http.MethodPost, wire.EnrollPath, enrollBody(t, ts.enrollToken(t, time.Hour), key), ""); st != http.StatusOK {
		t.Fatalf("enroll: %d %s", st, resp)
	}
	rem, _ := OpenRemote(ts.data, nil, nil)
	q, err := rem.CreateRequest("4821", id, "")
	if err != nil {
		t.Fatal(err)
	}
	st, resp := hostReq(t, base, key, http.MethodGet, wire.RequestsPath(id), nil, "")
	var pr wire.PollResponse
	if st != http.StatusOK || json.Unmarshal(resp, &pr) != nil || len(pr.Requests) != 1 {
		t.Fatalf("poll: %d %s", st, resp)
	}
	post := func(o wire.Outcome) (int, string) {
		b, _ := json.Marshal(o)
		st, resp := hostReq(t, base, key, http.MethodPost, wire.OutcomePath(id, q.ID), b, "")
		return st, string(resp)
	}
	data := realBundle(t) // made for ticket 4821
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])

	// Nothing uploaded yet.
	if st, resp := post(wire.Outcome{Status: wire.StatusUploaded, BundleSHA256: sha, SHA256: sha}); st != http.StatusServiceUnavailable {
		t.Fatalf("uploaded before any upload: %d %s", st, resp)
	}
	// The same bytes filed under another ticket (quarantined there: the manifest names 4821).
	upload(t, ts, ts.token(t, "9999", time.Hour, 0), data, bundleMeta(data, "9999"))
	if rec := ts.waitFiled(t); rec.Ticket != "9999" || rec.SHA256 != sha {
		t.Fatalf("filed %+v", rec)
	}
	if st, resp := post(wire.Outcome{Status: wire.StatusUploaded, BundleSHA256: sha, SHA256: sha}); st != http.StatusServiceUnavailable {
		t.Fatalf("uploaded naming another ticket's bundle: %d %s", st, resp)
	}
	if got, _ := rem.Request(id, q.ID); got.Status != wire.StatusDelivered || got.BundleSHA256 != "" {
		t.Fatalf("the request after refused reports: %+v", got)
	}
	// The real upload: the report is accepted (it waits for the filing).
	FilingWait = 30 * time.Second
	upload(t, ts, pr.Requests[0].UploadToken, data, bundleMeta(data, "4821"))
	if st, resp := post(wire.Outcome{Status: wire.StatusUploaded, BundleSHA256: sha, SHA256: sha}); st != http.StatusOK {
		t.Fatalf("uploaded after the upload: %d %s", st, resp)
	}
	if got, _ := rem.Request(id, q.ID); got.Status != wire.StatusUploaded || got.BundleSHA256 != sha {
		t.Fatalf("the request: %+v", got)
	}
}

// Two instances sharing one storage folder (each its own data folder and index): a bundle
// filed by one is found by the other when the host reports "uploaded" there.
func TestUploadedReportFindsAnotherInstancesBundle(t *testing.T) {
	defer func(d time.Duration) { FilingWait = d }(FilingWait)
	FilingWait = 300 * time.Millisecond
	shared := t.TempDir()
	keyData := t.TempDir()
	signKey, err := LoadKey(keyData, "")
	if err != nil {
		t.Fatal(err)
	}
	filed := make(chan Record, 4)
	var urls []string
	for i := 0; i < 2; i++ {
		s, err := New(Options{DataDir: t.TempDir(), Key: signKey, Config: &Config{Limits: DefaultLimits, Storage: Storage{URL: shared}},
			OnFiled: func(r Record) { filed <- r }})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(s.Handler())
		t.Cleanup(func() { hs.Close(); s.Close() })
		urls = append(urls, hs.URL)
	}
	key := newHostKey(t)
	id := wire.HostID(key.Public().(ed25519.PublicKey))
	ec, _ := NewEnrollClaims(time.Now(), time.Hour)
	etok, _ := SignEnroll(signKey, ec)
	if st, resp := hostReq(t, urls[0], key, http.MethodPost, wire.EnrollPath, enrollBody(t, etok, key), ""); st != http.StatusOK {
		t.Fatalf("enroll: %d %s", st, resp)
	}
	rem, err := OpenRemote(t.TempDir(), &Config{Storage: Storage{URL: shared}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	q, err := rem.CreateRequest("4821", id, "")
	if err != nil {
		t.Fatal(err)
	}
	st, resp := hostReq(t, urls[0], key, http.MethodGet, wire.RequestsPath(id), nil, "")
	var pr wire.PollResponse
	if st != http.StatusOK || json.Unmarshal(resp, &pr) != nil || len(pr.Requests) != 1 {
		t.Fatalf("poll: %d %s", st, resp)
	}
	data := realBundle(t)
	upload(t, &testServer{url: urls[0] + BasePath}, pr.Requests[0].UploadToken, data, bundleMeta(data, "4821"))
	select {
	case <-filed:
	case <-time.After(20 * time.Second):
		t.Fatal("not filed")
	}
	sum := sha256.Sum256(data)
	FilingWait = 30 * time.Second // the other instance's index does not have it: storage must
	b, _ := json.Marshal(wire.Outcome{Status: wire.StatusUploaded, BundleSHA256: hex.EncodeToString(sum[:]), SHA256: hex.EncodeToString(sum[:])})
	if st, resp := hostReq(t, urls[1], key, http.MethodPost, wire.OutcomePath(id, q.ID), b, ""); st != http.StatusOK {
		t.Fatalf("uploaded, reported to the other instance: %d %s", st, resp)
	}
}

// A removed host does not come back with an enrollment token made before its removal (the one
// it was enrolled with, or another still valid): whoever holds its key cannot undo the removal.
// A token made after the removal enrolls it again, on purpose.
func TestRemovedHostCannotReenrollWithAnOldToken(t *testing.T) {
	cs := newClockServer(t)
	key := newHostKey(t)
	id := wire.HostID(key.Public().(ed25519.PublicKey))
	first, other := cs.enrollToken(t), cs.enrollToken(t)
	if st, body, _ := cs.send(t, key, http.MethodPost, wire.EnrollPath, enrollBody(t, first, key), ""); st != http.StatusOK {
		t.Fatalf("enroll: %d %s", st, body)
	}
	rem, err := OpenRemote(cs.data, nil, cs.Now)
	if err != nil {
		t.Fatal(err)
	}
	cs.advance(time.Second)
	if err := rem.RemoveHost(id); err != nil {
		t.Fatal(err)
	}
	// A token of an older intake version, without an issue time.
	legacy, err := SignEnroll(cs.key, EnrollClaims{ID: "legacy-token-id", Kind: KindEnroll, Exp: cs.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	cs.advance(time.Second)
	for name, tok := range map[string]string{"its own token": first, "another old token": other, "a token without issue time": legacy} {
		st, body, _ := cs.send(t, key, http.MethodPost, wire.EnrollPath, enrollBody(t, tok, key), "")
		if st != http.StatusUnauthorized || !strings.Contains(body, "removed") {
			t.Fatalf("re-enrolling a removed host with %s: %d %s", name, st, body)
		}
	}
	if _, err := rem.Host(id); err == nil {
		t.Fatal("the removed host is enrolled again")
	}
	if _, err := rem.CreateRequest("4821", id, ""); err == nil {
		t.Fatal("a request for the removed host was accepted")
	}
	// The legacy token still enrolls a host that was never removed.
	k2 := newHostKey(t)
	if st, body, _ := cs.send(t, k2, http.MethodPost, wire.EnrollPath, enrollBody(t, legacy, k2), ""); st != http.StatusOK {
		t.Fatalf("legacy token, new host: %d %s", st, body)
	}
	// A token made after the removal brings it back.
	if st, body, _ := cs.send(t, key, http.MethodPost, wire.EnrollPath, enrollBody(t, cs.enrollToken(t), key), ""); st != http.StatusOK {
		t.Fatalf("re-enrolling with a new token: %d %s", st, body)
	}
	if _, err := rem.Host(id); err != nil {
		t.Fatal(err)
	}
	if hosts, err := rem.Hosts(); err != nil || len(hosts) != 2 {
		t.Fatalf("hosts %+v %v", hosts, err)
	}
}

// Host routes against forged, swapped, skewed and malformed signatures, other hosts' ids, and
// paths that try to leave the host's folder: each is refused (never 200, never 500), and no
// request changes.
func TestHostRouteAttacks(t *testing.T) {
	cs := newClockServer(t)
	rem, err := OpenRemote(cs.data, nil, cs.Now)
	if err != nil {
		t.Fatal(err)
	}
	keyA, keyB := newHostKey(t), newHostKey(t)
	idA, idB := wire.HostID(keyA.Public().(ed25519.PublicKey)), wire.HostID(keyB.Public().(ed25519.PublicKey))
	for _, k := range []ed25519.PrivateKey{keyA, keyB} {
		if st, body, _ := cs.send(t, k, http.MethodPost, wire.EnrollPath, enrollBody(t, cs.enrollToken(t), k), ""); st != http.StatusOK {
			t.Fatalf("enroll: %d %s", st, body)
		}
	}
	qA, _ := rem.CreateRequest("4821", idA, "")
	qB, _ := rem.CreateRequest("4822", idB, "")
	failed, _ := json.Marshal(wire.Outcome{Status: wire.StatusFailed, Reason: "x"})
	now := cs.Now()
	sign := func(k ed25519.PrivateKey, method, path string, body []byte, at time.Time) string {
		a, err := wire.Sign(k, method, path, body, at)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	type attempt struct {
		name, method, path string
		body               []byte
		auth               string
		want               int
	}
	outA, outB := wire.OutcomePath(idA, qA.ID), wire.OutcomePath(idB, qB.ID)
	attempts := []attempt{
		{"A's signature on B's route", http.MethodPost, outB, failed, sign(keyA, http.MethodPost, outB, failed, now), 401},
		{"B's request on A's route", http.MethodPost, wire.OutcomePath(idA, qB.ID), failed, "", 404},
		{"signature for A's request used for another", http.MethodPost, wire.OutcomePath(idA, qB.ID), failed, sign(keyA, http.MethodPost, outA, failed, now), 401},
		{"signature for another body", http.MethodPost, outA, []byte(`{"status":"declined"}`), sign(keyA, http.MethodPost, outA, failed, now), 401},
		{"GET signature on POST", http.MethodPost, outA, failed, sign(keyA, http.MethodGet, outA, failed, now), 401},
		{"6 min ahead", http.MethodGet, wire.RequestsPath(idA), nil, sign(keyA, http.MethodGet, wire.RequestsPath(idA), nil, now.Add(6*time.Minute)), 401},
		{"6 min behind", http.MethodGet, wire.RequestsPath(idA), nil, sign(keyA, http.MethodGet, wire.RequestsPath(idA), nil, now.Add(-6*time.Minute)), 401},
		{"no scheme", http.MethodGet, wire.RequestsPath(idA), nil, "Bearer x", 401},
		{"scheme only", http.MethodGet, wire.RequestsPath(idA), nil, "Casefile-Host ", 401},
		{"three parts", http.MethodGet, wire.RequestsPath(idA), nil, "Casefile-Host " + idA + ".1.abc", 401},
		{"five parts", http.MethodGet, wire.RequestsPath(idA), nil, sign(keyA, http.MethodGet, wire.RequestsPath(idA), nil, now) + ".x", 401},
		{"short nonce", http.MethodGet, wire.RequestsPath(idA), nil, "Casefile-Host " + idA + ".1.abc." + strings.Repeat("A", 86), 401},
		{"unicode host", http.MethodGet, wire.RequestsPath(idA), nil, "Casefile-Host h-ａａａａａａａａａａａａａａａａ.1.AAAAAAAAAAAAAAAAAAAAAA." + strings.Repeat("A", 86), 401},
		{"no signature", http.MethodGet, wire.RequestsPath(idA), nil, "-", 401},
		{"body over 64 KiB", http.MethodPost, outA, bytes.Repeat([]byte(" "), wire.MaxBody+1), "", 413},
		{"upper-case host id", http.MethodGet, "/v1/hosts/" + strings.ToUpper(idA) + "/requests", nil, "", 404},
		{"long host id", http.MethodGet, "/v1/hosts/" + idA + strings.Repeat("a", 300) + "/requests", nil, "", 404},
		{"unicode request id", http.MethodPost, "/v1/hosts/" + idA + "/requests/r-ａａａａａａａａａａａａａａａａ", failed, "", 404},
		{"dot-dot request id", http.MethodPost, "/v1/hosts/" + idA + "/requests/..", failed, "", 404},
		{"encoded slash to B's request", http.MethodPost, "/v1/hosts/" + idA + "/requests/..%2f..%2f" + idB + "%2f" + qB.ID, failed, "", 404},
		{"extra segment", http.MethodPost, outA + "/x", failed, "", 404},
	}
	for _, a := range attempts {
		path := a.path
		auth := a.auth
		if auth == "" {
			auth = sign(keyA, a.method, pathOnly(path), a.body, now)
		}
		if auth == "-" {
			auth = ""
		}
		req, err := http.NewRequest(a.method, cs.base+path, bytes.NewReader(a.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// A path the mux cleans is redirected (301) before any handler: refused as well.
		if resp.StatusCode != a.want && !(resp.StatusCode == http.StatusMovedPermanently && a.want == 404) {
			t.Errorf("%s: %d %s, want %d", a.name, resp.StatusCode, b, a.want)
		}
	}
	for _, q := range []HostRequest{qA, qB} {
		if got, _ := rem.Request(q.Host, q.ID); got.Status != wire.StatusPending {
			t.Errorf("request %s is %s after the attacks", q.ID, got.Status)
		}
	}
}

// pathOnly is the path a server sees for p (its escapes decoded), which is what a host signs.
func pathOnly(p string) string {
	u, err := url.Parse(p)
	if err != nil {
		return p
	}
	return u.Path
}

// The text a host or an agent gives (host name, note, failure reason) is stored on one line
// without controls or bidirectional overrides, so `intake hosts` and `intake requests` show it
// as it is.
func TestHostTextStoredPlain(t *testing.T) {
	cs := newClockServer(t)
	key := newHostKey(t)
	id := wire.HostID(key.Public().(ed25519.PublicKey))
	hostile := "web-1\u202egnp.exe\u2066x\u2069\u200f\u2028line\u2029para\x1b[2J\x9b31m\r\nend"
	b, _ := json.Marshal(wire.EnrollRequest{Token: cs.enrollToken(t), Name: hostile,
		PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))})
	if st, body, _ := cs.send(t, key, http.MethodPost, wire.EnrollPath, b, ""); st != http.StatusOK {
		t.Fatalf("enroll: %d %s", st, body)
	}
	rem, _ := OpenRemote(cs.data, nil, cs.Now)
	q, err := rem.CreateRequest("4821", id, hostile)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(wire.Outcome{Status: wire.StatusFailed, Reason: hostile})
	if st, body, _ := cs.send(t, key, http.MethodPost, wire.OutcomePath(id, q.ID), out, ""); st != http.StatusOK {
		t.Fatalf("outcome: %d %s", st, body)
	}
	h, _ := rem.Host(id)
	got, _ := rem.Request(id, q.ID)
	for what, s := range map[string]string{"name": h.Name, "note": got.Note, "reason": got.Reason} {
		if strings.ContainsFunc(s, func(r rune) bool {
			return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f'
		}) {
			t.Errorf("%s stored as %q", what, s)
		}
		if !strings.HasPrefix(s, "web-1gnp.exe") {
			t.Errorf("%s stored as %q", what, s)
		}
	}
}

// A removal cut short (the revocation store cannot be written) can be run again and finishes:
// the open request ends failed and its upload token is revoked. Before, the host's record went
// first, so the second run found no host and the request stayed open with a live token.
func TestRemoveHostCutShortCanBeRerun(t *testing.T) {
	cs := newClockServer(t)
	key := newHostKey(t)
	id := wire.HostID(key.Public().(ed25519.PublicKey))
	if st, body, _ := cs.send(t, key, http.MethodPost, wire.EnrollPath, enrollBody(t, cs.enrollToken(t), key), ""); st != http.StatusOK {
		t.Fatalf("enroll: %d %s", st, body)
	}
	rem, _ := OpenRemote(cs.data, nil, cs.Now)
	q, err := rem.CreateRequest("4821", id, "")
	if err != nil {
		t.Fatal(err)
	}
	st, body, _ := cs.send(t, key, http.MethodGet, wire.RequestsPath(id), nil, "")
	var pr wire.PollResponse
	if st != http.StatusOK || json.Unmarshal([]byte(body), &pr) != nil || len(pr.Requests) != 1 {
		t.Fatalf("poll: %d %s", st, body)
	}
	revoked := filepath.Join(cs.data, "revoked")
	os.RemoveAll(revoked)
	if err := os.WriteFile(revoked, nil, 0o600); err != nil { // a file where the folder goes
		t.Fatal(err)
	}
	if err := rem.RemoveHost(id); err == nil {
		t.Fatal("the removal did not fail")
	}
	os.Remove(revoked)
	if err := rem.RemoveHost(id); err != nil {
		t.Fatalf("running the removal again: %v", err)
	}
	if got, _ := rem.Request(id, q.ID); got.Status != wire.StatusFailed {
		t.Fatalf("request after the removal: %+v", got)
	}
	if st, body := tusCreateRaw(t, cs.base+BasePath, pr.Requests[0].UploadToken, "4821", 100); st != http.StatusUnauthorized {
		t.Fatalf("the removed host's token: %d %s", st, body)
	}
	if _, err := rem.Host(id); err == nil {
		t.Fatal("still enrolled")
	}
}
