package files

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
	"github.com/casefile/casefile/internal/testenv"
	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/spec"
)

const secret = "LeakedSecretValue123"

func engine(t *testing.T) *redact.Engine {
	t.Helper()
	eng, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func keyPEM(t *testing.T) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// keyWords are the base64 lines of a PEM block.
func keyWords(block []byte) []string {
	var out []string
	for _, l := range strings.Split(string(block), "\n") {
		if len(l) > 16 && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}

// leaked returns what of the secret or the key ships in out: any tail of the password of 4 or
// more characters, or half a key line.
func leaked(out string, words []string) string {
	for k := 0; k <= len(secret)-4; k++ {
		if strings.Contains(out, secret[k:]) {
			return secret[k:]
		}
	}
	for _, w := range words {
		if strings.Contains(out, w[len(w)/2:]) {
			return w
		}
	}
	return ""
}

func nextLineStart(data []byte, off int) int {
	if off <= 0 || data[off-1] == '\n' {
		return max(off, 0)
	}
	if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(data)
}

func writeFile(t *testing.T, root, rel string, data []byte) string {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// collect runs one spec files source over pattern with the real redactor.
func collect(t *testing.T, eng *redact.Engine, root, pattern string, maxFile int64) (*collectorstest.Sink, []Record, error) {
	t.Helper()
	c := New("app", []string{pattern}, root, spec.Size(maxFile))
	sink := &collectorstest.Sink{Family: "files", Redactor: eng}
	err := c.Collect(context.Background(), sink)
	var idx []Record
	if jerr := sink.JSON("files/app/index.json", &idx); jerr != nil {
		t.Fatal(jerr)
	}
	return sink, idx, err
}

func sampleLog(key []byte) []byte {
	var b bytes.Buffer
	b.WriteString("2026-11-27T09:59:00Z app: starting\n")
	b.WriteString("login password=" + secret + "\n")
	b.WriteString("2026-11-27T09:59:30Z app: loaded key:\n")
	b.Write(key)
	b.WriteString("2026-11-27T10:00:01Z app: key loaded\n")
	b.WriteString("2026-11-27T10:00:02Z app: serving\n")
	return b.Bytes()
}

// expectStart is where the kept part must start for a cut at off: the next line start, or past
// the END line when the cut is inside the key block.
func expectStart(data, key []byte, off int) int {
	begin := bytes.Index(data, key)
	end := begin + len(key)
	if off > begin && off < end {
		return end
	}
	return nextLineStart(data, off)
}

func TestTailCutAtEveryOffset(t *testing.T) {
	eng := engine(t)
	key := keyPEM(t)
	words := keyWords(key)
	data := sampleLog(key)
	root := t.TempDir()
	writeFile(t, root, "etc/app/app.log", data)
	size := len(data)
	for off := 1; off < size; off++ {
		sink, idx, err := collect(t, eng, root, "/etc/app/app.log", int64(size-off))
		want := expectStart(data, key, off)
		got, _ := sink.File("files/app/etc/app/app.log")
		if want == size {
			// No whole line in the newest part: the head is kept instead (longline_test.go).
			kept, seen, ok := sink.Truncated("files/app/etc/app/app.log")
			if !collectors.IsPartial(err) || !ok || seen != int64(size) || kept <= 0 || kept > int64(size-off) {
				t.Fatalf("cut at %d: %v, truncation %d/%d %v", off, err, kept, seen, ok)
			}
			if exp := eng.String("etc/app/app.log", string(data[:kept])); string(got) != exp {
				t.Fatalf("cut at %d: head got\n%q\nwant\n%q", off, got, exp)
			}
			if l := leaked(string(got), words); l != "" {
				t.Fatalf("cut at %d: %q shipped in\n%s", off, l, got)
			}
			continue
		}
		if err != nil {
			t.Fatalf("cut at %d: %v", off, err)
		}
		if exp := eng.String("etc/app/app.log", string(data[want:])); string(got) != exp {
			t.Fatalf("cut at %d: got\n%q\nwant (from %d)\n%q", off, got, want, exp)
		}
		if l := leaked(string(got), words); l != "" {
			t.Fatalf("cut at %d: %q shipped in\n%s", off, l, got)
		}
		kept, seen, ok := sink.Truncated("files/app/etc/app/app.log")
		if !ok || kept != int64(size-want) || seen != int64(size) {
			t.Fatalf("cut at %d: truncation %d/%d %v, want %d/%d", off, kept, seen, ok, size-want, size)
		}
		if r := idx[0]; !r.Truncated || r.Kept != int64(size-want) || r.Seen != int64(size) || r.Bundle == "" {
			t.Fatalf("cut at %d: record %+v", off, r)
		}
	}
}

func gz(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zst(t *testing.T, data []byte) []byte {
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	return w.EncodeAll(data, nil)
}

// tool compresses a copy of data with a real command-line tool, or skips when it is missing.
func tool(t *testing.T, name string, data []byte, args ...string) []byte {
	t.Helper()
	testenv.NeedTool(t, name)
	cmd := exec.Command(name, args...)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

func utf16Bytes(s string, be bool) []byte {
	units := append([]uint16{0xfeff}, utf16.Encode([]rune(s))...)
	out := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if be {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

func TestCompressedAndUTF16AreReadAsText(t *testing.T) {
	eng := engine(t)
	text := "[db]\nhost = db1\nlogin password=" + secret + "\nnote = café ☕ 🙂\n"
	for _, c := range []struct {
		name, file, stored, decompressed, transcoded string
		data                                         func(t *testing.T) []byte
	}{
		{"gzip", "app.conf.gz", "app.conf", "gzip", "", func(t *testing.T) []byte { return gz(t, []byte(text)) }},
		{"zstd", "app.conf.zst", "app.conf", "zstd", "", func(t *testing.T) []byte { return zst(t, []byte(text)) }},
		{"bzip2", "app.conf.bz2", "app.conf", "bzip2", "", func(t *testing.T) []byte { return tool(t, "bzip2", []byte(text), "-c") }},
		{"gzip-no-suffix", "app.conf", "app.conf", "gzip", "", func(t *testing.T) []byte { return gz(t, []byte(text)) }},
		{"utf16le", "app.conf", "app.conf", "", "utf-16le", func(t *testing.T) []byte { return utf16Bytes(text, false) }},
		{"utf16be", "app.conf", "app.conf", "", "utf-16be", func(t *testing.T) []byte { return utf16Bytes(text, true) }},
		{"utf16le-iconv", "app.conf", "app.conf", "", "utf-16le", func(t *testing.T) []byte {
			return append([]byte{0xff, 0xfe}, tool(t, "iconv", []byte(text), "-f", "UTF-8", "-t", "UTF-16LE")...)
		}},
		{"gzipped-utf16", "app.conf.gz", "app.conf", "gzip", "utf-16le", func(t *testing.T) []byte { return gz(t, utf16Bytes(text, false)) }},
		{"xz", "app.conf.xz", "app.conf", "xz", "", func(t *testing.T) []byte { return tool(t, "xz", []byte(text), "-c") }},
		{"xz-library", "app.conf.xz", "app.conf", "xz", "", func(t *testing.T) []byte { return collectorstest.XZ(t, []byte(text)) }},
		{"xz-utf16be", "app.conf.xz", "app.conf", "xz", "utf-16be", func(t *testing.T) []byte { return collectorstest.XZ(t, utf16Bytes(text, true)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, root, "etc/app/"+c.file, c.data(t))
			sink, idx, err := collect(t, eng, root, "/etc/app/*", 0)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := sink.File("files/app/etc/app/" + c.stored)
			if !ok {
				t.Fatalf("nothing stored as %s: %v", c.stored, sink.Files())
			}
			if want := eng.String("x", text); string(got) != want {
				t.Fatalf("stored\n%q\nwant\n%q", got, want)
			}
			if strings.Contains(string(got), "Value123") || !strings.Contains(string(got), "café ☕ 🙂") {
				t.Fatalf("stored %q", got)
			}
			r := idx[0]
			if r.Decompressed != c.decompressed || r.Transcoded != c.transcoded || r.Bundle != "files/app/etc/app/"+c.stored || r.Truncated {
				t.Fatalf("record %+v", r)
			}
		})
	}
}

func TestBinaryFilesAreLeftOut(t *testing.T) {
	eng := engine(t)
	root := t.TempDir()
	utf16NoBOM := utf16Bytes("password="+secret+"\n", false)[2:]
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0, 1, 2}, 100)...)
	files := map[string][]byte{
		"utf16-nobom.conf": utf16NoBOM,
		"logo.png":         png,
		"tarball.tar.gz":   gz(t, append([]byte("etc/app.conf\x00\x00\x00\x000000644"), make([]byte, 600)...)),
		"data.bin":         append([]byte("password="+secret+"\n"), 0, 0, 0),
		"plain.conf":       []byte("password=" + secret + "\n"),
	}
	// An xz file is decoded now; one whose content is binary is still left out.
	files["core.xz"] = collectorstest.XZ(t, append([]byte("password="+secret+"\n"), 0, 0, 0))
	for name, data := range files {
		writeFile(t, root, "etc/app/"+name, data)
	}
	sink, idx, err := collect(t, eng, root, "/etc/app/*", 0)
	if err != nil {
		t.Fatalf("leaving binaries out is not an error: %v", err)
	}
	if got := strings.Join(sink.Files(), " "); got != "files/app/etc/app/plain.conf files/app/index.json" {
		t.Fatalf("files %s", got)
	}
	for _, r := range idx {
		if filepath.Base(r.Source) == "plain.conf" {
			continue
		}
		if r.Skipped != SkipBinary || r.Bundle != "" {
			t.Errorf("record %+v, want skipped as binary", r)
		}
	}
	if len(idx) != len(files) {
		t.Errorf("%d records for %d files", len(idx), len(files))
	}
	// Only binaries: nothing copied, the collector says why.
	os.Remove(filepath.Join(root, "etc/app/plain.conf"))
	_, _, err = collect(t, eng, root, "/etc/app/*", 0)
	if !collectors.IsSkip(err) || !strings.Contains(err.Error(), "could be copied") {
		t.Errorf("only binaries: Collect = %v, want a skip saying none could be copied", err)
	}
}

func TestCompressedCapKeepsNewestFromSafeStart(t *testing.T) {
	eng := engine(t)
	key := keyPEM(t)
	words := keyWords(key)
	data := sampleLog(key)
	begin := bytes.Index(data, key)
	root := t.TempDir()
	writeFile(t, root, "var/app/app.log.gz", gz(t, data))
	size := len(data)
	// Cuts around the password line and through the key.
	for off := 1; off < size; off += 1 + off/begin*6 {
		sink, idx, err := collect(t, eng, root, "/var/app/app.log.gz", int64(size-off))
		if err != nil {
			t.Fatalf("cut at %d: %v", off, err)
		}
		want := expectStart(data, key, off)
		got, _ := sink.File("files/app/var/app/app.log")
		if exp := eng.String("x", string(data[want:])); string(got) != exp {
			t.Fatalf("cut at %d: got\n%q\nwant (from %d)\n%q", off, got, want, exp)
		}
		if l := leaked(string(got), words); l != "" {
			t.Fatalf("cut at %d: %q shipped", off, l)
		}
		if r := idx[0]; !r.Truncated || r.Kept != int64(size-want) || r.Seen != int64(size) || r.Decompressed != "gzip" {
			t.Fatalf("cut at %d: record %+v", off, r)
		}
		if kept, seen, _ := sink.Truncated("files/app/var/app/app.log"); kept != int64(size-want) || seen != int64(size) {
			t.Fatalf("cut at %d: truncation %d/%d", off, kept, seen)
		}
	}
}

func TestUTF16CapCutsTranscodedText(t *testing.T) {
	eng := engine(t)
	text := "first = 1\nlogin password=" + secret + "\nnote = é\nlast = 🙂\n"
	root := t.TempDir()
	writeFile(t, root, "etc/app.conf", utf16Bytes(text, false))
	for off := 1; off < len(text); off++ {
		sink, _, err := collect(t, eng, root, "/etc/app.conf", int64(len(text)-off))
		got, _ := sink.File("files/app/etc/app.conf")
		want := nextLineStart([]byte(text), off)
		if want == len(text) {
			// No whole line in the newest part: the head of the text is kept instead.
			kept, _, ok := sink.Truncated("files/app/etc/app.conf")
			if !collectors.IsPartial(err) || !ok || kept <= 0 {
				t.Fatalf("cut at %d: %v, truncation %d %v", off, err, kept, ok)
			}
			if exp := eng.String("x", text[:kept]); string(got) != exp {
				t.Fatalf("cut at %d: head got %q want %q", off, got, exp)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if exp := eng.String("x", text[want:]); string(got) != exp {
			t.Fatalf("cut at %d: got %q want %q", off, got, exp)
		}
	}
}

func TestMissingAddedPathFails(t *testing.T) {
	root := t.TempDir()
	cs, _ := Collectors(collectors.Options{Spec: &spec.Spec{}, Root: root, Add: []string{"/nonexistent"}})
	sink := &collectorstest.Sink{Family: "files"}
	err := cs[0].Collect(context.Background(), sink)
	if err == nil || collectors.IsPartial(err) || collectors.IsSkip(err) || !strings.Contains(err.Error(), "/nonexistent") || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("Collect = %v, want a failure naming the path", err)
	}
	var idx []Record
	sink.JSON("files/added/index.json", &idx)
	if len(idx) != 1 || idx[0].Source != "/nonexistent" || idx[0].Error == "" {
		t.Fatalf("index %+v", idx)
	}
}

func TestGlobMatchingFolderIsWalked(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "etc/app/conf.d/a.conf", []byte("a\n"))
	writeFile(t, root, "etc/app/conf.d/sub/b.conf", []byte("b\n"))
	writeFile(t, root, "etc/app/main.conf", []byte("m\n"))
	writeFile(t, root, "etc/outside/secret.conf", []byte("s\n"))
	os.Symlink("../outside", filepath.Join(root, "etc/app/linked"))
	sink, idx, err := collect(t, engine(t), root, "/etc/app/*", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := "files/app/etc/app/conf.d/a.conf files/app/etc/app/conf.d/sub/b.conf files/app/etc/app/main.conf files/app/index.json"
	if got := strings.Join(sink.Files(), " "); got != want {
		t.Fatalf("files\n got %s\nwant %s", got, want)
	}
	for _, r := range idx {
		if r.Source == "/etc/app/linked" && r.Skipped != SkipDirLink {
			t.Errorf("symlinked folder record %+v", r)
		}
	}
}

func TestEarlierBundlesAreNotPacked(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"casefile-host-20261127T100000Z.tar.gz", "casefile-x.tar.zst", "casefile-y.zip"} {
		writeFile(t, root, "home/u/support/"+n, []byte("not read\n"))
	}
	writeFile(t, root, "home/u/support/notes.txt", []byte("notes\n"))
	writeFile(t, root, "home/u/support/casefile-notes.txt", []byte("kept\n"))
	cs, _ := Collectors(collectors.Options{Spec: &spec.Spec{}, Root: root, Add: []string{"/home/u/support"}})
	sink := &collectorstest.Sink{Family: "files"}
	if err := cs[0].Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	want := "files/added/home/u/support/casefile-notes.txt files/added/home/u/support/notes.txt files/added/index.json"
	if got := strings.Join(sink.Files(), " "); got != want {
		t.Fatalf("files\n got %s\nwant %s", got, want)
	}
	var idx []Record
	sink.JSON("files/added/index.json", &idx)
	n := 0
	for _, r := range idx {
		if r.Skipped == SkipBundle {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d bundles recorded as skipped: %+v", n, idx)
	}
}
