package upload

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/redact"
)

// fakeTus is a tus 1.0 server (core + creation) that keeps to the intake contract
// (docs/upload.md): bearer token, JSON error bodies, Upload-Metadata. It can cut a PATCH's
// connection at chosen offsets, after storing the bytes received before the cut, as a server
// does when a transfer breaks.
type fakeTus struct {
	t     *testing.T
	token string

	mu      sync.Mutex
	uploads map[string]*fakeUpload
	cuts    []int64 // absolute offsets at which a PATCH is cut (each once)
	force   int     // when non-zero, every request is answered with this status
	posts   int
	heads   int
	patches int
	// onPatch runs before a PATCH is read (outside the lock); it may block.
	onPatch func(r *http.Request, offset int64)
}

type fakeUpload struct {
	length int64
	data   []byte
	meta   map[string]string
}

func newFakeTus(t *testing.T, token string) (*fakeTus, *httptest.Server) {
	f := &fakeTus{t: t, token: token, uploads: map[string]*fakeUpload{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func jsonErr(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func (f *fakeTus) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.posts + f.heads + f.patches
}

func (f *fakeTus) only() *fakeUpload {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.uploads) != 1 {
		f.t.Fatalf("server holds %d uploads, want 1", len(f.uploads))
	}
	for _, u := range f.uploads {
		return u
	}
	return nil
}

func (f *fakeTus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Tus-Resumable", "1.0.0")
	if r.Header.Get("Tus-Resumable") != "1.0.0" {
		jsonErr(w, http.StatusPreconditionFailed, "Tus-Resumable 1.0.0 required")
		return
	}
	f.mu.Lock()
	force := f.force
	f.mu.Unlock()
	if force != 0 {
		jsonErr(w, force, fmt.Sprintf("forced %d", force))
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		jsonErr(w, http.StatusUnauthorized, "token expired")
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/files/":
		n, err := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64)
		if err != nil || n < 0 {
			jsonErr(w, http.StatusBadRequest, "bad Upload-Length")
			return
		}
		meta := map[string]string{}
		for _, kv := range strings.Split(r.Header.Get("Upload-Metadata"), ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), " ")
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				jsonErr(w, http.StatusBadRequest, "bad metadata")
				return
			}
			meta[k] = string(b)
		}
		id := make([]byte, 8)
		rand.Read(id)
		name := hex.EncodeToString(id)
		f.mu.Lock()
		f.posts++
		f.uploads[name] = &fakeUpload{length: n, meta: meta}
		f.mu.Unlock()
		w.Header().Set("Location", "/files/"+name) // relative, as tusd may answer behind a proxy
		w.WriteHeader(http.StatusCreated)
	case strings.HasPrefix(r.URL.Path, "/files/") && (r.Method == http.MethodHead || r.Method == http.MethodPatch):
		f.mu.Lock()
		u := f.uploads[strings.TrimPrefix(r.URL.Path, "/files/")]
		if u == nil {
			f.mu.Unlock()
			w.WriteHeader(http.StatusNotFound)
			return
		}
		off := int64(len(u.data))
		if r.Method == http.MethodHead {
			f.heads++
			f.mu.Unlock()
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Upload-Offset", strconv.FormatInt(off, 10))
			w.Header().Set("Upload-Length", strconv.FormatInt(u.length, 10))
			w.WriteHeader(http.StatusOK)
			return
		}
		f.patches++
		hook := f.onPatch
		f.mu.Unlock()
		if r.Header.Get("Content-Type") != "application/offset+octet-stream" {
			jsonErr(w, http.StatusUnsupportedMediaType, "bad content type")
			return
		}
		if r.Header.Get("Upload-Offset") != strconv.FormatInt(off, 10) {
			jsonErr(w, http.StatusConflict, "offset mismatch")
			return
		}
		if hook != nil {
			hook(r, off)
		}
		f.mu.Lock()
		cut, at := int64(-1), -1
		for i, c := range f.cuts { // the first cut in this PATCH's range
			if c > off && c < off+r.ContentLength && (cut < 0 || c < cut) {
				cut, at = c, i
			}
		}
		if at >= 0 {
			f.cuts = append(f.cuts[:at:at], f.cuts[at+1:]...)
		}
		f.mu.Unlock()
		limit := u.length - off
		if cut >= 0 {
			limit = cut - off
		}
		data, err := io.ReadAll(io.LimitReader(r.Body, limit))
		f.mu.Lock()
		u.data = append(u.data, data...)
		newOff := int64(len(u.data))
		f.mu.Unlock()
		if cut >= 0 || err != nil {
			panic(http.ErrAbortHandler) // the connection breaks mid-transfer
		}
		w.Header().Set("Upload-Offset", strconv.FormatInt(newOff, 10))
		w.WriteHeader(http.StatusNoContent)
	default:
		jsonErr(w, http.StatusMethodNotAllowed, "no")
	}
}

// makeToken makes a token of the contract's shape; its MAC is not checked by the client.
func makeToken(ticket string, exp time.Time, max int64) string {
	p, _ := json.Marshal(map[string]any{"id": "tok1", "ticket": ticket, "exp": exp.Unix(), "max": max})
	return "cf1." + base64.RawURLEncoding.EncodeToString(p) + "." + base64.RawURLEncoding.EncodeToString([]byte("not-a-real-mac-000000000000000000"))
}

type testCollector struct{}

func (testCollector) Name() string                                   { return "files.test" }
func (testCollector) Family() string                                 { return "files" }
func (testCollector) Collect(context.Context, collectors.Sink) error { return nil }

// makeBundle writes a real bundle for ticket with about size bytes of incompressible content.
func makeBundle(t *testing.T, dir, ticket string, size int) string {
	t.Helper()
	eng, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := bundle.NewStage(dir, eng, bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Cleanup()
	sk := st.Sink(testCollector{})
	raw := make([]byte, size/2)
	rand.Read(raw)
	w, err := sk.Create("files/test/noise.txt")
	if err != nil {
		t.Fatal(err)
	}
	// Lines of hex: incompressible enough, and nothing the redactor takes for a secret shape.
	enc := hex.EncodeToString(raw)
	for i := 0; i < len(enc); i += 64 {
		io.WriteString(w, enc[i:min(i+64, len(enc))]+"\n")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	kept, _ := sk.Finish(true)
	created := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	m := &bundle.Manifest{SchemaVersion: bundle.SchemaVersion, BundleID: "6f1c1f6e-0d7e-4a57-9d0e-0123456789ab", CreatedAt: created, Host: "h1", Format: "tar.gz", Ticket: ticket,
		Collectors: []collectors.Result{{Name: "files.test", Family: "files", Status: collectors.StatusOK, Start: created, Files: kept}}}
	p, err := st.Write(context.Background(), m, dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fakeTus) counts() (posts, heads, patches int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.posts, f.heads, f.patches
}
