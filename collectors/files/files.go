// Package files copies files and folders named by the spec or added with --add into the bundle,
// through the redactor, with a per-file cap that keeps the tail.
package files

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/spec"
)

// MaxFilesPerSource bounds how many files one source (a glob or an added folder) may copy.
const MaxFilesPerSource = 10000

// Collectors builds one collector per spec files entry, plus "files.added" for --add paths.
func Collectors(opts collectors.Options) ([]collectors.Collector, error) {
	var out []collectors.Collector
	fileCap, maxTotal := int64(opts.Spec.Collectors.MaxFileSize), int64(opts.Spec.Collectors.MaxCollectorSize)
	for _, f := range opts.Spec.Files {
		out = append(out, &Collector{name: "files." + f.Name, folder: f.Name, patterns: f.Paths, root: opts.Root, maxFile: int64(f.MaxFileSize), fileCap: fileCap, maxTotal: maxTotal})
	}
	if len(opts.Add) > 0 {
		out = append(out, &Collector{name: "files.added", folder: "added", patterns: opts.Add, root: opts.Root, literal: true, fileCap: fileCap, maxTotal: maxTotal})
	}
	return out, nil
}

// Collector copies one source's files.
type Collector struct {
	name     string
	folder   string
	patterns []string
	root     string
	maxFile  int64
	literal  bool  // --add paths are paths, not globs; folders are walked
	fileCap  int64 // the spec's collectors.max_file_size (0: what the sink offers at the start)
	maxTotal int64 // the spec's collectors.max_collector_size (0: unknown; the sink's room bounds)
	maxFiles int   // files one source may copy (0: MaxFilesPerSource)
}

// New returns a collector named "files.<name>" over the given globs.
func New(name string, patterns []string, root string, maxFile spec.Size) *Collector {
	return &Collector{name: "files." + name, folder: name, patterns: patterns, root: root, maxFile: int64(maxFile)}
}

// Name implements collectors.Collector.
func (c *Collector) Name() string { return c.name }

// Family implements collectors.Collector.
func (c *Collector) Family() string { return collectors.FamilyFiles }

// Record is one row of the collector's index.json.
type Record struct {
	Source       string    `json:"source"`
	Bundle       string    `json:"bundle_path,omitempty"`
	Size         int64     `json:"size"`
	Mode         string    `json:"mode,omitempty"`
	ModTime      time.Time `json:"mod_time,omitempty"`
	LinkTo       string    `json:"symlink_target,omitempty"`
	Decompressed string    `json:"decompressed,omitempty"`    // gzip, zstd, bzip2 or xz: the bundle holds the decompressed text
	Transcoded   string    `json:"transcoded_from,omitempty"` // utf-16le or utf-16be: the bundle holds UTF-8
	Truncated    bool      `json:"truncated,omitempty"`
	Kept         int64     `json:"bytes_kept,omitempty"`
	Seen         int64     `json:"bytes_seen,omitempty"` // text bytes of the source when cut (after decompression)
	Skipped      string    `json:"skipped,omitempty"`
	Error        string    `json:"error,omitempty"`

	note  string // a cut the collector's status reports (partial)
	wrote int64  // bytes handed to the sink (before redaction)
}

// MarshalJSON writes bytes_kept and bytes_seen whenever the record is truncated, also when a
// count is 0; otherwise they are left out.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record
	out := struct {
		plain
		Kept *int64 `json:"bytes_kept,omitempty"`
		Seen *int64 `json:"bytes_seen,omitempty"`
	}{plain: plain(r)}
	if r.Truncated {
		out.Kept, out.Seen = &r.Kept, &r.Seen
	}
	return json.Marshal(out)
}

// Reasons recorded in Record.Skipped.
const (
	SkipBinary   = "binary file (cannot be redacted)"
	SkipBundle   = "casefile bundle"
	SkipDirLink  = "symlink to a folder (not followed)"
	SkipNotFound = "no such file"
	SkipCap      = "left out: the collector's size cap was reached"
	SkipPseudo   = "pseudo file system"
)

