package remote_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/casefile/casefile/remote"
	"github.com/casefile/casefile/remote/wire"
)

// A person's approval is for the request as it was put to them: when a request approved before
// a restart comes back naming another ticket (its stored record was changed), it is asked
// again, not run. Before, the approval was remembered by request id alone.
func TestApprovalIsForTheTicketApproved(t *testing.T) {
	ri := startIntake(t, nil)
	h := enrollHost(t, ri, remote.ConsentAsk)
	q := ri.request(t, h.id, "4870")
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
	// The stored request now names another ticket.
	p := filepath.Join(ri.data, "requests", "open", h.id, q.ID+".json")
	got := ri.status(t, h.id, q.ID)
	got.Ticket = "4871"
	b, _ := json.Marshal(got)
	if err := os.WriteFile(p, b, 0o640); err != nil {
		t.Fatal(err)
	}
	c2 := h.client(t, remote.Config{})
	if _, err := c2.Poll(context.Background(), h.handler(t)); err != nil {
		t.Fatal(err)
	}
	if h.collect.Load() != 0 {
		t.Fatal("collected for a ticket nobody approved")
	}
	if p := c2.Pending(); len(p) != 1 || p[0].State != "waiting" || p[0].Ticket != "4871" {
		t.Fatalf("pending after the restart: %+v", p)
	}
	if st := ri.status(t, h.id, q.ID).Status; st != wire.StatusWaiting {
		t.Fatalf("request %s", st)
	}
}

// The interval an intake asks for (poll_after) is taken between 1 s and an hour: a huge value
// neither overflows into a busy loop nor stops the polling for good. (The repository's intake
// never sends one; this intake is a stand-in that answers polls with a given poll_after.)
func TestPollAfterBounded(t *testing.T) {
	h := &host{state: t.TempDir()}
	for _, tc := range []struct {
		after int
		want  time.Duration
	}{{0, time.Minute}, {-5, time.Minute}, {1, time.Second}, {120, 2 * time.Minute},
		{1 << 40, time.Hour}, {math.MaxInt, time.Hour}, {9_300_000_000, time.Hour}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(wire.PollResponse{Requests: []wire.Request{}, PollAfter: tc.after})
		}))
		key, err := remote.LoadKey(h.state)
		if err != nil {
			t.Fatal(err)
		}
		e, _ := json.Marshal(remote.Enrollment{URL: srv.URL, HostID: remote.ID(key), EnrolledAt: time.Now()})
		os.WriteFile(filepath.Join(h.state, remote.EnrollmentFile), e, 0o600)
		h.setConsent(srv.URL, remote.ConsentAuto)
		c := h.client(t, remote.Config{Interval: time.Minute})
		next, err := c.Poll(context.Background(), h.handler(t))
		srv.Close()
		if err != nil || next != tc.want {
			t.Errorf("poll_after %d: next poll in %s (%v), want %s", tc.after, next, err, tc.want)
		}
	}
}
