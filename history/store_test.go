package history

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)

func openT(t testing.TB, path string, opt Options) *Store {
	t.Helper()
	s, err := Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func res(mon string, i int, ok bool) Result {
	r := Result{Monitor: mon, Check: "http", Target: "https://api.test/health", Time: t0.Add(time.Duration(i) * 5 * time.Second),
		OK: ok, LatencyMS: float64(10 + i%7)}
	if !ok {
		r.Error = "connection refused"
	}
	return r
}

func TestAppendWindowSummary(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state", "sub", "history.db")
	now := t0.Add(time.Hour)
	s := openT(t, p, Options{Now: func() time.Time { return now }})
	for _, d := range []string{filepath.Dir(p)} {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("%s: %v %v, want mode 0700", d, fi.Mode(), err)
		}
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("database mode %v, want 0600", fi.Mode())
	}
	// api: ok ok fail ok fail fail fail; db: ok x3 (batch); dns with an answer and detail.
	api := []bool{true, true, false, true, false, false, false}
	for i, ok := range api {
		if err := s.Append(res("api", i, ok)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AppendBatch([]Result{res("db", 0, true), res("db", 1, true), res("db", 2, true)}); err != nil {
		t.Fatal(err)
	}
	dns := Result{Monitor: "name", Check: "dns", Target: "api.test", Time: t0.Add(3 * time.Second), OK: true,
		LatencyMS: 1.5, Answer: "10.0.0.1,10.0.0.2", Detail: json.RawMessage(`{"name":"api.test","answers":["10.0.0.1","10.0.0.2"]}`)}
	if err := s.Append(dns); err != nil {
		t.Fatal(err)
	}

	all, err := s.Window(time.Time{}, time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 11 {
		t.Fatalf("window holds %d results, want 11", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Time.Before(all[i-1].Time) {
			t.Fatalf("window not in time order at %d: %v after %v", i, all[i].Time, all[i-1].Time)
		}
	}
	// Ties keep append order: api 0 and db 0 share t0.
	if all[0].Monitor != "api" || all[1].Monitor != "db" {
		t.Fatalf("ties out of append order: %s, %s", all[0].Monitor, all[1].Monitor)
	}
	got, err := s.Window(t0.Add(5*time.Second), t0.Add(15*time.Second), "api")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !got[0].Time.Equal(t0.Add(5*time.Second)) || !got[2].Time.Equal(t0.Add(15*time.Second)) {
		t.Fatalf("api window [5s,15s]: %+v", got)
	}
	if got[1].OK || got[1].Error != "connection refused" || got[1].Time.Location() != time.UTC {
		t.Fatalf("api run 2: %+v", got[1])
	}
	d, err := s.Window(time.Time{}, time.Time{}, "name")
	if err != nil || len(d) != 1 {
		t.Fatalf("dns window: %v %v", d, err)
	}
	if !reflect.DeepEqual(d[0], dns) {
		t.Fatalf("dns result changed on its way through the store:\n got %+v\nwant %+v", d[0], dns)
	}

	want := []MonitorSummary{
		{Name: "api", Check: "http", Count: 7, FailuresInARow: 3},
		{Name: "db", Check: "http", Count: 3, FailuresInARow: 0},
		{Name: "name", Check: "dns", Count: 1, FailuresInARow: 0},
	}
	lastAPI := t0.Add(30 * time.Second)
	check := func(label string, s *Store) {
		t.Helper()
		sum, err := s.Summary()
		if err != nil {
			t.Fatal(err)
		}
		if len(sum) != len(want) {
			t.Fatalf("%s: %d monitors, want %d", label, len(sum), len(want))
		}
		for i, w := range want {
			g := sum[i]
			if g.Name != w.Name || g.Check != w.Check || g.Count != w.Count || g.FailuresInARow != w.FailuresInARow {
				t.Errorf("%s: summary %d = %+v, want %+v", label, i, g, w)
			}
			if g.Last == nil {
				t.Fatalf("%s: %s has no last result", label, g.Name)
			}
		}
		if !sum[0].Last.Time.Equal(lastAPI) || sum[0].Last.OK != (want[0].FailuresInARow == 0) {
			t.Errorf("%s: api last = %+v", label, sum[0].Last)
		}
	}
	// Loaded from the database, then kept by Append.
	check("first", s)
	if err := s.Append(res("api", 7, false)); err != nil {
		t.Fatal(err)
	}
	want[0].Count, want[0].FailuresInARow = 8, 4
	lastAPI = t0.Add(35 * time.Second)
	check("after append", s)
	if err := s.Append(res("api", 8, true)); err != nil {
		t.Fatal(err)
	}
	want[0].Count, want[0].FailuresInARow = 9, 0
	lastAPI = t0.Add(40 * time.Second)
	check("after a success", s)
	if err := s.Append(res("api", 9, false)); err != nil {
		t.Fatal(err)
	}
	want[0].Count, want[0].FailuresInARow = 10, 1
	s.Close()
	// The same from the database after reopening.
	s2 := openT(t, p, Options{Now: func() time.Time { return now }})
	sum, err := s2.Summary()
	if err != nil {
		t.Fatal(err)
	}
	if sum[0].Count != 10 || sum[0].FailuresInARow != 1 || !sum[0].Last.Time.Equal(t0.Add(45*time.Second)) {
		t.Fatalf("after reopening: %+v", sum[0])
	}
	// A monitor that never succeeded: every run is a failure in a row.
	for i := 0; i < 4; i++ {
		if err := s2.Append(res("down", i, false)); err != nil {
			t.Fatal(err)
		}
	}
	s2.summary = nil // force the database path
	sum, _ = s2.Summary()
	if sum[2].Name != "down" || sum[2].FailuresInARow != 4 || sum[2].Count != 4 {
		t.Fatalf("never-ok monitor: %+v", sum[2])
	}
}

func TestAppendRejectsBadResults(t *testing.T) {
	p := filepath.Join(t.TempDir(), "h.db")
	s := openT(t, p, Options{})
	for _, r := range []Result{
		{Check: "http", Time: t0},
		{Monitor: "api", Time: t0},
		{Monitor: "api", Check: "http"},
		{Monitor: "api", Check: "http", Time: t0, Detail: json.RawMessage(`{"a":`)},
	} {
		err := s.Append(r)
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("Append(%+v) = %v, want an error naming %s", r, err, p)
		}
	}
	// A bad result in a batch stores none of it.
	err := s.AppendBatch([]Result{res("api", 0, true), {Monitor: "api", Check: "http"}})
	if err == nil {
		t.Fatal("batch with a bad result accepted")
	}
	if all, _ := s.Window(time.Time{}, time.Time{}, ""); len(all) != 0 {
		t.Fatalf("partial batch stored: %d rows", len(all))
	}
}

func TestRetentionByAge(t *testing.T) {
	p := filepath.Join(t.TempDir(), "h.db")
	now := t0.Add(time.Hour)
	s := openT(t, p, Options{MaxAge: 10 * time.Minute, Now: func() time.Time { return now }})
	s.every = 1 << 30 // this test calls Prune itself
	// One run every 5 s for an hour: 720 runs, of which the last 10 minutes are kept.
	var rs []Result
	for i := 0; i < 720; i++ {
		rs = append(rs, res("api", i, i%3 != 0))
	}
	if err := s.AppendBatch(rs); err != nil {
		t.Fatal(err)
	}
	n, err := s.Prune()
	if err != nil {
		t.Fatal(err)
	}
	cut := now.Add(-10 * time.Minute)
	all, _ := s.Window(time.Time{}, time.Time{}, "")
	if n+len(all) != 720 {
		t.Fatalf("removed %d, kept %d: not 720", n, len(all))
	}
	if len(all) != 120 {
		t.Fatalf("kept %d runs, want the 120 of the last 10 minutes", len(all))
	}
	for _, r := range all {
		if r.Time.Before(cut) {
			t.Fatalf("kept a run from %v, older than %v", r.Time, cut)
		}
	}
	sum, _ := s.Summary()
	if sum[0].Count != 120 {
		t.Fatalf("summary after prune counts %d", sum[0].Count)
	}
	// Time moves on: everything is too old; and nothing more is removed the second time.
	now = now.Add(time.Hour)
	if n, err := s.Prune(); err != nil || n != 120 {
		t.Fatalf("second prune: %d %v", n, err)
	}
	if n, err := s.Prune(); err != nil || n != 0 {
		t.Fatalf("third prune: %d %v", n, err)
	}
	if sum, _ := s.Summary(); len(sum) != 0 {
		t.Fatalf("summary of an empty store: %+v", sum)
	}
}

func TestRetentionBySize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "h.db")
	const max = 512 << 10
	now := t0.Add(24 * time.Hour)
	s := openT(t, p, Options{MaxBytes: max, Now: func() time.Time { return now }})
	s.every = 1 << 30 // fill past the bound first
	detail := json.RawMessage(`{"status":200,"timings_ms":{"dns":0.4,"connect":0.2,"tls":3.1,"ttfb":12.5,"total":13.0},"headers":"` + strings.Repeat("x", 200) + `"}`)
	i := 0
	batch := func(n int) {
		var rs []Result
		for k := 0; k < n; k++ {
			r := res(fmt.Sprintf("m%d", i%10), i, true)
			r.Detail = detail
			rs = append(rs, r)
			i++
		}
		if err := s.AppendBatch(rs); err != nil {
			t.Fatal(err)
		}
	}
	for {
		batch(100)
		used, err := s.usedBytes(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if used > 2*max {
			break
		}
	}
	before, _ := s.Window(time.Time{}, time.Time{}, "")
	fiBefore, _ := os.Stat(p)
	n, err := s.Prune()
	if err != nil {
		t.Fatal(err)
	}
	used, _ := s.usedBytes(t.Context())
	after, _ := s.Window(time.Time{}, time.Time{}, "")
	t.Logf("%d rows, file %d bytes before; pruned %d, %d rows and %d bytes used after",
		len(before), fiBefore.Size(), n, len(after), used)
	if used > max {
		t.Fatalf("used %d bytes after pruning, over MaxBytes %d", used, max)
	}
	if n == 0 || len(after)+n != len(before) {
		t.Fatalf("pruned %d of %d, %d left", n, len(before), len(after))
	}
	// The newest rows stay: what is left is the tail of what was there.
	if !reflect.DeepEqual(after, before[len(before)-len(after):]) {
		t.Fatal("pruning by size did not remove the oldest rows")
	}
	// The freed pages went back to the file system.
	fi, _ := os.Stat(p)
	if fi.Size() > max+64<<10 {
		t.Fatalf("database file is %d bytes after pruning, more than MaxBytes %d", fi.Size(), max)
	}
	// Appending more keeps it bounded through Append's own pruning.
	s.every = pruneEvery
	for k := 0; k < 30; k++ {
		batch(100)
	}
	used, _ = s.usedBytes(t.Context())
	if used > max+max/4 {
		t.Fatalf("Append's pruning let the store grow to %d bytes", used)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "h.db")
	s := openT(t, p, Options{})
	if err := s.Append(res("api", 0, true)); err != nil {
		t.Fatal(err)
	}
	// Held: a second Open fails at once and says so.
	_, err := Open(p, Options{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), p) {
		t.Fatalf("second Open: %v, want ErrLocked naming %s", err, p)
	}
	s.Close()
	s = openT(t, p, Options{})
	s.Close()

	// Not a database.
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("this is not sqlite\n", 500)), 0o600)
	_, err = Open(junk, Options{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), junk) {
		t.Fatalf("Open(junk): %v, want ErrCorrupt naming %s", err, junk)
	}

	// A real store with damaged pages.
	bad := filepath.Join(dir, "bad.db")
	s = openT(t, bad, Options{})
	var rs []Result
	for i := 0; i < 3000; i++ {
		rs = append(rs, res("api", i, true))
	}
	if err := s.AppendBatch(rs); err != nil {
		t.Fatal(err)
	}
	s.Close()
	b, _ := os.ReadFile(bad)
	if len(b) < 16<<10 {
		t.Fatalf("store only %d bytes", len(b))
	}
	for i := 8 << 10; i < len(b)-4096; i += 4096 {
		copy(b[i+100:i+600], strings.Repeat("\xff", 500))
	}
	os.WriteFile(bad, b, 0o600)
	_, err = Open(bad, Options{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), bad) {
		t.Fatalf("Open(damaged): %v, want ErrCorrupt naming %s", err, bad)
	}

	// A folder where the file should be; a parent that is a file.
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Open(folder): %v", err)
	}
	f := filepath.Join(dir, "file")
	os.WriteFile(f, nil, 0o600)
	if _, err := Open(filepath.Join(f, "h.db"), Options{}); err == nil || !strings.Contains(err.Error(), f) {
		t.Fatalf("Open(under a file): %v", err)
	}
	// A newer schema is refused, not rewritten.
	newer := filepath.Join(dir, "newer.db")
	s = openT(t, newer, Options{})
	s.conn.ExecContext(t.Context(), "PRAGMA user_version = 99")
	s.Close()
	if _, err := Open(newer, Options{}); err == nil || !strings.Contains(err.Error(), "newer casefile") {
		t.Fatalf("Open(newer schema): %v", err)
	}
}
