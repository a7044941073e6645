package intake

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
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

// Every answer of the web view and the upload page carries the strict headers: pages, redirects,
// refusals (401, 403 by the cross-origin check), 404s of unknown paths under /web/ and /u/, 405s,
// static files, report.html (its own sandboxing policy), downloads. Across the whole session no
// token, session cookie or CSRF token (nor their signatures alone) reaches the log.
func TestWebSecHeadersEverywhereAndNoSecretInLogs(t *testing.T) {
	ws := newWebServer(t, false, nil, nil)
	rec := ws.file(t, "4821", webBundle(t))
	up := ws.uploadToken(t, "4821", time.Hour)
	expiredUp := ws.uploadToken(t, "4821", -time.Minute)
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	revoked, rc := ws.engineerToken(t, "carol", time.Hour)
	if err := ws.rev.Revoke(rc.ID); err != nil {
		t.Fatal(err)
	}
	login := ws.get(t, http.MethodPost, WebPath+"login", nil, url.Values{"token": {eng}})
	var cookie string
	for _, c := range (&http.Response{Header: login.header}).Cookies() {
		if c.Name == sessionCookie {
			cookie = c.Value
		}
	}
	if cookie == "" {
		t.Fatalf("login: %d", login.status)
	}
	sess := map[string]string{"Cookie": sessionCookie + "=" + cookie}
	home := ws.get(t, http.MethodGet, WebPath, sess, nil)
	m := csrfRe.FindStringSubmatch(home.body)
	if m == nil {
		t.Fatal("no CSRF token")
	}
	routes := bundleRoutes(rec)
	type req struct {
		method, path string
		hdr          map[string]string
		form         url.Values
		status       int
	}
	bearerEng := map[string]string{"Authorization": "Bearer " + eng}
	reqs := []req{
		{"GET", WebPath, nil, nil, 303},
		{"GET", WebPath + "login", nil, nil, 200},
		{"POST", WebPath + "login", nil, url.Values{"token": {"cfe1.nope.nope"}}, 401},
		{"POST", WebPath + "login", nil, url.Values{"token": {revoked}}, 401},
		{"POST", WebPath + "login", nil, url.Values{"token": {up}}, 403},
		{"POST", WebPath + "login", map[string]string{"Sec-Fetch-Site": "cross-site"}, url.Values{"token": {eng}}, 403},
		{"POST", WebPath + "logout", nil, url.Values{"csrf": {"x"}}, 401},
		{"POST", WebPath + "logout", sess, url.Values{"csrf": {"x"}}, 403},
		{"GET", WebPath, sess, nil, 200},
		{"HEAD", WebPath, sess, nil, 200},
		{"GET", WebPath + "t/4821/", sess, nil, 200},
		{"GET", WebPath + "t/no%20such/", sess, nil, 404},
		{"GET", WebPath + "t/4821/b/nope/", sess, nil, 404},
		{"GET", WebPath + "t/4821/b/" + rec.ID + "/..%2f..%2f..%2fintake.key/download", sess, nil, 404},
		{"GET", routes[2], bearerEng, nil, 200},
		{"GET", routes[3], bearerEng, nil, 200},
		{"GET", routes[4], bearerEng, nil, 200},
		{"HEAD", routes[4], bearerEng, nil, 200},
		{"GET", routes[5], bearerEng, nil, 404},
		{"PUT", WebPath, bearerEng, nil, 404},
		{"DELETE", routes[4], bearerEng, nil, 404},
		{"GET", WebPath, map[string]string{"Authorization": "Bearer " + up}, nil, 403},
		{"GET", staticPath + "web.css", nil, nil, 200},
		{"GET", staticPath + "nope.js", nil, nil, 404},
		{"GET", UploadPagePath + up, nil, nil, 200},
		{"HEAD", UploadPagePath + up, nil, nil, 200},
		{"GET", UploadPagePath + expiredUp, nil, nil, 401},
		{"GET", UploadPagePath + eng, nil, nil, 401},
		{"GET", UploadPagePath + "garbage", nil, nil, 401},
		{"GET", UploadPagePath, nil, nil, 404},
		{"GET", UploadPagePath + up + "/more", nil, nil, 404},
		{"POST", UploadPagePath + up, nil, url.Values{}, 404},
		{"POST", WebPath + "logout", sess, url.Values{"csrf": {m[1]}}, 303},
	}
	for _, q := range reqs {
		r := ws.get(t, q.method, q.path, q.hdr, q.form)
		name := strings.NewReplacer(up, "<upload token>", expiredUp, "<expired upload token>", eng, "<engineer token>").Replace(q.method + " " + q.path)
		if r.status != q.status {
			t.Errorf("%s: %d, want %d", name, r.status, q.status)
		}
		csp := r.header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action "} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: CSP %q lacks %s", name, csp, d)
			}
		}
		if q.path == routes[3] && !strings.Contains(csp, "sandbox") {
			t.Errorf("%s: CSP %q has no sandbox", name, csp)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := r.header.Get(k); got != want {
				t.Errorf("%s: %s %q, want %q", name, k, got, want)
			}
		}
		if strings.HasPrefix(q.path, UploadPagePath) && r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", name, r.header.Get("Cache-Control"))
		}
		if strings.Contains(r.body, up) || strings.Contains(r.body, eng) || strings.Contains(r.body, cookie) {
			t.Errorf("%s: a token or the session cookie is in the answer", name)
		}
	}
	// The secrets of the session, whole and in parts (payload, signature), are not in the log.
	ws.mu.Lock()
	logs := ws.logs.String()
	ws.mu.Unlock()
	for name, secret := range map[string]string{"upload token": up, "expired upload token": expiredUp, "engineer token": eng,
		"revoked engineer token": revoked, "session cookie": cookie, "CSRF token": m[1]} {
		parts := append([]string{secret}, strings.Split(secret, ".")...)
		for _, p := range parts {
			if len(p) >= 16 && strings.Contains(logs, p) {
				t.Errorf("the %s (or part %q) is in the log", name, p)
			}
		}
	}
}

