package files

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
)

// stateJSON is a one-line JSON document of at least n bytes, with a final newline.
func stateJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item %d","state":"running"}`, i, i)
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

// A file that is one line longer than the cap has no newest part that starts on a line: its head
// is kept (not 0 bytes), the cut is recorded, and the collector says so (partial).
func TestOneLongLineKeepsItsHead(t *testing.T) {
	root := t.TempDir()
	data := stateJSON(23 << 20)
	writeFile(t, root, "srv/app/state.json", data)
	c := &Collector{name: "files.added", folder: "added", patterns: []string{"/srv/app/state.json"}, root: root, literal: true}
	sink := &collectorstest.Sink{Family: "files", Redactor: engine(t)}
	err := c.Collect(context.Background(), sink)
	if !collectors.IsPartial(err) || !strings.Contains(err.Error(), "/srv/app/state.json") || !strings.Contains(err.Error(), "longer than the cap") {
		t.Errorf("Collect = %v, want partial naming the cut file", err)
	}
	got, ok := sink.File("files/added/srv/app/state.json")
	const capBytes = 10 << 20
	if !ok || len(got) < capBytes-headWindow || len(got) > capBytes || !bytes.HasPrefix(data, got) {
		t.Fatalf("kept %d bytes (%v), want the head, up to %d", len(got), ok, capBytes)
	}
	kept, seen, cut := sink.Truncated("files/added/srv/app/state.json")
	if !cut || kept != int64(len(got)) || seen != int64(len(data)) {
		t.Errorf("truncation %v %d/%d, want %d/%d", cut, kept, seen, len(got), len(data))
	}
	raw, _ := sink.File("files/added/index.json")
	var idx []map[string]any
	if err := json.Unmarshal(raw, &idx); err != nil || len(idx) != 1 {
		t.Fatalf("index %s: %v", raw, err)
	}
	if r := idx[0]; r["truncated"] != true || r["bytes_kept"] != float64(len(got)) || r["bytes_seen"] != float64(len(data)) {
		t.Errorf("index record %v", r)
	}
}

// The same for a compressed file: the head of its text.
func TestOneLongCompressedLineKeepsItsHead(t *testing.T) {
	root := t.TempDir()
	data := stateJSON(3 << 20)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	writeFile(t, root, "srv/app/state.json.gz", z.Bytes())
	c := &Collector{name: "files.added", folder: "added", patterns: []string{"/srv/app/state.json.gz"}, root: root, literal: true, maxFile: 1 << 20}
	sink := &collectorstest.Sink{Family: "files"}
	err := c.Collect(context.Background(), sink)
	if !collectors.IsPartial(err) {
		t.Errorf("Collect = %v, want partial", err)
	}
	got, _ := sink.File("files/added/srv/app/state.json")
	if len(got) < 1<<20-headWindow || len(got) > 1<<20 || !bytes.HasPrefix(data, got) {
		t.Fatalf("kept %d bytes, want the head", len(got))
	}
	if kept, seen, cut := sink.Truncated("files/added/srv/app/state.json"); !cut || kept != int64(len(got)) || seen != int64(len(data)) {
		t.Errorf("truncation %v %d/%d", cut, kept, seen)
	}
}

// Wherever the cap falls, a head cut does not ship the start of a secret: the cut moves back to a
// delimiter, and the redactor sees what it keeps.
func TestHeadCutDoesNotSplitASecret(t *testing.T) {
	eng := engine(t)
	prefix := `{"a":"` + strings.Repeat("filler ", 25) + `","token":"ghp_` + strings.Repeat("A1b2C3d4E5", 4) + `","password":"`
	line := prefix + secret + `","z":"` + strings.Repeat("y", 300) + "\"}"
	for limit := len(prefix) - 60; limit <= len(prefix)+len(secret)+4; limit++ {
		root := t.TempDir()
		writeFile(t, root, "srv/s.json", []byte(line))
		c := &Collector{name: "files.added", folder: "added", patterns: []string{"/srv/s.json"}, root: root, literal: true, maxFile: int64(limit)}
		sink := &collectorstest.Sink{Family: "files", Redactor: eng}
		c.Collect(context.Background(), sink)
		got, _ := sink.File("files/added/srv/s.json")
		for k := 4; k <= len(secret); k++ {
			if strings.Contains(string(got), secret[:k]) {
				t.Fatalf("cap %d: %q of the password shipped: %s", limit, secret[:k], got)
			}
		}
		if strings.Contains(string(got), "A1b2C3d4") {
			t.Fatalf("cap %d: part of the token shipped: %s", limit, got)
		}
	}
}
