package daemon

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/history"
	"github.com/casefile/casefile/internal/buildinfo"
	"github.com/casefile/casefile/spec"
)

// The local API. Every request is authorized from the connection's peer credentials (root, the
// daemon's own user, members of the socket group); on Windows the pipe's security descriptor
// does it. Errors are JSON: {"error": "...", "usage": true|false}.
//
//	GET  /v1/status              Status
//	GET  /v1/history?since=&until=&monitor=   history as JSON lines (since: a duration back or a time)
//	POST /v1/collect             CollectRequest -> CollectResponse (the bundle waits for one download)
//	GET  /v1/bundles/{token}     the bundle's bytes; removed from the daemon once sent whole
func (d *Daemon) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", d.handleStatus)
	mux.HandleFunc("GET /v1/history", d.handleHistory)
	mux.HandleFunc("POST /v1/collect", d.handleCollect)
	mux.HandleFunc("GET /v1/bundles/{token}", d.handleBundle)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, why := authorize(r.Context()); !ok {
			d.log.Warn("API request refused", "path", r.URL.Path, "reason", why)
			writeError(w, http.StatusForbidden, "refused: "+why, false)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// Status is GET /v1/status and `casefile status --json`.
type Status struct {
	Version   string          `json:"version"`
	PID       int             `json:"pid"`
	Started   time.Time       `json:"started"`
	UptimeS   float64         `json:"uptime_s"`
	Spec      StatusSpec      `json:"spec"`
	Socket    string          `json:"socket"`
	StateDir  string          `json:"state_dir"`
	Monitors  []MonitorStatus `json:"monitors"`
	Triggers  []TriggerRecord `json:"triggers"`
	Remote    []RemoteRequest `json:"remote_requests"`
	Reload    reloadInfo      `json:"last_load"`
	HistoryOK bool            `json:"history_ok"`
	Error     string          `json:"error,omitempty"`
}

// StatusSpec names the spec in force.
type StatusSpec struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	Kind   string `json:"kind"`
}

// MonitorStatus is one monitor in Status.
type MonitorStatus struct {
	Name           string          `json:"name"`
	Check          string          `json:"check"`
	Interval       spec.Duration   `json:"interval"`
	Last           *history.Result `json:"last"`
	HistoryCount   int             `json:"history_count"`
	FailuresInARow int             `json:"failures_in_a_row"`
	NextRun        time.Time       `json:"next_run,omitzero"`
}

// Status reports the daemon's state.
func (d *Daemon) Status() Status {
	now := d.cfg.Now()
	d.mu.Lock()
	l := d.cur
	st := Status{
		Version: buildinfo.Get().Version, PID: os.Getpid(), Started: d.started.UTC(), UptimeS: now.Sub(d.started).Seconds(),
		Spec:   StatusSpec{Name: l.spec.Metadata.Name, Source: l.src.Name, Kind: l.src.Kind},
		Socket: d.cfg.Socket, StateDir: d.cfg.StateDir,
		Monitors: []MonitorStatus{}, Triggers: append([]TriggerRecord{}, d.triggers...), Remote: []RemoteRequest{},
		Reload: reloadInfo{At: d.lastLoad.UTC(), Error: d.reloadErr},
	}
	next := map[string]time.Time{}
	for name, s := range d.states {
		next[name] = s.next.UTC()
	}
	d.mu.Unlock()
	if d.cfg.Version != "" {
		st.Version = d.cfg.Version
	}
	sums, err := d.store.Summary()
	st.HistoryOK = err == nil
	if err != nil {
		st.Error = "reading the history: " + d.redact(err.Error())
	}
	byName := map[string]history.MonitorSummary{}
	for _, s := range sums {
		byName[s.Name] = s
	}
	for _, m := range l.spec.Monitors {
		ms := MonitorStatus{Name: m.Name, Check: m.Check(), Interval: m.Interval, NextRun: next[m.Name]}
		if s, ok := byName[m.Name]; ok {
			ms.Last, ms.HistoryCount, ms.FailuresInARow = s.Last, s.Count, s.FailuresInARow
		}
		st.Monitors = append(st.Monitors, ms)
	}
	// Newest trigger first.
	for i, j := 0, len(st.Triggers)-1; i < j; i, j = i+1, j-1 {
		st.Triggers[i], st.Triggers[j] = st.Triggers[j], st.Triggers[i]
	}
	if d.cfg.Remote != nil {
		if rr := d.cfg.Remote.Requests(); rr != nil {
			st.Remote = rr
		}
	}
	return st
}