// The file name a customer's client sent is offered in Content-Disposition only when it is a
// plain bundle name; anything else (quotes, parameters, line breaks, tabs, bidi controls,
// non-ASCII, other extensions) gives <sha256>.<ext>. Each header parses back to exactly the
// name offered.
func TestWebSecDownloadFileNames(t *testing.T) {
	ws := newWebServer(t, false, nil, nil)
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	data := webBundle(t)
	names := map[string]bool{ // name: offered as it is
		"casefile-4821-web-07-20261130T080000Z-0badc0de.tar.gz": true,
		"casefile-4821-web-07.tar.zst.age":                      true,
		`casefile-a"; filename*=UTF-8''evil.html; x=".tar.gz`:   false,
		"casefile-a\r\nSet-Cookie: casefile_session=x.tar.gz":   false,
		"casefile-\u202egz.exe.tar.gz":                          false,
		"casefile-a\tb.tar.gz":                                  false,
		"casefile-ä.tar.gz":                                     false,
		"casefile-a%0d%0a.tar.gz":                               false,
		"casefile-x.html":                                       false,
		"../../casefile-x.tar.gz":                               false,
	}
	i := 0
	for name, kept := range names {
		i++
		ticket := fmt.Sprintf("dl%d", i)
		rec := ws.fileMeta(t, ticket, data, map[string]string{"ticket": ticket, "filename": name})
		r := ws.get(t, http.MethodGet, bundleRoutes(rec)[4], map[string]string{"Authorization": "Bearer " + eng}, nil)
		cd := r.header.Get("Content-Disposition")
		disp, params, err := mime.ParseMediaType(cd)
		base := rec.Path[strings.LastIndex(rec.Path, "/")+1:]
		want := base
		if kept {
			want = name
		}
		if r.status != http.StatusOK || err != nil || disp != "attachment" || params["filename"] != want || len(params) != 1 {
			t.Errorf("file name %q: %d, Content-Disposition %q (%v), want filename %q", name, r.status, cd, err, want)
		}
	}
}