// entry is one host path a source expanded to, with the reason it is left out, if any; or a
// record made while expanding (a pattern that failed or matched nothing), written as it is.
type entry struct {
	path string
	skip string
	rec  *Record
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context, sink collectors.Sink) error {
	// fileCap is the bundle's per-file cap: a sink that offers less is short of collector or
	// bundle room.
	fileCap := c.fileCap
	if fileCap <= 0 {
		fileCap = sink.MaxFileSize()
	}
	perFile := fileCap
	if c.maxFile > 0 && c.maxFile < perFile {
		perFile = c.maxFile
	}
	plan, errs := c.plan()
	ix := newIndexPlan(plan, c.indexCap(fileCap))
	var recs []Record
	var summary, notes []string // what the collector's error says first, and per-file cuts
	seen := map[string]bool{}
	used := map[string]bool{}
	var copiedBytes int64
	leftOut, capCut := 0, 0
	for i, e := range plan[:ix.listed] {
		if err := ctx.Err(); err != nil {
			return err
		}
		ix.pending -= ix.est[i]
		if e.rec != nil {
			ix.add(&recs, *e.rec)
			if e.rec.note != "" {
				summary = append(summary, e.rec.note)
			}
			continue
		}
		if seen[e.path] {
			continue
		}
		seen[e.path] = true
		if e.skip != "" {
			ix.add(&recs, Record{Source: e.path, Skipped: e.skip})
			continue
		}
		// Room for this file: the per-file cap, less what the index still needs when the room
		// left in the collector (or the bundle) is the bound.
		reserve := ix.reserve(ix.est[i])
		avail := perFile
		if m := sink.MaxFileSize(); m < fileCap {
			avail = min(avail, headroom(m-reserve))
		}
		if c.maxTotal > 0 {
			avail = min(avail, headroom(c.maxTotal-reserve)-copiedBytes)
		}
		minKeep := int64(0)
		if avail < perFile {
			minKeep = min(minCutKeep, perFile/4) // room nearly spent: no crumbs of files that do not fit
		}
		r := c.copyOne(ctx, sink, e.path, max(avail, 0), minKeep, used)
		if err := ctx.Err(); err != nil {
			return err
		}
		copiedBytes += r.wrote
		switch {
		case r.Skipped == SkipCap:
			leftOut++
		case r.Truncated && avail < perFile && r.Kept < r.Seen && r.Seen <= perFile:
			capCut++
		}
		if r.Error != "" {
			errs = append(errs, fmt.Sprintf("%s: %s", r.Source, r.Error))
		}
		if r.note != "" {
			notes = append(notes, r.note)
		}
		ix.add(&recs, r)
	}
	if n := len(plan) - ix.listed; n > 0 {
		recs = append(recs, Record{Source: plan[ix.listed].source(), Skipped: fmt.Sprintf("index size bound reached: this and %d more paths were neither copied nor listed", n-1)})
		summary = append(summary, fmt.Sprintf("%s neither copied nor listed: index.json reached its size bound (%d bytes)", plural(n, "path"), ix.cap))
	}
	if leftOut > 0 {
		summary = append(summary, fmt.Sprintf("%s left out: the collector's size cap was reached (listed in files/%s/index.json)", plural(leftOut, "file"), c.folder))
	}
	if capCut > 0 {
		summary = append(summary, fmt.Sprintf("%s cut to fit the collector's size cap", plural(capCut, "file")))
	}
	if err := sink.WriteJSON(fmt.Sprintf("files/%s/index.json", c.folder), recs); err != nil {
		return err
	}
	copied, found := 0, 0
	for _, r := range recs {
		if r.Bundle != "" {
			copied++
		}
		if r.Skipped != SkipNotFound {
			found++
		}
	}
	// The error is bounded: index.json holds every problem in full.
	problems := slices.Concat(summary, errs, notes)
	more := fmt.Sprintf("(see files/%s/index.json)", c.folder)
	switch {
	case len(errs) > 0 && copied == 0:
		return errors.New(summarize(problems, "; ", more))
	case len(problems) > 0:
		return collectors.Partial(errors.New(summarize(problems, "; ", more)))
	case copied == 0 && found > 0:
		return collectors.Skip("none of the %d files matched by %s could be copied (see index.json)", found, summarize(c.patterns, ", ", ""))
	case copied == 0:
		return collectors.Skip("no files matched %s", summarize(c.patterns, ", ", ""))
	}
	return nil
}

