package bundle

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A .tar.gz cut by 1-10 bytes, or whose gzip CRC/length trailer is zeroed, is refused: the
// reader reads the stream to its end so the decompressor checks the trailer (gzip -t fails on
// such a file, and so must verify).
func TestReadRefusesCutOrCorruptTrailer(t *testing.T) {
	for _, format := range []string{"tar.gz", "tar.zst"} {
		p, _ := makeBundle(t, t.TempDir(), format, sample, Limits{})
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Read(p, DefaultReadLimits); err != nil {
			t.Fatalf("%s: the intact bundle: %v", format, err)
		}
		bad := filepath.Join(t.TempDir(), "bad."+format)
		for cut := 1; cut <= 10; cut++ {
			os.WriteFile(bad, raw[:len(raw)-cut], 0o644)
			if _, err := Read(bad, DefaultReadLimits); !errors.Is(err, ErrUnsafe) {
				t.Errorf("%s cut by %d bytes: err = %v, want ErrUnsafe", format, cut, err)
			}
		}
		if format == "tar.gz" {
			for _, name := range []string{"crc", "length"} {
				z := append([]byte{}, raw...)
				off := len(z) - 8
				if name == "length" {
					off = len(z) - 4
				}
				copy(z[off:off+4], []byte{0, 0, 0, 0})
				os.WriteFile(bad, z, 0o644)
				if _, err := Read(bad, DefaultReadLimits); !errors.Is(err, ErrUnsafe) {
					t.Errorf("gzip %s zeroed: err = %v, want ErrUnsafe", name, err)
				}
			}
		}
	}
}

func TestReadRefusesOtherSchemasAndNull(t *testing.T) {
	p, _ := makeBundle(t, t.TempDir(), "tar.gz", sample, Limits{})
	for name, edit := range map[string]func([]byte) []byte{
		"schema 2": func(d []byte) []byte {
			return []byte(strings.Replace(string(d), `"schema_version": 1`, `"schema_version": 2`, 1))
		},
		"schema 0": func(d []byte) []byte {
			return []byte(strings.Replace(string(d), `"schema_version": 1`, `"schema_version": 0`, 1))
		},
		"null":     func([]byte) []byte { return []byte("null\n") },
		"empty {}": func([]byte) []byte { return []byte("{\"schema_version\": 1}\n") },
	} {
		bad := filepath.Join(t.TempDir(), "b.tar.gz")
		rewrite(t, p, bad, func(n string, d []byte) []byte {
			if n == "/manifest.json" || n == "manifest.json" {
				return edit(d)
			}
			return d
		}, nil)
		_, err := Read(bad, DefaultReadLimits)
		if !errors.Is(err, ErrUnsafe) {
			t.Errorf("%s: err = %v, want ErrUnsafe", name, err)
			continue
		}
		if name == "schema 2" && !strings.Contains(err.Error(), "newer casefile") {
			t.Errorf("schema 2: %v, want it to say a newer casefile made it", err)
		}
	}
}

// An unpacked bundle folder reads and verifies like the archive; links in it are refused.
func TestReadUnpackedFolder(t *testing.T) {
	p, _ := makeBundle(t, t.TempDir(), "tar.gz", sample, Limits{})
	dir := t.TempDir()
	if err := extractForTest(p, dir); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("extracted %v", entries)
	}
	top := filepath.Join(dir, entries[0].Name())
	c, err := Read(top, DefaultReadLimits)
	if err != nil {
		t.Fatal(err)
	}
	if probs := c.Verify(); len(probs) != 0 || c.Top != entries[0].Name() {
		t.Errorf("folder: top %q, problems %v", c.Top, probs)
	}
	os.WriteFile(filepath.Join(top, "files", "test", "notes.txt"), []byte("changed\n"), 0o644)
	c, _ = Read(top, DefaultReadLimits)
	if probs := c.Verify(); len(probs) != 1 || probs[0].Path != "files/test/notes.txt" {
		t.Errorf("a changed file in the folder: %v", probs)
	}
	os.Symlink("/etc/passwd", filepath.Join(top, "files", "link"))
	if _, err := Read(top, DefaultReadLimits); !errors.Is(err, ErrUnsafe) {
		t.Errorf("symlink in folder: err = %v, want ErrUnsafe", err)
	}
}

// extractForTest unpacks a bundle with the reader's own walk (names are checked by it) into
// dir/<top>.
func extractForTest(p, dir string) error {
	tmp := filepath.Join(dir, ".unpacking")
	top, err := Walk(p, DefaultReadLimits, func(e Entry, r io.Reader) error {
		dst := filepath.Join(tmp, filepath.FromSlash(e.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, top))
}
