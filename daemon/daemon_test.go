package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/history"
)

func TestScheduleArithmetic(t *testing.T) {
	// First runs: monitor i of n starts within the i-th n-th of the interval.
	for i := 0; i < 10; i++ {
		for _, r := range []float64{0, 0.5, 0.999} {
			off := firstOffset(i, 10, 10*time.Second, func() float64 { return r })
			lo, hi := time.Duration(i)*time.Second, time.Duration(i+1)*time.Second
			if off < lo || off >= hi {
				t.Errorf("firstOffset(%d, 10, 10s) with rand %g = %s, want in [%s, %s)", i, r, off, lo, hi)
			}
		}
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// On time: the next slot.
	if got := nextSlot(base, 5*time.Second, base.Add(time.Second)); !got.Equal(base.Add(5 * time.Second)) {
		t.Errorf("nextSlot on time = %s", got.Sub(base))
	}
	// A run that overran by 12s skips the slots it overlapped (no burst).
	if got := nextSlot(base, 5*time.Second, base.Add(12*time.Second)); !got.Equal(base.Add(15 * time.Second)) {
		t.Errorf("nextSlot after an overrun = %s, want 15s", got.Sub(base))
	}
	if got := nextSlot(base, 5*time.Second, base.Add(10*time.Second)); !got.Equal(base.Add(15 * time.Second)) {
		t.Errorf("nextSlot exactly on a slot = %s, want 15s", got.Sub(base))
	}
	if got := jittered(base, time.Second, func() float64 { return 0.25 }); !got.Equal(base.Add(250 * time.Millisecond)) {
		t.Errorf("jittered = %s", got.Sub(base))
	}
}

// TestMonitorsScheduleAndJitter runs ten real monitors (TCP to a loopback listener) every second
// with 200ms jitter for about 4.5s and checks the history: first runs spread over the interval,
// then one run per interval within the jitter (with scheduling tolerance).
func TestMonitorsScheduleAndJitter(t *testing.T) {
	addr, _ := tcpTarget(t)
	var b strings.Builder
	b.WriteString(specHead + "monitors:\n")
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "  - {name: m%d, interval: 1s, jitter: 200ms, tcp: {target: %q}}\n", i, addr)
	}
	start := time.Now()
	td := startDaemon(t, b.String())
	time.Sleep(4500 * time.Millisecond)
	rs, err := td.client.History(context.Background(), start.Add(-time.Second), "")
	if err != nil {
		t.Fatal(err)
	}
	td.stop(t)
	byMon := map[string][]time.Time{}
	for _, r := range rs {
		if !r.OK {
			t.Errorf("%s failed: %s", r.Monitor, r.Error)
		}
		byMon[r.Monitor] = append(byMon[r.Monitor], r.Time)
	}
	if len(byMon) != 10 {
		t.Fatalf("%d monitors recorded, want 10", len(byMon))
	}
	var firsts []time.Duration
	const tol = 150 * time.Millisecond // scheduling on a loaded 2-core machine
	gaps, skips := 0, 0
	for name, ts := range byMon {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		if len(ts) < 2 || len(ts) > 6 {
			t.Errorf("%s ran %d times in 4.5s at 1s intervals", name, len(ts))
		}
		first := ts[0].Sub(start)
		firsts = append(firsts, first)
		if first > time.Second+200*time.Millisecond+tol {
			t.Errorf("%s first ran after %s: want within the first interval plus jitter", name, first)
		}
		// Runs sit on the 1s grid, each up to 200ms late. A run that overran its slot (an fsync
		// of the history on a busy disk) skips the next slot rather than firing twice: a gap of
		// 2 intervals is allowed now and then, never one off the grid.
		for i := 1; i < len(ts); i++ {
			gap := ts[i].Sub(ts[i-1])
			k := (gap + 500*time.Millisecond) / time.Second
			off := gap - k*time.Second
			if k < 1 || k > 2 || off < -200*time.Millisecond-tol || off > 200*time.Millisecond+tol {
				t.Errorf("%s: runs %d and %d are %s apart; want 1s ± 200ms jitter", name, i-1, i, gap)
			}
			gaps++
			if k == 2 {
				skips++
			}
		}
	}
	if skips*5 > gaps {
		t.Errorf("%d of %d gaps skipped a slot", skips, gaps)
	}
	sort.Slice(firsts, func(i, j int) bool { return firsts[i] < firsts[j] })
	// Spread: not all together; the first starts early in the interval and the last late.
	if spread := firsts[len(firsts)-1] - firsts[0]; spread < 600*time.Millisecond {
		t.Errorf("first runs spread over %s only (%v); want them spread over the 1s interval", spread, firsts)
	}
	for i := 1; i < len(firsts); i++ {
		if firsts[i]-firsts[i-1] > 400*time.Millisecond {
			t.Errorf("first runs bunch up: %v", firsts)
			break
		}
	}
}

