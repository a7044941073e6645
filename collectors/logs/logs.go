// Package logs collects log files and the OS logs (journald, the kernel ring buffer, syslog files,
// macOS unified logging, Windows event logs) for a time window, bounded by per-file and
// per-collector caps that keep the newest part, streamed through the sink's redactor.
//
// How a file is cut without buffering it: a plain file is seekable, so a binary search on line
// timestamps finds the byte offset where the window starts, and the copy starts at
// max(window start, end of file - cap), moved forward to a line start. A compressed file (gzip,
// zstd, bzip2, xz) is read twice: a first pass finds the window start and the decompressed size, the
// second skips to the same offset and streams the rest. Nothing unredacted is written anywhere
// but the sink; memory holds only read buffers. Logs read from a command (journalctl, dmesg, log
// show, wevtutil) keep their newest part in the bundle file itself: the output passes through the
// redactor into the staged file, which is cut to its newest lines there (collectors.CreateTail),
// so no copy of it is held in memory.
package logs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/spec"
)

// Collectors returns one collector per spec log source, one for the --log globs, and the OS
// default sources that the spec does not override by name.
func Collectors(opts collectors.Options) ([]collectors.Collector, error) {
	var out []collectors.Collector
	names := map[string]bool{}
	var specLogs []spec.LogSource
	if opts.Spec != nil {
		specLogs = opts.Spec.Logs
	}
	caps := capsFrom(opts)
	all := newFileCount(maxAllFiles)
	for _, l := range specLogs {
		names[l.Name] = true
		since := time.Duration(l.Since)
		if opts.Since > 0 || since <= 0 {
			since = windowOf(opts)
		}
		maxFile := int64(l.MaxFileSize)
		if maxFile <= 0 {
			maxFile = caps.file
		}
		out = append(out, &fileSource{
			name: l.Name, globs: l.Paths, root: opts.Root, now: nowOf(opts),
			since: since, sinceAt: opts.SinceTime, until: opts.Until, maxFile: maxFile, maxTotal: caps.collector, all: all,
		})
	}
	if len(opts.Logs) > 0 {
		name := "extra"
		for names[name] {
			name += "-cli"
		}
		names[name] = true
		out = append(out, &fileSource{
			name: name, globs: opts.Logs, root: opts.Root, now: nowOf(opts),
			since: windowOf(opts), sinceAt: opts.SinceTime, until: opts.Until, maxFile: caps.file, maxTotal: caps.collector,
			explicit: true, all: all,
		})
	}
	for _, c := range osDefaults(opts, caps) {
		if !names[strings.TrimPrefix(c.Name(), "logs.")] {
			out = append(out, c)
		}
	}
	return out, nil
}

type capSet struct{ file, collector int64 }

func capsFrom(opts collectors.Options) capSet {
	c := capSet{file: spec.DefaultMaxFileSize, collector: spec.DefaultMaxCollectorSize}
	if opts.Spec != nil {
		if v := int64(opts.Spec.Collectors.MaxFileSize); v > 0 {
			c.file = v
		}
		if v := int64(opts.Spec.Collectors.MaxCollectorSize); v > 0 {
			c.collector = v
		}
	}
	return c
}

func windowOf(opts collectors.Options) time.Duration {
	if !opts.SinceTime.IsZero() {
		// An absolute start: the sources that take a duration (log show --last, wevtutil's
		// timediff) look back to it.
		return max(nowOf(opts).Sub(opts.SinceTime), time.Second)
	}
	if opts.Since > 0 {
		return opts.Since
	}
	return spec.DefaultLogSince
}

func nowOf(opts collectors.Options) time.Time {
	if opts.Now.IsZero() {
		return time.Now()
	}
	return opts.Now
}

// hostPath puts a host path under the fixture root.
func hostPath(root, p string) string {
	if root == "" || root == "/" || root == string(filepath.Separator) {
		return filepath.FromSlash(p)
	}
	return filepath.Join(root, filepath.FromSlash(p))
}

