package collectors

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// GlobMaxDirs bounds how many folders the walk of one pattern reads.
const GlobMaxDirs = 20000

// ErrGlobLimit says a pattern's walk stopped at GlobMaxDirs folders; the matches found until
// then are returned with it.
var ErrGlobLimit = errors.New("pattern walk stopped")

// pseudoDirs are not walked into by a pattern unless its literal part names them: reading them
// is endless (/proc/self/root loops back), slow, or hangs (/dev FIFOs and devices).
var pseudoDirs = []string{"/proc", "/sys", "/dev"}

// HasGlobMeta reports whether p is a pattern rather than a plain path.
func HasGlobMeta(p string) bool { return strings.ContainsAny(p, "*?[{") }

// Glob returns the paths matching pattern, a host path (already under the injectable root),
// sorted. The syntax is filepath.Match's plus "**" for any number of folders and {a,b} for
// alternatives (github.com/bmatcuk/doublestar/v4), with "/" or the OS separator. root is the
// injectable root ("" or "/" for this machine): <root>/proc, <root>/sys and <root>/dev are not
// entered unless the pattern's literal part is inside them. A pattern with "**" does not follow
// symlinked folders (loops); at most GlobMaxDirs folders are read (then ErrGlobLimit).
func Glob(pattern, root string) ([]string, error) { return glob(pattern, root, GlobMaxDirs) }

func glob(pattern, root string, maxDirs int) ([]string, error) {
	if pattern == "" {
		return nil, nil
	}
	p := filepath.ToSlash(filepath.Clean(pattern))
	if !HasGlobMeta(p) {
		if _, err := os.Lstat(filepath.FromSlash(p)); err != nil {
			return nil, nil
		}
		return []string{filepath.FromSlash(p)}, nil
	}
	base, rest := doublestar.SplitPattern(p)
	if strings.HasSuffix(base, ":") {
		base += "/" // C:/*.log: the drive's root, not its current folder
	}
	if !doublestar.ValidatePattern(rest) {
		return nil, fmt.Errorf("syntax error in pattern %q", pattern)
	}
	bfs := &boundedFS{dir: os.DirFS(base), max: maxDirs}
	if root == "" || root == "/" || root == `\` {
		root = "/"
	}
	for _, d := range pseudoDirs {
		hd := filepath.ToSlash(filepath.Join(root, d))
		if rel, ok := strings.CutPrefix(hd, strings.TrimSuffix(base, "/")+"/"); ok && rel != "" {
			bfs.prune = append(bfs.prune, rel)
		}
	}
	var opts []doublestar.GlobOption
	if strings.Contains(rest, "**") {
		opts = append(opts, doublestar.WithNoFollow())
	}
	matches, err := doublestar.Glob(bfs, rest, opts...)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	for i, m := range matches {
		matches[i] = filepath.FromSlash(path.Join(base, m))
	}
	sort.Strings(matches)
	if bfs.exceeded {
		return matches, fmt.Errorf("%w after reading %d folders for %s", ErrGlobLimit, bfs.max, pattern)
	}
	return matches, nil
}

// boundedFS is the file system a pattern walks: os.DirFS with the pseudo-file-system folders
// hidden and a budget of folder reads.
type boundedFS struct {
	dir      fs.FS
	prune    []string // slash paths relative to the base, hidden with everything under them
	reads    int
	max      int
	exceeded bool
}

func (b *boundedFS) hidden(name string) bool {
	for _, p := range b.prune {
		if name == p || strings.HasPrefix(name, p+"/") {
			return true
		}
	}
	return false
}

func (b *boundedFS) Open(name string) (fs.File, error) {
	if b.hidden(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return b.dir.Open(name)
}

func (b *boundedFS) Stat(name string) (fs.FileInfo, error) {
	if b.hidden(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return fs.Stat(b.dir, name)
}

func (b *boundedFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if b.hidden(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	if b.reads >= b.max {
		b.exceeded = true
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: ErrGlobLimit}
	}
	b.reads++
	ents, err := fs.ReadDir(b.dir, name)
	if len(b.prune) == 0 {
		return ents, err
	}
	kept := ents[:0]
	for _, e := range ents {
		if !b.hidden(path.Join(name, e.Name())) {
			kept = append(kept, e)
		}
	}
	return kept, err
}
