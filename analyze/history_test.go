package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/history"
)

var h0 = time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)

// run is what a generated monitor does at its i-th run at time t.
type run func(i int, t time.Time) (ok bool, latencyMS float64, errText, answer string)

type genMon struct {
	name, check, target string
	n                   int
	every               time.Duration
	start               time.Time
	f                   run
}

// histFile renders monitors as daemon/history.jsonl, interleaved in time order as the store's
// Window returns them.
func histFile(t testing.TB, ms ...genMon) map[string]string {
	t.Helper()
	var rs []history.Result
	for _, m := range ms {
		start := m.start
		if start.IsZero() {
			start = h0
		}
		for i := 0; i < m.n; i++ {
			at := start.Add(time.Duration(i) * m.every)
			ok, lat, e, a := m.f(i, at)
			rs = append(rs, history.Result{Monitor: m.name, Check: m.check, Target: m.target, Time: at, OK: ok,
				LatencyMS: lat, Error: e, Answer: a})
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Time.Before(rs[j].Time) })
	var buf bytes.Buffer
	if err := history.WriteJSONL(&buf, rs); err != nil {
		t.Fatal(err)
	}
	return map[string]string{history.BundlePath: buf.String()}
}

// jitter is a steady latency: base ± 40 %, and one run in 50 a spike of 10 ×.
func jitter(seed uint64, base float64) func(i int) float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	return func(i int) float64 {
		v := base * (0.6 + 0.8*rng.Float64())
		if rng.IntN(50) == 0 {
			v *= 10
		}
		return v
	}
}

func okRun(lat func(int) float64) run {
	return func(i int, _ time.Time) (bool, float64, string, string) { return true, lat(i), "", "" }
}

// failing fails the runs for which bad says so.
func failing(lat func(int) float64, errText string, bad func(i int, t time.Time) bool) run {
	return func(i int, t time.Time) (bool, float64, string, string) {
		if bad(i, t) {
			return false, 0, errText, ""
		}
		return true, lat(i), "", ""
	}
}

const apiURL = "https://api.test/health"

func TestHistoryHealthy(t *testing.T) {
	// Two hours of ten monitors at 5 s, every run ok, latency jittering with spikes, DNS with one
	// answer set, samples of load and disk.
	var ms []genMon
	for k := 0; k < 6; k++ {
		ms = append(ms, genMon{fmt.Sprintf("api%d", k), "http", fmt.Sprintf("https://api%d.test/health", k), 1440, 5 * time.Second, time.Time{}, okRun(jitter(uint64(k), 20+float64(k)*15))})
	}
	ms = append(ms,
		genMon{"db", "tcp", "db.test:5432", 1440, 5 * time.Second, time.Time{}, okRun(jitter(10, 0.4))},
		genMon{"gw", "ping", "10.0.0.1", 1440, 5 * time.Second, time.Time{}, okRun(jitter(11, 1.5))},
		genMon{"name", "dns", "api.test", 1440, 5 * time.Second, time.Time{}, func(i int, _ time.Time) (bool, float64, string, string) {
			return true, jitter(12, 3)(i), "", "10.0.0.5,10.0.0.6"
		}},
		genMon{"load", "load", "", 1440, 5 * time.Second, time.Time{}, func(i int, _ time.Time) (bool, float64, string, string) {
			return true, 0.2, "", ""
		}},
	)
	files := histFile(t, ms...)
	if fs := analyzeHistory(src(files)); len(fs) != 0 {
		t.Fatalf("healthy history gave findings:\n%s", dump(fs))
	}
	// One failed run in two hours is noise, not a finding; so is a DNS answer that changed once
	// (a record was updated).
	files = histFile(t,
		genMon{"api", "http", apiURL, 1440, 5 * time.Second, time.Time{}, failing(jitter(1, 20), "timeout", func(i int, _ time.Time) bool { return i == 700 })},
		genMon{"name", "dns", "api.test", 1440, 5 * time.Second, time.Time{}, func(i int, _ time.Time) (bool, float64, string, string) {
			if i < 900 {
				return true, 3, "", "10.0.0.5"
			}
			return true, 3, "", "10.0.0.9"
		}},
	)
	if fs := analyzeHistory(src(files)); len(fs) != 0 {
		t.Fatalf("one failure / one DNS change gave findings:\n%s", dump(fs))
	}
	// No history file: nothing; the whole Analyze over a bundle with a healthy history: nothing.
	if fs := analyzeHistory(src(nil)); len(fs) != 0 {
		t.Fatal("findings without a history")
	}
	if fs := Analyze(src(histFile(t, ms...))); len(fs.Findings) != 0 {
		t.Fatalf("Analyze: %s", dump(fs))
	}
}

