package cli

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/remote"
)

// A line typed on the daemon's terminal while no question is open (a "y" typed after a question
// timed out, or typed ahead) answers nothing: the next request's question waits for an answer
// given to it. Before, the stale "y" approved the next request the moment it was asked.
func TestTerminalAskIgnoresStaleAnswers(t *testing.T) {
	master, tty := openPTY(t)
	defer master.Close()
	defer tty.Close()
	var mu sync.Mutex
	var screen bytes.Buffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	questions := func() int {
		mu.Lock()
		defer mu.Unlock()
		return strings.Count(screen.String(), "Collect and upload it?")
	}
	c := &cobra.Command{}
	c.SetIn(tty)
	c.SetErr(tty)
	ask := terminalAsk(c)
	if ask == nil {
		t.Fatal("no terminal question with a terminal on stdin and stderr")
	}

	// Typed while nothing is asked.
	if _, err := master.Write([]byte("y\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the reader has read it
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	yes, err := ask(ctx, remote.Request{ID: "r-aaaaaaaaaaaaaaaa", Ticket: "4821"})
	cancel()
	if err == nil || yes {
		t.Fatalf("a line typed before the question answered it: yes=%v err=%v", yes, err)
	}

	// Typed after that question timed out: it answers no later question either.
	if _, err := master.Write([]byte("y\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	type answer struct {
		yes bool
		err error
	}
	got := make(chan answer, 1)
	go func() {
		yes, err := ask(context.Background(), remote.Request{ID: "r-bbbbbbbbbbbbbbbb", Ticket: "4822"})
		got <- answer{yes, err}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for questions() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case a := <-got:
		t.Fatalf("the second question was answered by a line typed before it: %+v", a)
	case <-time.After(time.Second):
	}
	if _, err := master.Write([]byte("n\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-got:
		if a.err != nil || a.yes {
			t.Fatalf("answer to the open question: %+v", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the open question took no answer")
	}
}
