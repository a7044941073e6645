package analyze

import (
	"bytes"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casefile/casefile/history"
)

// TestHistoryRealRefusingServer: the "refuses for 20 s out of every minute" fault at a tenth of
// the scale, with real parts: a loopback TCP server that stops listening for 1 s out of every
// 3 s, real connection attempts every 250 ms for 9.5 s stored in a real history store, its
// window written as history.jsonl and analyzed. The analyzer must see one burst per cycle.
func TestHistoryRealRefusingServer(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 10 s of real time")
	}
	const (
		period  = 3 * time.Second
		refuse  = 1 * time.Second
		every   = 250 * time.Millisecond
		runtime = 9500 * time.Millisecond
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	serve := func(l net.Listener) {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}
	wg.Add(1)
	go serve(ln)
	start := time.Now()
	// The fault: at the start of each period the server goes away for `refuse`.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := 0; ; k++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Until(start.Add(time.Duration(k) * period))):
			}
			mu.Lock()
			ln.Close()
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(refuse):
			}
			l, err := net.Listen("tcp", addr)
			if err != nil {
				t.Errorf("listening again on %s: %v", addr, err)
				return
			}
			mu.Lock()
			ln = l
			mu.Unlock()
			wg.Add(1)
			go serve(l)
		}
	}()
	defer func() {
		close(stop)
		mu.Lock()
		ln.Close()
		mu.Unlock()
		wg.Wait()
	}()

	s, err := history.Open(filepath.Join(t.TempDir(), "history.db"), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	time.Sleep(50 * time.Millisecond) // let the first outage begin
	tick := time.NewTicker(every)
	defer tick.Stop()
	for time.Since(start) < runtime {
		at := time.Now()
		c, err := net.DialTimeout("tcp", addr, time.Second)
		r := history.Result{Monitor: "api", Check: "tcp", Target: addr, Time: at.UTC(), OK: err == nil,
			LatencyMS: float64(time.Since(at).Microseconds()) / 1000}
		if err != nil {
			r.Error = err.Error()
		} else {
			c.Close()
		}
		if err := s.Append(r); err != nil {
			t.Fatal(err)
		}
		<-tick.C
	}
	rs, err := s.Window(time.Time{}, time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := history.WriteJSONL(&buf, rs); err != nil {
		t.Fatal(err)
	}
	fs := analyzeHistory(src(map[string]string{history.BundlePath: buf.String()}))
	var f *Finding
	for i := range fs {
		if fs[i].ID == "history.intermittent" {
			f = &fs[i]
		} else if fs[i].ID != "history.latency" { // loopback latency is noise, not asserted
			t.Errorf("unexpected finding %s: %s", fs[i].ID, fs[i].Title)
		}
	}
	if f == nil {
		t.Fatalf("no history.intermittent from %d runs:\n%s\n%s", len(rs), buf.String(), dump(fs))
	}
	t.Logf("%s\n%s", f.Title, f.Detail)
	if f.Target != addr || !strings.Contains(f.Detail, "connection refused") {
		t.Errorf("target %q, detail %q", f.Target, f.Detail)
	}
	// Outages start at 0, 3, 6, 9 s; the checks run from 0.05 s to 9.5 s: 4 bursts.
	if !strings.Contains(f.Title, "in 4 bursts") {
		t.Errorf("title %q: want four bursts, one per 3 s cycle", f.Title)
	}
	if !strings.Contains(f.Detail, "recur about every 3s") {
		t.Errorf("detail does not find the 3 s period: %s", f.Detail)
	}
}