func (d *Daemon) handleStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, d.Status())
}

func (d *Daemon) handleHistory(w http.ResponseWriter, r *http.Request) {
	now := d.cfg.Now()
	since, err := parseWhen(r.URL.Query().Get("since"), now, now.Add(-d.current().spec.Daemon.Window()))
	if err != nil {
		writeError(w, http.StatusBadRequest, "since: "+err.Error(), true)
		return
	}
	until, err := parseWhen(r.URL.Query().Get("until"), now, now)
	if err != nil {
		writeError(w, http.StatusBadRequest, "until: "+err.Error(), true)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	if n, err := d.store.WriteWindowJSONL(w, since, until, r.URL.Query().Get("monitor")); err != nil {
		d.log.Error("serving the history", "after", n, "error", d.redact(err.Error()))
	}
}

// parseWhen reads a time (RFC 3339) or a duration back from now (2h, 7d); empty gives def.
func parseWhen(v string, now, def time.Time) (time.Time, error) {
	if v == "" {
		return def, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	dur, err := spec.ParseDuration(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want a time (2026-11-30T08:00:00Z) or a duration back from now (2h, 7d)", v)
	}
	return now.Add(-dur), nil
}

// CollectResponse is POST /v1/collect's answer: what `casefile collect --json` prints, plus
// where to fetch the bundle.
type CollectResponse struct {
	collect.Summary        // Bundle is the file name
	Download        string `json:"download"`
	Size            int64  `json:"size"`
}

// maxCollectRequest bounds a collect request's body.
const maxCollectRequest = 1 << 20

func (d *Daemon) handleCollect(w http.ResponseWriter, r *http.Request) {
	var req CollectRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxCollectRequest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "collect request: "+err.Error(), true)
		return
	}
	tok := newToken()
	dir := filepath.Join(d.cfg.StateDir, requestsDir, tok)
	d.log.Info("collect requested", "ticket", d.redact(req.Ticket))
	res, err := d.Collect(r.Context(), req, dir)
	if err != nil {
		os.RemoveAll(dir)
		// The engine redacts its errors' sources; the request's own literals are redacted too.
		msg := d.redact(err.Error())
		var re *collect.RequestError
		if errors.As(err, &re) {
			writeError(w, http.StatusBadRequest, msg, true)
			return
		}
		d.log.Error("collect failed", "error", msg)
		writeError(w, http.StatusInternalServerError, msg, false)
		return
	}
	d.mu.Lock()
	d.downloads[tok] = res.Path
	d.mu.Unlock()
	resp := collectResponse(res)
	resp.Download = "/v1/bundles/" + tok
	d.log.Info("collect done", "bundle", resp.Bundle, "status", resp.Status)
	writeJSON(w, http.StatusOK, resp)
}

func collectResponse(res *collect.Result) CollectResponse {
	out := CollectResponse{Summary: res.Summary()}
	out.Bundle = filepath.Base(res.Path)
	if st, err := os.Stat(res.Path); err == nil {
		out.Size = st.Size()
	}
	return out
}

func (d *Daemon) handleBundle(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	d.mu.Lock()
	path, ok := d.downloads[tok]
	d.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "no such bundle (fetched already, or older than an hour)", false)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		writeError(w, http.StatusNotFound, "bundle gone: "+err.Error(), false)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error(), false)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	n, err := io.Copy(w, f)
	if err != nil || n != st.Size() {
		return // the client may ask again
	}
	d.mu.Lock()
	delete(d.downloads, tok)
	d.mu.Unlock()
	os.RemoveAll(filepath.Dir(path))
}

// removeStaleRequests removes bundles collected for a client that never fetched them.
func (d *Daemon) removeStaleRequests() {
	dir := filepath.Join(d.cfg.StateDir, requestsDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	now := d.cfg.Now()
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) < requestMaxAge {
			continue
		}
		d.mu.Lock()
		for tok, p := range d.downloads {
			if strings.HasPrefix(p, filepath.Join(dir, e.Name())+string(filepath.Separator)) {
				delete(d.downloads, tok)
			}
		}
		d.mu.Unlock()
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// apiError is the body of every error answer.
type apiError struct {
	Error string `json:"error"`
	Usage bool   `json:"usage,omitempty"`
}

func writeError(w http.ResponseWriter, code int, msg string, usage bool) {
	writeJSON(w, code, apiError{Error: msg, Usage: usage})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
