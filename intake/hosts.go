package intake

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/casefile/casefile/remote/wire"
)

// Enrollment tokens let a daemon register its public key (casefile daemon --enroll TOKEN). They
// are signed with the same key as upload tokens but under another prefix that the MAC covers,
// so neither kind passes for the other: an upload token cannot enroll a host and an enrollment
// token cannot upload.
//
//	cfh1.<base64url(JSON {"id", "kind": "enroll", "exp", "iat"})>.<base64url(HMAC-SHA256(key, "cfh1." + payload))>
const enrollPrefix = "cfh1."

// KindEnroll is the kind an enrollment token carries.
const KindEnroll = "enroll"

// EnrollClaims is what an enrollment token carries.
type EnrollClaims struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Exp  int64  `json:"exp"` // unix seconds
	// IssuedAt (unix seconds) tells whether a token was made after a host was removed: only
	// such a token enrolls that host again. 0 in tokens made before it was recorded.
	IssuedAt int64 `json:"iat,omitempty"`
}

// ErrNotEnrollToken refuses anything but an enrollment token at enrollment.
var ErrNotEnrollToken = errors.New("not an enrollment token (an upload token cannot enroll a host; make one with 'casefile intake enroll-token')")

// NewEnrollClaims is a fresh enrollment token's claims with a random id.
func NewEnrollClaims(now time.Time, ttl time.Duration) (EnrollClaims, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return EnrollClaims{}, err
	}
	return EnrollClaims{ID: base64.RawURLEncoding.EncodeToString(b), Kind: KindEnroll, Exp: now.Add(ttl).Unix(), IssuedAt: now.Unix()}, nil
}

func enrollMAC(key []byte, payloadPart string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(enrollPrefix + payloadPart))
	return m.Sum(nil)
}

// SignEnroll makes an enrollment token.
func SignEnroll(key []byte, c EnrollClaims) (string, error) {
	if c.Kind != KindEnroll {
		return "", fmt.Errorf("enrollment token of kind %q", c.Kind)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	p := base64.RawURLEncoding.EncodeToString(payload)
	return enrollPrefix + p + "." + base64.RawURLEncoding.EncodeToString(enrollMAC(key, p)), nil
}

// ParseEnroll checks an enrollment token's form, signature (constant time) and kind, and returns
// its claims. It does not check expiry or revocation: see VerifyEnroll.
func ParseEnroll(key []byte, tok string) (EnrollClaims, error) {
	var c EnrollClaims
	if tok == "" {
		return c, errors.New("no enrollment token")
	}
	rest, ok := strings.CutPrefix(tok, enrollPrefix)
	if !ok {
		return c, ErrNotEnrollToken
	}
	p, sig, ok := strings.Cut(rest, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || p == "" || err != nil {
		return c, ErrTokenMalformed
	}
	if !hmac.Equal(got, enrollMAC(key, p)) {
		return c, ErrTokenSignature
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil || json.Unmarshal(payload, &c) != nil || !tokenIDRe.MatchString(c.ID) {
		return EnrollClaims{}, ErrTokenMalformed
	}
	if c.Kind != KindEnroll {
		return c, ErrNotEnrollToken
	}
	return c, nil
}

// VerifyEnroll is ParseEnroll plus expiry (against now) and revocation (rev nil: not checked;
// enrollment tokens are revoked by id like upload tokens: casefile intake revoke TOKEN).
func VerifyEnroll(key []byte, rev *Revocations, tok string, now time.Time) (EnrollClaims, error) {
	c, err := ParseEnroll(key, tok)
	if err != nil {
		return c, err
	}
	if now.Unix() >= c.Exp {
		return c, errors.New("enrollment token expired")
	}
	if rev != nil && rev.Revoked(c.ID) {
		return c, errors.New("enrollment token revoked")
	}
	return c, nil
}

// Host is an enrolled daemon, stored as hosts/<id>.json in storage (folder or bucket), so every
// instance sharing the storage knows it.
type Host struct {
	ID            string    `json:"id"`
	PublicKey     []byte    `json:"public_key"` // ed25519
	Name          string    `json:"name,omitempty"`
	EnrolledAt    time.Time `json:"enrolled_at"`
	EnrollTokenID string    `json:"enroll_token_id"`
}

// kv holds the small JSON objects of remote requests (hosts/, requests/) in the intake's
// storage: files under a folder, or objects under the bucket's prefix.
type kv interface {
	// get reads rel; an error wrapping fs.ErrNotExist when it is missing.
	get(rel string) ([]byte, error)
	put(rel string, data []byte) error
	// remove deletes rel; a missing one is no error.
	remove(rel string) error
	// list names every object under dir (slash separated, relative to the storage root).
	list(dir string) ([]string, error)
}

type folderKV struct{ root string }

func (f folderKV) abs(rel string) string { return filepath.Join(f.root, filepath.FromSlash(rel)) }

func (f folderKV) get(rel string) ([]byte, error) { return os.ReadFile(f.abs(rel)) }

func (f folderKV) put(rel string, data []byte) error {
	p := f.abs(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o640)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

func (f folderKV) remove(rel string) error {
	if err := os.Remove(f.abs(rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (f folderKV) list(dir string) ([]string, error) {
	var out []string
	root := f.abs(dir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".json") {
			return nil
		}
		rel, err := filepath.Rel(f.root, p)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(out)
	return out, err
}

type s3KV struct{ b *s3Storage }

func (s s3KV) get(rel string) ([]byte, error) { return s.b.get(s.b.key(rel)) }

func (s s3KV) put(rel string, data []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), s3Timeout)
	defer cancel()
	_, err := s.b.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.b.bucket, Key: aws.String(s.b.key(rel)),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))), ContentType: aws.String("application/json")})
	if err != nil {
		return fmt.Errorf("storing s3://%s/%s: %w", s.b.bucket, s.b.key(rel), err)
	}
	return nil
}

