package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/redact"
)

var created = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

const testID = "0b7a4d3e-1f2a-4c5b-9d8e-7f6a5b4c3d2e"

type namedCollector struct{ name, family string }

func (n namedCollector) Name() string                                   { return n.name }
func (n namedCollector) Family() string                                 { return n.family }
func (n namedCollector) Collect(context.Context, collectors.Sink) error { return nil }

// makeBundle stages the given files (path -> content) as one collector and writes a bundle.
func makeBundle(t *testing.T, dir, format string, files map[string]string, limits Limits) (string, *Manifest) {
	t.Helper()
	eng, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStage(dir, eng, limits)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Cleanup()
	sk := st.Sink(namedCollector{"files.test", "files"})
	for p, c := range files {
		w, err := sk.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, c)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	kept, _ := sk.Finish(true)
	if err := st.WriteJSON("environment.json", map[string]string{"os": "linux"}, "casefile"); err != nil {
		t.Fatal(err)
	}
	m := &Manifest{SchemaVersion: SchemaVersion, BundleID: testID, CreatedAt: created, Host: "h1", Format: format, Ticket: "4821",
		Collectors: []collectors.Result{{Name: "files.test", Family: "files", Status: collectors.StatusOK, Start: created, Files: kept}}}
	p, err := st.Write(context.Background(), m, dir)
	if err != nil {
		t.Fatal(err)
	}
	return p, m
}

var sample = map[string]string{
	"files/test/etc/app.conf": "listen = 0.0.0.0:8080\nlog_level = debug\n",
	"files/test/notes.txt":    strings.Repeat("line of text\n", 1000),
	"files/test/a/b/c.json":   `{"ok": true}` + "\n",
}

func sha(t *testing.T, p string) [32]byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestDeterministicArchives(t *testing.T) {
	for _, format := range []string{"tar.gz", "tar.zst", "zip"} {
		t.Run(format, func(t *testing.T) {
			p1, _ := makeBundle(t, t.TempDir(), format, sample, Limits{})
			p2, _ := makeBundle(t, t.TempDir(), format, sample, Limits{})
			if filepath.Base(p1) != "casefile-4821-h1-20261127T100000Z-0b7a4d3e"+Extensions[format] {
				t.Errorf("name %s", filepath.Base(p1))
			}
			if sha(t, p1) != sha(t, p2) {
				t.Fatalf("two bundles of the same content differ")
			}
			c, err := Read(p1, DefaultReadLimits)
			if err != nil {
				t.Fatal(err)
			}
			if probs := c.Verify(); len(probs) != 0 {
				t.Fatalf("verify: %v", probs)
			}
			if len(c.Manifest.Files) != 5 || c.Environment["os"] != "linux" || c.Redaction == nil { // 3 files, environment.json, redaction.json
				t.Errorf("manifest files %d env %v", len(c.Manifest.Files), c.Environment)
			}
			// Staging leaves nothing behind, and the bundle is the only file in its folder.
			entries, _ := os.ReadDir(filepath.Dir(p1))
			if len(entries) != 1 {
				t.Errorf("output folder holds %d entries, want only the bundle", len(entries))
			}
		})
	}
}

func TestTarHeadersFixed(t *testing.T) {
	p, _ := makeBundle(t, t.TempDir(), "tar.gz", sample, Limits{})
	f, _ := os.Open(p)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("gzip header has name %q time %v", gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(created) {
			t.Errorf("%s: uid %d gid %d uname %q gname %q mtime %v", h.Name, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime)
		}
		if (h.Typeflag == tar.TypeDir && h.Mode != 0o755) || (h.Typeflag == tar.TypeReg && h.Mode != 0o644) {
			t.Errorf("%s: mode %o", h.Name, h.Mode)
		}
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("entries not sorted: %s then %s", names[i-1], names[i])
		}
	}
}