// TestHistoryRefusesEveryMinute models a server that refuses connections for 20 s out of every
// minute, checked every 5 s for 10 minutes: one burst of failures per minute.
func TestHistoryRefusesEveryMinute(t *testing.T) {
	start := time.Date(2026, 11, 27, 2, 0, 2, 0, time.UTC) // checks at :02, :07, ... not aligned with the fault
	down := func(_ int, at time.Time) bool { return at.Second() < 20 }
	files := histFile(t,
		genMon{"api", "tcp", "127.0.0.1:8080", 120, 5 * time.Second, start, failing(jitter(3, 0.3), "connect: connection refused", down)},
		genMon{"other", "http", "https://other.test/", 120, 5 * time.Second, start, okRun(jitter(4, 30))},
	)
	fs := analyzeHistory(src(files))
	if got := keys(fs); !slices.Equal(got, []string{"history.intermittent warning 127.0.0.1:8080"}) {
		t.Fatalf("findings %q\n%s", got, dump(fs))
	}
	f := fs[0]
	// Runs at :02 :07 :12 :17 of each minute fail: 4 per minute, 40 in all (minute 0 has :02 .. :17 too).
	if !strings.HasPrefix(f.Title, "api failed 40 of the last 120 checks, in 10 bursts from 02:00 to 02:09 UTC") {
		t.Errorf("title %q", f.Title)
	}
	for _, want := range []string{
		"02:00:02 UTC: 4 failed runs over 15s", "02:09:02 UTC: 4 failed runs over 15s",
		`most often with "connect: connection refused" (40)`, "recur about every 1m:", "about every 5s",
		"The latest run, at 02:09:57 UTC, succeeded",
	} {
		if !strings.Contains(f.Detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, f.Detail)
		}
	}
	checkEvidence(t, files, f, func(r history.Result) bool { return r.Monitor == "api" && !r.OK })
	if len(f.Evidence) != histEvidenceLines {
		t.Errorf("%d evidence lines, want %d", len(f.Evidence), histEvidenceLines)
	}
	// Minute-aligned checks and a fault ending in the last minute: still one burst a minute.
	files = histFile(t, genMon{"api", "tcp", "127.0.0.1:8080", 120, 5 * time.Second, h0, failing(jitter(3, 0.3), "refused", down)})
	fs = analyzeHistory(src(files))
	if len(fs) != 1 || !strings.Contains(fs[0].Title, "in 10 bursts") {
		t.Fatalf("aligned: %s", dump(fs))
	}
}

// checkEvidence asserts that every evidence line of f is a line of the history file whose
// result satisfies want.
func checkEvidence(t *testing.T, files map[string]string, f Finding, want func(history.Result) bool) {
	t.Helper()
	lines := strings.Split(files[history.BundlePath], "\n")
	if len(f.Evidence) == 0 {
		t.Fatalf("%s has no evidence", f.ID)
	}
	for _, e := range f.Evidence {
		if e.Path != history.BundlePath || e.Line < 1 || e.Line > len(lines) {
			t.Fatalf("%s: evidence %+v", f.ID, e)
		}
		var r history.Result
		if err := json.Unmarshal([]byte(lines[e.Line-1]), &r); err != nil || !want(r) {
			t.Errorf("%s: evidence line %d is %s", f.ID, e.Line, lines[e.Line-1])
		}
	}
}