// Bounds of the collector's error text, which inspect prints on one line.
const (
	maxProblems    = 20
	maxProblemText = 300 // characters
)

// summarize joins the first maxProblems items, each cut to maxProblemText characters, and says
// how many more there are.
func summarize(items []string, sep, more string) string {
	out := make([]string, 0, min(len(items), maxProblems+1))
	for i, it := range items {
		if i == maxProblems {
			out = append(out, strings.TrimSpace(fmt.Sprintf("… and %d more %s", len(items)-i, more)))
			break
		}
		out = append(out, clip(it, maxProblemText))
	}
	return strings.Join(out, sep)
}

// clip cuts s to at most n characters, the last one an ellipsis when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// plan expands every pattern into the entries to copy, with a record for each pattern that
// failed or matched nothing, and the errors to report.
func (c *Collector) plan() ([]entry, []string) {
	var plan []entry
	var errs []string
	for _, pat := range c.patterns {
		ents, err := c.expand(pat)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %s", pat, describe(err)))
			plan = append(plan, entry{rec: &Record{Source: pat, Error: describe(err)}})
			if len(ents) == 0 {
				continue
			}
		}
		if len(ents) == 0 {
			plan = append(plan, entry{rec: &Record{Source: pat, Skipped: SkipNotFound}})
			continue
		}
		plan = append(plan, ents...)
	}
	return plan, errs
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// headroom leaves room for redaction markers, which can make text longer than its source, under
// a cap the sink applies to redacted bytes.
func headroom(n int64) int64 { return n - n/32 }

// indexCap bounds index.json: under the file cap, and at most half the collector's cap.
func (c *Collector) indexCap(fileCap int64) int64 {
	n := fileCap
	if c.maxTotal > 0 {
		n = min(n, c.maxTotal/2)
	}
	return max(n, 0)
}

// host maps a host path to where it is read from (under the injectable root).
func (c *Collector) host(p string) string {
	if c.root == "" || c.root == "/" {
		return p
	}
	return filepath.Join(c.root, p)
}

// expand returns host paths (without the root prefix) for a glob, or for a path given with --add.
// A folder, matched or added, is walked; symlinked folders are not followed. An added path that
// does not exist is an error: the customer named it.
func (c *Collector) expand(pat string) ([]entry, error) {
	var out []entry
	if c.literal {
		abs, err := filepath.Abs(pat)
		if err != nil {
			return nil, err
		}
		if _, err := os.Lstat(c.host(abs)); err != nil {
			// A path that does not exist but is a pattern (--add '/var/log/acme/**/*.log') is
			// expanded; one that matches nothing is the missing path it was.
			if !collectors.HasGlobMeta(pat) {
				return nil, err
			}
			if out, gerr := c.glob(abs); len(out) > 0 || gerr != nil {
				return out, gerr
			}
			return nil, err
		}
		return c.walk(abs, out), nil
	}
	return c.glob(pat)
}

// glob expands a pattern ("**" matches folders at any depth); a folder it matches is walked.
// When the pattern's walk hits its bound, what it found is returned with the error.
func (c *Collector) glob(pat string) ([]entry, error) {
	var out []entry
	matches, err := collectors.Glob(c.host(pat), c.root)
	if err != nil && !errors.Is(err, collectors.ErrGlobLimit) {
		return nil, fmt.Errorf("bad pattern %q: %w", pat, err)
	}
	for i, m := range matches {
		if len(out) >= c.fileLimit() {
			out = append(out, c.limitEntry(pat, len(matches)-i))
			break
		}
		out = c.walk(c.unroot(m), out)
		if n := len(out); n > 0 && out[n-1].rec != nil && out[n-1].rec.note != "" {
			break // the walk hit the limit and said so
		}
	}
	return out, err
}

// fileLimit is how many files one source may copy.
func (c *Collector) fileLimit() int {
	if c.maxFiles > 0 {
		return c.maxFiles
	}
	return MaxFilesPerSource
}

// limitEntry records that a source stopped at the file limit, with how many more matches (0:
// unknown, the rest of a folder) were not looked at.
func (c *Collector) limitEntry(source string, more int) entry {
	what := "the files after them were not looked at"
	if more > 0 {
		what = fmt.Sprintf("%d more matches were not looked at", more)
	}
	return entry{rec: &Record{
		Source:  source,
		Skipped: fmt.Sprintf("file limit reached: the first %d files were taken, %s", c.fileLimit(), what),
		note:    fmt.Sprintf("%s: stopped at the limit of %d files per source (%s)", source, c.fileLimit(), what),
	}}
}

