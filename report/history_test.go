package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/analyze"
	"github.com/casefile/casefile/history"
)

var hist0 = time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)

// genHistory writes daemon/history.jsonl for monitors run every `every` for n runs; fail says
// which runs of which monitor fail.
func genHistory(n int, every time.Duration, fail func(mon string, i int) bool) []byte {
	var rs []history.Result
	for i := 0; i < n; i++ {
		at := hist0.Add(time.Duration(i) * every)
		api := history.Result{Monitor: "api", Check: "http", Target: "https://api.acme.test/health", Time: at, OK: !fail("api", i),
			LatencyMS: 40 + float64(i%7)*3}
		if i > n*3/4 {
			api.LatencyMS += 250 // a latency regression at the end
		}
		if !api.OK {
			api.LatencyMS, api.Error = 0, `connection refused <script>alert(2)</script>`
		}
		rs = append(rs,
			api,
			db(at.Add(time.Second), !fail("db", i), 0.8+float64(i%3)*0.1),
			history.Result{Monitor: "name", Check: "dns", Target: "api.acme.test", Time: at.Add(2 * time.Second), OK: true, LatencyMS: 2, Answer: "192.0.2.80"},
			history.Result{Monitor: "load", Check: "load", Time: at.Add(3 * time.Second), OK: true, Value: 0.5 + float64(i%10)/10},
		)
	}
	var buf bytes.Buffer
	if err := history.WriteJSONL(&buf, rs); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func db(at time.Time, ok bool, lat float64) history.Result {
	r := history.Result{Monitor: "db", Check: "tcp", Target: "db.acme.test:5432", Time: at, OK: ok, LatencyMS: lat}
	if !ok {
		r.LatencyMS, r.Error = 0, "i/o timeout"
	}
	return r
}

// fixtureHistory is the fixture bundle's history: 40 minutes at 20 s, api failing in two bursts
// (02:04, 02:31), db failing its last runs.
func fixtureHistory() []byte {
	return genHistory(120, 20*time.Second, func(mon string, i int) bool {
		switch mon {
		case "api":
			return i >= 12 && i < 20 || i >= 93 && i < 99
		case "db":
			return i >= 116
		}
		return false
	})
}

func TestHistorySection(t *testing.T) {
	src := fixture()
	if _, ok := src[history.BundlePath]; !ok {
		t.Fatal("the fixture bundle has no history")
	}
	page := render(t, src)
	sec := section(t, page, "history")
	// One row per monitor, in name order, each with its line (load: the sample value).
	names := regexp.MustCompile(`<text class="lbl h-name"[^>]*>([^<]*)</text>`).FindAllStringSubmatch(sec, -1)
	var got []string
	for _, m := range names {
		got = append(got, m[1])
	}
	if strings.Join(got, ",") != "api,db,load,name" {
		t.Fatalf("rows %q", got)
	}
	if n := strings.Count(sec, `<path class="h-line"`); n != 4 {
		t.Errorf("%d latency lines, want 4", n)
	}
	// The time axis in UTC, every 10 minutes from 02:00 (40 minutes of history).
	ticks := regexp.MustCompile(`<text class="tick"[^>]*>([^<]*)</text>`).FindAllStringSubmatch(sec, -1)
	var labels []string
	for _, m := range ticks {
		labels = append(labels, m[1])
	}
	if strings.Join(labels, " ") != "02:00 02:10 02:20 02:30" {
		t.Errorf("axis %q", labels)
	}
	for _, want := range []string{
		"2026-11-27 02:00:00 – 02:39:43 UTC (39m43s)",
		"116/120 ok", // db: 4 failed at the end
		"106/120 ok", // api: 14 failed in two bursts
		"failed: i/o timeout", "(4 in a row)", "top 1.4", `id="history-monitors"`,
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("history section lacks %q", want)
		}
	}
	if !regexp.MustCompile(`>top 3\d\d ms<`).MatchString(sec) {
		t.Error("api's line is not scaled to its 98th percentile (about 300 ms)")
	}
	// Failed marks: api's two bursts and db's end; each with a tooltip naming the failures.
	failed := regexp.MustCompile(`<rect class="h-failed"[^>]*><title>([^<]*)</title>`).FindAllStringSubmatch(sec, -1)
	if len(failed) != 3 {
		t.Fatalf("%d failed stretches, want 3 (two api bursts, db's end)", len(failed))
	}
	if !strings.Contains(failed[0][1], "02:04:0") || !strings.Contains(failed[0][1], "8 of 8 runs failed (connection refused &lt;script&gt;") {
		t.Errorf("first burst's tooltip: %q", failed[0][1])
	}
	if strings.Contains(page, "<script>alert(2)") {
		t.Error("error text unescaped")
	}
	// The section sits between the findings and the network section, with a link to it.
	if !strings.Contains(page, `<a href="#history">`) || strings.Index(page, `id="history"`) > strings.Index(page, `id="network"`) {
		t.Error("no navigation link, or the section is out of place")
	}
}

// section returns the markup of <section id="id"> ... </section>.
func section(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `<section id="`+id+`">`)
	if i < 0 {
		t.Fatalf("no section #%s", id)
	}
	j := strings.Index(page[i:], "</section>")
	return page[i : i+j]
}

func TestHistorySectionAbsentOrBad(t *testing.T) {
	src := fixture()
	delete(src, history.BundlePath)
	if page := render(t, src); strings.Contains(page, `id="history"`) || strings.Contains(page, "#history") {
		t.Error("history section without a history")
	}
	src[history.BundlePath] = []byte("{\"monitor\":\"api\",\"check\":\"http\",\"time\":\"2026-11-27T02:00:00Z\"}\nnot json\n")
	sec := section(t, render(t, src), "history")
	if !strings.Contains(sec, "could not be read: history.jsonl line 2:") || strings.Contains(sec, "<svg") {
		t.Errorf("bad history: %s", sec)
	}
}

// A day of four monitors at 5 s (69,120 runs): the chart stays bounded (runs are binned), the
// page small, and rendering fast enough to run at every collection.
func TestHistorySectionBounded(t *testing.T) {
	data := genHistory(17280, 5*time.Second, func(mon string, i int) bool { return mon == "api" && i%97 < 3 })
	src := analyze.MapSource{"manifest.json": []byte(`{"bundle_id": "x"}`), history.BundlePath: data}
	start := time.Now()
	page := render(t, src)
	took := time.Since(start)
	sec := section(t, page, "history")
	t.Logf("%d runs (%d KiB of JSONL): history section %d KiB, %d rects, page rendered in %v",
		4*17280, len(data)>>10, len(sec)>>10, strings.Count(sec, "<rect"), took)
	if len(sec) > 400<<10 {
		t.Errorf("history section is %d KiB", len(sec)>>10)
	}
	if n := strings.Count(sec, "<rect"); n > 4*(2*histBins+1) {
		t.Errorf("%d rects for 4 monitors", n)
	}
	// A day from 02:00: ticks every 6 hours at whole UTC hours.
	var labels []string
	for _, m := range regexp.MustCompile(`<text class="tick"[^>]*>([^<]*)</text>`).FindAllStringSubmatch(sec, -1) {
		labels = append(labels, m[1])
	}
	if strings.Join(labels, " ") != "06:00 12:00 18:00 00:00" {
		t.Errorf("axis of a day: %q", labels)
	}
}
