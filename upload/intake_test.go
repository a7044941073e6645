package upload

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casefile/casefile/intake"
)

// TestAgainstRealIntake runs the client against the intake server of this repository (beside
// the fake above): tokens it signed, a transfer cut twice by a proxy-like wrapper, a plain and
// an encrypted bundle (stored as ciphertext: the server holds no identity), and a wrong ticket.
func TestAgainstRealIntake(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	filed := make(chan intake.Record, 4)
	srv, err := intake.New(intake.Options{DataDir: t.TempDir(), Key: key, OnFiled: func(r intake.Record) { filed <- r }})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var cuts atomic.Int32
	cuts.Store(2)
	h := srv.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The first two PATCHes lose their connection after 10 KiB reach the server.
		// The server stores what arrived; the client never sees an answer.
		if r.Method == http.MethodPatch && cuts.Add(-1) >= 0 {
			r.Body = &cutBody{ReadCloser: r.Body, left: 10 << 10}
			h.ServeHTTP(discardWriter{h: http.Header{}}, r)
			panic(http.ErrAbortHandler)
		}
		h.ServeHTTP(w, r)
	}))
	defer hs.Close()
	tokenFor := func(ticket string) string {
		c, err := intake.NewClaims(ticket, time.Now(), time.Hour, 0)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := intake.Sign(key, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	wait := func() intake.Record {
		select {
		case r := <-filed:
			return r
		case <-time.After(20 * time.Second):
			t.Fatal("the intake never filed the upload")
		}
		return intake.Record{}
	}
	dir := t.TempDir()
	p := makeBundle(t, dir, "4821", 200<<10)
	o := baseOpts(t, p, hs.URL, tokenFor("4821"))
	res, err := Upload(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	rec := wait()
	if rec.Ticket != "4821" || rec.SHA256 != res.BundleSHA256 || rec.Status != "ok" {
		t.Fatalf("record %+v, result %+v", rec, res)
	}
	if cuts.Load() >= 0 {
		t.Fatal("the cuts did not happen")
	}

	id, _ := newIdentity(t)
	p2 := makeBundle(t, t.TempDir(), "4821", 50<<10)
	o = baseOpts(t, p2, hs.URL, tokenFor("4821"))
	o.Recipient = id.Recipient().String()
	res, err = Upload(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	rec = wait()
	if rec.Status != "encrypted" || rec.SHA256 != res.SHA256 {
		t.Fatalf("encrypted: record %+v, result %+v", rec, res)
	}
	if left := dirEntries(t, o.StateDir); len(left) != 0 {
		t.Fatalf("left: %v", left)
	}

	o = baseOpts(t, p, hs.URL, tokenFor("9999"))
	if _, err := Upload(context.Background(), o); err == nil || !strings.Contains(err.Error(), "nothing was sent") {
		t.Fatalf("wrong ticket: %v", err)
	}
	o = baseOpts(t, p, hs.URL, tokenFor("4821")[:20]+"x"+tokenFor("4821")[21:])
	_, err = Upload(context.Background(), o)
	var ue *Error
	if err == nil {
		t.Fatal("a token with a bad signature was accepted")
	}
	if errors.As(err, &ue) && ue.Status != 0 && ue.Kind != KindUnauthorized {
		t.Fatalf("bad signature: %v", err)
	}
}

// cutBody ends a request body with an error after left bytes, as a broken connection does.
type cutBody struct {
	io.ReadCloser
	left int
}

func (c *cutBody) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	n, err := c.ReadCloser.Read(p)
	c.left -= n
	return n, err
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}