func (s s3KV) remove(rel string) error {
	ctx, cancel := context.WithTimeout(context.Background(), s3Timeout)
	defer cancel()
	if _, err := s.b.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.b.bucket, Key: aws.String(s.b.key(rel))}); err != nil {
		return fmt.Errorf("deleting s3://%s/%s: %w", s.b.bucket, s.b.key(rel), err)
	}
	return nil
}

func (s s3KV) list(dir string) ([]string, error) {
	keys, err := s.b.list(s.b.key(strings.TrimSuffix(dir, "/") + "/"))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(keys))
	for k := range keys {
		if strings.HasSuffix(k, ".json") {
			out = append(out, strings.TrimPrefix(k, s.b.prefix))
		}
	}
	sort.Strings(out)
	return out, nil
}

// Remote is the intake's side of remote requests: enrolled hosts and the requests agents make,
// kept in storage. The server, `intake request` and `intake requests` all go through it.
type Remote struct {
	kv  kv
	now func() time.Time
	// rev is where a request's upload token is revoked when the request ends (nil: not done).
	rev *Revocations
}

// OpenRemote is the remote-request store of the storage cfg names (nil: the data folder).
func OpenRemote(dataDir string, cfg *Config, now func() time.Time) (*Remote, error) {
	if now == nil {
		now = time.Now
	}
	if cfg != nil && cfg.Storage.IsS3() {
		b, err := openS3(cfg.Storage, filepath.Join(dataDir, "tmp"))
		if err != nil {
			return nil, err
		}
		return &Remote{kv: s3KV{b}, now: now, rev: s3Revocations(b, dataDir)}, nil
	}
	var st string
	if cfg != nil {
		st = cfg.Storage.URL
	}
	return &Remote{kv: folderKV{root: NewLayout(dataDir, st).Root}, now: now, rev: folderRevocations(dataDir, st)}, nil
}

func hostRel(id string) string { return "hosts/" + id + ".json" }

// Host reads an enrolled host; an error wrapping fs.ErrNotExist when it is not enrolled.
func (r *Remote) Host(id string) (Host, error) {
	var h Host
	if !wire.ValidHostID(id) {
		return h, fmt.Errorf("%q is not a host id (h- and 16 letters or digits, as casefile daemon --enroll prints): %w", id, fs.ErrNotExist)
	}
	data, err := r.kv.get(hostRel(id))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return h, fmt.Errorf("host %s is not enrolled: %w", id, fs.ErrNotExist)
		}
		return h, err
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return h, fmt.Errorf("host %s: %w", id, err)
	}
	if len(h.PublicKey) != ed25519.PublicKeySize || wire.HostID(h.PublicKey) != id {
		return Host{}, fmt.Errorf("host %s: the stored key does not match the id", id)
	}
	return h, nil
}

// Hosts lists the enrolled hosts, oldest first.
func (r *Remote) Hosts() ([]Host, error) {
	rels, err := r.kv.list("hosts")
	if err != nil {
		return nil, err
	}
	out := []Host{}
	for _, rel := range rels {
		h, err := r.Host(strings.TrimSuffix(strings.TrimPrefix(rel, "hosts/"), ".json"))
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].EnrolledAt.Before(out[j].EnrolledAt) })
	return out, nil
}

// removedRel records a removed host (removed-hosts/<id>.json {id, removed_at}), so that the
// key cannot enroll again with an enrollment token made before the removal.
func removedRel(id string) string { return "removed-hosts/" + id + ".json" }

type removedHost struct {
	ID        string    `json:"id"`
	RemovedAt time.Time `json:"removed_at"`
}