// walk appends p, or the files under p when it is a folder (not a symlink to one), up to the
// file limit in all; a walk that reaches it ends with a record that says so. A folder on a
// pseudo file system (/proc, /sys, /dev, and on Linux any proc, sysfs, cgroup, debugfs, tracefs
// ... mount) is listed and not entered, unless p itself is inside one: the customer named it.
func (c *Collector) walk(p string, out []entry) []entry {
	st, err := os.Lstat(c.host(p))
	if err != nil || !st.IsDir() {
		return append(out, entry{path: p}) // copyOne records what it is, or why it is unreadable
	}
	named := c.pseudo(p, true) != ""
	top := c.host(p)
	hit := false
	filepath.WalkDir(top, func(hp string, d fs.DirEntry, err error) error {
		if err != nil {
			if len(out) >= c.fileLimit() {
				hit = true
				return fs.SkipAll
			}
			out = append(out, entry{path: c.unroot(hp)}) // recorded as unreadable by copyOne
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			// Symlinked folders are not followed: WalkDir does not follow them.
			if hp == top || named {
				return nil
			}
			if kind := c.pseudo(c.unroot(hp), false); kind != "" {
				out = append(out, entry{path: c.unroot(hp), skip: fmt.Sprintf("%s (%s): not walked; name a path inside it to collect from it", SkipPseudo, kind)})
				return fs.SkipDir
			}
			return nil
		}
		if len(out) >= c.fileLimit() {
			hit = true
			return fs.SkipAll
		}
		e := entry{path: c.unroot(hp)}
		if isBundle(d.Name()) {
			e.skip = SkipBundle
		}
		out = append(out, e)
		return nil
	})
	if hit {
		out = append(out, c.limitEntry(p, 0))
	}
	return out
}

// pseudoDirs are the folders a walk does not enter by their path (on every OS).
var pseudoDirs = []string{"/proc", "/sys", "/dev"}

// pseudo names the pseudo file system a host path is on: by its path (/proc, /sys, /dev, or
// inside one when within is set), else by the type the file system reports (Linux).
func (c *Collector) pseudo(p string, within bool) string {
	clean := filepath.ToSlash(filepath.Clean(p))
	for _, d := range pseudoDirs {
		if clean == d || within && strings.HasPrefix(clean, d+"/") {
			return strings.TrimPrefix(d, "/")
		}
	}
	return pseudoFS(c.host(p))
}