// rewrite copies a tar.gz bundle entry by entry, letting edit change, drop (nil) or add entries.
func rewrite(t *testing.T, src, dst string, edit func(name string, data []byte) []byte, add map[string]string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, _ := gzip.NewReader(f)
	tr := tar.NewReader(gz)
	var out bytes.Buffer
	gw := gzip.NewWriter(&out)
	tw := tar.NewWriter(gw)
	top := ""
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if top == "" {
			top = h.Name
		}
		data, _ := io.ReadAll(tr)
		if h.Typeflag == tar.TypeReg && edit != nil {
			data = edit(strings.TrimPrefix(h.Name, top), data)
			if data == nil {
				continue
			}
		}
		h.Size = int64(len(data))
		tw.WriteHeader(h)
		tw.Write(data)
	}
	for name, c := range add {
		tw.WriteHeader(&tar.Header{Name: top + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(c))})
		tw.Write([]byte(c))
	}
	tw.Close()
	gw.Close()
	if err := os.WriteFile(dst, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCatchesTampering(t *testing.T) {
	dir := t.TempDir()
	p, _ := makeBundle(t, dir, "tar.gz", sample, Limits{})
	tampered := filepath.Join(t.TempDir(), "t.tar.gz")

	check := func(name string, want Problem) {
		t.Helper()
		c, err := Read(tampered, DefaultReadLimits)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		probs := c.Verify()
		if len(probs) != 1 || probs[0].Path != want.Path || probs[0].Kind != want.Kind {
			t.Errorf("%s: problems %v, want one %s %s", name, probs, want.Kind, want.Path)
		}
	}

	rewrite(t, p, tampered, func(name string, data []byte) []byte {
		if name == "files/test/notes.txt" {
			data[500] ^= 0x01
		}
		return data
	}, nil)
	check("flipped byte", Problem{Path: "files/test/notes.txt", Kind: "altered"})

	rewrite(t, p, tampered, func(name string, data []byte) []byte {
		if name == "files/test/etc/app.conf" {
			return nil
		}
		return data
	}, nil)
	check("missing file", Problem{Path: "files/test/etc/app.conf", Kind: "missing"})

	rewrite(t, p, tampered, nil, map[string]string{"files/test/extra.txt": "smuggled\n"})
	check("extra file", Problem{Path: "files/test/extra.txt", Kind: "extra"})

	rewrite(t, p, tampered, func(name string, data []byte) []byte {
		if name == "files/test/a/b/c.json" {
			return append(data, ' ')
		}
		return data
	}, nil)
	check("grown file", Problem{Path: "files/test/a/b/c.json", Kind: "size"})

	// A byte flipped in the compressed stream itself is caught by the reader, never a panic.
	raw, _ := os.ReadFile(p)
	raw[len(raw)/2] ^= 0xff
	os.WriteFile(tampered, raw, 0o644)
	if _, err := Read(tampered, DefaultReadLimits); err == nil {
		t.Errorf("corrupted compressed stream read without error")
	}
}

func tarGz(t *testing.T, entries []*tar.Header, bodies []string) string {
	t.Helper()
	var out bytes.Buffer
	gw := gzip.NewWriter(&out)
	tw := tar.NewWriter(gw)
	for i, h := range entries {
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg && h.Size == 0 {
			h.Size = int64(len(bodies[i]))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, bodies[i])
	}
	tw.Close()
	gw.Close()
	p := filepath.Join(t.TempDir(), "hostile.tar.gz")
	os.WriteFile(p, out.Bytes(), 0o644)
	return p
}

func TestHostileArchives(t *testing.T) {
	man := `{"schema_version":1}`
	cases := []struct {
		name    string
		headers []*tar.Header
		bodies  []string
		want    string
	}{
		{"traversal", []*tar.Header{{Name: "top/manifest.json"}, {Name: "top/../../etc/passwd"}}, []string{man, "x"}, "path traversal"},
		{"absolute", []*tar.Header{{Name: "/etc/passwd"}}, []string{"x"}, "absolute or invalid path"},
		{"windows drive", []*tar.Header{{Name: "C:/evil"}}, []string{"x"}, "absolute or invalid path"},
		{"symlink out", []*tar.Header{{Name: "top/link", Typeflag: tar.TypeSymlink, Linkname: "/etc/shadow"}}, []string{""}, "bundles hold no links"},
		{"hardlink", []*tar.Header{{Name: "top/link", Typeflag: tar.TypeLink, Linkname: "../x"}}, []string{""}, "bundles hold no links"},
		{"device", []*tar.Header{{Name: "top/dev", Typeflag: tar.TypeChar}}, []string{""}, "unsupported type"},
		{"two tops", []*tar.Header{{Name: "a/manifest.json"}, {Name: "b/x"}}, []string{man, "x"}, "outside the top folder"},
		{"file at root", []*tar.Header{{Name: "manifest.json"}}, []string{man}, "at the archive root"},
		{"no manifest", []*tar.Header{{Name: "top/x"}}, []string{"x"}, "no manifest.json"},
		{"bad manifest", []*tar.Header{{Name: "top/manifest.json"}}, []string{"{not json"}, "manifest.json"},
		{"duplicate", []*tar.Header{{Name: "top/x"}, {Name: "top/x"}}, []string{"a", "b"}, "appears twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(tarGz(t, c.headers, c.bodies), DefaultReadLimits)
			if err == nil || !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrUnsafe containing %q", err, c.want)
			}
		})
	}

	t.Run("oversized entry", func(t *testing.T) {
		lim := DefaultReadLimits
		lim.MaxEntrySize = 1 << 10
		p := tarGz(t, []*tar.Header{{Name: "top/big"}}, []string{strings.Repeat("a", 4<<10)})
		if _, err := Read(p, lim); err == nil || !strings.Contains(err.Error(), "declares 4096 bytes") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("decompression bomb", func(t *testing.T) {
		lim := DefaultReadLimits
		lim.RatioFloor = 1 << 20
		lim.MaxRatio = 100
		p := tarGz(t, []*tar.Header{{Name: "top/zeros"}}, []string{strings.Repeat("\x00", 16<<20)})
		if _, err := Read(p, lim); err == nil || !strings.Contains(err.Error(), "decompression bomb") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("total size", func(t *testing.T) {
		lim := DefaultReadLimits
		lim.MaxTotalSize = 10 << 10
		var hs []*tar.Header
		var bs []string
		for i := 0; i < 5; i++ {
			hs = append(hs, &tar.Header{Name: fmt.Sprintf("top/f%d", i)})
			bs = append(bs, strings.Repeat("b", 4<<10))
		}
		if _, err := Read(tarGz(t, hs, bs), lim); err == nil || !strings.Contains(err.Error(), "in all") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("not an archive", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "x.tar.gz")
		os.WriteFile(p, []byte("hello"), 0o644)
		if _, err := Read(p, DefaultReadLimits); err == nil || !strings.Contains(err.Error(), "not a casefile bundle") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestStageCaps(t *testing.T) {
	dir := t.TempDir()
	eng, _ := redact.New(redact.Config{})
	// MaxFileSize 100: collectors bound their input to it; redacted output is cut hard at 200.
	st, err := NewStage(dir, eng, Limits{MaxFileSize: 100, MaxCollectorSize: 450, MaxBundleSize: 10000})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Cleanup()
	sk := st.Sink(namedCollector{"files.x", "files"})
	for i := 0; i < 4; i++ {
		w, err := sk.Create(fmt.Sprintf("files/x/f%d", i))
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, strings.Repeat("z", 250))
		w.Close()
	}
	if _, err := sk.Create("system/elsewhere"); err == nil {
		t.Errorf("collector wrote outside its family folder")
	}
	if _, err := sk.Create("files/x/../../etc"); err == nil {
		t.Errorf("path with .. accepted")
	}
	kept, _ := sk.Finish(true)
	if len(kept) != 4 {
		t.Errorf("kept %v", kept)
	}
	if _, err := sk.Create("files/x/late"); err == nil {
		t.Errorf("write after Finish accepted")
	}
	want := []int64{200, 200, 50, 0}
	var total int64
	for i, f := range st.Files() {
		total += f.Size
		if f.Size != want[i] || !f.Truncated || f.BytesSeen != 250 || f.BytesKept != want[i] {
			t.Errorf("%s: size %d (want %d) truncated %v kept %d seen %d", f.Path, f.Size, want[i], f.Truncated, f.BytesKept, f.BytesSeen)
		}
	}
	if total != 450 {
		t.Errorf("collector wrote %d bytes, cap 450", total)
	}
}

func TestBundleCap(t *testing.T) {
	eng, _ := redact.New(redact.Config{})
	st, _ := NewStage(t.TempDir(), eng, Limits{MaxFileSize: 1000, MaxBundleSize: 300})
	defer st.Cleanup()
	for _, c := range []string{"a", "b"} {
		sk := st.Sink(namedCollector{"files." + c, "files"})
		w, _ := sk.Create("files/" + c + "/data")
		io.WriteString(w, strings.Repeat("y", 200))
		w.Close()
		sk.Finish(true)
	}
	fs := st.Files()
	if fs[0].Size+fs[1].Size != 300 || !fs[1].Truncated {
		t.Errorf("bundle cap: %+v", fs)
	}
}

func TestPathsAreRedacted(t *testing.T) {
	eng, _ := redact.New(redact.Config{})
	st, _ := NewStage(t.TempDir(), eng, Limits{})
	defer st.Cleanup()
	sk := st.Sink(namedCollector{"files.x", "files"})
	const secret = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
	w, err := sk.Create("files/x/tokens/" + secret + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "x\n")
	w.Close()
	sk.SetTruncated("files/x/tokens/"+secret+".txt", 1, 2)
	kept, _ := sk.Finish(true)
	if len(kept) != 1 || strings.Contains(kept[0], secret) || strings.ContainsAny(kept[0], "[]:") {
		t.Fatalf("kept %v", kept)
	}
	f := st.Files()[0]
	if f.Path != kept[0] || !f.Truncated {
		t.Errorf("entry %+v: truncation not recorded under the redacted path", f)
	}
	rep := eng.Report()
	for file := range rep.ByFile {
		if strings.Contains(file, secret) {
			t.Errorf("redaction report names the secret: %q", file)
		}
	}
}

func TestNeverOverwritesABundle(t *testing.T) {
	dir := t.TempDir()
	p1, _ := makeBundle(t, dir, "tar.gz", sample, Limits{})
	before := sha(t, p1)
	eng, _ := redact.New(redact.Config{})
	st, _ := NewStage(dir, eng, Limits{})
	defer st.Cleanup()
	_, err := st.Write(context.Background(), &Manifest{BundleID: testID, CreatedAt: created, Host: "h1", Ticket: "4821", Format: "tar.gz"}, dir)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second bundle with the same name: %v", err)
	}
	if sha(t, p1) != before {
		t.Errorf("the first bundle changed")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 { // the bundle and this stage's folder
		t.Errorf("left: %v", entries)
	}
}

func TestNameSanitised(t *testing.T) {
	got := Name("INC 4821/x;rm -rf", "web01.corp", created, testID)
	if got != "casefile-INC-4821-x-rm-rf-web01.corp-20261127T100000Z-0b7a4d3e" {
		t.Errorf("Name = %q", got)
	}
}

func TestUnfinishedFilesDiscardedOnTimeout(t *testing.T) {
	eng, _ := redact.New(redact.Config{})
	st, _ := NewStage(t.TempDir(), eng, Limits{})
	defer st.Cleanup()
	sk := st.Sink(namedCollector{"logs.x", "logs"})
	done, _ := sk.Create("logs/x/done.log")
	io.WriteString(done, "complete\n")
	done.Close()
	open, _ := sk.Create("logs/x/open.log")
	io.WriteString(open, "half a lin")
	kept, probs := sk.Finish(false)
	if len(kept) != 1 || kept[0] != "logs/x/done.log" || len(probs) != 1 {
		t.Fatalf("kept %v problems %v", kept, probs)
	}
	if len(st.Files()) != 1 {
		t.Errorf("stage still lists %v", st.Files())
	}
}

func TestInterruptedWriteLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	eng, _ := redact.New(redact.Config{})
	st, _ := NewStage(dir, eng, Limits{})
	sk := st.Sink(namedCollector{"files.x", "files"})
	w, _ := sk.Create("files/x/a")
	io.WriteString(w, "data")
	w.Close()
	sk.Finish(true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := st.Write(ctx, &Manifest{BundleID: testID, CreatedAt: created, Host: "h", Format: "tar.gz"}, dir)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	st.Cleanup()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

func FuzzRead(f *testing.F) {
	dir := f.TempDir()
	for _, format := range []string{"tar.gz", "tar.zst", "zip"} {
		p := seedBundle(f, dir, format)
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte("PK\x03\x04garbage"))
	f.Add([]byte{0x1f, 0x8b, 8, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f")
		os.WriteFile(p, data, 0o644)
		lim := DefaultReadLimits
		// Small limits keep each execution fast; the limits themselves are what is under test.
		lim.MaxTotalSize = 1 << 20
		lim.MaxEntrySize = 512 << 10
		lim.RatioFloor = 64 << 10
		c, err := Read(p, lim)
		if err == nil {
			c.Verify()
		}
	})
}

func seedBundle(f *testing.F, dir, format string) string {
	eng, _ := redact.New(redact.Config{})
	st, err := NewStage(dir, eng, Limits{})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Cleanup()
	sk := st.Sink(namedCollector{"files.test", "files"})
	w, _ := sk.Create("files/test/a.txt")
	io.WriteString(w, "hello\n")
	w.Close()
	sk.Finish(true)
	p, err := st.Write(context.Background(), &Manifest{BundleID: testID, CreatedAt: created, Host: "h", Format: format}, dir)
	if err != nil {
		f.Fatal(err)
	}
	return p
}

func TestCapsKeepJSONWholeAndMetadataAlways(t *testing.T) {
	eng, _ := redact.New(redact.Config{})
	st, _ := NewStage(t.TempDir(), eng, Limits{MaxFileSize: 1 << 20, MaxBundleSize: 300})
	defer st.Cleanup()
	sk := st.Sink(namedCollector{"logs.app", "logs"})
	if got := sk.MaxFileSize(); got != 300 {
		t.Errorf("MaxFileSize = %d, want the bundle's remaining 300", got)
	}
	w, _ := sk.Create("logs/app/app.log")
	io.WriteString(w, strings.Repeat("l", 250))
	w.Close()
	if got := sk.MaxFileSize(); got != 50 {
		t.Errorf("MaxFileSize after 250 bytes = %d, want 50", got)
	}
	if err := sk.WriteJSON("logs/app.json", map[string]string{"status": strings.Repeat("x", 100)}); err != nil {
		t.Fatal(err)
	}
	kept, probs := sk.Finish(true)
	if len(kept) != 1 || kept[0] != "logs/app/app.log" {
		t.Errorf("kept %v: a JSON document that does not fit must be left out, not cut", kept)
	}
	if len(probs) != 1 || !strings.Contains(probs[0], "logs/app.json left out") {
		t.Errorf("problems %v", probs)
	}
	// casefile's own files are written whatever the collectors used.
	if err := st.WriteJSON("environment.json", map[string]string{"os": strings.Repeat("y", 500)}, "casefile"); err != nil {
		t.Fatal(err)
	}
	for _, f := range st.Files() {
		if f.Path == "environment.json" && (f.Truncated || f.Size < 500) {
			t.Errorf("environment.json cut by the bundle cap: %+v", f)
		}
	}
}
