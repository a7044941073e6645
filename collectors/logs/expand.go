package logs

import (
	"container/heap"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/casefile/casefile/collectors"
)

// Bounds on the number of files (issue 14: 205,000 matches made an index larger than the cap, and
// every match was held in memory). At most maxSourceFiles (5,000) files of one source are listed in its
// index (and so at most that many collected); all log sources of one run together collect at most
// maxAllFiles. What is left out is counted in the index (omitted) and named in the collector's note.
const (
	maxSourceFiles = 5_000
	maxAllFiles    = 50_000
)

// readDirBatch: a folder is read this many entries at a time, so a folder of 200,000 logs is never
// held in memory as a whole.
const readDirBatch = 1024

// selection keeps the best limit files of all those the globs match, in memory bounded by limit:
// files inside the window before other matches (not regular files, then files last modified before
// the window), current files before rotations, lower rotation numbers and later dates first, then
// the newest. The rest is only counted.
type selection struct {
	since   time.Time
	limit   int
	h       candHeap
	matched int // matches, each once
	// Counted, not kept: inside the window (so left out by the file limit), and outside it.
	omittedInWindow, omittedOld int
	seen                        map[uint64]struct{} // path hashes, when several globs may overlap
	seed                        maphash.Seed
}

// class ranks a match: 0 a regular file inside the window, 1 not a regular file (recorded,
// never opened), 2 a regular file last modified before the window.
func (sel *selection) class(f *hostFile) int {
	switch {
	case f.kind != "":
		return 1
	case f.modTime.Before(sel.since):
		return 2
	}
	return 0
}

// worse reports whether a ranks after b.
func (sel *selection) worse(a, b *hostFile) bool {
	ca, cb := sel.class(a), sel.class(b)
	if ca != cb {
		return ca > cb
	}
	la, lb := a.num == 0 && a.date == "", b.num == 0 && b.date == ""
	switch {
	case la != lb:
		return lb
	case a.num != b.num:
		return a.num > b.num
	case a.date != b.date:
		return a.date < b.date
	case !a.modTime.Equal(b.modTime):
		return a.modTime.Before(b.modTime)
	}
	return a.rel > b.rel
}

func (sel *selection) add(f *hostFile) {
	if sel.seen != nil {
		k := maphash.String(sel.seed, f.path)
		if _, dup := sel.seen[k]; dup {
			return
		}
		sel.seen[k] = struct{}{}
	}
	sel.matched++
	f.classify()
	heap.Push(&sel.h, heapItem{f, sel})
	if sel.h.Len() > sel.limit {
		out := heap.Pop(&sel.h).(heapItem).f
		if sel.class(out) == 0 {
			sel.omittedInWindow++
		} else {
			sel.omittedOld++
		}
	}
}

// files returns the kept files (in no particular order; see order).
func (sel *selection) files() []*hostFile {
	out := make([]*hostFile, len(sel.h))
	for i, it := range sel.h {
		out[i] = it.f
	}
	return out
}

type heapItem struct {
	f   *hostFile
	sel *selection
}

// candHeap has the worst kept file on top.
type candHeap []heapItem

func (h candHeap) Len() int           { return len(h) }
func (h candHeap) Less(i, j int) bool { return h[i].sel.worse(h[i].f, h[j].f) }
func (h candHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *candHeap) Push(x any)        { *h = append(*h, x.(heapItem)) }
func (h *candHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = heapItem{}
	*h = old[:len(old)-1]
	return it
}

// expand resolves the globs under the root into the files to consider, each once, keeping at
// most limit of them (selection). A folder, or the folder of a pattern whose wildcards are all in
// its last element ("/var/log/app/*.log", the usual shape), is read in batches; other patterns
// ("**", wildcards in folder names) go through collectors.Glob, whose match list holds one path
// per match while it runs.
func (s *fileSource) expand(since time.Time, limit int) (*selection, []error) {
	sel := &selection{since: since, limit: limit}
	if len(s.globs) > 1 {
		sel.seen, sel.seed = map[uint64]struct{}{}, maphash.MakeSeed()
	}
	var errs []error
	add := func(m string, fi os.FileInfo) {
		f := &hostFile{path: m, rel: s.rel(m), size: fi.Size(), modTime: fi.ModTime()}
		if !fi.Mode().IsRegular() {
			f.kind = fileKind(fi.Mode())
		}
		sel.add(f)
	}
	// match takes one path a pattern matched; a folder matched by a pattern is passed over.
	match := func(m string, literal bool) {
		fi, err := os.Stat(m)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.rel(m), err))
			return
		}
		if !fi.IsDir() {
			add(m, fi)
			return
		}
		if !literal {
			return
		}
		// A folder named as such ("--log /var/log/nginx") means the files directly in it.
		if err := readDirEach(m, func(name string) {
			p := filepath.Join(m, name)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				add(p, fi)
			}
		}); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.rel(m), err))
		}
	}
	for _, g := range s.globs {
		full := hostPath(s.root, g)
		if liveRoot(s.root) && !filepath.IsAbs(full) {
			// A relative --log glob: name the files by their absolute paths in the bundle.
			if abs, err := filepath.Abs(full); err == nil {
				full = abs
			}
		}
		before := sel.matched
		switch dir, last := filepath.Split(full); {
		case !hasMeta(g):
			if _, err := os.Lstat(full); err != nil {
				if s.explicit {
					errs = append(errs, fmt.Errorf("%s: %s (named with --log)", g, notFound(err)))
				}
				continue
			}
			match(full, true)
		case !hasMeta(dir) && !strings.Contains(last, "**"):
			if !doublestar.ValidatePattern(last) {
				errs = append(errs, fmt.Errorf("glob %q: syntax error in pattern", g))
				continue
			}
			err := readDirEach(filepath.Clean(dir), func(name string) {
				if ok, _ := doublestar.Match(last, name); ok {
					match(filepath.Join(dir, name), false)
				}
			})
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("glob %q: %w", g, err))
			}
		default:
			matches, err := collectors.Glob(full, s.root)
			if err != nil {
				errs = append(errs, fmt.Errorf("glob %q: %w", g, err))
			}
			for _, m := range matches {
				match(m, false)
			}
		}
		if s.explicit && sel.matched == before && hasMeta(g) {
			errs = append(errs, fmt.Errorf("%s: no file matches (named with --log)", g))
		}
	}
	return sel, errs
}

// readDirEach calls fn with the name of every entry of dir, reading it in batches.
func readDirEach(dir string, fn func(name string)) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	for {
		names, err := d.Readdirnames(readDirBatch)
		for _, n := range names {
			fn(n)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func notFound(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "no such file or folder"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// fileKind names what a path that is not a regular file is.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeIrregular != 0:
		return "irregular file"
	}
	return "not a regular file"
}