// isBundle reports whether a file name is that of a casefile bundle: an earlier run's output
// found in a folder being collected is not packed again.
func isBundle(name string) bool {
	if !strings.HasPrefix(name, "casefile-") {
		return false
	}
	for _, ext := range []string{".tar.gz", ".tar.zst", ".zip"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

func (c *Collector) unroot(p string) string {
	if c.root == "" || c.root == "/" {
		return p
	}
	rel, err := filepath.Rel(c.root, p)
	if err != nil {
		return p
	}
	return string(filepath.Separator) + rel
}

// bundlePath maps a host path to files/<folder>/<path without volume or leading slash>.
func (c *Collector) bundlePath(p string) string {
	p = filepath.ToSlash(p)
	if v := filepath.VolumeName(p); v != "" {
		p = strings.TrimSuffix(v, ":") + p[len(v):]
	}
	p = strings.TrimLeft(p, "/")
	var parts []string
	for _, s := range strings.Split(p, "/") {
		if s != "" && s != "." && s != ".." {
			parts = append(parts, s)
		}
	}
	return "files/" + c.folder + "/" + strings.Join(parts, "/")
}

// sniffLen is how much of a file's start decides whether it is text.
const sniffLen = 8 << 10

// minCutKeep is the least a file is cut to when the collector's room, not the file cap, is the
// bound (a quarter of the file cap when that is less): a file that would keep less is left out
// (and listed) instead.
const minCutKeep = 64 << 10

// copyOne copies one host path, keeping at most maxFile bytes of its text. When the file is
// larger than maxFile and maxFile is under minKeep, it is left out (SkipCap) instead.
func (c *Collector) copyOne(ctx context.Context, sink collectors.Sink, p string, maxFile, minKeep int64, used map[string]bool) Record {
	r := Record{Source: p}
	hp := c.host(p)
	lst, err := os.Lstat(hp)
	if err != nil {
		r.Error = describe(err)
		return r
	}
	st := lst
	if lst.Mode()&fs.ModeSymlink != 0 {
		if target, err := os.Readlink(hp); err == nil {
			r.LinkTo = target
		}
		if st, err = os.Stat(hp); err != nil {
			r.Error = "dangling symlink: " + describe(err)
			return r
		}
		if st.IsDir() {
			r.Skipped = SkipDirLink
			return r
		}
	}
	r.Size, r.Mode, r.ModTime = st.Size(), st.Mode().String(), st.ModTime().UTC()
	if !st.Mode().IsRegular() {
		r.Skipped = "not a regular file (" + st.Mode().Type().String() + ")"
		return r
	}
	f, err := os.Open(hp)
	if err != nil {
		r.Error = describe(err)
		return r
	}
	defer f.Close()
	// Read what is there now; a file growing while read is cut at the size seen here. A file that
	// reports no size (/proc, some /sys files) may still have content: it is read until EOF.
	size := st.Size()
	if size == 0 {
		size = unknownSize
	}
	head := make([]byte, sniffLen)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		r.Error = describe(err)
		return r
	}
	head = head[:n]
	kind := collectors.Compression(head)
	enc := utf16Kind(head)
	if kind == "" && enc == "" && isBinary(head) {
		r.Skipped = SkipBinary
		return r
	}
	if n > 0 && (maxFile <= 0 || maxFile < minKeep && size > maxFile) {
		r.Skipped = SkipCap // no room left: listed, not written as an empty placeholder
		return r
	}
	bp := c.bundlePath(p)
	if kind != "" {
		bp = c.decompressedName(bp, hp, used)
	}
	used[bp] = true
	r.Decompressed = kind
	if kind == "" && enc == "" {
		err = c.copyPlain(ctx, sink, f, size, maxFile, bp, &r)
	} else {
		err = c.copyDecoded(ctx, sink, f, size, maxFile, bp, &r)
	}
	if err != nil {
		r.Error = describe(err)
		r.Bundle = ""
		return r
	}
	if r.Skipped != "" {
		r.Bundle = ""
	}
	return r
}

// decompressedName drops the compression suffix of a decompressed copy, unless the host has a
// file by the shorter name too, or it is already used in the bundle.
func (c *Collector) decompressedName(bp, hp string, used map[string]bool) string {
	for _, ext := range collectors.CompressedExt {
		if !strings.HasSuffix(bp, ext) {
			continue
		}
		short := strings.TrimSuffix(bp, ext)
		if _, err := os.Lstat(strings.TrimSuffix(hp, ext)); err == nil || used[short] {
			return bp
		}
		return short
	}
	return bp
}

// unknownSize stands for the size of a file that reports none: it is read until EOF.
const unknownSize = math.MaxInt64

// copyPlain copies a text file, keeping its newest maxFile bytes from a safe line start.
func (c *Collector) copyPlain(ctx context.Context, sink collectors.Sink, f *os.File, size, maxFile int64, bp string, r *Record) error {
	if size == unknownSize {
		return c.keepHead(ctx, sink, io.NewSectionReader(f, 0, size), maxFile, bp, r)
	}
	start := int64(0)
	if size > maxFile {
		var err error
		if start, err = collectors.TailStartAt(f, size-maxFile, size); err != nil {
			return err
		}
		if start >= size {
			// The newest part holds no whole line (a one-line JSON document): keep the head.
			return c.keepHead(ctx, sink, io.NewSectionReader(f, 0, size), maxFile, bp, r)
		}
	}
	if err := write(ctx, sink, bp, io.NewSectionReader(f, start, size-start), r); err != nil {
		return err
	}
	if start > 0 {
		r.Truncated, r.Kept, r.Seen = true, size-start, size
		sink.SetTruncated(bp, size-start, size)
	}
	return nil
}

// copyDecoded copies a compressed or UTF-16 file as UTF-8 text. The text is not seekable, so it
// is read from the start again for each look: its head (is it text, is it UTF-16), its size, and
// the newest part that fits the cap.
func (c *Collector) copyDecoded(ctx context.Context, sink collectors.Sink, f *os.File, size, maxFile int64, bp string, r *Record) error {
	kind := r.Decompressed
	headOf := func(enc string) ([]byte, error) {
		text, done, err := openText(ctx, f, size, kind, enc)
		if err != nil {
			return nil, err
		}
		defer done()
		h := make([]byte, sniffLen)
		n, err := io.ReadFull(text, h)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = nil
		}
		return h[:n], err
	}
	h, err := headOf("")
	if err != nil {
		return err
	}
	enc := utf16Kind(h)
	if enc != "" {
		if h, err = headOf(enc); err != nil {
			return err
		}
	}
	if isBinary(h) {
		r.Skipped = SkipBinary
		return nil
	}
	r.Transcoded = enc
	text, done, err := openText(ctx, f, size, kind, enc)
	if err != nil {
		return err
	}
	total, err := io.Copy(io.Discard, text)
	done()
	if err != nil {
		return err
	}
	text, done, err = openText(ctx, f, size, kind, enc)
	if err != nil {
		return err
	}
	defer func() { done() }() // the text may be opened again below
	start := int64(0)
	if total > maxFile {
		if text, start, err = collectors.SkipToTail(text, total-maxFile); err != nil {
			return err
		}
		start = min(start, total)
		if start >= total {
			// The newest part holds no whole line: keep the head of the text.
			done()
			done = func() {}
			head, hdone, err := openText(ctx, f, size, kind, enc)
			if err != nil {
				return err
			}
			text, done = head, hdone
			return c.keepHead(ctx, sink, text, maxFile, bp, r)
		}
	}
	if err := write(ctx, sink, bp, io.LimitReader(text, total-start), r); err != nil {
		return err
	}
	if start > 0 {
		r.Truncated, r.Kept, r.Seen = true, total-start, total
		sink.SetTruncated(bp, total-start, total)
	}
	return nil
}

