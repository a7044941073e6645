package report

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/casefile/casefile/internal/testenv"
	"golang.org/x/net/html"
)

// requestLog records every request that reaches the test's server.
type requestLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) add(s string) {
	l.mu.Lock()
	l.reqs = append(l.reqs, s)
	l.mu.Unlock()
}

func (l *requestLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string{}, l.reqs...)
}

// TestReportInChromium renders the report in Debian's headless chromium and checks what a
// reader sees: the DOM the browser built (every finding title, every section, the SVG charts,
// no script), that the page makes no request besides its own, and a screenshot kept as an
// artifact ($CASEFILE_ARTIFACTS, else the test's artifact directory: go test -artifacts).
//
// Every request the browser makes goes to one loopback server: it serves the page and is also
// the browser's proxy for everything else, loopback included (--proxy-bypass-list=<-loopback>),
// so an image, font, stylesheet, prefetch or beacon to any host, over http or https (CONNECT),
// is recorded here and answered 403, never sent anywhere.
func TestReportInChromium(t *testing.T) {
	chromium := testenv.NeedTool(t, "chromium")
	src := fixture()
	fs := BundleFindings(src)
	var page bytes.Buffer
	if err := Write(&page, src, fs); err != nil {
		t.Fatal(err)
	}

	log := &requestLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.URL.String()
		if r.Method == http.MethodConnect {
			target = r.Host
		}
		log.add(r.Method + " " + target)
		if r.Method == http.MethodGet && r.URL.Path == "/report.html" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(page.Bytes())
			return
		}
		http.Error(w, "the report must not load anything", http.StatusForbidden)
	}))
	defer srv.Close()
	pageURL := srv.URL + "/report.html"

	artifacts := os.Getenv("CASEFILE_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.ArtifactDir()
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(artifacts, "report.html"), page.Bytes(), 0o644)

	const width = 1280 // a laptop screen
	b := startBrowser(t, chromium, srv.URL)
	b.openTab(pageURL, width)
	dom := b.outerHTML()
	shot := filepath.Join(artifacts, "report.png")
	if err := os.WriteFile(shot, b.screenshot(width), 0o644); err != nil {
		t.Fatal(err)
	}
	pdf := b.printPDF()
	os.WriteFile(filepath.Join(artifacts, "report.pdf"), pdf, 0o644)
	t.Logf("screenshot: %s (and report.pdf, report.html beside it)", shot)

	// The tab made exactly one request: the page itself.
	if reqs := b.requests(); len(reqs) != 1 || reqs[0] != pageURL {
		t.Errorf("the page made requests besides its own: %q", reqs)
	}
	// And the proxy, which every request of the browser went through, served the page. What
	// else it saw is chromium's own background traffic (update checks), answered 403 here: it
	// never leaves the machine either.
	served := false
	for _, r := range log.list() {
		if r == "GET "+pageURL {
			served = true
		} else {
			t.Logf("browser background request, refused by the test proxy: %s", r)
		}
	}
	if !served {
		t.Errorf("the page was not fetched through the proxy: %q", log.list())
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Errorf("printing gave no PDF (%d bytes)", len(pdf))
	}
	if d := b.display("nav", "print"); d != "none" {
		t.Errorf("navigation bar when printing: display %q, want none", d)
	}
	if d := b.display("#findings", "print"); d == "none" || d == "" {
		t.Errorf("findings when printing: display %q", d)
	}

	doc, err := html.Parse(strings.NewReader(dom))
	if err != nil {
		t.Fatal(err)
	}
	// Every finding title is shown as text in its finding.
	titles := map[string]bool{}
	walk(doc, func(n *html.Node) {
		if hasClass(n, "title") {
			titles[textOf(n)] = true
		}
	})
	if len(fs.Findings) != 8 {
		t.Fatalf("fixture has %d findings", len(fs.Findings))
	}
	for _, f := range fs.Findings {
		if !titles[f.Title] {
			t.Errorf("finding title not rendered: %q", f.Title)
		}
	}
	for _, id := range []string{"summary", "verdict", "findings", "network", "latency-chart", "net-http", "net-tcp", "net-ping", "net-dns", "system", "sys-disks", "timeline", "collectors", "logs", "redaction", "history", "history-chart", "history-monitors"} {
		if byID(doc, id) == nil {
			t.Errorf("section #%s missing from the rendered page", id)
		}
	}
	if v := textOf(byID(doc, "verdict")); !strings.Contains(v, "4 critical problems found") {
		t.Errorf("verdict: %q", v)
	}
	body := textOf(doc)
	for _, want := range []string{"ERROR connection to <*> failed after <*> ms", "burst: 40 in 60 s", "9120 entries, 412 errors", "198.51.100.7", "not reached", "github-token", "Debian GNU/Linux 12 (bookworm)", "web-07", "4821"} {
		if !strings.Contains(body, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
	// Charts are drawn: bars in the latency chart and the timeline, nodes in the trace.
	count := map[string]int{}
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode {
			count[n.Data]++
			for _, a := range n.Attr {
				if a.Key == "src" || (a.Key == "href" && !strings.HasPrefix(a.Val, "#")) {
					t.Errorf("<%s %s=%q>: the page must not reference anything", n.Data, a.Key, a.Val)
				}
			}
		}
	})
	if count["script"] > 0 || count["img"] > 0 || count["iframe"] > 0 || count["link"] > 0 {
		t.Errorf("unexpected elements: %d script, %d img, %d iframe, %d link", count["script"], count["img"], count["iframe"], count["link"])
	}
	if count["svg"] < 3 || count["rect"] < 10 || count["circle"] < 5 {
		t.Errorf("charts not drawn: %d svg, %d rect, %d circle", count["svg"], count["rect"], count["circle"])
	}

	// The monitor timeline: one row per monitor with its ok/failed marks and latency line, a
	// UTC time axis, and the failed stretches drawn (api's two bursts, db's end).
	hist := byID(doc, "history-chart")
	rows, failed, lines := 0, 0, 0
	var axis []string
	walk(hist, func(n *html.Node) {
		switch {
		case hasClass(n, "h-row"):
			rows++
		case n.Data == "rect" && hasClass(n, "h-failed"):
			failed++
		case n.Data == "path" && hasClass(n, "h-line"):
			lines++
		case hasClass(n, "tick"):
			axis = append(axis, textOf(n))
		}
	})
	if rows != 4 || failed != 3 || lines != 4 || strings.Join(axis, " ") != "02:00 02:10 02:20 02:30" {
		t.Errorf("history chart: %d rows, %d failed marks, %d lines, axis %q; want 4, 3, 4, 02:00 02:10 02:20 02:30", rows, failed, lines, axis)
	}
	if ht := textOf(byID(doc, "history")); !strings.Contains(ht, "106/120 ok") || !strings.Contains(ht, "db.acme.test:5432") || !strings.Contains(ht, "UTC") {
		t.Errorf("history section text: %q", tail(ht, 400))
	}
	if w, h := b.size("#history-chart svg"); w < 800 || h < 150 {
		t.Errorf("history chart drawn %v × %v px in a %d px window", w, h, width)
	}

	if st, err := os.Stat(shot); err != nil || st.Size() < 10000 {
		t.Fatalf("screenshot %s: %v", shot, err)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func hasClass(n *html.Node, class string) bool {
	if n.Type != html.ElementNode {
		return false
	}
	for _, a := range n.Attr {
		if a.Key == "class" {
			for _, c := range strings.Fields(a.Val) {
				if c == class {
					return true
				}
			}
		}
	}
	return false
}

func byID(doc *html.Node, id string) *html.Node {
	var found *html.Node
	walk(doc, func(n *html.Node) {
		if found != nil || n.Type != html.ElementNode {
			return
		}
		for _, a := range n.Attr {
			if a.Key == "id" && a.Val == id {
				found = n
			}
		}
	})
	return found
}

// textOf is the text a reader sees in n (style and title elements left out).
func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var sb strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode && c.Parent != nil && c.Parent.Data != "style" && c.Parent.Data != "title" {
			sb.WriteString(c.Data)
		}
	})
	return strings.Join(strings.Fields(sb.String()), " ")
}