func TestHistoryIntermittent(t *testing.T) {
	at := func(hh, mm int) time.Time { return time.Date(2026, 11, 27, hh, mm, 0, 0, time.UTC) }
	// The example: 120 checks every 20 s, 8 failures from 02:04, 6 from 02:31.
	twoBursts := func(i int, t time.Time) bool {
		return !t.Before(at(2, 4)) && t.Before(at(2, 4).Add(8*20*time.Second)) ||
			!t.Before(at(2, 31)) && t.Before(at(2, 31).Add(6*20*time.Second))
	}
	lat := jitter(5, 40)
	mon := func(n int, bad func(int, time.Time) bool) genMon {
		return genMon{"api", "http", apiURL, n, 20 * time.Second, time.Time{}, failing(lat, "timeout", bad)}
	}
	runCases(t, analyzeHistory, []tcase{
		{name: "two bursts", files: histFile(t, mon(120, twoBursts)),
			want:  []string{"history.intermittent warning " + apiURL},
			title: "api failed 14 of the last 120 checks, in two bursts at 02:04 and 02:31 UTC"},
		{name: "failures a run apart are one burst", files: histFile(t, mon(120, func(i int, _ time.Time) bool { return i == 50 || i == 52 || i == 54 })),
			want: []string{"history.intermittent warning " + apiURL}, title: "failed 3 of the last 120 checks, in one burst at 02:16 UTC"},
		{name: "latest run failed: critical", files: histFile(t, mon(120, func(i int, t time.Time) bool { return twoBursts(i, t) || i == 119 })),
			want: []string{"history.intermittent critical " + apiURL}, title: "in three bursts at 02:04, 02:31 and 02:39 UTC"},
		{name: "two latest runs failed, earlier fine: intermittent, not down", files: histFile(t, mon(60, func(i int, _ time.Time) bool { return i >= 58 })),
			want: []string{"history.intermittent critical " + apiURL}},
		{name: "down after being fine", files: histFile(t, mon(60, func(i int, _ time.Time) bool { return i >= 55 })),
			want: []string{"history.down critical " + apiURL}, title: "api has failed its last 5 checks (since 02:18 UTC)"},
		{name: "down after bursts: both", files: histFile(t, mon(120, func(i int, t time.Time) bool { return twoBursts(i, t) || i >= 115 })),
			want: []string{"history.down critical " + apiURL, "history.intermittent critical " + apiURL}},
		{name: "never up", files: histFile(t, mon(30, func(int, time.Time) bool { return true })),
			want: []string{"history.down critical " + apiURL}, title: "api failed all 30 checks since 02:00 UTC"},
		{name: "one failure", files: histFile(t, mon(120, func(i int, _ time.Time) bool { return i == 30 }))},
		{name: "all ok", files: histFile(t, mon(120, func(int, time.Time) bool { return false }))},
	})

	// Details of the two-burst case.
	files := histFile(t, mon(120, twoBursts))
	f := analyzeHistory(src(files))[0]
	for _, want := range []string{
		"api (http " + apiURL + "): 120 runs from 2026-11-27 02:00:00 to 02:39:40 UTC, about every 20s; 14 failed",
		`most often with "timeout" (14)`, "02:04:00 UTC: 8 failed runs over 2m20s", "02:31:00 UTC: 6 failed runs over 1m40s",
	} {
		if !strings.Contains(f.Detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, f.Detail)
		}
	}
	checkEvidence(t, files, f, func(r history.Result) bool { return !r.OK && (r.Time.Equal(at(2, 4)) || r.Time.Equal(at(2, 31))) })

	// Down's evidence: the first failure of the streak and the latest run.
	files = histFile(t, mon(60, func(i int, _ time.Time) bool { return i >= 55 }))
	f = analyzeHistory(src(files))[0]
	checkEvidence(t, files, f, func(r history.Result) bool { return !r.OK })
	if !strings.Contains(f.Detail, "The last successful run was at 2026-11-27 02:18:00 UTC") {
		t.Errorf("down detail: %s", f.Detail)
	}
}

func TestHistoryLatency(t *testing.T) {
	// 120 runs at 30 s; from run 96 on (the last 20 %) the latency is regime(i).
	mon := func(base, after float64) genMon {
		b, a := jitter(21, base), jitter(22, after)
		return genMon{"api", "http", apiURL, 120, 30 * time.Second, time.Time{}, func(i int, _ time.Time) (bool, float64, string, string) {
			if i >= 96 {
				return true, a(i), "", ""
			}
			return true, b(i), "", ""
		}}
	}
	runCases(t, analyzeHistory, []tcase{
		{name: "20 ms to 300 ms", files: histFile(t, mon(20, 300)), want: []string{"history.latency warning " + apiURL}, title: "api became slower: median"},
		{name: "1.6 x is not enough", files: histFile(t, mon(100, 160))},
		{name: "5 x but only +8 ms", files: histFile(t, mon(2, 10))},
		{name: "faster", files: histFile(t, mon(300, 20))},
		{name: "too few runs", files: histFile(t, genMon{"api", "http", apiURL, 15, 30 * time.Second, time.Time{}, func(i int, _ time.Time) (bool, float64, string, string) {
			return true, float64(10 + i*100), "", ""
		}})},
		{name: "samples are not latencies", files: histFile(t, genMon{"load", "load", "", 120, 30 * time.Second, time.Time{}, func(i int, _ time.Time) (bool, float64, string, string) {
			return true, float64(1 + i*10), "", ""
		}})},
	})
	files := histFile(t, mon(20, 300))
	f := analyzeHistory(src(files))[0]
	// Both medians, in the title and the detail, near the generated levels.
	var recent, base float64
	if _, err := fmt.Sscanf(f.Title, "api became slower: median %f ms now, %f ms before 02:48 UTC", &recent, &base); err != nil {
		t.Fatalf("title %q: %v", f.Title, err)
	}
	if recent < 250 || recent > 350 || base < 17 || base > 23 {
		t.Errorf("medians %v and %v, generated around 300 and 20", recent, base)
	}
	for _, want := range []string{"last 24 successful runs (since 2026-11-27 02:48:00 UTC)", "over the 96 successful runs before"} {
		if !strings.Contains(f.Detail, want) {
			t.Errorf("detail lacks %q: %s", want, f.Detail)
		}
	}
	checkEvidence(t, files, f, func(r history.Result) bool { return r.LatencyMS > 100 })
}

