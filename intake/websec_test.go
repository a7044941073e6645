package intake

import (
	"bytes"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/analyze"
	"github.com/casefile/casefile/collectors"
)

// The adversarial tests of the web view and the upload page: what a hostile customer machine
// (the bundle, its file name) or a stranger (no token, a wrong one) can make the intake do.
// See also websec_browser_test.go for what chromium does with the same pages.

// A file that is no bundle at all (an HTML page, as a customer could pick on the upload page) is
// quarantined; the web view says it is not a bundle (not that it is encrypted), offers no
// report.html, and downloads it as an opaque attachment that a browser will not render.
func TestWebSecNonBundleQuarantined(t *testing.T) {
	ws := newWebServer(t, false, nil, nil)
	page := []byte("<!DOCTYPE html><html><script>document.title='pwned'</script><p>not a bundle</p></html>")
	meta := map[string]string{"ticket": "4821", "filename": "casefile-4821-x.tar.gz"}
	rec := ws.fileMeta(t, "4821", page, meta)
	if rec.Status != StatusQuarantined || !strings.HasSuffix(rec.Path, ".bin") {
		t.Fatalf("a non-bundle was filed as %+v", rec)
	}
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	auth := map[string]string{"Authorization": "Bearer " + eng}
	routes := bundleRoutes(rec)
	for _, p := range routes[1:3] {
		r := ws.get(t, http.MethodGet, p, auth, nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, "not a bundle") || strings.Contains(r.body, "stored encrypted") ||
			strings.Contains(r.body, "report.html") || strings.Contains(r.body, "<script>document.title") {
			t.Errorf("%s: %d\n%s", p, r.status, r.body)
		}
	}
	if r := ws.get(t, http.MethodGet, routes[3], auth, nil); r.status != http.StatusNotFound || strings.Contains(r.body, "<script>document") {
		t.Errorf("report.html of a non-bundle: %d", r.status)
	}
	r := ws.get(t, http.MethodGet, routes[4], auth, nil)
	if r.status != http.StatusOK || r.body != string(page) || r.header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment;") || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("download of a non-bundle: %d %q %q", r.status, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
	}
}

