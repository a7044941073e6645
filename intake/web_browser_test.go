package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/casefile/casefile/analyze"
	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/internal/testenv"
)

// These tests drive Debian's chromium, headless, with chromedp: the web view and the upload page
// are served over TLS (httptest's self-signed certificate; chromium runs with
// --ignore-certificate-errors), as `https://intake/...` would be behind a TLS listener or proxy.
// Every request the browser makes off loopback goes to a loopback proxy that refuses it, so
// nothing leaves the machine; the pages' own requests are recorded from the DevTools network
// events and must all go to the intake server.

type browserRun struct {
	ctx       context.Context
	artifacts string
	mu        sync.Mutex
	requests  []string
}

func startChromium(t *testing.T) *browserRun {
	t.Helper()
	chromium := testenv.NeedTool(t, "chromium")
	refused := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Logf("browser background request refused by the test proxy: %s %s%s", r.Method, r.Host, r.URL.Path)
		http.Error(w, "no network in tests", http.StatusForbidden)
	}))
	t.Cleanup(refused.Close)
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // chromium refuses root without it (CI runs as root)
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.IgnoreCertErrors,
		chromedp.ProxyServer(refused.URL), // loopback bypasses it (chromium's default)
		chromedp.UserDataDir(profile),
		chromedp.Env("HOME="+profile),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &browserRun{}
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			b.mu.Lock()
			b.requests = append(b.requests, e.Request.URL)
			b.mu.Unlock()
		}
	}))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	b.ctx = ctx
	b.artifacts = os.Getenv("CASEFILE_ARTIFACTS")
	if b.artifacts == "" {
		b.artifacts = t.ArtifactDir()
	}
	if err := os.MkdirAll(b.artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	return b
}

// do runs steps with a deadline.
func (b *browserRun) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		shot, _ := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if len(shot) > 0 {
			os.WriteFile(filepath.Join(b.artifacts, "failed.png"), shot, 0o644)
		}
		t.Fatalf("%s: %v", what, err)
	}
}

