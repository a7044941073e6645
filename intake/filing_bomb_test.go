package intake

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A 60 KiB upload whose findings.json is 60 MiB of "{}," (its manifest lists it with its true
// hash, so it verifies) is filed through the real server in bounded memory and quarantined with
// the reason. Before bundle.Read streamed findings.json, filing it allocated 7.6 GiB of heap
// and took 7 s (docs/bundle.md).
func TestFilingFindingsBombBounded(t *testing.T) {
	ts := newTestServer(t, nil)
	var b bytes.Buffer
	b.WriteString(`{"findings":[`)
	for b.Len() < 60<<20 {
		b.WriteString(`{},`)
	}
	b.WriteString(`{}]}`)
	data := craftedBundle{Ticket: "4821", Host: "h", Files: map[string][]byte{"findings.json": b.Bytes()}}.build(t)
	b = bytes.Buffer{}
	tok := ts.token(t, "4821", time.Hour, 0)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	upload(t, ts, tok, data, bundleMeta(data, "4821"))
	r := ts.waitFiled(t)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d-byte upload filed in %v, %.1f MiB allocated: %s (%s)", len(data), took, float64(alloc)/(1<<20), r.Status, r.Reason)
	if r.Status != StatusQuarantined || !strings.Contains(r.Reason, "findings.json holds more than 1000000 findings") {
		t.Errorf("record %+v, want quarantined for its findings", r)
	}
	if !strings.HasPrefix(r.Path, "quarantine/4821/") {
		t.Errorf("path %s", r.Path)
	}
	if alloc > 48<<20 {
		t.Errorf("uploading and filing allocated %.1f MiB, want under 48 MiB", float64(alloc)/(1<<20))
	}
}