// RemoveHost forgets an enrolled host: its requests are refused from then on (401), and its open
// requests end failed. Enrolling the same key again needs an enrollment token made after the
// removal: whoever holds the key (it may be why the host was removed) cannot come back with the
// token it was enrolled with, or any other made before.
func (r *Remote) RemoveHost(id string) error {
	if _, err := r.Host(id); err != nil {
		return err
	}
	tomb, err := json.Marshal(removedHost{ID: id, RemovedAt: r.now().UTC()})
	if err != nil {
		return err
	}
	if err := r.kv.put(removedRel(id), append(tomb, '\n')); err != nil {
		return err
	}
	// The open requests end (their upload tokens revoked) before the host's record goes: a
	// removal cut short (storage down) leaves the host enrolled, so running it again finishes it.
	open, err := r.requests(id, true)
	if err != nil {
		return err
	}
	for _, q := range open {
		q.Status, q.Reason, q.UpdatedAt = wire.StatusFailed, "the host was removed from the intake", r.now().UTC()
		if err := r.save(q); err != nil {
			return err
		}
	}
	return r.kv.remove(hostRel(id))
}

// errRemovedHost refuses a removed host's key with an enrollment token made before the removal.
var errRemovedHost = errors.New("this host was removed from the intake: enrolling it again takes an enrollment token made after the removal")

// enroll stores a host's key; enrolling the same key again keeps the first record. A removed
// host's key enrolls again only with a token issued after the removal.
func (r *Remote) enroll(pub ed25519.PublicKey, name string, c EnrollClaims) (Host, error) {
	id := wire.HostID(pub)
	if h, err := r.Host(id); err == nil {
		return h, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Host{}, err
	}
	data, err := r.kv.get(removedRel(id))
	switch {
	case err == nil:
		var rm removedHost
		if json.Unmarshal(data, &rm) != nil || c.IssuedAt == 0 || c.IssuedAt <= rm.RemovedAt.Unix() {
			return Host{}, errRemovedHost
		}
	case !errors.Is(err, fs.ErrNotExist):
		return Host{}, err
	}
	h := Host{ID: id, PublicKey: pub, Name: name, EnrolledAt: r.now().UTC(), EnrollTokenID: c.ID}
	data, err = json.MarshalIndent(h, "", "  ")
	if err != nil {
		return Host{}, err
	}
	if err := r.kv.put(hostRel(id), append(data, '\n')); err != nil {
		return Host{}, err
	}
	return h, r.kv.remove(removedRel(id))
}

// hostAPI serves the routes enrolled daemons call. Nonces are remembered per instance for
// 2×wire.MaxSkew: a request replayed to the same instance is refused; see docs/remote.md for
// what that means with several instances.
type hostAPI struct {
	s      *Server
	remote *Remote

	nonces *nonceCache
	rate   *rateLimiter // authenticated requests per host
	enroll *rateLimiter // enrollments per enrollment token
}

// HostRate bounds the requests one enrolled host may make (a daemon polls once a minute).
const HostRate = 120 // per minute

// EnrollRate bounds the enrollments one enrollment token may make, so that a leaked token
// cannot add hosts (files in storage, nonces in memory) as fast as the intake can answer.
const EnrollRate = 600 // per minute

// remoteStore is the server's remote-request store, in the storage its bundles use.
func (s *Server) remoteStore() *Remote {
	if s.s3 != nil {
		return &Remote{kv: s3KV{s.s3}, now: s.opt.Now, rev: s.rev}
	}
	root := s.opt.DataDir
	if l, ok := s.stor.(Layout); ok {
		root = l.Root
	}
	return &Remote{kv: folderKV{root: root}, now: s.opt.Now, rev: s.rev}
}

// nonceCache remembers the nonces of accepted host requests for at least 2×wire.MaxSkew (a
// request is accepted while its time is within MaxSkew of the clock, so no copy of it can come
// later) in two generations: every span the older one is dropped whole. Recording and looking
// up are O(1); memory is what arrived in the last two spans, which the callers bound by
// recording a nonce only once the signature, the enrollment token and the rate limit passed.
type nonceCache struct {
	mu        sync.Mutex
	span      time.Duration
	since     time.Time // when cur began
	cur, prev map[string]struct{}
}

func newNonceCache() *nonceCache {
	return &nonceCache{span: 2 * wire.MaxSkew, cur: map[string]struct{}{}, prev: map[string]struct{}{}}
}

// seen records a nonce and reports whether it was already recorded inside the window.
func (n *nonceCache) seen(key string, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.since.IsZero() {
		n.since = now
	}
	if d := now.Sub(n.since); d >= n.span || d < 0 {
		if d >= 2*n.span || d < 0 {
			n.prev = map[string]struct{}{}
		} else {
			n.prev = n.cur
		}
		n.cur, n.since = map[string]struct{}{}, now
	}
	if _, ok := n.cur[key]; ok {
		return true
	}
	if _, ok := n.prev[key]; ok {
		return true
	}
	n.cur[key] = struct{}{}
	return false
}