func run[T any](t *testing.T, b *browserRun, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (b *browserRun) screenshot(t *testing.T, name string) {
	t.Helper()
	shot := run(t, b, chromedp.FullScreenshot(100))
	p := filepath.Join(b.artifacts, name+".png")
	if err := os.WriteFile(p, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// offBase lists the pages' requests that did not go to base.
func (b *browserRun) offBase(base string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, u := range b.requests {
		if !strings.HasPrefix(u, base+"/") && !strings.HasPrefix(u, "data:") && u != "about:blank" {
			out = append(out, u)
		}
	}
	return out
}

// bundleFindings reads findings.json from a bundle, as the assertion's reference.
func bundleFindings(t *testing.T, data []byte) []analyze.Finding {
	t.Helper()
	p := filepath.Join(t.TempDir(), "b.tar.gz")
	os.WriteFile(p, data, 0o644)
	var fs analyze.Findings
	_, err := bundle.Walk(p, bundle.DefaultReadLimits, func(e bundle.Entry, r io.Reader) error {
		if e.Name == "findings.json" {
			raw, _ := io.ReadAll(r)
			return json.Unmarshal(raw, &fs)
		}
		return nil
	})
	if err != nil || len(fs.Findings) == 0 {
		t.Fatalf("findings.json of the test bundle: %v (%d findings)", err, len(fs.Findings))
	}
	return fs.Findings
}

// An engineer logs in with an engineer token, opens the ticket, opens a bundle, sees its
// findings, and opens its report.html: all in chromium, over TLS.
func TestWebViewInChromium(t *testing.T) {
	ws := newWebServer(t, true, nil, nil)
	b := startChromium(t)
	data := webBundle(t)
	rec := ws.file(t, "4821", data)
	other := ws.file(t, "4821", realBundle(t)) // a second bundle on the ticket, without warnings
	want := bundleFindings(t, data)
	eng, _ := ws.engineerToken(t, "alice", time.Hour)

	b.do(t, "open the web view", chromedp.Navigate(ws.base+WebPath), chromedp.WaitVisible(chromedp.ID("token")))
	if loc := run(t, b, chromedp.Location()); loc != ws.base+WebPath+"login" {
		t.Errorf("without a session the web view went to %s", loc)
	}
	b.screenshot(t, "web-login")
	b.do(t, "log in", chromedp.SendKeys(chromedp.ID("token"), eng), chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("tickets")))
	if c := run(t, b, chromedp.Evaluate[string]("document.cookie")); c != "" {
		t.Errorf("the session cookie is readable from scripts: %q", c)
	}
	b.screenshot(t, "web-tickets")

	b.do(t, "open the ticket", chromedp.Click(chromedp.CSS(`a.ticket[href="/web/t/4821/"]`)),
		chromedp.WaitVisible(chromedp.CSS("article.bundle")))
	cards := run(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('article.bundle')).map(e => e.innerText)`))
	if len(cards) != 2 {
		t.Fatalf("ticket page shows %d bundles, want 2", len(cards))
	}
	// Newest first: realBundle, then the bundle with warnings, each with its summary.
	for _, wantText := range []string{"web-07", "1 warning, nothing critical", "2 ok · 0 partial · 0 failed", rec.SHA256} {
		if !strings.Contains(cards[1], wantText) {
			t.Errorf("the bundle's card lacks %q:\n%s", wantText, cards[1])
		}
	}
	if !strings.Contains(cards[0], other.SHA256) || !strings.Contains(cards[0], "No problems found") {
		t.Errorf("the other bundle's card:\n%s", cards[0])
	}
	b.screenshot(t, "web-ticket")

	link := WebPath + "t/4821/b/" + url.PathEscape(rec.ID) + "/"
	b.do(t, "open the bundle", chromedp.Click(chromedp.CSS(`a.bundle-link[href="`+link+`"]`)),
		chromedp.WaitVisible(chromedp.ID("findings")))
	titles := run(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#findings .title')).map(e => e.textContent)`))
	steps := run(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#findings .next-step')).map(e => e.textContent)`))
	warnings := 0
	for _, f := range want {
		if !slices.Contains(titles, f.Title) {
			t.Errorf("finding %q (%s) not shown; shown: %q", f.Title, f.Severity, titles)
		}
		if f.NextStep != "" && !slices.Contains(steps, f.NextStep) {
			t.Errorf("next step %q not shown", f.NextStep)
		}
		if f.Severity == analyze.Warning {
			warnings++
		}
	}
	if warnings == 0 || !strings.HasPrefix(titles[0], webWarningTitle) {
		t.Errorf("the warning is not first: %q", titles)
	}
	page := run(t, b, chromedp.Evaluate[string](`document.body.innerText`))
	for _, w := range []string{"8 values redacted in 1 file", "sensitive-key", "Download", "logs.app", "system.host"} {
		if !strings.Contains(page, w) {
			t.Errorf("the bundle page lacks %q", w)
		}
	}
	if strings.Contains(page, webSecret) {
		t.Error("the redacted secret is on the page")
	}
	b.screenshot(t, "web-bundle")

	b.do(t, "open report.html", chromedp.Click(chromedp.CSS(`a.report-link`)), chromedp.WaitVisible(chromedp.ID("verdict")))
	if loc := run(t, b, chromedp.Location()); loc != ws.base+link+"report.html" {
		t.Errorf("report at %s", loc)
	}
	report := run(t, b, chromedp.OuterHTML(chromedp.CSS("html")))
	for _, w := range []string{webWarningTitle, "web-07", `id="findings"`, "1 warning, nothing critical"} {
		if !strings.Contains(report, w) {
			t.Errorf("report.html as chromium shows it lacks %q", w)
		}
	}
	b.screenshot(t, "web-report")
	if off := b.offBase(ws.base); len(off) > 0 {
		t.Errorf("the pages made requests elsewhere: %q", off)
	}
}

// patchCounter counts the bytes of PATCH bodies that reach tusd and the offsets they start at;
// with cutAt > 0 it cuts the first PATCH after cutAt bytes: it signals cut, waits for release,
// then fails the body read as a dropped connection does.
type patchCounter struct {
	cutAt    int64
	cut      chan struct{}
	release  chan struct{}
	firstEnd chan struct{}

	mu      sync.Mutex
	bytes   int64
	offsets []int64
	posts   int
}

func newPatchCounter(cutAt int64) *patchCounter {
	return &patchCounter{cutAt: cutAt, cut: make(chan struct{}), release: make(chan struct{}), firstEnd: make(chan struct{})}
}

func (pc *patchCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, BasePath) {
			next.ServeHTTP(w, r)
			return
		}
		pc.mu.Lock()
		if r.Method == http.MethodPost {
			pc.posts++
		}
		first := false
		if r.Method == http.MethodPatch {
			off, _ := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
			pc.offsets = append(pc.offsets, off)
			first = len(pc.offsets) == 1
			body := &countedBody{r: r.Body, pc: pc, limit: -1}
			if first && pc.cutAt > 0 {
				body.limit = pc.cutAt
			}
			r.Body = body
		}
		pc.mu.Unlock()
		next.ServeHTTP(w, r)
		if first && pc.cutAt > 0 {
			close(pc.firstEnd)
		}
	})
}