// A bundle's metadata can hold far more than casefile writes: 120,000 findings (three critical
// ones in the middle), one with a 1 MiB title, a 1 MiB host name and OS, 5,000 collectors (one
// error of 1 MiB), 50,000 redaction rules and 10,000 files left out, a 100 KiB file name. The
// pages and what the view keeps in memory stay bounded: at most 500 findings (the critical ones
// among them) with a note, 500 collectors, 200 rules, 200 files, clipped fields. Before the
// view read these documents as streams and kept a bounded part, the bundle page was 60 MiB and
// the view kept every finding (64 MiB of "{}," in findings.json, 60 KiB packed, took 7 GiB
// of heap and 28 s to read: see TestWebSecFindingsBomb).
func TestWebSecHugeBundleBounded(t *testing.T) {
	ws := newWebServer(t, false, nil, nil)
	big := strings.Repeat("B", 1<<20)
	var fs []analyze.Finding
	for i := range 120_000 {
		f := analyze.Finding{ID: fmt.Sprintf("bulk.%06d", i), Severity: analyze.Warning, Title: fmt.Sprintf("warning %d", i),
			Detail: strings.Repeat("detail ", 40), NextStep: "look", Evidence: []analyze.Evidence{{Path: "system/host.json"}}}
		if i%25_000 == 7 && i < 100_000 {
			f.Severity, f.Title = analyze.Critical, fmt.Sprintf("critical number %d", i)
		}
		if i == 3 {
			f.Title = big
		}
		fs = append(fs, f)
	}
	rules := map[string]int{}
	for i := range 50_000 {
		rules[fmt.Sprintf("rule-%05d", i)] = i + 1
	}
	dropped := map[string]string{}
	for i := range 10_000 {
		dropped[fmt.Sprintf("logs/f%05d.log", i)] = "could not be redacted"
	}
	var cols []collectors.Result
	for i := range 5000 {
		c := collectors.Result{Name: fmt.Sprintf("c.%04d", i), Family: "system", Status: collectors.StatusOK, Files: []string{}}
		if i == 0 {
			c.Status, c.Error = collectors.StatusFailed, big
		}
		cols = append(cols, c)
	}
	data := craftedBundle{Ticket: "4821", Host: big, Collectors: cols, Files: map[string][]byte{
		"findings.json":    mustJSON(t, analyze.Findings{Findings: fs}),
		"redaction.json":   mustJSON(t, map[string]any{"total": 1, "files": 1, "by_rule": rules, "dropped": dropped}),
		"environment.json": mustJSON(t, map[string]any{"os": big, "arch": "amd64"}),
		"report.html":      []byte("<p>report</p>"),
	}}.build(t)
	meta := map[string]string{"ticket": "4821", "filename": "casefile-" + strings.Repeat("n", 100<<10) + ".tar.gz"}
	rec := ws.fileMeta(t, "4821", data, meta)
	if rec.Status != StatusOK {
		t.Fatalf("the bundle was filed %s: %s", rec.Status, rec.Reason)
	}
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	auth := map[string]string{"Authorization": "Bearer " + eng}
	routes := bundleRoutes(rec)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	page := ws.get(t, http.MethodGet, routes[2], auth, nil)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if page.status != http.StatusOK {
		t.Fatalf("bundle page: %d", page.status)
	}
	if len(page.body) > 1536<<10 {
		t.Errorf("the bundle page is %d bytes", len(page.body))
	}
	for _, want := range []string{"Showing 500 of at least 100000 findings", "critical number 7", "critical number 75007",
		"and 4500 more collectors", "and 49800 more rules", "and 9800 more files left out", "1 critical problem"} {
		if !strings.Contains(page.body, want) && !(want == "1 critical problem" && strings.Contains(page.body, "4 critical problems")) {
			t.Errorf("the bundle page lacks %q", want)
		}
	}
	if n := strings.Count(page.body, `<article class="finding`); n != 500 {
		t.Errorf("the bundle page shows %d findings, want 500", n)
	}
	if strings.Contains(page.body, strings.Repeat("B", 2001)) || strings.Contains(page.body, strings.Repeat("n", 300)) {
		t.Error("a 1 MiB field or the long file name is shown whole")
	}
	// What the view keeps of the bundle (the cache holds it): bounded, not the 120,000 findings.
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 16<<20 {
		t.Errorf("reading the bundle for its page kept %d MiB of heap", grew>>20)
	}
	tp := ws.get(t, http.MethodGet, routes[1], auth, nil)
	if tp.status != http.StatusOK || len(tp.body) > 64<<10 {
		t.Errorf("the ticket page: %d, %d bytes", tp.status, len(tp.body))
	}
	if r := ws.get(t, http.MethodGet, routes[3], auth, nil); r.status != http.StatusOK || r.body != "<p>report</p>" {
		t.Errorf("report.html: %d %q", r.status, r.body)
	}
}

// findings.json of 60 MiB of "{}," packs into 60 KiB: the view reads at most 100,000 entries
// and keeps 500, so the page and the heap stay small. The bundle is placed in storage directly:
// filing it (bundle.Read) is another part's cost.
func TestWebSecFindingsBomb(t *testing.T) {
	ws := newWebServer(t, false, nil, nil)
	var b bytes.Buffer
	b.WriteString(`{"findings":[`)
	for b.Len() < 60<<20 {
		b.WriteString(`{},`)
	}
	b.WriteString(`{}]}`)
	data := craftedBundle{Ticket: "4821", Host: "h", Files: map[string][]byte{"findings.json": b.Bytes()}}.build(t)
	b = bytes.Buffer{}
	rec := ws.place(t, "4821", data)
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	r := ws.get(t, http.MethodGet, bundleRoutes(rec)[2], map[string]string{"Authorization": "Bearer " + eng}, nil)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	t.Logf("%d-byte bundle: page %d bytes in %v; heap allocated while reading: %d MiB", len(data), len(r.body), took, (after.TotalAlloc-before.TotalAlloc)>>20)
	if r.status != http.StatusOK || len(r.body) > 512<<10 || !strings.Contains(r.body, "Showing 500 of at least 100000 findings") {
		t.Errorf("bundle page: %d, %d bytes", r.status, len(r.body))
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 1<<30 {
		t.Errorf("reading the bundle allocated %d MiB", a>>20)
	}
}
