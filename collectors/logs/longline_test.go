package logs

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
	"github.com/casefile/casefile/spec"
)

// A log whose newest part holds no whole line (a one-line JSON state dump) keeps its newest
// bytes from a delimiter, marked truncated, and the collector says so (partial); a private key
// written on that one line (JSON-escaped) whose BEGIN falls before the cut is not shipped.
func TestOneLongLineKeepsNewestBytes(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(`{"note":"state dump","key":"-----BEGIN RSA PRIVATE KEY-----\n`)
	for i := 0; i < 3000; i++ {
		b.WriteString("MIIEowIBAAKCAQEAwJqK3v9P1" + strings.Repeat("Q", 40) + `\n`)
	}
	b.WriteString(`-----END RSA PRIVATE KEY-----"`)
	for i := 0; i < 60000; i++ {
		b.WriteString(`,"k` + strings.Repeat("x", 3) + `":"value"`)
	}
	b.WriteString("}")
	line := b.String()
	p := filepath.Join(dir, "state.log")
	if err := os.WriteFile(p, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int64{64 << 10, int64(len(line) - 100)} {
		sk := &collectorstest.Sink{MaxFile: limit}
		s, _ := spec.Parse("s.yaml", []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: x}\n"))
		cs, err := Collectors(collectors.Options{Spec: s, Root: "/", Logs: []string{p}, Since: 24 * time.Hour, Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		var c collectors.Collector
		for _, x := range cs {
			if x.Name() == "logs.extra" {
				c = x
			}
		}
		err = c.Collect(context.Background(), sk)
		if !collectors.IsPartial(err) || !strings.Contains(err.Error(), "no whole line fits") {
			t.Fatalf("limit %d: err = %v, want partial with a note", limit, err)
		}
		var idx Index
		data, _ := sk.File("logs/extra.json")
		json.Unmarshal(data, &idx)
		if len(idx.Files) != 1 || idx.Files[0].Status != "collected" || !idx.Files[0].Truncated || idx.Files[0].Kept == 0 {
			t.Fatalf("limit %d: index %+v", limit, idx.Files)
		}
		gotb, _ := sk.File(idx.Files[0].Path)
		got := string(gotb)
		if len(got) == 0 || int64(len(got)) > limit || !strings.HasSuffix(got, `"value"}`) {
			t.Errorf("limit %d: kept %d bytes, tail %q", limit, len(got), got[max(0, len(got)-20):])
		}
		if strings.Contains(got, "MIIEowIBAAKCAQEA") {
			t.Errorf("limit %d: key body shipped without its BEGIN", limit)
		}
	}
}
