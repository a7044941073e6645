package remote_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

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