type countedBody struct {
	r     io.ReadCloser
	pc    *patchCounter
	limit int64 // bytes to pass before the cut; -1: no cut
	n     int64
}

var errCut = errors.New("connection cut by the test")

func (c *countedBody) Read(p []byte) (int, error) {
	if c.limit >= 0 && c.n >= c.limit {
		close(c.pc.cut)
		<-c.pc.release
		c.limit = -2
		return 0, errCut
	}
	if c.limit == -2 {
		return 0, errCut
	}
	if c.limit >= 0 && int64(len(p)) > c.limit-c.n {
		p = p[:c.limit-c.n]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.pc.mu.Lock()
	c.pc.bytes += int64(n)
	c.pc.mu.Unlock()
	return n, err
}

func (c *countedBody) Close() error { return c.r.Close() }

// writeBundleFile writes data under its bundle name for the browser's file input.
func writeBundleFile(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "casefile-4821-web-07-20261202T101500Z-0a1b2c3d.tar.gz")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func (ws *webServer) waitFiled(t *testing.T) Record {
	t.Helper()
	select {
	case r := <-ws.filed:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("upload not filed")
		return Record{}
	}
}

// checkListed checks that the bundle is in the index, verified ok, as `intake list` shows it.
func checkListed(t *testing.T, ws *webServer, data []byte) {
	t.Helper()
	sum := sha256.Sum256(data)
	recs, err := ws.Index().List("4821")
	if err != nil || len(recs) != 1 {
		t.Fatalf("intake list: %v %+v", err, recs)
	}
	r := recs[0]
	if r.Status != StatusOK || r.SHA256 != hex.EncodeToString(sum[:]) || r.Size != int64(len(data)) || !strings.HasPrefix(r.Filename, "casefile-4821-web-07") || r.Findings.Warning != 1 {
		t.Fatalf("listed record: %+v", r)
	}
}

// A customer opens /u/<upload token>, picks the bundle in the file input, and tus-js-client
// uploads it: the page says done, and the bundle is in the index, verified ok.
func TestUploadPageInChromium(t *testing.T) {
	pc := newPatchCounter(0)
	ws := newWebServer(t, true, nil, pc.wrap)
	b := startChromium(t)
	data := webBundle(t)
	file := writeBundleFile(t, data)
	up := ws.uploadToken(t, "4821", time.Hour)

	b.do(t, "open the upload page", chromedp.Navigate(ws.base+UploadPagePath+up), chromedp.WaitVisible(chromedp.ID("drop")))
	if txt := run(t, b, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(txt, "ticket 4821") {
		t.Errorf("the page does not name the ticket:\n%s", txt)
	}
	b.screenshot(t, "upload-idle")
	b.do(t, "choose the bundle", chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		chromedp.WaitVisible(chromedp.CSS(`#upload[data-state="done"]`)))
	status := run(t, b, chromedp.Text(chromedp.ID("status")))
	if !strings.HasPrefix(status, "Done: casefile-4821-web-07") {
		t.Errorf("status line: %q", status)
	}
	b.screenshot(t, "upload-done")
	ws.waitFiled(t)
	checkListed(t, ws, data)
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.posts != 1 || pc.bytes != int64(len(data)) {
		t.Errorf("tus traffic: %d POST, %d PATCH bytes for a %d-byte bundle", pc.posts, pc.bytes, len(data))
	}
	if off := b.offBase(ws.base); len(off) > 0 {
		t.Errorf("the page made requests elsewhere: %q", off)
	}
	if !strings.Contains(strings.Join(b.requests, "\n"), ws.base+"/web/static/tus.min.js") {
		t.Errorf("tus-js-client was not loaded from the intake: %q", b.requests)
	}
}

// The upload is cut after a third of the bundle (the server stops reading the first PATCH),
// the customer reloads the page and picks the same file again: tus-js-client finds the upload
// it stored for this file (fingerprint in localStorage), asks the server's offset with HEAD and
// sends only the rest. The server counts what each PATCH carried.
func TestUploadPageResumesInChromium(t *testing.T) {
	data := webBundle(t)
	cutAt := int64(len(data) / 3)
	pc := newPatchCounter(cutAt)
	ws := newWebServer(t, true, nil, pc.wrap)
	b := startChromium(t)
	file := writeBundleFile(t, data)
	up := ws.uploadToken(t, "4821", time.Hour)

	b.do(t, "open the upload page", chromedp.Navigate(ws.base+UploadPagePath+up), chromedp.WaitVisible(chromedp.ID("drop")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}))
	select {
	case <-pc.cut:
	case <-time.After(60 * time.Second):
		t.Fatal("the first PATCH did not reach the cut")
	}
	b.screenshot(t, "upload-cut")
	// The customer reloads the page while the request hangs; then the server sees the cut.
	b.do(t, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("drop")))
	close(pc.release)
	select {
	case <-pc.firstEnd:
	case <-time.After(30 * time.Second):
		t.Fatal("the cut PATCH did not end")
	}
	b.do(t, "choose the same bundle again", chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		chromedp.WaitVisible(chromedp.CSS(`#upload[data-state="done"]`)))
	if resumed := run(t, b, chromedp.AttributeValue(chromedp.ID("upload"), "data-resumed")); resumed.Value != "true" {
		t.Errorf("the page did not resume an earlier upload: %+v", resumed)
	}
	b.screenshot(t, "upload-resumed-done")
	ws.waitFiled(t)
	checkListed(t, ws, data)

	pc.mu.Lock()
	defer pc.mu.Unlock()
	t.Logf("bundle %d bytes; PATCH offsets %v; PATCH bytes %d; POSTs %d", len(data), pc.offsets, pc.bytes, pc.posts)
	if pc.posts != 1 {
		t.Errorf("%d uploads created, want 1 (the second must resume the first)", pc.posts)
	}
	if len(pc.offsets) < 2 || pc.offsets[0] != 0 || pc.offsets[len(pc.offsets)-1] != cutAt {
		t.Errorf("PATCH offsets %v: want 0, then the cut at %d", pc.offsets, cutAt)
	}
	if pc.bytes != int64(len(data)) {
		t.Errorf("PATCH bodies carried %d bytes for a %d-byte bundle: bytes were sent again", pc.bytes, len(data))
	}
}