// TestBrowserSeesRequests is the control for TestReportInChromium: a page that does load
// things (an image, a stylesheet, a CSS background, an https font) shows each in the tab's
// requests, and the proxy answers them (nothing leaves the machine). Without it, a detector
// that saw nothing would pass the report.
func TestBrowserSeesRequests(t *testing.T) {
	chromium := testenv.NeedTool(t, "chromium")
	log := &requestLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r.Method + " " + r.URL.String() + r.Host)
		if r.URL.Path == "/leaky.html" {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<!DOCTYPE html><html><head><link rel="stylesheet" href="http://casefile-leak.test/a.css">
<style>body { background: url(http://casefile-leak.test/bg.png); } @font-face { font-family: x; src: url(https://casefile-leak.test/f.woff2); } p { font-family: x; }</style></head>
<body><p>hi</p><img src="http://casefile-leak.test/beacon.png"></body></html>`)
			return
		}
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer srv.Close()
	b := startBrowser(t, chromium, srv.URL)
	b.openTab(srv.URL+"/leaky.html", 800)
	reqs := strings.Join(b.requests(), "\n")
	for _, want := range []string{"/a.css", "/bg.png", "/f.woff2", "/beacon.png"} {
		if !strings.Contains(reqs, "casefile-leak.test"+want) {
			t.Errorf("the tab's requests lack %s:\n%s", want, reqs)
		}
	}
	if !strings.Contains(strings.Join(log.list(), "\n"), "casefile-leak.test") {
		t.Errorf("the proxy saw none of the page's requests: %q", log.list())
	}
}
