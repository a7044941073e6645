package desk

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A desk that redirects (to another port, another host name, or itself) gets no second request:
// the credentials are never replayed anywhere, and the delivery fails naming the redirect.
func TestDeskRedirectNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		if r.Header.Get("Authorization") != "" {
			t.Errorf("credentials sent to the redirect target: %s %s", r.Method, r.URL)
		}
	}))
	defer other.Close()
	otherLocalhost := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	for _, target := range []string{other.URL + "/steal", otherLocalhost + "/steal", "/REST/2.0/again"} {
		for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
			var calls atomic.Int32
			desk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				http.Redirect(w, r, target, code)
			}))
			secret := secretFor(t)
			c, err := New(Config{Kind: KindRT, URL: desk.URL, User: "root", PasswordEnv: "P"}, envWith("P", secret))
			if err != nil {
				t.Fatal(err)
			}
			r := deliverOnce(t, c, "1", 0, "")
			desk.Close()
			if r.final.Status != StatusFailed || !strings.Contains(r.final.Reason, "redirected to") || calls.Load() != 1 {
				t.Errorf("%d to %s: %d calls to the desk, final %+v", code, target, calls.Load(), r.final)
			}
			r.noSecret(t, "root", secret)
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Fatalf("%d requests reached the redirect target", n)
	}
}

// A desk that answers slowly, trickles its body, or sends a huge error body costs one bounded
// attempt: the configured timeout ends it, and what the desk said is cut to one short line.
func TestDeskSlowOrHugeAnswer(t *testing.T) {
	stop := make(chan struct{})
	trickle := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		for {
			select {
			case <-stop:
				return
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
				w.Write([]byte("x"))
				w.(http.Flusher).Flush()
			}
		}
	}))
	defer trickle.Close()
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	defer silent.Close()
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		chunk := []byte(strings.Repeat("A", 1<<16))
		for i := 0; i < 1024; i++ { // 64 MiB offered
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer huge.Close()
	defer close(stop) // first: the handlers return, so the servers can close
	for name, url := range map[string]string{"trickle": trickle.URL, "silent": silent.URL, "huge": huge.URL} {
		c, err := New(Config{Kind: KindRT, URL: url, User: "root", PasswordEnv: "P", Timeout: time.Second}, envWith("P", secretFor(t)))
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		r := deliverOnce(t, c, "1", 0, "")
		took := time.Since(t0)
		// 5 attempts at most (deliverOnce's retry), each ended by the 1 s timeout.
		if took > 15*time.Second || r.final.Status != StatusFailed || len(r.final.Reason) > 400 {
			t.Errorf("%s: %s, final %s after %d attempts, reason of %d bytes: %.100q", name, took, r.final.Status, r.final.Attempts, len(r.final.Reason), r.final.Reason)
		}
	}
}