// Behind a proxy that ends TLS (the intake itself plain http, as behind nginx), tusd answers
// the upload's Location with http://; the page sends its requests to its own host with its own
// scheme, so the browser does not refuse them as mixed content, and the upload completes.
func TestUploadPageBehindTLSProxyInChromium(t *testing.T) {
	pc := newPatchCounter(0)
	ws := newWebServer(t, false, nil, pc.wrap)
	target, _ := url.Parse(ws.base)
	var mu sync.Mutex
	var locations []string
	proxy := httptest.NewTLSServer(&httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host
			r.SetXForwarded()
		},
		ModifyResponse: func(resp *http.Response) error {
			if l := resp.Header.Get("Location"); l != "" && resp.Request.Method == http.MethodPost {
				mu.Lock()
				locations = append(locations, l)
				mu.Unlock()
			}
			return nil
		},
	})
	defer proxy.Close()
	b := startChromium(t)
	data := webBundle(t)
	file := writeBundleFile(t, data)
	up := ws.uploadToken(t, "4821", time.Hour)
	b.do(t, "upload through the TLS proxy", chromedp.Navigate(proxy.URL+UploadPagePath+up), chromedp.WaitVisible(chromedp.ID("drop")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		chromedp.WaitVisible(chromedp.CSS(`#upload[data-state="done"], #upload[data-state="failed"]`)))
	if st := run(t, b, chromedp.Text(chromedp.ID("status"))); !strings.HasPrefix(st, "Done:") {
		t.Fatalf("status: %q", st)
	}
	ws.waitFiled(t)
	checkListed(t, ws, data)
	mu.Lock()
	defer mu.Unlock()
	if len(locations) != 1 || !strings.HasPrefix(locations[0], "http://"+strings.TrimPrefix(proxy.URL, "https://")+BasePath) {
		t.Errorf("tusd's Location behind the proxy: %q (the test needs it to be plain http)", locations)
	}
	if off := b.offBase(proxy.URL); len(off) > 0 {
		t.Errorf("the page made requests elsewhere: %q", off)
	}
}

