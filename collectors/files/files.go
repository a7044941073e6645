// Package files copies files and folders named by the spec or added with --add into the bundle,
// through the redactor, with a per-file cap that keeps the tail.
package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/spec"
)

// MaxFilesPerSource bounds how many files one source (a glob or an added folder) may copy.
const MaxFilesPerSource = 10000

// Collectors builds one collector per spec files entry, plus "files.added" for --add paths.
func Collectors(opts collectors.Options) ([]collectors.Collector, error) {
	var out []collectors.Collector
	for _, f := range opts.Spec.Files {
		out = append(out, &Collector{name: "files." + f.Name, folder: f.Name, patterns: f.Paths, root: opts.Root, maxFile: int64(f.MaxFileSize)})
	}
	if len(opts.Add) > 0 {
		out = append(out, &Collector{name: "files.added", folder: "added", patterns: opts.Add, root: opts.Root, literal: true})
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
	literal  bool // --add paths are paths, not globs; folders are walked
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
	Source    string    `json:"source"`
	Bundle    string    `json:"bundle_path,omitempty"`
	Size      int64     `json:"size"`
	Mode      string    `json:"mode,omitempty"`
	ModTime   time.Time `json:"mod_time,omitempty"`
	LinkTo    string    `json:"symlink_target,omitempty"`
	Truncated bool      `json:"truncated,omitempty"`
	Kept      int64     `json:"bytes_kept,omitempty"`
	Skipped   string    `json:"skipped,omitempty"`
	Error     string    `json:"error,omitempty"`
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context, sink collectors.Sink) error {
	maxFile := sink.MaxFileSize()
	if c.maxFile > 0 && c.maxFile < maxFile {
		maxFile = c.maxFile
	}
	var recs []Record
	var errs []string
	seen := map[string]bool{}
	for _, pat := range c.patterns {
		paths, err := c.expand(pat)
		if err != nil {
			errs = append(errs, err.Error())
			recs = append(recs, Record{Source: pat, Error: err.Error()})
			continue
		}
		if len(paths) == 0 {
			recs = append(recs, Record{Source: pat, Skipped: "no such file"})
			continue
		}
		for _, p := range paths {
			if err := ctx.Err(); err != nil {
				return err
			}
			if seen[p] {
				continue
			}
			seen[p] = true
			r := c.copyOne(ctx, sink, p, maxFile)
			if r.Error != "" {
				errs = append(errs, fmt.Sprintf("%s: %s", r.Source, r.Error))
			}
			recs = append(recs, r)
		}
	}
	if err := sink.WriteJSON(fmt.Sprintf("files/%s/index.json", c.folder), recs); err != nil {
		return err
	}
	copied := 0
	for _, r := range recs {
		if r.Bundle != "" {
			copied++
		}
	}
	switch {
	case len(errs) > 0 && copied == 0 && len(recs) == len(errs):
		return errors.New(strings.Join(errs, "; "))
	case len(errs) > 0:
		return collectors.Partial(errors.New(strings.Join(errs, "; ")))
	case copied == 0:
		return collectors.Skip("no files matched %s", strings.Join(c.patterns, ", "))
	}
	return nil
}

// host maps a host path to where it is read from (under the injectable root).
func (c *Collector) host(p string) string {
	if c.root == "" || c.root == "/" {
		return p
	}
	return filepath.Join(c.root, p)
}

// expand returns host paths (without the root prefix) for a glob, or a walked folder for --add.
func (c *Collector) expand(pat string) ([]string, error) {
	if !c.literal {
		matches, err := filepath.Glob(c.host(pat))
		if err != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", pat, err)
		}
		out := make([]string, 0, len(matches))
		for _, m := range matches {
			out = append(out, c.unroot(m))
		}
		sort.Strings(out)
		if len(out) > MaxFilesPerSource {
			out = out[:MaxFilesPerSource]
		}
		return out, nil
	}
	abs, err := filepath.Abs(pat)
	if err != nil {
		return nil, err
	}
	st, err := os.Lstat(c.host(abs))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	if !st.IsDir() {
		return []string{abs}, nil
	}
	var out []string
	err = filepath.WalkDir(c.host(abs), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			out = append(out, c.unroot(p)) // recorded as unreadable by copyOne
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil // symlinked folders are not followed: WalkDir does not follow them
		}
		if len(out) >= MaxFilesPerSource {
			return fs.SkipAll
		}
		out = append(out, c.unroot(p))
		return nil
	})
	return out, err
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

func (c *Collector) copyOne(ctx context.Context, sink collectors.Sink, p string, maxFile int64) Record {
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
			r.Skipped = "symlink to a folder (not followed)"
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
	// Read what is there now; a file growing while read is cut at the size seen here.
	size := st.Size()
	var src io.Reader = io.LimitReader(f, size)
	if size > maxFile {
		if _, err := f.Seek(size-maxFile, io.SeekStart); err != nil {
			r.Error = describe(err)
			return r
		}
		src = io.LimitReader(f, maxFile)
		r.Truncated, r.Kept = true, maxFile
	}
	bp := c.bundlePath(p)
	w, err := sink.Create(bp)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	_, err = io.Copy(w, collectors.ContextReader(ctx, src))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		r.Error = describe(err)
		return r
	}
	if r.Truncated {
		sink.SetTruncated(bp, maxFile, size)
	}
	r.Bundle = bp
	return r
}

func describe(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
