package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/remote/wire"
)

// HostRequest is a support agent's request for a bundle from an enrolled host, stored as
// requests/open/<host>/<id>.json, and as requests/done/<host>/<id>.json once it has ended. Its
// status moves pending → delivered (the host polled) → waiting (the host's policy is ask) →
// collected → uploaded, or ends declined or failed.
type HostRequest struct {
	ID           string    `json:"id"`
	Ticket       string    `json:"ticket"`
	Host         string    `json:"host"`
	Note         string    `json:"note,omitempty"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	DeliveredAt  time.Time `json:"delivered_at,omitzero"`
	BundleSHA256 string    `json:"bundle_sha256,omitempty"`
	SHA256       string    `json:"sha256,omitempty"` // of the bytes sent (ciphertext when encrypted)
	Reason       string    `json:"reason,omitempty"`
}

// UploadTokenTTL is how long an upload token handed to a host at a poll is valid: long enough
// for a collection and an upload that resumes after cuts, short enough to be worthless soon.
const UploadTokenTTL = 6 * time.Hour

// MaxNote bounds a request's note.
const MaxNote = 1000

// Open requests live under requests/open/, ended ones (declined, uploaded, failed) under
// requests/done/, so a poll reads only what is open however many requests a host has had.
func requestRel(host, id string, done bool) string {
	state := "open"
	if done {
		state = "done"
	}
	return "requests/" + state + "/" + host + "/" + id + ".json"
}

// CreateRequest records a request for a bundle for ticket from host, which must be enrolled.
func (r *Remote) CreateRequest(ticket, host, note string) (HostRequest, error) {
	if !ValidTicket(ticket) {
		return HostRequest{}, fmt.Errorf("ticket %q: want letters, digits, '.', '_' or '-' (at most 64)", ticket)
	}
	if _, err := r.Host(host); err != nil {
		return HostRequest{}, err
	}
	id, err := wire.NewRequestID()
	if err != nil {
		return HostRequest{}, err
	}
	now := r.now().UTC()
	q := HostRequest{ID: id, Ticket: ticket, Host: host, Note: cleanText(note, MaxNote), Status: wire.StatusPending, CreatedAt: now, UpdatedAt: now}
	return q, r.save(q)
}

// save stores q; an ended request moves to requests/done/ (written there first, so a crash in
// between leaves both, and the done one wins). Before a request ends, its upload token is
// revoked (the token's id is the request's id, see requestToken): a host that declined, failed
// or has uploaded can upload no more to the ticket, and neither can anyone who got hold of the
// token.
func (r *Remote) save(q HostRequest) error {
	data, err := json.MarshalIndent(q, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if !wire.Final(q.Status) {
		return r.kv.put(requestRel(q.Host, q.ID, false), data)
	}
	if r.rev != nil {
		if err := r.rev.Revoke(q.ID); err != nil {
			return fmt.Errorf("revoking the upload token of request %s: %w", q.ID, err)
		}
	}
	if err := r.kv.put(requestRel(q.Host, q.ID, true), data); err != nil {
		return err
	}
	return r.kv.remove(requestRel(q.Host, q.ID, false))
}

// Request reads one request of host.
func (r *Remote) Request(host, id string) (HostRequest, error) {
	var q HostRequest
	if !wire.ValidHostID(host) || !wire.ValidRequestID(id) {
		return q, fmt.Errorf("request %s/%s: %w", host, id, fs.ErrNotExist)
	}
	data, err := r.kv.get(requestRel(host, id, true))
	if errors.Is(err, fs.ErrNotExist) {
		data, err = r.kv.get(requestRel(host, id, false))
	}
	if err != nil {
		return q, err
	}
	if err := json.Unmarshal(data, &q); err != nil {
		return q, fmt.Errorf("request %s: %w", id, err)
	}
	return q, nil
}

var requestRelRe = regexp.MustCompile(`^requests/(open|done)/(h-[a-z2-7]{16})/(r-[a-z2-7]{16})\.json$`)

// Requests lists requests, oldest first: of one host, or all when host is empty.
func (r *Remote) Requests(host string) ([]HostRequest, error) {
	return r.requests(host, false)
}

// requests lists requests; openOnly reads only those not ended.
func (r *Remote) requests(host string, openOnly bool) ([]HostRequest, error) {
	if host != "" && !wire.ValidHostID(host) {
		return nil, fmt.Errorf("%q is not a host id", host)
	}
	states := []string{"open", "done"}
	if openOnly {
		states = states[:1]
	}
	seen := map[string]bool{}
	out := []HostRequest{}
	for _, state := range states {
		dir := "requests/" + state
		if host != "" {
			dir += "/" + host
		}
		rels, err := r.kv.list(dir)
		if err != nil {
			return nil, err
		}
		for _, rel := range rels {
			m := requestRelRe.FindStringSubmatch(rel)
			if m == nil || seen[m[3]] {
				continue
			}
			q, err := r.Request(m[2], m[3])
			if errors.Is(err, fs.ErrNotExist) {
				continue // moved or removed between the listing and the read
			}
			if err != nil {
				return nil, err
			}
			if openOnly && wire.Final(q.Status) {
				r.kv.remove(requestRel(q.Host, q.ID, false)) // a leftover of a cut save
				continue
			}
			seen[q.ID] = true
			out = append(out, q)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// remoteRoutes adds the routes enrolled daemons call (docs/remote.md) to mux.
func (s *Server) remoteRoutes(mux *http.ServeMux) *hostAPI {
	a := &hostAPI{s: s, remote: s.remoteStore(), nonces: newNonceCache(),
		rate: newRateLimiter(HostRate, time.Minute), enroll: newRateLimiter(EnrollRate, time.Minute)}
	mux.HandleFunc(wire.EnrollPath, a.enrollHost)
	mux.HandleFunc(wire.HostsPath, a.hostRoute)
	return a
}

// hostRoute serves GET /v1/hosts/{host}/requests and POST /v1/hosts/{host}/requests/{id},
// each signed by the host's key.
func (a *hostAPI) hostRoute(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, wire.HostsPath), "/")
	if len(parts) < 2 || parts[1] != "requests" || len(parts) > 3 || !wire.ValidHostID(parts[0]) {
		a.refuse(w, r, http.StatusNotFound, "", "no such route")
		return
	}
	hostID := parts[0]
	body, err := readBody(r)
	if err != nil {
		a.refuse(w, r, http.StatusRequestEntityTooLarge, hostID, err.Error())
		return
	}
	auth, err := wire.ParseAuth(r.Header.Get("Authorization"))
	if err == nil && auth.Host != hostID {
		err = fmt.Errorf("%w: signed by host %s for host %s's route", wire.ErrAuth, auth.Host, hostID)
	}
	var h Host
	if err == nil {
		h, err = a.remote.Host(hostID)
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%w: host %s is not enrolled", wire.ErrAuth, hostID)
		}
	}
	if err == nil {
		err = auth.Verify(h.PublicKey, r.Method, r.URL.Path, body, a.s.opt.Now())
	}
	if err == nil {
		err = a.replayed(auth, false) // a replay does not count against the host's rate
	}
	if err != nil {
		status := http.StatusUnauthorized
		if !errors.Is(err, wire.ErrAuth) {
			status = http.StatusInternalServerError
			a.s.log.Error("reading a host failed", "host", hostID, "err", err)
			err = errors.New("could not read the host")
		}
		a.refuse(w, r, status, hostID, err.Error())
		return
	}
	if !a.rate.allow(hostID, a.s.opt.Now()) {
		w.Header().Set("Retry-After", "30")
		a.refuse(w, r, http.StatusTooManyRequests, hostID, fmt.Sprintf("rate limit: at most %d requests per minute for one host", HostRate))
		return
	}
	if err := a.replayed(auth, true); err != nil {
		a.refuse(w, r, http.StatusUnauthorized, hostID, err.Error())
		return
	}
	switch {
	case len(parts) == 2 && r.Method == http.MethodGet:
		a.poll(w, r, hostID)
	case len(parts) == 3 && r.Method == http.MethodPost:
		a.outcome(w, r, hostID, parts[2], body)
	default:
		a.refuse(w, r, http.StatusMethodNotAllowed, hostID, "GET .../requests or POST .../requests/{id}")
	}
}

// poll answers a host with its open requests, marking pending ones delivered, each with a fresh
// upload token for its ticket.
func (a *hostAPI) poll(w http.ResponseWriter, r *http.Request, host string) {
	qs, err := a.remote.requests(host, true)
	if err != nil {
		a.s.log.Error("listing a host's requests failed", "host", host, "err", err)
		a.refuse(w, r, http.StatusInternalServerError, host, "could not list requests")
		return
	}
	now := a.s.opt.Now().UTC()
	resp := wire.PollResponse{Requests: []wire.Request{}}
	for _, q := range qs {
		if wire.Final(q.Status) {
			continue
		}
		if q.Status == wire.StatusPending {
			q.Status, q.DeliveredAt, q.UpdatedAt = wire.StatusDelivered, now, now
			if err := a.remote.save(q); err != nil {
				a.s.log.Error("marking a request delivered failed", "host", host, "request", q.ID, "err", err)
				a.refuse(w, r, http.StatusInternalServerError, host, "could not update a request")
				return
			}
			a.s.log.Info("request delivered", "host", host, "request", q.ID, "ticket", q.Ticket)
		}
		tok, err := Sign(a.s.opt.Key, requestToken(q, now, a.s.lim.MaxSize))
		if err != nil {
			a.refuse(w, r, http.StatusInternalServerError, host, "could not make an upload token")
			return
		}
		resp.Requests = append(resp.Requests, wire.Request{ID: q.ID, Ticket: q.Ticket, Note: q.Note, Status: q.Status,
			CreatedAt: q.CreatedAt, UploadToken: tok})
	}
	writeJSONBody(w, http.StatusOK, resp)
}

// requestToken is the upload token a poll hands out for q: its ticket only, UploadTokenTTL, the
// server's size limit, and the request's id as the token's id. Every poll's token for one
// request is thus one token to the rate and concurrency limits, and ending the request revokes
// them all (save).
func requestToken(q HostRequest, now time.Time, max int64) Claims {
	return Claims{ID: q.ID, Ticket: q.Ticket, Exp: now.Add(UploadTokenTTL).Unix(), Max: max}
}

// FilingWait is how long an "uploaded" report waits for its bundle to be filed: a host reports
// right after its last chunk, and filing (hashing, verifying, storing) runs after that.
var FilingWait = 15 * time.Second

// awaitFiled reports whether a bundle with one of shas (the bytes sent, or the plaintext when
// the intake decrypted it) is filed under ticket, waiting up to FilingWait.
func (a *hostAPI) awaitFiled(ctx context.Context, ticket string, shas ...string) (bool, error) {
	deadline := time.Now().Add(FilingWait)
	for {
		ok, err := a.filed(ticket, shas)
		if ok || err != nil || time.Now().After(deadline) {
			return ok, err
		}
		select {
		case <-ctx.Done():
			return false, nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// filed looks in the index, then in storage (another instance may have filed it).
func (a *hostAPI) filed(ticket string, shas []string) (bool, error) {
	want := map[string]bool{}
	for _, s := range shas {
		if s != "" {
			want[s] = true
		}
	}
	recs, err := a.s.idx.List(ticket)
	if err != nil {
		return false, err
	}
	for _, rec := range recs {
		if want[rec.SHA256] {
			return true, nil
		}
	}
	for sha := range want {
		for _, st := range []string{StatusOK, StatusQuarantined} {
			for _, ext := range []string{"tar.gz", "tar.zst", "zip", "age", "bin"} {
				rec, err := a.s.stor.readRecord(destRel(st, ticket, sha, ext))
				if err == nil && rec.Ticket == ticket {
					return true, nil
				}
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					return false, err
				}
			}
		}
	}
	return false, nil
}

var hexSHA = regexp.MustCompile(`^[0-9a-f]{64}$`)

// outcome records what a host reports about one of its requests. A request that has ended
// keeps its end: the same report again is accepted (a retry), another is a conflict.
func (a *hostAPI) outcome(w http.ResponseWriter, r *http.Request, host, id string, body []byte) {
	var o wire.Outcome
	if err := json.Unmarshal(body, &o); err != nil {
		a.refuse(w, r, http.StatusBadRequest, host, "malformed outcome")
		return
	}
	switch o.Status {
	case wire.StatusWaiting, wire.StatusDeclined, wire.StatusCollected, wire.StatusUploaded, wire.StatusFailed:
	default:
		a.refuse(w, r, http.StatusBadRequest, host, fmt.Sprintf("status %q: want waiting, declined, collected, uploaded or failed", o.Status))
		return
	}
	if (o.BundleSHA256 != "" && !hexSHA.MatchString(o.BundleSHA256)) || (o.SHA256 != "" && !hexSHA.MatchString(o.SHA256)) {
		a.refuse(w, r, http.StatusBadRequest, host, "bundle_sha256 and sha256: want 64 lower-case hex digits")
		return
	}
	if o.Status == wire.StatusUploaded && o.BundleSHA256 == "" {
		a.refuse(w, r, http.StatusBadRequest, host, "an uploaded outcome names the bundle's sha256")
		return
	}
	q, err := a.remote.Request(host, id)
	if errors.Is(err, fs.ErrNotExist) {
		a.refuse(w, r, http.StatusNotFound, host, "no such request for this host")
		return
	}
	if err != nil {
		a.s.log.Error("reading a request failed", "host", host, "request", id, "err", err)
		a.refuse(w, r, http.StatusInternalServerError, host, "could not read the request")
		return
	}
	if wire.Final(q.Status) {
		if q.Status == o.Status {
			writeJSONBody(w, http.StatusOK, q)
			return
		}
		a.refuse(w, r, http.StatusConflict, host, fmt.Sprintf("request %s has ended (%s)", id, q.Status))
		return
	}
	if o.Status == wire.StatusUploaded {
		filed, err := a.awaitFiled(r.Context(), q.Ticket, o.SHA256, o.BundleSHA256)
		if err != nil {
			a.s.log.Error("looking for a request's bundle failed", "host", host, "request", id, "err", err)
			a.refuse(w, r, http.StatusInternalServerError, host, "could not look for the bundle")
			return
		}
		if !filed {
			// Not (yet) filed: the host keeps the outcome and reports it again at its next poll.
			w.Header().Set("Retry-After", "60")
			a.refuse(w, r, http.StatusServiceUnavailable, host, fmt.Sprintf("no bundle with that sha256 is filed under ticket %s (yet)", q.Ticket))
			return
		}
	}
	q.Status, q.UpdatedAt = o.Status, a.s.opt.Now().UTC()
	if o.BundleSHA256 != "" {
		q.BundleSHA256 = o.BundleSHA256
	}
	if o.SHA256 != "" {
		q.SHA256 = o.SHA256
	}
	q.Reason = cleanText(o.Reason, 2000)
	if err := a.remote.save(q); err != nil {
		a.s.log.Error("storing a request's outcome failed", "host", host, "request", id, "err", err)
		a.refuse(w, r, http.StatusInternalServerError, host, "could not store the outcome")
		return
	}
	a.s.log.Info("request "+q.Status, "host", host, "request", id, "ticket", q.Ticket, "bundle_sha256", q.BundleSHA256, "reason", q.Reason)
	writeJSONBody(w, http.StatusOK, q)
}