// keepHead copies the head of src that fits in maxFile bytes and records a cut.
func (c *Collector) keepHead(ctx context.Context, sink collectors.Sink, src io.Reader, maxFile int64, bp string, r *Record) error {
	kept, seen, err := copyHead(ctx, sink, bp, src, maxFile, r)
	r.wrote += kept
	if err != nil {
		return err
	}
	if kept == 0 && seen > 0 {
		r.Skipped = SkipCap // nothing of it fits
		return nil
	}
	if kept < seen {
		r.Truncated, r.Kept, r.Seen = true, kept, seen
		sink.SetTruncated(bp, kept, seen)
		r.note = fmt.Sprintf("%s: longer than the cap (%d bytes) with no line end in its last part: kept its first %d of %d bytes", r.Source, maxFile, kept, seen)
	}
	return nil
}

// openText returns the file's text from its start: decompressed when kind names a compression,
// transcoded to UTF-8 when enc names a UTF-16 form. done releases the decompressor.
func openText(ctx context.Context, f *os.File, size int64, kind, enc string) (text io.Reader, done func(), err error) {
	text, done = io.NewSectionReader(f, 0, size), func() {}
	switch kind {
	case "":
	default:
		zr, err := collectors.Decompress(kind, text)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", kind, err)
		}
		text, done = zr, func() { zr.Close() }
	}
	text = collectors.ContextReader(ctx, text)
	if enc != "" {
		text = newUTF16Reader(text, enc)
	}
	return text, done, nil
}

// write copies src into the bundle at bp and records in r where it really landed (the sink
// redacts a path that holds a secret).
func write(ctx context.Context, sink collectors.Sink, bp string, src io.Reader, r *Record) error {
	w, err := sink.Create(bp)
	if err != nil {
		return err
	}
	r.Bundle = collectors.BundlePath(w, bp)
	n, err := io.Copy(w, collectors.ContextReader(ctx, src))
	r.wrote += n
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// isBinary: a NUL in the first bytes, or too many control characters, means the redactor cannot
// be trusted with the content (UTF-16 without a BOM, archives, images, databases).
func isBinary(head []byte) bool {
	return bytes.IndexByte(head, 0) >= 0 || collectors.IsBinary(head)
}

func describe(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
