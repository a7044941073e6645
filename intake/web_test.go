package intake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/spec"
)

// A real bundle with findings: the collection engine runs system.host and a log source over a
// log the test writes (recent timestamps, database errors, a secret that the spec's literal
// redacts), under a spec whose analyzers turn the errors into a warning and the host into an
// info finding. Nothing leaves the machine.
var (
	webBundleOnce sync.Once
	webBundleData []byte
	webBundleErr  error
)

const (
	webWarningTitle = "Database connection errors in app.log"
	webInfoTitle    = "reported its name"
	webNextStep     = "Check that the database accepts connections from this host."
	webSecret       = "hunter2-webview-secret"
)

func webBundle(t *testing.T) []byte {
	t.Helper()
	webBundleOnce.Do(func() {
		dir, err := os.MkdirTemp("", "intake-web-bundle-")
		if err != nil {
			webBundleErr = err
			return
		}
		defer os.RemoveAll(dir)
		logDir := filepath.Join(dir, "log")
		os.MkdirAll(logDir, 0o755)
		var log bytes.Buffer
		at := time.Now().UTC().Add(-time.Hour)
		for i := range 40000 {
			ts := at.Add(time.Duration(i) * 50 * time.Millisecond).Format(time.RFC3339)
			switch {
			case i%5000 == 7:
				fmt.Fprintf(&log, "%s ERROR connection to db failed password=%s\n", ts, webSecret)
			default:
				fmt.Fprintf(&log, "%s INFO request id=%d path=/api/v1/items/%d took %d ms user=u%d\n", ts, i*7919%100003, i%977, (i*31)%1000, i%53)
			}
		}
		if webBundleErr = os.WriteFile(filepath.Join(logDir, "app.log"), log.Bytes(), 0o644); webBundleErr != nil {
			return
		}
		raw := []byte(`apiVersion: casefile/v1
kind: Spec
metadata: {name: webview-test, vendor: casefile}
logs:
  - {name: app, paths: ["` + filepath.ToSlash(logDir) + `/*.log"], since: 24h}
redact:
  literals: [` + webSecret + `]
analyzers:
  - {id: acme.db-errors, files: ["logs/app/**/*.log"], regex: "ERROR connection to db", min_count: 2, severity: warning,
     title: "` + webWarningTitle + ` ({count})", detail: "The app could not reach its database.",
     next_step: "` + webNextStep + `"}
  - {id: acme.host-named, file: system/host.json, field: hostname, op: "!=", value: "", severity: info,
     title: "Host {target} ` + webInfoTitle + `"}
`)
		sp, err := spec.Parse("webview.yaml", raw)
		if err != nil {
			webBundleErr = err
			return
		}
		res, err := collect.Run(context.Background(), collect.Request{
			Spec: sp, SpecRaw: raw, SpecSource: spec.Source{Kind: "file", Name: "webview.yaml"},
			Only: []string{"system.host", "logs.app"}, OutDir: dir, Ticket: "4821", Root: "/",
			Hostname: "web-07", Username: "tester", Args: []string{"casefile", "collect"},
			Created: time.Now().UTC().Truncate(time.Second),
		})
		if err != nil {
			webBundleErr = err
			return
		}
		webBundleData, webBundleErr = os.ReadFile(res.Path)
	})
	if webBundleErr != nil {
		t.Fatal(webBundleErr)
	}
	return webBundleData
}

// webServer is an intake server for the web tests, over TLS (httptest's certificate) or plain.
type webServer struct {
	*Server
	base   string // https://127.0.0.1:port
	client *http.Client
	key    []byte
	data   string
	filed  chan Record
	logs   *bytes.Buffer
	mu     *sync.Mutex
}