// TestStatusJSONShape checks /v1/status's documented fields on the wire.
func TestStatusJSONShape(t *testing.T) {
	addr, _ := tcpTarget(t)
	td := startDaemon(t, specHead+fmt.Sprintf("monitors:\n  - {name: db, interval: 1s, tcp: {target: %q}}\n  - {name: mem, interval: 1s, memory: {}}\n", addr))
	waitFor(t, 10*time.Second, "two runs of each monitor", func() bool {
		st, err := td.client.Status(context.Background())
		return err == nil && len(st.Monitors) == 2 && st.Monitors[0].HistoryCount >= 2 && st.Monitors[1].HistoryCount >= 2
	})
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return net.Dial("unix", td.socket)
	}}}
	resp, err := hc.Get("http://x/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "pid", "started", "uptime_s", "spec", "socket", "monitors", "triggers", "remote_requests", "last_load"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("status lacks %q: %v", k, doc)
		}
	}
	if doc["version"] != "test" || int(doc["pid"].(float64)) != os.Getpid() {
		t.Errorf("version %v pid %v", doc["version"], doc["pid"])
	}
	if rr, ok := doc["remote_requests"].([]any); !ok || len(rr) != 0 {
		t.Errorf("remote_requests = %#v, want []", doc["remote_requests"])
	}
	mons := doc["monitors"].([]any)
	m0 := mons[0].(map[string]any)
	for _, k := range []string{"name", "check", "interval", "last", "history_count", "failures_in_a_row"} {
		if _, ok := m0[k]; !ok {
			t.Errorf("monitor lacks %q: %v", k, m0)
		}
	}
	if m0["name"] != "db" || m0["check"] != "tcp" || m0["interval"] != "1s" || m0["failures_in_a_row"].(float64) != 0 {
		t.Errorf("monitor %v", m0)
	}
	last := m0["last"].(map[string]any)
	if last["monitor"] != "db" || last["ok"] != true || last["target"] != addr {
		t.Errorf("last %v", last)
	}
	if m1 := mons[1].(map[string]any); m1["check"] != "memory" || m1["last"].(map[string]any)["value"].(float64) <= 0 {
		t.Errorf("memory monitor %v", m1)
	}
	// History over the API, as JSON lines.
	rs, err := td.client.History(context.Background(), time.Now().Add(-time.Minute), "db")
	if err != nil || len(rs) < 2 || rs[0].Monitor != "db" {
		t.Errorf("history: %d results, %v", len(rs), err)
	}
}