// A customer can upload many bundles to one ticket (120 requests a minute per token): the ticket
// page reads only the 50 newest bundles for their cards and lists the next 1,000 from the index,
// so its size and the bundles it reads are bounded.
func TestWebSecTicketWithManyBundles(t *testing.T) {
	ws := newWebServer(t, false, nil, nil)
	var newest Record
	for i := range 130 {
		data := craftedBundle{Ticket: "4821", Host: fmt.Sprintf("host-%03d", i), Files: map[string][]byte{"report.html": []byte("<p>r</p>")}}.build(t)
		newest = ws.place(t, "4821", data)
	}
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	r := ws.get(t, http.MethodGet, WebPath+"t/4821/", map[string]string{"Authorization": "Bearer " + eng}, nil)
	cards, rows := strings.Count(r.body, `<article class="bundle`), strings.Count(r.body, `<tr><td><a class="bundle-link"`)
	if r.status != http.StatusOK || cards != maxTicketCards || rows != 80 || !strings.Contains(r.body, "130 bundles") {
		t.Errorf("ticket page: %d, %d cards, %d older rows, %d bytes", r.status, cards, rows, len(r.body))
	}
	if !strings.Contains(r.body, `href="`+WebBundlePath(newest)+`"`) || len(r.body) > 256<<10 {
		t.Errorf("the newest bundle is not linked, or the page is %d bytes", len(r.body))
	}
	// 1,100 more: 50 cards, 1,000 rows, the rest counted.
	for i := range 1100 {
		data := craftedBundle{Ticket: "4821", Host: fmt.Sprintf("more-%04d", i)}.build(t)
		ws.place(t, "4821", data)
	}
	r = ws.get(t, http.MethodGet, WebPath+"t/4821/", map[string]string{"Authorization": "Bearer " + eng}, nil)
	cards, rows = strings.Count(r.body, `<article class="bundle`), strings.Count(r.body, `<tr><td><a class="bundle-link"`)
	if cards != maxTicketCards || rows != 1000 || !strings.Contains(r.body, "and 180 older bundles") || len(r.body) > 1<<20 {
		t.Errorf("ticket page of 1,230 bundles: %d cards, %d rows, %d bytes", cards, rows, len(r.body))
	}
}

// Logging out ends the session itself, not only the browser's copy of the cookie: a copy taken
// before (another tab, a stolen cookie) no longer reads, while another session of the same
// engineer token goes on. A session cookie of an older form (no session id) is refused.
func TestWebSecLogoutEndsCopiedSession(t *testing.T) {
	ws := newWebServer(t, true, nil, nil)
	eng, ec := ws.engineerToken(t, "alice", time.Hour)
	loginCookie := func() string {
		r := ws.get(t, http.MethodPost, WebPath+"login", nil, url.Values{"token": {eng}})
		for _, c := range (&http.Response{Header: r.header}).Cookies() {
			if c.Name == sessionCookie && c.Value != "" {
				return c.Value
			}
		}
		t.Fatalf("login: %d", r.status)
		return ""
	}
	first, second := loginCookie(), loginCookie()
	if first == second {
		t.Fatal("two logins gave the same session")
	}
	with := func(c string) map[string]string { return map[string]string{"Cookie": sessionCookie + "=" + c} }
	home := ws.get(t, http.MethodGet, WebPath, with(first), nil)
	m := csrfRe.FindStringSubmatch(home.body)
	if home.status != http.StatusOK || m == nil {
		t.Fatalf("the session does not read: %d", home.status)
	}
	if r := ws.get(t, http.MethodPost, WebPath+"logout", with(first), url.Values{"csrf": {m[1]}}); r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	if r := ws.get(t, http.MethodGet, WebPath, with(first), nil); r.status != http.StatusSeeOther || r.header.Get("Location") != WebPath+"login" {
		t.Errorf("a copy of the logged-out session cookie still reads: %d", r.status)
	}
	if r := ws.get(t, http.MethodGet, WebPath, with(second), nil); r.status != http.StatusOK {
		t.Errorf("the engineer's other session ended too: %d", r.status)
	}
	old := signPayload(ws.key, sessionPrefix, []byte(fmt.Sprintf(`{"id":%q,"eng":"alice","exp":%d}`, ec.ID, time.Now().Add(time.Hour).Unix())))
	if r := ws.get(t, http.MethodGet, WebPath, with(old), nil); r.status != http.StatusSeeOther {
		t.Errorf("a session cookie without a session id reads: %d", r.status)
	}
}

