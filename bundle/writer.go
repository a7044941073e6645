package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"
)

// Write packs the staged files plus manifest.json into outDir, under a temporary name renamed into
// place when complete. It returns the archive's path. The same staged content, manifest and format
// give the same bytes.
func (s *Stage) Write(ctx context.Context, m *Manifest, outDir string) (string, error) {
	ext, ok := Extensions[m.Format]
	if !ok {
		return "", CheckFormat(m.Format)
	}
	// Free text in the manifest passes through the redactor here, whoever filled it in, before
	// the report is taken, so redaction.json counts the manifest's redactions too.
	s.redactManifest(m)
	rep := s.eng.Report()
	m.Redaction = RedactionSummary{Total: rep.Total, Files: rep.Files, Dropped: len(rep.Dropped)}
	if err := s.writeReport(rep); err != nil {
		return "", err
	}
	s.countRedactions()
	m.Files = s.Files()
	m.RawExemptions = append([]RawExemption{{Path: "manifest.json", Reason: "hashes and sizes; free-text values redacted one by one"}}, s.raw...)
	man, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", err
	}
	man = append(man, '\n')

	top := Name(m.Ticket, m.Host, m.CreatedAt, m.BundleID)
	final := filepath.Join(outDir, top+ext)
	tmp, err := os.CreateTemp(outDir, tempPrefix(partialPrefix)+"*")
	if err != nil {
		return "", fmt.Errorf("creating bundle: %w", err)
	}
	ok = false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	entries := []archEntry{{name: "manifest.json", data: man}}
	for _, f := range m.Files {
		entries = append(entries, archEntry{name: f.Path, size: f.Size, staged: true})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })

	var aw archiveWriter
	switch m.Format {
	case "zip":
		aw = newZipWriter(tmp, m)
	default:
		aw, err = newTarWriter(tmp, m)
	}
	if err != nil {
		return "", err
	}
	dirs := map[string]bool{}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		for _, d := range parentDirs(top + "/" + e.name) {
			if !dirs[d] {
				dirs[d] = true
				if err := aw.dir(d); err != nil {
					return "", err
				}
			}
		}
		var r io.Reader = bytes.NewReader(e.data)
		size := int64(len(e.data))
		if e.staged {
			f, err := s.Open(e.name)
			if err != nil {
				return "", err
			}
			r, size = f, e.size
			err = aw.file(top+"/"+e.name, size, io.LimitReader(r, size))
			f.Close()
			if err != nil {
				return "", fmt.Errorf("writing %s: %w", e.name, err)
			}
			continue
		}
		if err := aw.file(top+"/"+e.name, size, r); err != nil {
			return "", fmt.Errorf("writing %s: %w", e.name, err)
		}
	}
	if err := aw.close(); err != nil {
		return "", fmt.Errorf("finishing bundle: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("finishing bundle: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("finishing bundle: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return "", err
	}
	// Never replace an earlier bundle (same id in the same second): link fails if final exists.
	if err := os.Link(tmp.Name(), final); err != nil {
		if _, serr := os.Lstat(final); serr == nil {
			return "", fmt.Errorf("%s already exists; not overwriting it", final)
		}
		// No hard links here (some Windows and network file systems): check, then rename.
		if err := os.Rename(tmp.Name(), final); err != nil {
			return "", fmt.Errorf("finishing bundle: %w", err)
		}
	} else {
		os.Remove(tmp.Name())
	}
	ok = true
	return final, nil
}

type archEntry struct {
	name   string
	data   []byte
	size   int64
	staged bool
}

// parentDirs returns "a/", "a/b/" for "a/b/c".
func parentDirs(p string) []string {
	var out []string
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			out = append(out, p[:i+1])
		}
	}
	return out
}

type archiveWriter interface {
	dir(name string) error
	file(name string, size int64, r io.Reader) error
	close() error
}

type tarWriter struct {
	m    *Manifest
	tw   *tar.Writer
	comp io.WriteCloser
}

func newTarWriter(w io.Writer, m *Manifest) (*tarWriter, error) {
	t := &tarWriter{m: m}
	switch m.Format {
	case "tar.gz":
		gz, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
		if err != nil {
			return nil, err
		}
		// No name, no time: gzip.Header is left zero, so the header bytes are fixed.
		t.comp = gz
	case "tar.zst":
		zw, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault))
		if err != nil {
			return nil, err
		}
		t.comp = zw
	default:
		return nil, CheckFormat(m.Format)
	}
	t.tw = tar.NewWriter(t.comp)
	return t, nil
}

func (t *tarWriter) hdr(name string, typ byte, mode, size int64) *tar.Header {
	return &tar.Header{
		Typeflag: typ, Name: name, Mode: mode, Size: size,
		ModTime: t.m.CreatedAt.UTC(), Uid: 0, Gid: 0, Format: tar.FormatPAX,
	}
}

func (t *tarWriter) dir(name string) error {
	return t.tw.WriteHeader(t.hdr(name, tar.TypeDir, 0o755, 0))
}

func (t *tarWriter) file(name string, size int64, r io.Reader) error {
	if err := t.tw.WriteHeader(t.hdr(name, tar.TypeReg, 0o644, size)); err != nil {
		return err
	}
	n, err := io.Copy(t.tw, r)
	if err == nil && n != size {
		err = fmt.Errorf("short staged file: %d of %d bytes", n, size)
	}
	return err
}

func (t *tarWriter) close() error {
	if err := t.tw.Close(); err != nil {
		return err
	}
	return t.comp.Close()
}

type zipWriter struct {
	m  *Manifest
	zw *zip.Writer
}

func newZipWriter(w io.Writer, m *Manifest) *zipWriter {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.DefaultCompression)
	})
	return &zipWriter{m: m, zw: zw}
}

func (z *zipWriter) header(name string, mode os.FileMode) *zip.FileHeader {
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: z.m.CreatedAt.UTC()}
	h.SetMode(mode)
	if strings.HasSuffix(name, "/") {
		h.Method = zip.Store
	}
	return h
}

func (z *zipWriter) dir(name string) error {
	_, err := z.zw.CreateHeader(z.header(name, os.ModeDir|0o755))
	return err
}

func (z *zipWriter) file(name string, size int64, r io.Reader) error {
	w, err := z.zw.CreateHeader(z.header(name, 0o644))
	if err != nil {
		return err
	}
	n, err := io.Copy(w, r)
	if err == nil && n != size {
		err = fmt.Errorf("short staged file: %d of %d bytes", n, size)
	}
	return err
}

func (z *zipWriter) close() error { return z.zw.Close() }
