package intake

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/remote/wire"
)

// hostReq sends one signed host request to the test server (base URL without /files/) and
// returns the status and body; auth "" signs it with key now.
func hostReq(t *testing.T, base string, key ed25519.PrivateKey, method, path string, body []byte, auth string) (int, []byte) {
	t.Helper()
	if auth == "" {
		var err error
		if auth, err = wire.Sign(key, method, path, body, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func enrollBody(t *testing.T, tok string, key ed25519.PrivateKey) []byte {
	t.Helper()
	b, err := json.Marshal(wire.EnrollRequest{Token: tok, Name: "web-1",
		PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newHostKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (ts *testServer) enrollToken(t *testing.T, ttl time.Duration) string {
	t.Helper()
	c, err := NewEnrollClaims(time.Now(), ttl)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := SignEnroll(ts.key, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestEnrollment(t *testing.T) {
	ts := newTestServer(t, nil)
	base := strings.TrimSuffix(ts.url, BasePath)
	key := newHostKey(t)
	id := wire.HostID(key.Public().(ed25519.PublicKey))

	// Refusals first: nothing may be stored by any of them.
	refusals := []struct {
		name, tok, want string
	}{
		{"upload token", ts.token(t, "4821", time.Hour, 0), "not an enrollment token"},
		{"expired", ts.enrollToken(t, -time.Minute), "enrollment token expired"},
		{"no token", "", "no enrollment token"},
		{"other key", func() string {
			c, _ := NewEnrollClaims(time.Now(), time.Hour)
			tok, _ := SignEnroll([]byte(strings.Repeat("x", 32)), c)
			return tok
		}(), "signature does not match"},
	}
	for _, r := range refusals {
		st, body := hostReq(t, base, key, http.MethodPost, wire.EnrollPath, enrollBody(t, r.tok, key), "")
		if st != http.StatusUnauthorized || !strings.Contains(string(body), r.want) {
			t.Errorf("%s: %d %s, want 401 with %q", r.name, st, body, r.want)
		}
	}
	if _, err := os.Stat(filepath.Join(ts.data, "hosts")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a refused enrollment stored something: %v", err)
	}

	// A body signed by another key than the one it names is refused (proof of possession).
	other := newHostKey(t)
	tok := ts.enrollToken(t, time.Hour)
	if st, body := hostReq(t, base, other, http.MethodPost, wire.EnrollPath, enrollBody(t, tok, key), ""); st != http.StatusUnauthorized {
		t.Fatalf("signed by another key: %d %s", st, body)
	}

	body := enrollBody(t, tok, key)
	auth, err := wire.Sign(key, http.MethodPost, wire.EnrollPath, body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st, resp := hostReq(t, base, key, http.MethodPost, wire.EnrollPath, body, auth)
	if st != http.StatusOK {
		t.Fatalf("enroll: %d %s", st, resp)
	}
	var er wire.EnrollResponse
	if err := json.Unmarshal(resp, &er); err != nil || er.HostID != id {
		t.Fatalf("enroll answered %s, want host %s", resp, id)
	}
	// The same signed request again is a replay.
	if st, resp := hostReq(t, base, key, http.MethodPost, wire.EnrollPath, body, auth); st != http.StatusUnauthorized || !strings.Contains(string(resp), "replayed") {
		t.Fatalf("replayed enrollment: %d %s", st, resp)
	}
	// A request signed 10 minutes ago is outside the window.
	old, _ := wire.Sign(key, http.MethodGet, wire.RequestsPath(id), nil, time.Now().Add(-10*time.Minute))
	if st, resp := hostReq(t, base, key, http.MethodGet, wire.RequestsPath(id), nil, old); st != http.StatusUnauthorized || !strings.Contains(string(resp), "from the server's clock") {
		t.Fatalf("old signature: %d %s", st, resp)
	}

	// The host is in storage, where another instance (or the CLI) reads it.
	rem, err := OpenRemote(ts.data, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	hosts, err := rem.Hosts()
	if err != nil || len(hosts) != 1 || hosts[0].ID != id || hosts[0].Name != "web-1" || !bytes.Equal(hosts[0].PublicKey, key.Public().(ed25519.PublicKey)) {
		t.Fatalf("hosts %+v, %v", hosts, err)
	}

	// An enrollment token cannot upload.
	if st, resp := tusCreateRaw(t, ts.url, tok, "4821", 100); st != http.StatusUnauthorized {
		t.Fatalf("upload with an enrollment token: %d %s", st, resp)
	}

	// Polling: a good signature gets the (empty) list; another host's key, an unenrolled host
	// and a GET signed as a POST are refused.
	if st, resp := hostReq(t, base, key, http.MethodGet, wire.RequestsPath(id), nil, ""); st != http.StatusOK || !strings.Contains(string(resp), `"requests":[]`) {
		t.Fatalf("poll: %d %s", st, resp)
	}
	if st, _ := hostReq(t, base, other, http.MethodGet, wire.RequestsPath(id), nil, ""); st != http.StatusUnauthorized {
		t.Fatalf("poll with another host's key: %d", st)
	}
	otherID := wire.HostID(other.Public().(ed25519.PublicKey))
	if st, resp := hostReq(t, base, other, http.MethodGet, wire.RequestsPath(otherID), nil, ""); st != http.StatusUnauthorized || !strings.Contains(string(resp), "not enrolled") {
		t.Fatalf("poll by an unenrolled host: %d %s", st, resp)
	}
	asPost, _ := wire.Sign(key, http.MethodPost, wire.RequestsPath(id), nil, time.Now())
	if st, _ := hostReq(t, base, key, http.MethodGet, wire.RequestsPath(id), nil, asPost); st != http.StatusUnauthorized {
		t.Fatalf("a POST signature used for GET: %d", st)
	}
	if strings.Contains(ts.logs.String(), "cfh1.") {
		t.Fatal("an enrollment token reached the log")
	}
}

// tusCreateRaw sends a tus creation request with tok and returns the status and body.
func tusCreateRaw(t *testing.T, url, tok, ticket string, size int) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.Itoa(size))
	req.Header.Set("Upload-Metadata", metadata(map[string]string{"ticket": ticket, "filename": "b.tar.gz"}))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRequestLifeCycleInStorage(t *testing.T) {
	ts := newTestServer(t, nil)
	base := strings.TrimSuffix(ts.url, BasePath)
	key := newHostKey(t)
	id := wire.HostID(key.Public().(ed25519.PublicKey))
	rem, err := OpenRemote(ts.data, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rem.CreateRequest("4821", id, ""); err == nil || !strings.Contains(err.Error(), "not enrolled") {
		t.Fatalf("request for an unenrolled host: %v", err)
	}
	if st, resp := hostReq(t, base, key, http.MethodPost, wire.EnrollPath, enrollBody(t, ts.enrollToken(t, time.Hour), key), ""); st != http.StatusOK {
		t.Fatalf("enroll: %d %s", st, resp)
	}
	if _, err := rem.CreateRequest("../x", id, ""); err == nil {
		t.Fatal("a bad ticket was accepted")
	}
	q, err := rem.CreateRequest("4821", id, "please\x1b[31m collect")
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != wire.StatusPending || strings.ContainsRune(q.Note, 0x1b) {
		t.Fatalf("request %+v", q)
	}
	st, resp := hostReq(t, base, key, http.MethodGet, wire.RequestsPath(id), nil, "")
	var pr wire.PollResponse
	if st != http.StatusOK || json.Unmarshal(resp, &pr) != nil || len(pr.Requests) != 1 {
		t.Fatalf("poll: %d %s", st, resp)
	}
	got := pr.Requests[0]
	if got.ID != q.ID || got.Ticket != "4821" || got.Status != wire.StatusDelivered {
		t.Fatalf("polled %+v", got)
	}
	// The upload token is a real one for the ticket, short-lived.
	c, err := Verify(ts.key, nil, got.UploadToken, time.Now())
	if err != nil || c.Ticket != "4821" || time.Until(time.Unix(c.Exp, 0)) > UploadTokenTTL {
		t.Fatalf("upload token: %+v %v", c, err)
	}
	post := func(rid string, o wire.Outcome) (int, string) {
		b, _ := json.Marshal(o)
		st, resp := hostReq(t, base, key, http.MethodPost, wire.OutcomePath(id, rid), b, "")
		return st, string(resp)
	}
	if st, resp := post(q.ID, wire.Outcome{Status: "done"}); st != http.StatusBadRequest {
		t.Fatalf("bad status: %d %s", st, resp)
	}
	if st, resp := post(q.ID, wire.Outcome{Status: wire.StatusUploaded}); st != http.StatusBadRequest {
		t.Fatalf("uploaded without sha: %d %s", st, resp)
	}
	// The bundle, uploaded for real with the poll's token: an uploaded report must name it.
	data := realBundle(t)
	upload(t, ts, got.UploadToken, data, bundleMeta(data, "4821"))
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	if st, resp := post(q.ID, wire.Outcome{Status: wire.StatusUploaded, BundleSHA256: sha}); st != http.StatusOK {
		t.Fatalf("uploaded: %d %s", st, resp)
	}
	// The same report again (a retry) is fine; another end is a conflict.
	if st, resp := post(q.ID, wire.Outcome{Status: wire.StatusUploaded, BundleSHA256: sha}); st != http.StatusOK {
		t.Fatalf("uploaded again: %d %s", st, resp)
	}
	if st, resp := post(q.ID, wire.Outcome{Status: wire.StatusFailed, Reason: "x"}); st != http.StatusConflict {
		t.Fatalf("failed after uploaded: %d %s", st, resp)
	}
	if st, _ := post("r-aaaaaaaaaaaaaaaa", wire.Outcome{Status: wire.StatusFailed}); st != http.StatusNotFound {
		t.Fatalf("unknown request: %d", st)
	}
	all, err := rem.Requests("")
	if err != nil || len(all) != 1 || all[0].Status != wire.StatusUploaded || all[0].BundleSHA256 != sha || all[0].DeliveredAt.IsZero() {
		t.Fatalf("requests %+v %v", all, err)
	}
	// An ended request is no longer handed out.
	if _, resp := hostReq(t, base, key, http.MethodGet, wire.RequestsPath(id), nil, ""); !strings.Contains(string(resp), `"requests":[]`) {
		t.Fatalf("poll after the end: %s", resp)
	}
	// Stored where the storage folder is: an ended request under requests/done/<host>/, none
	// left under requests/open/ (where polls look).
	if _, err := os.Stat(filepath.Join(ts.data, "requests", "done", id, q.ID+".json")); err != nil {
		t.Fatal(err)
	}
	if es, _ := os.ReadDir(filepath.Join(ts.data, "requests", "open", id)); len(es) != 0 {
		t.Fatalf("left open: %v", es)
	}
	// A save cut between writing done/ and removing open/ leaves both: the ended one wins, and
	// the next poll removes the leftover.
	done, _ := os.ReadFile(filepath.Join(ts.data, "requests", "done", id, q.ID+".json"))
	left := filepath.Join(ts.data, "requests", "open", id, q.ID+".json")
	if err := os.WriteFile(left, bytes.Replace(done, []byte(`"uploaded"`), []byte(`"delivered"`), 1), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, resp := hostReq(t, base, key, http.MethodGet, wire.RequestsPath(id), nil, ""); !strings.Contains(string(resp), `"requests":[]`) {
		t.Fatalf("poll with a leftover: %s", resp)
	}
	if _, err := os.Stat(left); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("leftover kept: %v", err)
	}
	if all, _ := rem.Requests(""); len(all) != 1 || all[0].Status != wire.StatusUploaded {
		t.Fatalf("requests with a leftover: %+v", all)
	}
}

// An enrollment token revoked (by id, like upload tokens) enrolls nothing; a removed host is
// refused and its open requests end failed; a host past HostRate requests a minute gets 429.
func TestHostRevocationRemovalAndRate(t *testing.T) {
	ts := newTestServer(t, nil)
	base := strings.TrimSuffix(ts.url, BasePath)
	tok := ts.enrollToken(t, time.Hour)
	c, err := ParseEnroll(ts.key, tok)
	if err != nil {
		t.Fatal(err)
	}
	rev, err := OpenRevocations(ts.data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rev.Revoke(c.ID); err != nil {
		t.Fatal(err)
	}
	key := newHostKey(t)
	if st, resp := hostReq(t, base, key, http.MethodPost, wire.EnrollPath, enrollBody(t, tok, key), ""); st != http.StatusUnauthorized || !strings.Contains(string(resp), "revoked") {
		t.Fatalf("revoked enrollment token: %d %s", st, resp)
	}
	if st, resp := hostReq(t, base, key, http.MethodPost, wire.EnrollPath, enrollBody(t, ts.enrollToken(t, time.Hour), key), ""); st != http.StatusOK {
		t.Fatalf("enroll: %d %s", st, resp)
	}
	id := wire.HostID(key.Public().(ed25519.PublicKey))
	path := wire.RequestsPath(id)
	for i := 1; i <= HostRate; i++ {
		if st, resp := hostReq(t, base, key, http.MethodGet, path, nil, ""); st != http.StatusOK {
			t.Fatalf("poll %d: %d %s", i, st, resp)
		}
	}
	// The bucket refills 2 a second on the real clock, so a slow machine may let a few more
	// through; TestNonceCacheBoundedUnderFlood counts exactly on a fixed clock.
	limited := false
	for i := HostRate + 1; i <= HostRate+20 && !limited; i++ {
		st, resp := hostReq(t, base, key, http.MethodGet, path, nil, "")
		if st != http.StatusOK && st != http.StatusTooManyRequests {
			t.Fatalf("poll %d: %d %s", i, st, resp)
		}
		limited = st == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatalf("%d polls in a row, none refused", HostRate+20)
	}
	rem, _ := OpenRemote(ts.data, nil, nil)
	q, err := rem.CreateRequest("4821", id, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := rem.RemoveHost(id); err != nil {
		t.Fatal(err)
	}
	if got, _ := rem.Request(id, q.ID); got.Status != wire.StatusFailed || !strings.Contains(got.Reason, "removed") {
		t.Fatalf("request of a removed host: %+v", got)
	}
	if st, resp := hostReq(t, base, key, http.MethodGet, path, nil, ""); st != http.StatusUnauthorized || !strings.Contains(string(resp), "not enrolled") {
		t.Fatalf("poll by a removed host: %d %s", st, resp)
	}
	if err := rem.RemoveHost(id); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("removing again: %v", err)
	}
}