// rawTarGz packs entries exactly as given (names, types, link targets), for archives casefile
// would never write.
func rawTarGz(t *testing.T, entries []*tar.Header, bodies map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, h := range entries {
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(bodies[h.Name]))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(bodies[h.Name])
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

// report.html is only ever the bundle's own regular file: a report.html that is a symlink or a
// hard link (to the intake's signing key, to /etc/passwd, to another member), or that climbs out
// of the top folder, is refused (the bundle is quarantined and the view offers no report); one
// above 32 MiB (40 MiB of zeros, 40 KiB packed) is refused, one of 10 MiB is served whole.
func TestWebSecReportLinksTraversalAndSize(t *testing.T) {
	ws := newWebServer(t, false, nil, nil)
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	auth := map[string]string{"Authorization": "Bearer " + eng}
	key, _ := os.ReadFile(filepath.Join(ws.data, "intake.key"))
	man := []byte(`{"schema_version":1,"bundle_id":"b","created_at":"2026-11-30T08:00:00Z","host":"h"}`)
	top := "casefile-4821-h-20261130T080000Z-b"
	dir := &tar.Header{Name: top + "/", Typeflag: tar.TypeDir, Mode: 0o755}
	reg := func(n string) *tar.Header { return &tar.Header{Name: n, Typeflag: tar.TypeReg} }
	cases := map[string][]*tar.Header{
		"symlink to the key": {dir, reg(top + "/manifest.json"),
			{Name: top + "/report.html", Typeflag: tar.TypeSymlink, Linkname: filepath.Join(ws.data, "intake.key")}},
		"symlink to /etc/passwd": {dir, reg(top + "/manifest.json"), {Name: top + "/report.html", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}},
		"hard link to a member":  {dir, reg(top + "/manifest.json"), {Name: top + "/report.html", Typeflag: tar.TypeLink, Linkname: top + "/manifest.json"}},
		"hard link out":          {dir, reg(top + "/manifest.json"), {Name: top + "/report.html", Typeflag: tar.TypeLink, Linkname: "../../intake.key"}},
		"traversal":              {dir, reg(top + "/manifest.json"), reg(top + "/../report.html")},
		"traversal inside":       {dir, reg(top + "/manifest.json"), reg(top + "/sub/../report.html")},
		"absolute":               {dir, reg(top + "/manifest.json"), reg("/" + top + "/report.html")},
	}
	bodies := map[string][]byte{top + "/manifest.json": man}
	for _, n := range []string{top + "/../report.html", top + "/sub/../report.html", "/" + top + "/report.html"} {
		bodies[n] = []byte("<p>outside</p>")
	}
	i := 0
	for name, entries := range cases {
		i++
		ticket := fmt.Sprintf("r%d", i)
		rec := ws.fileMeta(t, ticket, rawTarGz(t, entries, bodies), map[string]string{"ticket": ticket})
		if rec.Status != StatusQuarantined {
			t.Errorf("%s: filed %s", name, rec.Status)
		}
		r := ws.get(t, http.MethodGet, bundleRoutes(rec)[3], auth, nil)
		if r.status != http.StatusNotFound || strings.Contains(r.body, "root:x:") || strings.Contains(r.body, strings.TrimSpace(string(key))) ||
			strings.Contains(r.body, "outside") || strings.Contains(r.body, `"schema_version"`) {
			t.Errorf("%s: report.html answered %d:\n%.300s", name, r.status, r.body)
		}
	}
	for size, want := range map[int]int{40 << 20: http.StatusNotFound, 10 << 20: http.StatusOK} {
		report := bytes.Repeat([]byte{' '}, size)
		data := craftedBundle{Ticket: "4821", Host: fmt.Sprintf("h%d", size), Files: map[string][]byte{"report.html": report}}.build(t)
		rec := ws.fileMeta(t, "4821", data, map[string]string{"ticket": "4821"})
		r := ws.get(t, http.MethodGet, bundleRoutes(rec)[3], auth, nil)
		if r.status != want || (want == http.StatusOK && len(r.body) != size) {
			t.Errorf("report.html of %d bytes (%d packed): %d, %d bytes", size, len(data), r.status, len(r.body))
		}
	}
}

// A ticket page waits a bounded time for bundles to be read (a large one decompresses for
// seconds the first time): past the budget its cards say they are still being read, the reads
// go on, and a reload shows them. A bundle that cannot be read is remembered as such, not read
// again for every page (stored bundles never change: the test swaps the stored file to see it).
func TestWebSecTicketReadBudgetAndFailuresRemembered(t *testing.T) {
	old := ticketReadBudget
	ticketReadBudget = 0
	t.Cleanup(func() { ticketReadBudget = old })
	ws := newWebServer(t, false, nil, nil)
	for i := range 3 {
		ws.place(t, "4821", craftedBundle{Ticket: "4821", Host: fmt.Sprintf("budget-%d", i), Files: map[string][]byte{"report.html": []byte("r")}}.build(t))
	}
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	auth := map[string]string{"Authorization": "Bearer " + eng}
	r := ws.get(t, http.MethodGet, WebPath+"t/4821/", auth, nil)
	if n := strings.Count(r.body, "still being read"); r.status != http.StatusOK || n != 3 {
		t.Errorf("first ticket page with no time to read: %d, %d cards still being read", r.status, n)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		r = ws.get(t, http.MethodGet, WebPath+"t/4821/", auth, nil)
		if !strings.Contains(r.body, "still being read") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the bundles were never read")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for i := range 3 {
		if !strings.Contains(r.body, fmt.Sprintf("budget-%d", i)) {
			t.Errorf("bundle budget-%d is not shown once read", i)
		}
	}

	// A bundle the reader refuses (a link): the refusal is kept.
	ticketReadBudget = old
	top := "casefile-9-h-20261130T080000Z-b"
	bad := rawTarGz(t, []*tar.Header{{Name: top + "/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: top + "/report.html", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}}, nil)
	rec := ws.place(t, "9", bad)
	page := ws.get(t, http.MethodGet, WebBundlePath(rec), auth, nil)
	if !strings.Contains(page.body, "bundles hold no links") {
		t.Fatalf("the refused bundle's page:\n%s", page.body)
	}
	good := craftedBundle{Ticket: "9", Host: "swapped-in", Files: map[string][]byte{"report.html": []byte("r")}}.build(t)
	if err := os.WriteFile(filepath.Join(ws.data, filepath.FromSlash(rec.Path)), good, 0o640); err != nil {
		t.Fatal(err)
	}
	page = ws.get(t, http.MethodGet, WebBundlePath(rec), auth, nil)
	if !strings.Contains(page.body, "bundles hold no links") || strings.Contains(page.body, "swapped-in") {
		t.Errorf("the refused bundle was read again:\n%s", page.body)
	}
}

// No redirect of the web view goes anywhere but this server's own paths: login ignores any
// next/return parameter, the redirect to the login page is fixed, and paths that look like
// another host (//evil.example, /web//evil.example) are cleaned into local paths.
func TestWebSecNoOpenRedirect(t *testing.T) {
	ws := newWebServer(t, false, nil, nil)
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	for _, q := range []struct{ method, path string }{
		{"POST", WebPath + "login?next=https://evil.example/&return_to=//evil.example&redirect=%2F%2Fevil.example"},
		{"GET", WebPath + "?next=https://evil.example/"},
		{"GET", "//evil.example" + WebPath},
		{"GET", WebPath + "/evil.example/"},
		{"GET", WebPath + "%2F%2Fevil.example/"},
		{"GET", WebPath + "t/4821/..%2F..%2F..%2F%2Fevil.example"},
		{"GET", WebPath + "static/..%2F..%2F%2Fevil.example"},
	} {
		var form url.Values
		if q.method == http.MethodPost {
			form = url.Values{"token": {eng}}
		}
		req, err := http.NewRequest(q.method, ws.base+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = q.path // sent as written
		if form != nil {
			req.Body = io.NopCloser(strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := ws.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		t.Logf("%s %s: %d %q", q.method, q.path, resp.StatusCode, loc)
		if loc == "" {
			continue
		}
		u, err := url.Parse(loc)
		if err != nil || u.Host != "" || u.Scheme != "" || strings.HasPrefix(loc, "//") || !strings.HasPrefix(loc, "/") {
			t.Errorf("%s %s redirects to %q", q.method, q.path, loc)
		}
	}
}

// A token pasted into the address (/web/<engineer token>, /web/t/<upload token>/) by someone not
// logged in is refused, and the refusal's log line does not hold it (the server's log check in
// newWebServer fails the test otherwise; this test checks the log itself too).
func TestWebSecTokenInPathNotLogged(t *testing.T) {
	ws := newWebServer(t, false, nil, nil)
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	up := ws.uploadToken(t, "4821", time.Hour)
	for _, p := range []string{WebPath + eng, WebPath + "t/" + up + "/", WebPath + "t/4821/b/" + eng + "/download", WebPath + eng[5:]} {
		r := ws.get(t, http.MethodGet, p, nil, nil)
		if r.status != http.StatusSeeOther {
			t.Errorf("GET a token path: %d", r.status)
		}
	}
	ws.mu.Lock()
	logs := ws.logs.String()
	ws.mu.Unlock()
	for _, secret := range []string{eng, up, eng[5:], strings.Split(eng, ".")[2], strings.Split(up, ".")[2]} {
		if strings.Contains(logs, secret) {
			t.Errorf("a token from the address is in the log:\n%s", strings.ReplaceAll(strings.ReplaceAll(logs, eng, "<engineer token>"), up, "<upload token>"))
			break
		}
	}
	if !strings.Contains(logs, `"path":"/web/[token]"`) {
		t.Errorf("the refusal is not logged with the path cut:\n%.2000s", logs)
	}
}