// newWebServer starts an intake server with a folder storage (or cfg's) behind wrap (nil: none).
func newWebServer(t *testing.T, tls bool, cfg *Config, wrap func(http.Handler) http.Handler) *webServer {
	t.Helper()
	data := t.TempDir()
	key, err := LoadKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg == nil {
		cfg = &Config{Limits: DefaultLimits}
	}
	ws := &webServer{key: key, data: data, filed: make(chan Record, 16), logs: &bytes.Buffer{}, mu: &sync.Mutex{}}
	logger := slog.New(slog.NewJSONHandler(lockedWriter{ws.mu, ws.logs}, nil))
	s, err := New(Options{DataDir: data, Config: cfg, Key: key, Logger: logger, OnFiled: func(r Record) { ws.filed <- r }})
	if err != nil {
		t.Fatal(err)
	}
	ws.Server = s
	var h http.Handler = s.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	var hs *httptest.Server
	if tls {
		hs = httptest.NewTLSServer(h)
	} else {
		hs = httptest.NewServer(h)
	}
	ws.base, ws.client = hs.URL, hs.Client()
	ws.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t.Cleanup(func() {
		hs.Close()
		s.Close()
		ws.mu.Lock()
		defer ws.mu.Unlock()
		for _, secret := range []string{"cf1.", "cfe1.", "cfs1.", webSecret} {
			if strings.Contains(ws.logs.String(), secret) {
				t.Errorf("%q reached the log:\n%s", secret, ws.logs)
			}
		}
	})
	return ws
}