// dropFile drops the file on the element, 12 px below its top edge (on the drop zone's title,
// not on the file input inside it, which would take a dropped file natively), as a user's drag
// from the desktop does: dragEnter, dragOver and drop, carrying the file (Input.dispatchDragEvent).
func dropFile(sel string, path string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		box, err := chromedp.Dimensions(chromedp.CSS(sel))(ctx, t)
		if err != nil {
			return err
		}
		q := box.Content
		x, y := (q[0]+q[2])/2, q[1]+12
		data := &input.DragData{Items: []*input.DragDataItem{}, Files: []string{path}, DragOperationsMask: 1}
		for _, typ := range []input.DispatchDragEventType{input.DispatchDragEventTypeDragEnter, input.DispatchDragEventTypeDragOver, input.DispatchDragEventTypeDrop} {
			if _, err := cdp.Call(ctx, t, input.DispatchDragEvent, input.DispatchDragEventParams{Type: typ, X: x, Y: y, Data: data}); err != nil {
				return fmt.Errorf("%s: %w", typ, err)
			}
		}
		return nil
	})
}

// The bundle dropped on the drop zone (not picked with the file input) is uploaded too.
func TestUploadPageDropInChromium(t *testing.T) {
	pc := newPatchCounter(0)
	ws := newWebServer(t, true, nil, pc.wrap)
	b := startChromium(t)
	data := webBundle(t)
	file := writeBundleFile(t, data)
	up := ws.uploadToken(t, "4821", time.Hour)
	b.do(t, "drop the bundle", chromedp.Navigate(ws.base+UploadPagePath+up), chromedp.WaitVisible(chromedp.ID("drop")),
		dropFile("#drop", file),
		chromedp.WaitVisible(chromedp.CSS(`#upload[data-state="done"], #upload[data-state="failed"]`)))
	if st := run(t, b, chromedp.Text(chromedp.ID("status"))); !strings.HasPrefix(st, "Done: casefile-4821-web-07") {
		t.Fatalf("status: %q", st)
	}
	ws.waitFiled(t)
	checkListed(t, ws, data)
}
