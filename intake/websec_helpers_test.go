package intake

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/casefile/casefile/bundle"
	"github.com/casefile/casefile/collectors"
)

// craftedBundle is a bundle as a hostile customer machine could write it: every file and every
// manifest field chosen by the test. Its manifest lists every file with its true hash and its
// top folder is the one casefile names, so it verifies (status ok) unless the test breaks it.
type craftedBundle struct {
	Ticket     string
	Host       string
	Collectors []collectors.Result
	Files      map[string][]byte // relative to the top folder; manifest.json is made here
	Manifest   func(m map[string]any)
}

func (cb craftedBundle) build(t testing.TB) []byte {
	t.Helper()
	created := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	id := "0badc0de-0000-4000-8000-000000000000"
	var files []bundle.FileEntry
	names := make([]string, 0, len(cb.Files))
	for n := range cb.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sum := sha256.Sum256(cb.Files[n])
		files = append(files, bundle.FileEntry{Path: n, Size: int64(len(cb.Files[n])), SHA256: hex.EncodeToString(sum[:]), Collector: "system.host"})
	}
	m := map[string]any{
		"schema_version": 1, "bundle_id": id, "created_at": created, "ticket": cb.Ticket, "host": cb.Host,
		"tool": map[string]any{"version": "test"}, "spec": map[string]any{"name": "hostile", "source": "file"},
		"format": "tar.gz", "collectors": cb.Collectors, "files": files,
		"redaction": map[string]any{"total": 0, "files": 0, "dropped": 0}, "raw_exemptions": []any{},
	}
	if cb.Manifest != nil {
		cb.Manifest(m)
	}
	man, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	all := map[string][]byte{"manifest.json": man}
	for n, d := range cb.Files {
		all[n] = d
	}
	names = append(names, "manifest.json")
	sort.Strings(names)
	top := bundle.Name(cb.Ticket, cb.Host, created, id)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: top + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: created})
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: top + "/" + n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(all[n])), ModTime: created}); err != nil {
			t.Fatal(err)
		}
		tw.Write(all[n])
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// place stores data as a filed bundle of ticket and indexes it, without the tus upload and the
// filing checks (for bundles whose filing is not what a test is about).
func (ws *webServer) place(t testing.TB, ticket string, data []byte) Record {
	t.Helper()
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	rel := "bundles/" + ticket + "/" + sha + ".tar.gz"
	if err := os.MkdirAll(filepath.Join(ws.data, "bundles", ticket), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws.data, filepath.FromSlash(rel)), data, 0o640); err != nil {
		t.Fatal(err)
	}
	rec := Record{ID: sha[:16], Ticket: ticket, SHA256: sha, Size: int64(len(data)), ReceivedAt: time.Now().UTC(), Status: StatusOK, Path: rel}
	if err := ws.idx.Put(rec); err != nil {
		t.Fatal(err)
	}
	return rec
}
