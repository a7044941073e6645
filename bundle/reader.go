package bundle

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"
)

// ReadLimits protect the reader from hostile archives.
type ReadLimits struct {
	MaxEntries   int   // entries in the archive
	MaxEntrySize int64 // bytes in one file
	MaxTotalSize int64 // decompressed bytes in all
	MaxRatio     int64 // decompressed / compressed, checked once past RatioFloor bytes
	RatioFloor   int64
	MaxMetaSize  int64 // manifest.json, environment.json, redaction.json, findings.json
	MaxFindings  int   // findings.json entries; more is refused (0: DefaultMaxFindings)
}

// DefaultReadLimits fit any bundle casefile writes (500 MiB cap) with room to spare.
var DefaultReadLimits = ReadLimits{
	MaxEntries:   200_000,
	MaxEntrySize: 2 << 30,
	MaxTotalSize: 8 << 30,
	MaxRatio:     1000,
	RatioFloor:   64 << 20,
	MaxMetaSize:  64 << 20,
	MaxFindings:  DefaultMaxFindings,
}

// ErrUnsafe is wrapped by every refusal of a hostile or malformed archive.
var ErrUnsafe = errors.New("unsafe or malformed bundle")

func unsafef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsafe, fmt.Sprintf(format, args...))
}

// Entry is one regular file of a bundle, its name relative to the top folder.
type Entry struct {
	Name string
	Size int64
}

// Walk calls fn for every regular file in the bundle at p, in archive order, with a reader of its
// content bounded by the limits. Directory entries are checked and skipped. fn need not read the
// content. Links, devices, traversal, absolute names and content outside the single top folder
// are refused.
func Walk(p string, lim ReadLimits, fn func(e Entry, r io.Reader) error) (top string, err error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if st.IsDir() {
		// No compression: the ratio check does not apply (compSize makes the ratio 0).
		w := &walker{lim: lim, fn: fn, compSize: 1 << 62}
		err := w.dir(p)
		return w.top, err
	}
	cr := &countReader{r: f}
	br := bufio.NewReader(cr)
	magic, _ := br.Peek(4)
	w := &walker{lim: lim, compressed: cr, fn: fn}
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return "", unsafef("gzip: %v", err)
		}
		zr.Multistream(false)
		err = w.tar(zr)
		return w.top, err
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(256<<20), zstd.WithDecoderMaxWindow(64<<20))
		if err != nil {
			return "", unsafef("zstd: %v", err)
		}
		defer zr.Close()
		err = w.tar(zr)
		return w.top, err
	case bytes.HasPrefix(magic, []byte("PK\x03\x04")), bytes.HasPrefix(magic, []byte("PK\x05\x06")):
		err = w.zip(f, st.Size())
		return w.top, err
	default:
		return "", unsafef("%s is not a casefile bundle (not tar.gz, tar.zst or zip)", p)
	}
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type walker struct {
	lim        ReadLimits
	compressed *countReader
	compSize   int64
	fn         func(Entry, io.Reader) error
	top        string
	entries    int
	total      int64
}