func TestHistoryDNSFlapping(t *testing.T) {
	flap := func(n, every int, sets ...string) genMon {
		return genMon{"name", "dns", "api.test", n, 10 * time.Second, time.Time{}, func(i int, _ time.Time) (bool, float64, string, string) {
			if i == 16 {
				return false, 0, "i/o timeout", "" // a failed run has no answer and is not a change
			}
			return true, 2, "", sets[(i/every)%len(sets)]
		}}
	}
	runCases(t, analyzeHistory, []tcase{
		{name: "two disjoint sets", files: histFile(t, flap(60, 5, "10.0.0.1", "10.0.0.2")),
			want: []string{"history.dns-flapping warning api.test"}, title: "DNS answers for api.test changed 11 times (2 different answer sets)"},
		{name: "overlapping pool", files: histFile(t, flap(60, 5, "10.0.0.1,10.0.0.2", "10.0.0.2,10.0.0.3")),
			want: []string{"history.dns-flapping info api.test"}},
		{name: "three changes", files: histFile(t, flap(60, 15, "10.0.0.1", "10.0.0.2"))},
		// The daemon's format: one TYPE=values group per record type.
		{name: "daemon format, disjoint", files: histFile(t, flap(60, 5, "A=10.0.0.1 AAAA=", "A=10.0.0.2 AAAA=")),
			want: []string{"history.dns-flapping warning api.test"}},
		{name: "daemon format, overlapping", files: histFile(t, flap(60, 5, "A=10.0.0.1,10.0.0.2 AAAA=fd00::1", "A=10.0.0.2 AAAA=fd00::1")),
			want: []string{"history.dns-flapping info api.test"}},
		{name: "daemon format, sometimes no records", files: histFile(t, flap(60, 5, "A=10.0.0.1 AAAA=", "A= AAAA=")),
			want: []string{"history.dns-flapping warning api.test"}},
		{name: "not dns", files: histFile(t, genMon{"api", "http", apiURL, 60, 10 * time.Second, time.Time{}, func(i int, _ time.Time) (bool, float64, string, string) {
			return true, 20, "", fmt.Sprint(i % 2)
		}})},
	})
	files := histFile(t, flap(60, 5, "10.0.0.1", "10.0.0.2", "192.0.2.7"))
	f := analyzeHistory(src(files))[0]
	for _, want := range []string{"3 different answer sets", "10.0.0.1 (", "10.0.0.2 (", "192.0.2.7 ("} {
		if !strings.Contains(f.Title+f.Detail, want) {
			t.Errorf("lacks %q: %s / %s", want, f.Title, f.Detail)
		}
	}
	checkEvidence(t, files, f, func(r history.Result) bool { return r.Check == "dns" && r.OK })
}

func TestHistoryUnreadable(t *testing.T) {
	files := histFile(t, genMon{"api", "http", apiURL, 3, 10 * time.Second, time.Time{}, okRun(func(int) float64 { return 1 })})
	files[history.BundlePath] += "{not json}\n"
	fs := analyzeHistory(src(files))
	if got := keys(fs); !slices.Equal(got, []string{"history.unreadable info " + history.BundlePath}) {
		t.Fatalf("%q", got)
	}
	if fs[0].Evidence[0].Line != 4 || !strings.Contains(fs[0].Detail, "line 4") {
		t.Fatalf("%s", dump(fs))
	}
}
