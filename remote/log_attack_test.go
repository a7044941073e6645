package remote_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/remote"
	"github.com/casefile/casefile/remote/wire"
)

// A request whose ticket is not a ticket (here 1.2 MiB, written into the intake's storage behind
// its back) ends failed without its text filling the local log, and the log stays readable: a
// restarted client starts. Before, the whole ticket went into two log lines, and the next start
// failed reading them (a line longer than the reader's 1 MiB), so the host's remote requests
// stopped for good.
func TestHugeTicketDoesNotBreakTheLog(t *testing.T) {
	ri := startIntake(t, nil)
	h := enrollHost(t, ri, remote.ConsentAuto)
	q := ri.request(t, h.id, "4850")
	// Rewrite the stored request with a ticket no agent could give.
	p := filepath.Join(ri.data, "requests", "open", h.id, q.ID+".json")
	q.Ticket = strings.Repeat("T", 1200<<10)
	b, _ := json.Marshal(q)
	if err := os.WriteFile(p, b, 0o640); err != nil {
		t.Fatal(err)
	}
	c := h.client(t, remote.Config{Interval: time.Hour})
	if _, err := c.Poll(context.Background(), h.handler(t)); err != nil {
		t.Fatal(err)
	}
	if got := ri.status(t, h.id, q.ID); got.Status != wire.StatusFailed || len(got.Reason) > 400 {
		t.Fatalf("request %s, reason of %d bytes", got.Status, len(got.Reason))
	}
	if h.collect.Load() != 0 {
		t.Fatal("collected for an invalid ticket")
	}
	st, err := os.Stat(filepath.Join(h.state, remote.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > 4<<10 {
		t.Fatalf("the local log holds %d bytes for one request", st.Size())
	}
	if _, err := remote.New(remote.Config{StateDir: h.state, Spec: h.current}); err != nil {
		t.Fatalf("a restarted client: %v", err)
	}
	// A log with an overlong line (written by an earlier version) is read past it.
	f, err := os.OpenFile(filepath.Join(h.state, remote.LogFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := json.Marshal(remote.Entry{Time: time.Now().UTC(), Request: "r-zzzzzzzzzzzzzzzz", Ticket: "4851", Event: remote.EventUploaded})
	f.Write([]byte(`{"request":"r-yyyyyyyyyyyyyyyy","ticket":"` + strings.Repeat("T", 2<<20) + "\"}\n" + string(e) + "\n"))
	f.Close()
	c2, err := remote.New(remote.Config{StateDir: h.state, Spec: h.current})
	if err != nil {
		t.Fatalf("a client with an overlong log line: %v", err)
	}
	if r := c2.Recent(); len(r) == 0 || r[len(r)-1].Request != "r-zzzzzzzzzzzzzzzz" {
		t.Fatalf("the entry after the long line was not read: %+v", r)
	}
}