// name checks an archive name and returns it relative to the top folder ("" for the top itself).
func (w *walker) name(raw string, isDir bool) (string, error) {
	w.entries++
	if w.entries > w.lim.MaxEntries {
		return "", unsafef("more than %d entries", w.lim.MaxEntries)
	}
	if raw == "" || strings.HasPrefix(raw, "/") || strings.Contains(raw, `\`) || strings.Contains(raw, "\x00") ||
		(len(raw) > 1 && raw[1] == ':') {
		return "", unsafef("absolute or invalid path %q", raw)
	}
	for _, seg := range strings.Split(strings.TrimSuffix(raw, "/"), "/") {
		if seg == ".." || seg == "." || seg == "" {
			return "", unsafef("path traversal in %q", raw)
		}
	}
	clean := path.Clean(raw)
	topPart, rest, _ := strings.Cut(clean, "/")
	if w.top == "" {
		w.top = topPart
	} else if topPart != w.top {
		return "", unsafef("entry %q outside the top folder %q", raw, w.top)
	}
	if rest == "" && !isDir {
		return "", unsafef("file %q at the archive root", raw)
	}
	return rest, nil
}

func (w *walker) bounded(name string, declared int64, r io.Reader) *limitedEntry {
	return &limitedEntry{w: w, name: name, r: r, declared: declared}
}

// limitedEntry enforces the per-entry, total and ratio limits while the content is read.
type limitedEntry struct {
	w        *walker
	name     string
	r        io.Reader
	declared int64
	n        int64
}

func (l *limitedEntry) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	l.w.total += int64(n)
	lim := l.w.lim
	switch {
	case l.n > lim.MaxEntrySize:
		return n, unsafef("%s is larger than %d bytes", l.name, lim.MaxEntrySize)
	case l.w.total > lim.MaxTotalSize:
		return n, unsafef("content larger than %d bytes in all", lim.MaxTotalSize)
	case l.w.total > lim.RatioFloor && l.w.compressedSoFar() > 0 && l.w.total/l.w.compressedSoFar() > lim.MaxRatio:
		return n, unsafef("compression ratio above %d:1 (decompression bomb?)", lim.MaxRatio)
	}
	return n, err
}

func (w *walker) compressedSoFar() int64 {
	if w.compSize > 0 {
		return w.compSize
	}
	return w.compressed.n
}

func (w *walker) tar(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			if w.top == "" {
				return unsafef("empty archive")
			}
			return w.drain(r)
		}
		if err != nil {
			return unsafef("reading archive: %v", err)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if _, err := w.name(h.Name, true); err != nil {
				return err
			}
			continue
		case tar.TypeReg:
		case tar.TypeSymlink, tar.TypeLink:
			return unsafef("link %q -> %q: bundles hold no links", h.Name, h.Linkname)
		default:
			return unsafef("entry %q has unsupported type %q", h.Name, h.Typeflag)
		}
		rel, err := w.name(h.Name, false)
		if err != nil {
			return err
		}
		if h.Size < 0 || h.Size > w.lim.MaxEntrySize {
			return unsafef("%s declares %d bytes (limit %d)", rel, h.Size, w.lim.MaxEntrySize)
		}
		le := w.bounded(rel, h.Size, tr)
		if err := w.fn(Entry{Name: rel, Size: h.Size}, le); err != nil {
			return err
		}
		// Drain what fn did not read, still under the limits.
		if _, err := io.Copy(io.Discard, le); err != nil {
			if errors.Is(err, ErrUnsafe) {
				return err
			}
			return unsafef("reading %s: %v", rel, err)
		}
	}
}

// maxTrailer bounds what may follow the tar end marker inside the compressed stream (record
// padding): reading it to the end lets the decompressor check its trailer — gzip's CRC-32 and
// length, zstd's frame checksum — so a cut or corrupted archive is never reported as intact.
const maxTrailer = 1 << 20

func (w *walker) drain(r io.Reader) error {
	n, err := io.Copy(io.Discard, io.LimitReader(r, maxTrailer+1))
	switch {
	case err != nil:
		return unsafef("archive is cut short or corrupted after its last entry: %v", err)
	case n > maxTrailer:
		return unsafef("more than %d bytes after the end of the archive", maxTrailer)
	}
	return nil
}

func (w *walker) zip(f *os.File, size int64) error {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return unsafef("zip: %v", err)
	}
	w.compSize = size
	if len(zr.File) > w.lim.MaxEntries {
		return unsafef("more than %d entries", w.lim.MaxEntries)
	}
	if len(zr.File) == 0 {
		return unsafef("empty archive")
	}
	for _, zf := range zr.File {
		mode := zf.Mode()
		isDir := strings.HasSuffix(zf.Name, "/")
		switch {
		case mode&os.ModeSymlink != 0:
			return unsafef("link %q: bundles hold no links", zf.Name)
		case isDir:
			if _, err := w.name(zf.Name, true); err != nil {
				return err
			}
			continue
		case !mode.IsRegular():
			return unsafef("entry %q is not a regular file", zf.Name)
		}
		rel, err := w.name(zf.Name, false)
		if err != nil {
			return err
		}
		if zf.UncompressedSize64 > uint64(w.lim.MaxEntrySize) {
			return unsafef("%s declares %d bytes (limit %d)", rel, zf.UncompressedSize64, w.lim.MaxEntrySize)
		}
		rc, err := zf.Open()
		if err != nil {
			return unsafef("opening %s: %v", rel, err)
		}
		le := w.bounded(rel, int64(zf.UncompressedSize64), rc)
		err = w.fn(Entry{Name: rel, Size: int64(zf.UncompressedSize64)}, le)
		if err == nil {
			if _, cerr := io.Copy(io.Discard, le); cerr != nil {
				err = cerr
				if !errors.Is(err, ErrUnsafe) {
					err = unsafef("reading %s: %v", rel, err)
				}
			}
		}
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// dir walks an unpacked bundle: the folder is the top folder (its name is the bundle's), every
// file under it an entry. Links, devices and other special files are refused as in an archive.
func (w *walker) dir(root string) error {
	w.top = filepath.Base(filepath.Clean(root))
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			return unsafef("link %q: bundles hold no links", rel)
		case d.IsDir():
			_, err := w.name(w.top+"/"+rel, true)
			return err
		case !d.Type().IsRegular():
			return unsafef("%q is not a regular file", rel)
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return unsafef("empty bundle folder %s", root)
	}
	for _, rel := range files {
		name, err := w.name(w.top+"/"+rel, false)
		if err != nil {
			return err
		}
		f, err := os.Open(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		st, err := f.Stat()
		if err == nil && st.Size() > w.lim.MaxEntrySize {
			err = unsafef("%s is larger than %d bytes", name, w.lim.MaxEntrySize)
		}
		if err == nil {
			le := w.bounded(name, st.Size(), f)
			if err = w.fn(Entry{Name: name, Size: st.Size()}, le); err == nil {
				_, err = io.Copy(io.Discard, le)
			}
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