// bundleName turns a host path into a path inside a bundle folder: slash-separated, no leading
// slash, no drive colon.
func bundleName(p string) string {
	p = filepath.ToSlash(p)
	if len(p) >= 2 && p[1] == ':' {
		p = p[:1] + p[2:]
	}
	p = strings.TrimLeft(p, "/")
	if filepath.Separator != '\\' {
		// A backslash is a legal name character here but not in a bundle path.
		p = strings.ReplaceAll(p, `\`, "_")
	}
	return path.Clean(p)
}

// headroom leaves room for redaction markers, which can make a line longer than its source,
// under a cap that the sink enforces on the redacted bytes.
func headroom(limit int64) int64 { return limit - limit/32 }

// indexEntrySize is a generous estimate of one file's record in the index.
const indexEntrySize = 512

// FileEntry is the index record of one log file.
type FileEntry struct {
	Source     string    `json:"source"`
	Path       string    `json:"path,omitempty"` // in the bundle
	Status     string    `json:"status"`         // collected, outside_window, binary, cap_reached, unreadable, failed
	Reason     string    `json:"reason,omitempty"`
	Size       int64     `json:"size"`
	ModTime    time.Time `json:"mod_time"`
	Compressed string    `json:"compressed,omitempty"`
	Timestamps bool      `json:"timestamps"` // the window was cut on line timestamps, not just mtime
	// Format is the timestamp format detected from the file's first lines ("iso8601",
	// "apache-access@field3": the family and, when not at the line start, where in the line).
	Format string `json:"format,omitempty"`
	// FormatsTried lists the families tried when none was recognised.
	FormatsTried []string `json:"formats_tried,omitempty"`
	// OutOfOrder: sampled timestamps went backwards, so the window was found by a linear scan.
	OutOfOrder bool  `json:"out_of_order,omitempty"`
	Offset     int64 `json:"offset"` // where the collected part starts (decompressed bytes)
	Kept       int64 `json:"bytes_kept"`
	Seen       int64 `json:"bytes_seen"` // bytes inside the window
	Truncated  bool  `json:"truncated"`
}

// Index is what a file-log collector writes beside the logs: which files it found and what it did
// with each, so the reader knows what is missing and why.
type Index struct {
	Source      string    `json:"source"`
	Globs       []string  `json:"globs,omitempty"`
	Command     []string  `json:"command,omitempty"`
	Since       time.Time `json:"since"`
	Until       time.Time `json:"until,omitzero"`
	MaxFileSize int64     `json:"max_file_size"`
	MaxTotal    int64     `json:"max_total"`
	// FilesMatched counts what the globs matched (files of any kind, each once); FileLimit is the
	// most files[] lists (and so collects); Omitted counts the matches it does not list.
	FilesMatched int         `json:"files_matched"`
	FileLimit    int         `json:"file_limit"`
	Omitted      *Omitted    `json:"omitted,omitempty"`
	Files        []FileEntry `json:"files"`
	ExitCode     *int        `json:"exit_code,omitempty"`
	Stderr       string      `json:"stderr,omitempty"`
}

// Omitted counts matched files that files[] does not list.
type Omitted struct {
	// FileLimit: inside the window, left out by the file limit (the oldest history goes first).
	FileLimit int `json:"file_limit,omitempty"`
	// OutsideWindow: last modified before the window (or not regular files), not listed.
	OutsideWindow int `json:"outside_window,omitempty"`
	// Unlisted: entries dropped from files[] so that the index fits its size cap; files among
	// them that were collected are still in the bundle.
	Unlisted int `json:"unlisted,omitempty"`
}

// fileSource collects the files matched by globs.
type fileSource struct {
	name     string
	globs    []string
	root     string
	now      time.Time
	since    time.Duration
	sinceAt  time.Time // absolute window start (--since TIME), overrides since
	until    time.Time // window end (--until); zero: open
	maxFile  int64
	maxTotal int64
	loc      *time.Location // zone of timestamps without one (default: local)
	// explicit: the customer named these globs (--log): one that matches nothing is an error.
	explicit bool
	all      *fileCount // the files all log sources of the run may still collect (nil: no limit)
}

// fileCount is the number of files all log sources of one run may still collect.
type fileCount struct {
	limit int
	left  atomic.Int64
}

func newFileCount(n int) *fileCount {
	c := &fileCount{limit: n}
	c.left.Store(int64(n))
	return c
}

func (c *fileCount) take() bool {
	if c == nil {
		return true
	}
	if c.left.Add(-1) < 0 {
		c.left.Add(1)
		return false
	}
	return true
}

func (c *fileCount) giveBack() {
	if c != nil {
		c.left.Add(1)
	}
}

func (c *fileCount) max() int {
	if c == nil {
		return 0
	}
	return c.limit
}

func (s *fileSource) Name() string   { return "logs." + s.name }
func (s *fileSource) Family() string { return collectors.FamilyLogs }

func (s *fileSource) Collect(ctx context.Context, sink collectors.Sink) error {
	since := s.now.Add(-s.since)
	if !s.sinceAt.IsZero() {
		since = s.sinceAt
	}
	maxFile := s.maxFile
	if sc := sink.MaxFileSize(); sc > 0 && maxFile >= sc {
		maxFile = headroom(sc)
	}
	// The index is written last and counts against the collector's cap too: keep room for it.
	// It lists at most limit files, chosen so that their room is at most half the collector's
	// cap and the index fits the file cap (and within maxSourceFiles).
	limit := maxSourceFiles
	if sc := sink.MaxFileSize(); sc > 0 {
		limit = min(limit, int(headroom(sc)/indexEntrySize))
	}
	limit = max(1, min(limit, int(headroom(s.maxTotal)/(2*indexEntrySize))))
	sel, globErrs := s.expand(since, limit)
	files := sel.files()
	if len(files) == 0 && len(globErrs) == 0 {
		return collectors.Skip("no files match %s", strings.Join(s.globs, ", "))
	}
	order(files)
	win := window{since: since, until: s.until}
	idx := Index{Source: s.name, Globs: s.globs, Since: since.UTC(), Until: s.until.UTC(), Files: []FileEntry{},
		FilesMatched: sel.matched, FileLimit: limit}
	if sel.omittedInWindow+sel.omittedOld > 0 {
		idx.Omitted = &Omitted{FileLimit: sel.omittedInWindow, OutsideWindow: sel.omittedOld}
	}
	budget := headroom(s.maxTotal) - int64(len(files))*indexEntrySize
	idx.MaxFileSize, idx.MaxTotal = maxFile, budget
	errs := globErrs
	var notes []error // said in the collector's note; the collector is partial for them
	if n := sel.omittedInWindow; n > 0 {
		notes = append(notes, fmt.Errorf("%d of the %d files matched were left out: at most %d files of one source are collected "+
			"(the oldest history went first; counted under omitted in logs/%s.json)", n, sel.matched, limit, s.name))
	}
	used := map[string]bool{}
	wrote := false
	var skipped []string // not regular files
	allLimit := 0        // files left out by the limit for all sources
	copyBuf := make([]byte, copyBufSize)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		e := FileEntry{Source: f.rel, Size: f.size, ModTime: f.modTime.UTC()}
		switch {
		case f.kind != "":
			e.Status, e.Reason = "not_regular", "not a regular file ("+f.kind+"): not read"
			if len(skipped) < 5 {
				skipped = append(skipped, fmt.Sprintf("%s: not a regular file (%s)", f.rel, f.kind))
			}
		case f.modTime.Before(since):
			e.Status, e.Reason = "outside_window", "last modified before the window"
		case budget <= 0:
			e.Status, e.Reason = "cap_reached", "the collector's size cap was reached by newer files"
		case !s.all.take():
			e.Status, e.Reason = "cap_reached", fmt.Sprintf("the limit of %d files for all log sources was reached", s.all.max())
			allLimit++
		default:
			e.Path = s.outPath(f.rel, used)
			if err := s.collectFile(ctx, sink, f, win, min(maxFile, budget), copyBuf, &e); err != nil {
				e.Status, e.Reason = "failed", err.Error()
				if errors.Is(err, fs.ErrPermission) {
					e.Status = "unreadable"
				}
				errs = append(errs, fmt.Errorf("%s: %w", f.rel, err))
			}
			switch {
			case e.Status == "collected" || e.Kept > 0: // a failure after some bytes still shipped them
				wrote = true
			default:
				e.Path = ""
				s.all.giveBack()
			}
			budget -= e.Kept
			if e.Status == "collected" && strings.HasPrefix(e.Reason, "no whole line fits") {
				errs = append(errs, fmt.Errorf("%s: no whole line fits in the cap: kept the newest %d of %d bytes of its last line", f.rel, e.Kept, e.Seen))
			}
			if e.Status == "collected" && len(e.FormatsTried) > 0 {
				// Say so where people look: the collector's status and its note.
				// What was kept comes first: the run summary shows the note's first 100 characters.
				kept := fmt.Sprintf("kept all %d bytes", e.Kept)
				if e.Truncated {
					kept = fmt.Sprintf("kept the newest %d of %d bytes", e.Kept, e.Seen)
				}
				errs = append(errs, fmt.Errorf("%s: no timestamps recognised, %s (tried: %s)",
					f.rel, kept, strings.Join(e.FormatsTried, ", ")))
			}
		}
		idx.Files = append(idx.Files, e)
	}
	if allLimit > 0 {
		notes = append(notes, fmt.Errorf("%d files left out: all log sources together collect at most %d files", allLimit, s.all.max()))
	}
	if err := s.writeIndex(sink, &idx); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 || (len(notes) > 0 && wrote) {
		err := errors.Join(append(notes, errs...)...)
		if wrote {
			return collectors.Partial(err)
		}
		return err
	}
	if !wrote && len(skipped) > 0 && len(idx.Files) == len(skipped) {
		return collectors.Skip("%s", strings.Join(skipped, "; "))
	}
	return nil
}

// copyBufSize is the copy buffer of one source, reused for each of its files.
const copyBufSize = 256 << 10

// writeIndex writes the index. It must be whole JSON within the room left: when it does not fit
// (paths much longer than indexEntrySize allows for), the last entries (the oldest history) are
// dropped from files[] and counted as omitted.unlisted.
func (s *fileSource) writeIndex(sink collectors.Sink, idx *Index) error {
	p := "logs/" + s.name + ".json"
	for {
		data, err := json.MarshalIndent(idx, "", "  ")
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		room := headroom(sink.MaxFileSize())
		if int64(len(data)) < room || len(idx.Files) == 0 || sink.MaxFileSize() <= 0 {
			w, err := sink.Create(p)
			if err != nil {
				return err
			}
			if _, err := w.Write(append(data, '\n')); err != nil {
				w.Close()
				return err
			}
			return w.Close()
		}
		// Keep the share of entries that fits, less a tenth.
		keep := int(int64(len(idx.Files)) * room / int64(len(data)) * 9 / 10)
		keep = max(0, min(keep, len(idx.Files)-1))
		if idx.Omitted == nil {
			idx.Omitted = &Omitted{}
		}
		idx.Omitted.Unlisted += len(idx.Files) - keep
		idx.Files = idx.Files[:keep]
	}
}

func (s *fileSource) outPath(rel string, used map[string]bool) string {
	p := "logs/" + s.name + "/" + bundleName(rel)
	for _, ext := range collectors.CompressedExt {
		// Decompressed content drops the extension, unless a file of that name is collected too.
		if strings.HasSuffix(p, ext) && !used[strings.TrimSuffix(p, ext)] {
			p = strings.TrimSuffix(p, ext)
			break
		}
	}
	used[p] = true
	return p
}

func hasMeta(glob string) bool { return collectors.HasGlobMeta(glob) }

func liveRoot(root string) bool { return root == "" || root == "/" || root == `\` }

func (s *fileSource) rel(p string) string {
	if liveRoot(s.root) {
		return filepath.ToSlash(p)
	}
	r, err := filepath.Rel(s.root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return "/" + filepath.ToSlash(r)
}

// collectFile writes the window of one file, at most limit bytes of its newest part.
func (s *fileSource) collectFile(ctx context.Context, sink collectors.Sink, f *hostFile, win window, limit int64, buf []byte, e *FileEntry) error {
	fh, err := os.Open(f.path)
	if err != nil {
		return err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return err
	}
	// The size when opened bounds the read: a file growing meanwhile is read up to here, so the
	// collector never chases a busy writer and its output stays within the cap.
	size := fi.Size()
	e.Size = size
	head := buf[:detectBytes] // the copy buffer is free until the copy starts; detect keeps no slice of it
	n, err := fh.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return err
	}
	head = head[:n]
	p := &tsParser{ref: fi.ModTime(), loc: s.loc}
	if p.loc == nil {
		p.loc = time.Local
	}
	switch c := collectors.Compression(head); c {
	case "":
		if collectors.IsBinary(head[:min(len(head), 8<<10)]) {
			e.Status, e.Reason = "binary", "not a text file"
			return nil
		}
		detect(p, e, head, readTail(fh, size, len(head)))
		return s.copyPlain(ctx, sink, fh, size, win, limit, p, buf, e)
	case "gzip", "zstd", "bzip2", "xz":
		e.Compressed = c
		return s.copyCompressed(ctx, sink, c, fh, win, limit, p, buf, e)
	default:
		e.Status, e.Reason, e.Compressed = "binary", c+"-compressed files are not read", c
		return nil
	}
}

func (s *fileSource) copyPlain(ctx context.Context, sink collectors.Sink, fh *os.File, size int64, win window, limit int64, p *tsParser, buf []byte, e *FileEntry) error {
	sp, err := findSpan(fh, size, win, p)
	if err != nil {
		return err
	}
	e.Timestamps, e.OutOfOrder = sp.stamped, sp.outOfOrder
	ws, end := sp.start, sp.end
	cut := ws
	if end-ws > limit {
		cut = end - limit
	}
	// Whether the cut is the window start or the cap's, the kept part must not start inside a
	// line or a private-key block.
	start, err := collectors.TailStartAt(fh, cut, end)
	if err != nil {
		return err
	}
	e.Offset, e.Seen = start, end-ws
	if start >= end && ws < end {
		// The newest part holds no whole line (a one-line JSON state dump): keep its newest bytes
		// from a delimiter, marked truncated, rather than nothing.
		if start, err = longLineStart(fh, max(cut, ws), end); err != nil {
			return err
		}
		if start < end {
			e.Offset = start
			e.Reason = "no whole line fits in the cap: the newest bytes of the last line are kept, from a delimiter"
			return s.write(ctx, sink, io.NewSectionReader(fh, start, end-start), buf, e)
		}
	}
	if start >= end {
		e.Status, e.Reason = "outside_window", "no lines inside the window"
		if ws < end {
			e.Status, e.Reason = "cap_reached", "no whole line fits in the cap"
		}
		return nil
	}
	return s.write(ctx, sink, io.NewSectionReader(fh, start, end-start), buf, e)
}

// longLineStart is where to start keeping the newest part of a line longer than the cap, cut at
// off: after the first delimiter within cutLook bytes (where the redactor itself splits a long
// line), and past the end of a private-key block whose BEGIN lies before the cut (a key written
// on one line, JSON-escaped, must not ship its body without the BEGIN the redactor needs).
func longLineStart(r io.ReaderAt, off, end int64) (int64, error) {
	const cutLook = 4 << 10
	// A key block cut open: an END before any BEGIN in the kept part.
	endAt, beginAt, err := firstPEMMarkers(r, off, end)
	if err != nil {
		return end, err
	}
	if endAt >= 0 && (beginAt < 0 || endAt < beginAt) {
		// Past "-----END ... KEY-----".
		buf := make([]byte, 256)
		n, _ := r.ReadAt(buf, endAt)
		tail := buf[:n]
		if i := bytes.Index(tail[len(pemEndMarker):], []byte("-----")); i >= 0 {
			return endAt + int64(len(pemEndMarker)+i+5), nil
		}
		return endAt + int64(len(tail)), nil
	}
	buf := make([]byte, min(cutLook, end-off))
	n, err := r.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return end, err
	}
	for i, c := range buf[:n] {
		switch c {
		case ' ', '\t', ',', ';', '&', '"', '\'', '<', '>', '{', '}', '[', ']', '(', ')':
			return off + int64(i) + 1, nil
		}
	}
	return off, nil
}

var (
	pemEndMarker   = []byte("-----END")
	pemBeginMarker = []byte("-----BEGIN")
)

// firstPEMMarkers returns the offset of the first -----END and of the first -----BEGIN in
// [off, end), -1 when absent, reading in chunks that overlap by a marker's length; it stops at
// the first marker found, which is all longLineStart needs to know.
func firstPEMMarkers(r io.ReaderAt, off, end int64) (endAt, beginAt int64, err error) {
	buf := make([]byte, 256<<10)
	const overlap = 16
	for pos := off; pos < end; {
		n, rerr := r.ReadAt(buf[:min(int64(len(buf)), end-pos)], pos)
		chunk := buf[:n]
		e, b := bytes.Index(chunk, pemEndMarker), bytes.Index(chunk, pemBeginMarker)
		switch {
		case e >= 0 && (b < 0 || e < b):
			return pos + int64(e), -1, nil
		case b >= 0:
			return -1, pos + int64(b), nil
		}
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return -1, -1, rerr
		}
		if n <= overlap {
			break
		}
		pos += int64(n - overlap)
	}
	return -1, -1, nil
}

// decompress opens a decompressing reader over the whole file.
func decompress(kind string, fh *os.File) (io.ReadCloser, error) {
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return collectors.Decompress(kind, fh)
}

// copyCompressed reads a compressed file twice: once to find the window start and the size, once
// to stream the part to keep.
func (s *fileSource) copyCompressed(ctx context.Context, sink collectors.Sink, kind string, fh *os.File, win window, limit int64, p *tsParser, buf []byte, e *FileEntry) error {
	zr, err := decompress(kind, fh)
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	defer zr.Close()
	// Sniff the decompressed head for binary content first.
	br := bufio.NewReaderSize(zr, 64<<10)
	if peek, _ := br.Peek(8 << 10); collectors.IsBinary(peek) {
		e.Status, e.Reason = "binary", "not a text file (after decompression)"
		return nil
	}
	peek, _ := br.Peek(detectBytes)
	detect(p, e, peek, nil)
	sp, _, err := scanSpan(collectors.ContextReader(ctx, br), win, p, false)
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	ws, end := sp.start, sp.end
	e.Timestamps, e.OutOfOrder, e.Seen = sp.stamped, sp.outOfOrder, end-ws
	want := ws
	if end-ws > limit {
		want = end - limit
	}
	if want >= end {
		e.Status, e.Reason = "outside_window", "no lines inside the window"
		return nil
	}
	zr2, err := decompress(kind, fh)
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	defer zr2.Close()
	rest, start, err := collectors.SkipToTail(collectors.ContextReader(ctx, zr2), want)
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	if start >= end {
		e.Status, e.Reason = "cap_reached", "no whole line fits in the cap"
		return nil
	}
	e.Offset = start
	return s.write(ctx, sink, io.LimitReader(rest, end-start), buf, e)
}

// write streams r into the bundle file e.Path and records what was kept.
// buf is the copy buffer (reused for the source's files).
func (s *fileSource) write(ctx context.Context, sink collectors.Sink, r io.Reader, buf []byte, e *FileEntry) error {
	w, err := sink.Create(e.Path)
	if err != nil {
		return err
	}
	e.Path = collectors.BundlePath(w, e.Path) // the sink redacts a path that holds a secret
	// The copy buffer counts against the run's memory budget (collectors.Budget).
	bufSize := int64(len(buf))
	b := collectors.BudgetFrom(ctx)
	if err := b.Acquire(ctx, bufSize); err != nil {
		w.Close()
		return err
	}
	defer b.Release(bufSize)
	n, err := io.CopyBuffer(w, collectors.ContextReader(ctx, r), buf)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	e.Kept = n
	if err != nil {
		return err
	}
	e.Status = "collected"
	if n < e.Seen {
		e.Truncated = true
		sink.SetTruncated(e.Path, n, e.Seen)
	}
	return nil
}