// has reports whether a nonce is remembered, recording nothing.
func (n *nonceCache) has(key string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, a := n.cur[key]
	_, b := n.prev[key]
	return a || b
}

// len is how many nonces are remembered.
func (n *nonceCache) len() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.cur) + len(n.prev)
}

func (a *hostAPI) refuse(w http.ResponseWriter, r *http.Request, status int, host, msg string) {
	a.s.log.Warn("host request refused", "status", status, "reason", msg, "host", host, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(wire.ErrorBody{Error: msg})
}

func writeJSONBody(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, wire.MaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(data) > wire.MaxBody {
		return nil, fmt.Errorf("body larger than %d bytes", wire.MaxBody)
	}
	return data, nil
}

// replayed records an accepted request's nonce and reports whether it was seen before. It is
// called after the signature (and, for enrollment, the token) passed and the rate limit allowed
// the request, so nobody without a key or token can fill the cache.
// With record false it only looks (a replay is refused before it counts against the host's
// rate).
func (a *hostAPI) replayed(auth wire.Auth, record bool) error {
	k := auth.Host + "/" + auth.Nonce
	if (!record && a.nonces.has(k)) || (record && a.nonces.seen(k, a.s.opt.Now())) {
		return fmt.Errorf("%w: replayed request (nonce already used)", wire.ErrAuth)
	}
	return nil
}

// enroll is POST /v1/enroll: an enrollment token and a public key, signed with that key.
func (a *hostAPI) enrollHost(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		a.refuse(w, r, http.StatusMethodNotAllowed, "", "use POST")
		return
	}
	body, err := readBody(r)
	if err != nil {
		a.refuse(w, r, http.StatusRequestEntityTooLarge, "", err.Error())
		return
	}
	var req wire.EnrollRequest
	if err := json.Unmarshal(body, &req); err != nil {
		a.refuse(w, r, http.StatusBadRequest, "", "malformed enrollment request")
		return
	}
	pub, err := base64.StdEncoding.DecodeString(req.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		a.refuse(w, r, http.StatusBadRequest, "", "public_key: want an ed25519 key in base64")
		return
	}
	// The token first (a MAC, no state): a request without a good one leaves no trace, not even
	// its nonce; then the proof of possession, the token's rate, and only then the nonce.
	auth, err := wire.ParseAuth(r.Header.Get("Authorization"))
	var c EnrollClaims
	if err == nil {
		c, err = VerifyEnroll(a.s.opt.Key, a.s.rev, req.Token, a.s.opt.Now())
	}
	if err == nil {
		err = auth.Verify(pub, r.Method, r.URL.Path, body, a.s.opt.Now())
	}
	if err != nil {
		a.refuse(w, r, http.StatusUnauthorized, auth.Host, err.Error())
		return
	}
	if err := a.replayed(auth, false); err != nil {
		a.refuse(w, r, http.StatusUnauthorized, auth.Host, err.Error())
		return
	}
	if !a.enroll.allow(c.ID, a.s.opt.Now()) {
		w.Header().Set("Retry-After", "30")
		a.refuse(w, r, http.StatusTooManyRequests, auth.Host, fmt.Sprintf("rate limit: at most %d enrollments per minute with one enrollment token", EnrollRate))
		return
	}
	if err := a.replayed(auth, true); err != nil {
		a.refuse(w, r, http.StatusUnauthorized, auth.Host, err.Error())
		return
	}
	name := cleanText(req.Name, 255)
	h, err := a.remote.enroll(pub, name, c)
	if errors.Is(err, errRemovedHost) {
		a.refuse(w, r, http.StatusUnauthorized, auth.Host, err.Error())
		return
	}
	if err != nil {
		a.s.log.Error("enrolling a host failed", "host", auth.Host, "err", err)
		a.refuse(w, r, http.StatusInternalServerError, auth.Host, "could not store the host")
		return
	}
	a.s.log.Info("host enrolled", "host", h.ID, "name", name, "enroll_token_id", c.ID, "remote", r.RemoteAddr)
	writeJSONBody(w, http.StatusOK, wire.EnrollResponse{HostID: h.ID})
}

// cleanText keeps printable text of at most max bytes: control characters (terminal escapes
// included) and line and paragraph separators become spaces, and bidirectional overrides
// (which make `intake hosts` and `intake requests` show text otherwise than it is) are dropped.
func cleanText(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029':
			return ' '
		case (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) > max {
		s = s[:max]
		for len(s) > 0 && !validUTF8Tail(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

func validUTF8Tail(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