func (ws *webServer) uploadToken(t *testing.T, ticket string, ttl time.Duration) string {
	t.Helper()
	c, err := NewClaims(ticket, time.Now(), ttl, 0)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Sign(ws.key, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (ws *webServer) engineerToken(t *testing.T, name string, ttl time.Duration) (string, EngineerClaims) {
	t.Helper()
	c, err := NewEngineerClaims(name, time.Now(), ttl)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := SignEngineer(ws.key, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok, c
}

// file uploads data through tus with an upload token and waits until it is filed.
func (ws *webServer) file(t *testing.T, ticket string, data []byte) Record {
	t.Helper()
	meta := bundleMeta(data, ticket)
	meta["filename"] = "casefile-4821-web-07.tar.gz"
	return ws.fileMeta(t, ticket, data, meta)
}

func (ws *webServer) fileMeta(t *testing.T, ticket string, data []byte, meta map[string]string) Record {
	t.Helper()
	tok := ws.uploadToken(t, ticket, time.Hour)
	ts := &testServer{url: ws.base + BasePath}
	old := http.DefaultClient
	http.DefaultClient = ws.client
	defer func() { http.DefaultClient = old }()
	upload(t, ts, tok, data, meta)
	select {
	case r := <-ws.filed:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("upload not filed")
		return Record{}
	}
}

type webResp struct {
	status int
	header http.Header
	body   string
}

func (ws *webServer) get(t *testing.T, method, path string, hdr map[string]string, form url.Values) webResp {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, ws.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := ws.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return webResp{resp.StatusCode, resp.Header, string(b)}
}

func bundleRoutes(rec Record) []string {
	b := WebPath + "t/" + rec.Ticket + "/b/" + url.PathEscape(rec.ID) + "/"
	return []string{WebPath, WebPath + "t/" + rec.Ticket + "/", b, b + "report.html", b + "download", WebPath + "no/such/page"}
}

// Upload tokens read nothing: every web route refuses one, as Bearer or as the session cookie,
// and the login form refuses it; an engineer token reads every route (the control) and cannot
// upload, nor open the upload page.
func TestWebRefusesUploadTokens(t *testing.T) {
	ws := newWebServer(t, false, nil, nil)
	data := webBundle(t)
	rec := ws.file(t, "4821", data)
	if rec.Status != StatusOK || rec.Findings.Warning == 0 {
		t.Fatalf("the test bundle: %+v", rec)
	}
	up := ws.uploadToken(t, "4821", time.Hour)
	eng, _ := ws.engineerToken(t, "alice", time.Hour)

	routes := bundleRoutes(rec)
	for _, p := range routes {
		for _, m := range []string{http.MethodGet, http.MethodHead} {
			r := ws.get(t, m, p, map[string]string{"Authorization": "Bearer " + up}, nil)
			if r.status != http.StatusForbidden {
				t.Errorf("%s %s with an upload token as Bearer: %d, want 403", m, p, r.status)
			}
			if m == http.MethodGet && (strings.Contains(r.body, rec.SHA256) || strings.Contains(r.body, webWarningTitle) || !strings.Contains(r.body, "upload token cannot read")) {
				t.Errorf("GET %s with an upload token: the body shows bundle data or no reason:\n%s", p, r.body)
			}
			r = ws.get(t, m, p, map[string]string{"Cookie": sessionCookie + "=" + up}, nil)
			if r.status == http.StatusOK || strings.Contains(r.body, rec.SHA256) {
				t.Errorf("%s %s with an upload token as the session cookie: %d", m, p, r.status)
			}
		}
	}
	r := ws.get(t, http.MethodPost, WebPath+"logout", map[string]string{"Authorization": "Bearer " + up}, url.Values{})
	if r.status != http.StatusForbidden {
		t.Errorf("POST logout with an upload token: %d", r.status)
	}
	r = ws.get(t, http.MethodPost, WebPath+"login", nil, url.Values{"token": {up}})
	if r.status != http.StatusForbidden || r.header.Get("Set-Cookie") != "" || !strings.Contains(r.body, "upload token cannot read") {
		t.Errorf("login with an upload token: %d, Set-Cookie %q\n%s", r.status, r.header.Get("Set-Cookie"), r.body)
	}

	// The control: the engineer token reads each of them.
	for _, p := range routes[:5] {
		r := ws.get(t, http.MethodGet, p, map[string]string{"Authorization": "Bearer " + eng}, nil)
		if r.status != http.StatusOK {
			t.Errorf("GET %s with an engineer token: %d\n%s", p, r.status, r.body)
		}
	}
	if r := ws.get(t, http.MethodGet, routes[2], map[string]string{"Authorization": "Bearer " + eng}, nil); !strings.Contains(r.body, webWarningTitle) || !strings.Contains(r.body, webNextStep) {
		t.Errorf("the bundle page lacks its finding:\n%s", r.body)
	}
	if r := ws.get(t, http.MethodGet, routes[4], map[string]string{"Authorization": "Bearer " + eng}, nil); r.body != string(data) ||
		!strings.Contains(r.header.Get("Content-Disposition"), "casefile-4821-web-07.tar.gz") {
		t.Errorf("download: %d bytes (want %d), %q", len(r.body), len(data), r.header.Get("Content-Disposition"))
	}
	rep := ws.get(t, http.MethodGet, routes[3], map[string]string{"Authorization": "Bearer " + eng}, nil)
	if rep.header.Get("Content-Security-Policy") != cspReport || !strings.Contains(rep.body, webWarningTitle) || !strings.Contains(rep.body, `id="verdict"`) {
		t.Errorf("report.html: CSP %q, %d bytes", rep.header.Get("Content-Security-Policy"), len(rep.body))
	}
	if r := ws.get(t, http.MethodGet, routes[5], map[string]string{"Authorization": "Bearer " + eng}, nil); r.status != http.StatusNotFound {
		t.Errorf("an unknown page: %d", r.status)
	}

	// An engineer token cannot upload: refused before tusd, nothing stored.
	req, _ := http.NewRequest(http.MethodPost, ws.base+BasePath, nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", fmt.Sprint(len(data)))
	req.Header.Set("Upload-Metadata", metadata(bundleMeta(data, "4821")))
	req.Header.Set("Authorization", "Bearer "+eng)
	resp, err := ws.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "engineer tokens read bundles and cannot upload") {
		t.Errorf("tus POST with an engineer token: %d %s", resp.StatusCode, body)
	}
	if es, _ := os.ReadDir(filepath.Join(ws.data, "tus")); len(es) != 0 {
		t.Errorf("the tus store holds %d entries after the refusal", len(es))
	}
	// Nor open the upload page.
	if r := ws.get(t, http.MethodGet, UploadPagePath+eng, nil, nil); r.status != http.StatusUnauthorized || strings.Contains(r.body, "upload.js") {
		t.Errorf("the upload page with an engineer token: %d", r.status)
	}
	// A forged engineer token (another key), an expired one and a revoked one are refused.
	other := make([]byte, 32)
	forged, _ := SignEngineer(other, EngineerClaims{ID: "abcdefgh12345678", Engineer: "mallory", Exp: time.Now().Add(time.Hour).Unix()})
	expired, _ := ws.engineerToken(t, "bob", -time.Minute)
	revoked, rc := ws.engineerToken(t, "carol", time.Hour)
	if err := ws.rev.Revoke(rc.ID); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"forged": forged, "expired": expired, "revoked": revoked, "garbage": "cfe1.xx.yy"} {
		if r := ws.get(t, http.MethodGet, WebPath, map[string]string{"Authorization": "Bearer " + tok}, nil); r.status != http.StatusUnauthorized {
			t.Errorf("%s engineer token: %d", name, r.status)
		}
	}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// The login form exchanges an engineer token for a session cookie (HttpOnly, Secure over TLS,
// SameSite=Strict, path /web/); cross-origin posts are refused; logout needs the page's CSRF
// token; revoking the engineer token ends its sessions; pages carry the strict headers.
func TestWebLoginSession(t *testing.T) {
	ws := newWebServer(t, true, nil, nil)
	ws.file(t, "4821", webBundle(t))
	eng, ec := ws.engineerToken(t, "alice", time.Hour)
	jar, _ := cookiejar.New(nil)
	ws.client.Jar = jar

	r := ws.get(t, http.MethodGet, WebPath, nil, nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != WebPath+"login" {
		t.Fatalf("without a session: %d to %q", r.status, r.header.Get("Location"))
	}
	login := ws.get(t, http.MethodGet, WebPath+"login", nil, nil)
	for k, want := range map[string]string{
		"Content-Security-Policy": cspPages, "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
		"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
		"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Resource-Policy": "same-origin",
	} {
		if got := login.header.Get(k); got != want {
			t.Errorf("login page %s: %q, want %q", k, got, want)
		}
	}
	if strings.Contains(cspPages, "unsafe") || !strings.Contains(cspPages, "frame-ancestors 'none'") || !strings.Contains(cspPages, "default-src 'none'") {
		t.Errorf("page CSP: %s", cspPages)
	}
	// A cross-site form post (what another site's page would send) is refused, no cookie set.
	r = ws.get(t, http.MethodPost, WebPath+"login", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, url.Values{"token": {eng}})
	if r.status != http.StatusForbidden || r.header.Get("Set-Cookie") != "" {
		t.Errorf("cross-site login: %d, Set-Cookie %q", r.status, r.header.Get("Set-Cookie"))
	}
	r = ws.get(t, http.MethodPost, WebPath+"login", map[string]string{"Sec-Fetch-Site": "same-origin"}, url.Values{"token": {eng}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != WebPath {
		t.Fatalf("login: %d %q\n%s", r.status, r.header.Get("Location"), r.body)
	}
	sc := r.header.Get("Set-Cookie")
	for _, want := range []string{sessionCookie + "=cfs1.", "Path=/web/", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(sc, want) {
			t.Errorf("session cookie %q lacks %q", sc, want)
		}
	}
	if strings.Contains(sc, eng) {
		t.Errorf("the session cookie holds the engineer token")
	}
	home := ws.get(t, http.MethodGet, WebPath, nil, nil)
	if home.status != http.StatusOK || !strings.Contains(home.body, `href="/web/t/4821/"`) || !strings.Contains(home.body, "alice") {
		t.Fatalf("tickets page: %d\n%s", home.status, home.body)
	}
	// Logout without the CSRF token, or cross-site, is refused; with it, the cookie goes.
	if r := ws.get(t, http.MethodPost, WebPath+"logout", nil, url.Values{"csrf": {"nope"}}); r.status != http.StatusForbidden {
		t.Errorf("logout with a wrong CSRF token: %d", r.status)
	}
	m := csrfRe.FindStringSubmatch(home.body)
	if m == nil {
		t.Fatal("no CSRF token on the page")
	}
	if r := ws.get(t, http.MethodPost, WebPath+"logout", map[string]string{"Sec-Fetch-Site": "cross-site"}, url.Values{"csrf": {m[1]}}); r.status != http.StatusForbidden {
		t.Errorf("cross-site logout: %d", r.status)
	}
	// The session ends when the engineer token is revoked.
	ws.get(t, http.MethodPost, WebPath+"login", nil, url.Values{"token": {eng}})
	if err := ws.rev.Revoke(ec.ID); err != nil {
		t.Fatal(err)
	}
	if r := ws.get(t, http.MethodGet, WebPath, nil, nil); r.status != http.StatusSeeOther {
		t.Errorf("after revoking the engineer token the session still reads: %d", r.status)
	}
	// A fresh token: log in, log out with the page's CSRF token.
	eng2, _ := ws.engineerToken(t, "alice", time.Hour)
	ws.get(t, http.MethodPost, WebPath+"login", nil, url.Values{"token": {eng2}})
	home = ws.get(t, http.MethodGet, WebPath, nil, nil)
	m = csrfRe.FindStringSubmatch(home.body)
	if m == nil {
		t.Fatalf("no CSRF token: %d", home.status)
	}
	if r := ws.get(t, http.MethodPost, WebPath+"logout", nil, url.Values{"csrf": {m[1]}}); r.status != http.StatusSeeOther {
		t.Errorf("logout: %d %s", r.status, r.body)
	}
	if r := ws.get(t, http.MethodGet, WebPath, nil, nil); r.status != http.StatusSeeOther {
		t.Errorf("after logout: %d", r.status)
	}
	// A tampered session cookie and an expired engineer token do not log in.
	u, _ := url.Parse(ws.base + WebPath)
	payload := `{"id":"abcdefgh12345678","eng":"root","exp":` + fmt.Sprint(time.Now().Add(time.Hour).Unix()) + `}`
	jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: "cfs1." + b64(payload) + ".AAAA", Path: WebPath}})
	if r := ws.get(t, http.MethodGet, WebPath, nil, nil); r.status != http.StatusSeeOther {
		t.Errorf("forged session: %d", r.status)
	}
	expired, _ := ws.engineerToken(t, "bob", -time.Second)
	if r := ws.get(t, http.MethodPost, WebPath+"login", nil, url.Values{"token": {expired}}); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "engineer token expired") {
		t.Errorf("expired engineer token: %d", r.status)
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// The upload page: served for a valid upload token with the ticket and limits, never the
// token, under a policy that allows only this server's scripts and connections and no Referer;
// a dead link says why.
func TestUploadPageHTTP(t *testing.T) {
	ws := newWebServer(t, true, nil, nil)
	up := ws.uploadToken(t, "4821", time.Hour)
	r := ws.get(t, http.MethodGet, UploadPagePath+up, nil, nil)
	if r.status != http.StatusOK {
		t.Fatalf("upload page: %d\n%s", r.status, r.body)
	}
	for k, want := range map[string]string{"Content-Security-Policy": cspUpload, "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
		"X-Robots-Tag": "noindex", "X-Frame-Options": "DENY"} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if strings.Contains(r.body, up) || strings.Contains(r.body, "<script>") || !strings.Contains(r.body, `data-ticket="4821"`) ||
		!strings.Contains(r.body, `src="/web/static/tus.min.js"`) || !strings.Contains(r.body, `<meta name="referrer" content="no-referrer">`) {
		t.Errorf("upload page body:\n%s", r.body)
	}
	expired := ws.uploadToken(t, "4821", -time.Minute)
	r = ws.get(t, http.MethodGet, UploadPagePath+expired, nil, nil)
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "upload token expired") || strings.Contains(r.body, "upload.js") {
		t.Errorf("expired link: %d\n%s", r.status, r.body)
	}
	// The scripts it loads are served from here.
	for _, f := range []string{"tus.min.js", "upload.js", "web.css"} {
		r := ws.get(t, http.MethodGet, staticPath+f, nil, nil)
		want, _ := webFiles.ReadFile("web/static/" + f)
		if r.status != http.StatusOK || r.body != string(want) {
			t.Errorf("%s: %d, %d bytes", f, r.status, len(r.body))
		}
	}
	for _, f := range []string{"tus-js-client.version", "..%2fweb.go", "nope.js"} {
		if r := ws.get(t, http.MethodGet, staticPath+f, nil, nil); r.status != http.StatusNotFound {
			t.Errorf("static %s: %d", f, r.status)
		}
	}
}

// The vendored tus-js-client is the file the record names: its SHA-256 as recorded when
// scripts/vendor-tus-js.sh fetched it from the npm tarball with the recorded integrity.
func TestVendoredTusJS(t *testing.T) {
	rec, err := webFiles.ReadFile("web/static/tus-js-client.version")
	if err != nil {
		t.Fatal(err)
	}
	field := func(k string) string {
		m := regexp.MustCompile(`(?m)^` + k + `: (\S+)`).FindSubmatch(rec)
		if m == nil {
			t.Fatalf("tus-js-client.version has no %s", k)
		}
		return string(m[1])
	}
	js, err := webFiles.ReadFile("web/static/tus.min.js")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(js)
	if got := hex.EncodeToString(sum[:]); got != field("sha256") {
		t.Errorf("embedded tus.min.js has sha256 %s, the record says %s", got, field("sha256"))
	}
	if field("version") != "4.3.1" || !strings.HasPrefix(field("npm_integrity"), "sha512-") {
		t.Errorf("record: %s", rec)
	}
	if lic, err := webFiles.ReadFile("web/static/tus-js-client.LICENSE"); err != nil || !bytes.Contains(lic, []byte("MIT License")) {
		t.Errorf("tus-js-client's license is not vendored beside it: %v", err)
	}
}

// S3 storage: the web view reads bundles from the bucket through the same storage (versitygw on
// loopback, as in s3_test.go).
func TestWebS3Storage(t *testing.T) {
	st := startVersity(t, "casefile-web", "intake")
	ws := newWebServer(t, false, &Config{Storage: st, Limits: DefaultLimits}, nil)
	data := webBundle(t)
	rec := ws.file(t, "4821", data)
	if rec.Status != StatusOK {
		t.Fatalf("record %+v", rec)
	}
	if _, err := os.Stat(filepath.Join(ws.data, "bundles")); err == nil {
		t.Fatal("the bundle is in the data folder, not the bucket")
	}
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	auth := map[string]string{"Authorization": "Bearer " + eng}
	routes := bundleRoutes(rec)
	if r := ws.get(t, http.MethodGet, routes[2], auth, nil); r.status != http.StatusOK || !strings.Contains(r.body, webWarningTitle) || !strings.Contains(r.body, "web-07") {
		t.Errorf("bundle page from S3: %d\n%s", r.status, r.body)
	}
	if r := ws.get(t, http.MethodGet, routes[3], auth, nil); r.status != http.StatusOK || !strings.Contains(r.body, webWarningTitle) {
		t.Errorf("report.html from S3: %d", r.status)
	}
	if r := ws.get(t, http.MethodGet, routes[4], auth, nil); r.body != string(data) {
		t.Errorf("download from S3: %d bytes, want %d", len(r.body), len(data))
	}
	if es, _ := os.ReadDir(filepath.Join(ws.data, "tmp")); len(es) != 0 {
		t.Errorf("scratch copies left in tmp: %d", len(es))
	}
}

// The desk status shown is what the record's JSON holds under "desk", whatever its Go type.
func TestWebDeskStatus(t *testing.T) {
	for raw, want := range map[string]string{
		`{"id":"x"}`: "",
		`{"desk":{"status":"failed","kind":"rt","reason":"HTTP 401 from the desk","attempts":5}}`: "rt: failed (HTTP 401 from the desk)",
		`{"desk":{"status":"attached","kind":"zendesk"}}`:                                         "zendesk: attached",
		`{"desk":"pending"}`: "pending",
	} {
		if got := deskStatusJSON([]byte(raw)); got != want {
			t.Errorf("%s: %q, want %q", raw, got, want)
		}
	}
}

// Behind a TLS-terminating proxy (X-Forwarded-Proto: https) the session cookie is Secure too;
// over plain http without it, it is not (a browser would drop a Secure cookie there).
func TestWebCookieSecureBehindProxy(t *testing.T) {
	ws := newWebServer(t, false, nil, nil)
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	for proto, want := range map[string]bool{"https": true, "": false} {
		r := ws.get(t, http.MethodPost, WebPath+"login", map[string]string{"X-Forwarded-Proto": proto}, url.Values{"token": {eng}})
		sc := r.header.Get("Set-Cookie")
		if r.status != http.StatusSeeOther || strings.Contains(sc, "Secure") != want {
			t.Errorf("X-Forwarded-Proto %q: %d, Set-Cookie %q (want Secure: %v)", proto, r.status, sc, want)
		}
	}
}

// A quarantined bundle shows its reason and what could be read of it; an encrypted one (no
// identity on this intake) shows a note, offers no report, and downloads as the ciphertext.
func TestWebQuarantinedAndEncrypted(t *testing.T) {
	ws := newWebServer(t, false, nil, nil)
	bad := ws.file(t, "4821", tampered(t, realBundle(t)))
	if bad.Status != StatusQuarantined {
		t.Fatalf("tampered bundle: %+v", bad)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	ct := encrypt(t, webBundle(t), id.Recipient())
	meta := bundleMeta(ct, "4821")
	meta["encrypted"] = "age"
	enc := ws.fileMeta(t, "4821", ct, meta)
	if enc.Status != StatusEncrypted {
		t.Fatalf("encrypted upload: %+v", enc)
	}
	eng, _ := ws.engineerToken(t, "alice", time.Hour)
	auth := map[string]string{"Authorization": "Bearer " + eng}
	tp := ws.get(t, http.MethodGet, WebPath+"t/4821/", auth, nil)
	if tp.status != http.StatusOK || !strings.Contains(tp.body, "verification failed") || !strings.Contains(tp.body, "stored encrypted") ||
		!strings.Contains(tp.body, "intake-test") {
		t.Errorf("ticket page:\n%s", tp.body)
	}
	qr := bundleRoutes(bad)
	if r := ws.get(t, http.MethodGet, qr[2], auth, nil); r.status != http.StatusOK || !strings.Contains(r.body, "quarantined") || !strings.Contains(r.body, "verification failed") {
		t.Errorf("quarantined bundle page: %d", r.status)
	}
	er := bundleRoutes(enc)
	if r := ws.get(t, http.MethodGet, er[2], auth, nil); r.status != http.StatusOK || strings.Contains(r.body, "report.html") {
		t.Errorf("encrypted bundle page: %d\n%s", r.status, r.body)
	}
	if r := ws.get(t, http.MethodGet, er[3], auth, nil); r.status != http.StatusNotFound {
		t.Errorf("report.html of an encrypted bundle: %d", r.status)
	}
	if r := ws.get(t, http.MethodGet, er[4], auth, nil); r.status != http.StatusOK || r.body != string(ct) {
		t.Errorf("download of an encrypted bundle: %d, %d bytes (want the %d-byte ciphertext)", r.status, len(r.body), len(ct))
	}
}
