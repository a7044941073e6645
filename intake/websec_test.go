package intake

import (
	"net/http"
	"strings"
	"testing"
	"time"
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
