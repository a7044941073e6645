package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/casefile/casefile/analyze"
)

func render(t *testing.T, src analyze.Source) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, src, BundleFindings(src)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestEscapedAndSelfContained(t *testing.T) {
	page := render(t, fixture())
	// Markup from the bundle (a finding title, a server's error text) is text, never markup.
	for _, raw := range []string{"<script>alert(1)</script>", `<img src="http://192.0.2.99/beacon.png">`} {
		if strings.Contains(page, raw) {
			t.Errorf("unescaped %s in the page", raw)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the hostile title is not shown escaped")
	}
	for _, bad := range []string{"<script", "<link", "<img", "@import", ` src="`, "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds %q: it must load nothing", bad)
		}
	}
	if !strings.Contains(page, "@media print") {
		t.Error("no print styles")
	}
}

// An older bundle: a manifest and a few system files, no findings.json, no network, no
// redaction.json. The findings are computed; absent sections are left out.
func TestOlderBundle(t *testing.T) {
	src := analyze.MapSource{
		"manifest.json": []byte(`{"bundle_id": "x", "created_at": "2025-01-02T03:04:05Z", "host": "old-host",
			"collectors": [{"name": "system.disks", "status": "ok", "start": "2025-01-02T03:04:05Z", "duration_ms": 5}],
			"redaction": {"total": 2, "files": 1}}`),
		"system/disks.json": []byte(`{"partitions": [{"device": "/dev/sda1", "mountpoint": "/", "fstype": "ext4", "options": ["rw"], "usage": {"total_bytes": 1000000000, "used_bytes": 970000000, "free_bytes": 30000000, "used_percent": 97, "inodes_used_percent": 3}}]}`),
	}
	page := render(t, src)
	for _, want := range []string{"old-host", "disk.full", `id="timeline"`, `id="redaction"`, "2</strong> values redacted", `id="sys-disks"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, absent := range []string{`id="network"`, `id="logs"`} {
		if strings.Contains(page, absent) {
			t.Errorf("page has %s without its data", absent)
		}
	}
	// Nothing at all still renders a page.
	if page := render(t, analyze.MapSource{}); !strings.Contains(page, "No findings") {
		t.Error("empty source: no page")
	}
}

func TestSignatureShapes(t *testing.T) {
	for name, doc := range map[string]string{
		"sources list":  `{"sources": [{"source": "app", "signatures": [{"template": "E <*>", "count": 3}]}]}`,
		"flat list":     `{"signatures": [{"source": "app", "template": "E <*>", "count": 3}]}`,
		"map by source": `{"app": [{"template": "E <*>", "count": 3}]}`,
	} {
		got := buildSignatures(analyze.MapSource{"logs/signatures.json": []byte(doc)})
		if len(got) != 1 || got[0].Source != "app" || len(got[0].Rows) != 1 || got[0].Rows[0].Template != "E <*>" || got[0].Rows[0].Count != "3" {
			t.Errorf("%s: %+v", name, got)
		}
	}
	if got := buildSignatures(analyze.MapSource{"logs/signatures.json": []byte(`not json`)}); got != nil {
		t.Errorf("malformed: %+v", got)
	}
}

func TestNiceScale(t *testing.T) {
	for _, c := range []struct{ v, end, step float64 }{
		{5000, 6000, 2000}, {30000, 30000, 10000}, {31000, 40000, 10000}, {490, 600, 200}, {33.8, 40, 10}, {0, 1, 0.25}, {100, 100, 25},
	} {
		if end, step := niceScale(c.v); end != c.end || step != c.step {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", c.v, end, step, c.end, c.step)
		}
	}
}