// TestCollectThroughDaemon asks the daemon to collect, fetches the bundle, verifies it and
// finds the monitors' history in it as daemon/history.jsonl.
func TestCollectThroughDaemon(t *testing.T) {
	addr, _ := tcpTarget(t)
	td := startDaemon(t, specHead+fmt.Sprintf("monitors:\n  - {name: db, interval: 1s, tcp: {target: %q}}\n", addr))
	waitFor(t, 10*time.Second, "three runs", func() bool {
		st, err := td.client.Status(context.Background())
		return err == nil && st.Monitors[0].HistoryCount >= 3
	})
	ctx := context.Background()
	res, err := td.client.Collect(ctx, CollectRequest{Ticket: "4821", Only: []string{"system.host"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ticket != "4821" || res.Status != "ok" || !strings.HasPrefix(res.Bundle, "casefile-4821-") {
		t.Errorf("collect answer %+v", res)
	}
	names := map[string]bool{}
	for _, c := range res.Collectors {
		names[c.Name] = true
	}
	if !names["daemon.history"] || !names["system.host"] || len(names) != 2 {
		t.Errorf("collectors %v: want system.host and daemon.history", names)
	}
	out := shortDir(t)
	path, err := td.client.Download(ctx, res, out)
	if err != nil {
		t.Fatal(err)
	}
	c, err := bundle.Read(path, bundle.DefaultReadLimits)
	if err != nil {
		t.Fatal(err)
	}
	if probs := c.Verify(); len(probs) > 0 {
		t.Fatalf("bundle does not verify: %v", probs)
	}
	var lines []history.Result
	_, err = bundle.Walk(path, bundle.DefaultReadLimits, func(e bundle.Entry, r io.Reader) error {
		if e.Name != "daemon/history.jsonl" {
			return nil
		}
		rs, err := history.ReadJSONL(r)
		lines = rs
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) < 3 || lines[0].Monitor != "db" || !lines[0].OK {
		t.Fatalf("daemon/history.jsonl holds %d results: %+v", len(lines), lines)
	}
	// Fetched once: the daemon keeps no copy.
	if _, err := td.client.Download(ctx, res, out); err == nil {
		t.Error("a second download of the same bundle succeeded")
	}
	if left, _ := filepath.Glob(filepath.Join(td.dir, "state", requestsDir, "*")); len(left) != 0 {
		t.Errorf("the daemon kept %v after the download", left)
	}
	// A bad request is a usage error naming the flag.
	_, err = td.client.Collect(ctx, CollectRequest{Format: "rar"})
	var ae *APIError
	if !errorsAs(err, &ae) || !ae.Usage || !strings.Contains(ae.Msg, "--format") {
		t.Errorf("bad format: %v", err)
	}
}

// TestTriggerFiresOnceWithinRateLimit: a monitor refused on every run collects exactly one bundle
// while its min_interval has not passed, however often it keeps failing.
func TestTriggerFiresOnceWithinRateLimit(t *testing.T) {
	addr := refusedTarget(t)
	td := startDaemon(t, specHead+fmt.Sprintf(`monitors:
  - name: db
    interval: 1s
    tcp: {target: %q}
    trigger: {failures_in_a_row: 2, min_interval: 1h, keep: 3}
`, addr))
	waitFor(t, 20*time.Second, "six failures in a row", func() bool {
		st, err := td.client.Status(context.Background())
		return err == nil && st.Monitors[0].FailuresInARow >= 6
	})
	waitFor(t, 20*time.Second, "the triggered bundle", func() bool {
		st, _ := td.client.Status(context.Background())
		return st != nil && len(st.Triggers) > 0 && st.Triggers[0].Status != "collecting"
	})
	st, _ := td.client.Status(context.Background())
	if len(st.Triggers) != 1 {
		t.Fatalf("%d triggers fired, want 1: %+v", len(st.Triggers), st.Triggers)
	}
	tr := st.Triggers[0]
	if tr.Monitor != "db" || tr.FailuresInARow != 2 || tr.Status != "collected" || tr.Bundle == "" {
		t.Errorf("trigger %+v", tr)
	}
	bundles, _ := filepath.Glob(filepath.Join(td.dir, "state", bundlesDir, "casefile-*"))
	if len(bundles) != 1 || bundles[0] != tr.Bundle {
		t.Errorf("bundles %v, trigger says %s", bundles, tr.Bundle)
	}
	c, err := bundle.Read(tr.Bundle, bundle.DefaultReadLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Hashes["daemon/history.jsonl"]; !ok || len(c.Verify()) > 0 {
		t.Errorf("triggered bundle: history present %v, problems %v", ok, c.Verify())
	}
	if !strings.Contains(td.log.String(), "trigger: bundle written") {
		t.Errorf("log lacks the trigger's outcome:\n%s", indent(td.log.String()))
	}

	// A restart on the same state folder keeps the rate limit and shows the trigger: a daemon a
	// service manager restarts in a loop does not collect at every start.
	td.stop(t)
	state := filepath.Join(td.dir, "state")
	td2 := startDaemon(t, specHead+fmt.Sprintf(`monitors:
  - name: db
    interval: 1s
    tcp: {target: %q}
    trigger: {failures_in_a_row: 2, min_interval: 1h, keep: 3}
`, addr), func(c *Config) { c.StateDir = state })
	waitFor(t, 20*time.Second, "four more failures after the restart", func() bool {
		st, err := td2.client.Status(context.Background())
		return err == nil && st.Monitors[0].FailuresInARow >= 10
	})
	st, _ = td2.client.Status(context.Background())
	if len(st.Triggers) != 1 || st.Triggers[0].Status != "collected" || !st.Triggers[0].Time.Equal(tr.Time) {
		t.Errorf("after the restart: triggers %+v, want the one from before", st.Triggers)
	}
	if bundles, _ := filepath.Glob(filepath.Join(state, bundlesDir, "casefile-*")); len(bundles) != 1 {
		t.Errorf("after the restart: %d bundles, want still 1", len(bundles))
	}
}

func TestKeepNewest(t *testing.T) {
	dir := t.TempDir()
	base := time.Now().Add(-time.Hour)
	for i := 0; i < 5; i++ {
		p := filepath.Join(dir, fmt.Sprintf("casefile-x-%d.tar.gz", i))
		os.WriteFile(p, []byte("x"), 0o600)
		os.Chtimes(p, base.Add(time.Duration(i)*time.Minute), base.Add(time.Duration(i)*time.Minute))
	}
	os.WriteFile(filepath.Join(dir, "other"), nil, 0o600)
	removed := keepNewest(dir, 2)
	sort.Strings(removed)
	if strings.Join(removed, " ") != "casefile-x-0.tar.gz casefile-x-1.tar.gz casefile-x-2.tar.gz" {
		t.Errorf("removed %v", removed)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 3 {
		t.Errorf("left %d entries", len(left))
	}
}

// TestReloadGoodAndBad: a spec with an error is refused with its file:line and the running
// monitors stay; a good one replaces them.
func TestReloadGoodAndBad(t *testing.T) {
	addr, _ := tcpTarget(t)
	td := startDaemon(t, specHead+fmt.Sprintf("monitors:\n  - {name: db, interval: 1s, tcp: {target: %q}}\n", addr))
	ctx := context.Background()
	bad := specHead + "monitors:\n  - {name: db, interval: 1s, tcp: {target: nohostport}}\n"
	if err := os.WriteFile(td.specPath, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	err := td.Reload(ctx)
	wantLoc := td.specPath + ":5: monitors[0].tcp.target"
	if err == nil || !strings.Contains(err.Error(), wantLoc) {
		t.Fatalf("reload of a bad spec: %v; want an error at %s", err, wantLoc)
	}
	st, _ := td.client.Status(ctx)
	if len(st.Monitors) != 1 || st.Monitors[0].Name != "db" || !strings.Contains(st.Reload.Error, wantLoc) {
		t.Errorf("after a refused reload: monitors %+v, last_load %+v", st.Monitors, st.Reload)
	}
	if !strings.Contains(td.log.String(), "reload refused; the running spec stays") {
		t.Errorf("log:\n%s", indent(td.log.String()))
	}
	count := st.Monitors[0].HistoryCount
	waitFor(t, 5*time.Second, "db to keep running after the refused reload", func() bool {
		st, _ := td.client.Status(ctx)
		return st.Monitors[0].HistoryCount > count
	})
	good := specHead + fmt.Sprintf("metadata: {name: test2}\nmonitors:\n  - {name: db2, interval: 1s, tcp: {target: %q}}\n", addr)
	good = strings.Replace(good, "metadata: {name: test}\n", "", 1)
	if err := os.WriteFile(td.specPath, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := td.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	st, _ = td.client.Status(ctx)
	if st.Spec.Name != "test2" || len(st.Monitors) != 1 || st.Monitors[0].Name != "db2" || st.Reload.Error != "" {
		t.Fatalf("after a good reload: spec %q monitors %+v last_load %+v", st.Spec.Name, st.Monitors, st.Reload)
	}
	waitFor(t, 5*time.Second, "db2 to run", func() bool {
		st, _ := td.client.Status(ctx)
		return st.Monitors[0].HistoryCount > 0
	})
}

// TestNoSecretInHistoryOrLog: a URL password, a header's value from the environment and a spec
// literal never reach the history database or the log.
func TestNoSecretInHistoryOrLog(t *testing.T) {
	const (
		urlPass = "Sup3rS3cretUrlPass"
		hdrVal  = "hdr-9f8e7d6c5b4a39281706"
		literal = "lit-Zq81mVx0Lw"
	)
	t.Setenv("CF_TEST_TOKEN", hdrVal)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Fails, and says the literal back in a header the check records.
		w.Header().Set("Location", "/x?v="+literal)
		w.WriteHeader(http.StatusServiceUnavailable)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	td := startDaemon(t, specHead+fmt.Sprintf(`redact: {literals: [%q]}
monitors:
  - name: api
    interval: 1s
    http: {url: "http://u:%s@%s/health?k=%s", headers_from_env: {X-Token: CF_TEST_TOKEN}, expect_status: 200}
  - {name: dead, interval: 1s, tcp: {target: "%s"}}
`, literal, urlPass, ln.Addr(), literal, refusedTarget(t)))
	waitFor(t, 10*time.Second, "three failed runs", func() bool {
		st, err := td.client.Status(context.Background())
		return err == nil && st.Monitors[0].FailuresInARow >= 3
	})
	st, _ := td.client.Status(context.Background())
	td.stop(t)
	files, _ := filepath.Glob(filepath.Join(td.dir, "state", "history.db*"))
	if len(files) == 0 {
		t.Fatal("no history database")
	}
	var all bytes.Buffer
	for _, f := range files {
		b, _ := os.ReadFile(f)
		all.Write(b)
	}
	all.WriteString(td.log.String())
	for _, secret := range []string{urlPass, hdrVal, literal} {
		if bytes.Contains(all.Bytes(), []byte(secret)) {
			t.Errorf("secret %q found in the history or the log", secret)
		}
	}
	last := st.Monitors[0].Last
	if last == nil || last.OK || !strings.Contains(last.Target, "[REDACTED:") || !strings.Contains(string(last.Detail), "X-Token") {
		t.Errorf("last result %+v", last)
	}
}

func errorsAs(err error, target any) bool {
	return err != nil && asErr(err, target)
}
