package analyze

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/casefile/casefile/bundle"
)

// Source is what analyzers read: the collected files of one bundle, by bundle path
// ("network/http.json"). A file that is absent returns an error wrapping fs.ErrNotExist.
type Source interface {
	ReadFile(path string) ([]byte, error)
	// List returns every file path, sorted.
	List() []string
}

// MapSource is a Source held in memory: bundle path -> content. Tests build one directly.
type MapSource map[string][]byte

// ReadFile returns the content of p.
func (m MapSource) ReadFile(p string) ([]byte, error) {
	b, ok := m[p]
	if !ok {
		return nil, &fs.PathError{Op: "read", Path: p, Err: fs.ErrNotExist}
	}
	return b, nil
}

// List returns the paths, sorted.
func (m MapSource) List() []string {
	out := make([]string, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// OpenBundle reads the bundle archive (or unpacked bundle folder) at p into memory through the
// bundle package's safe reader, with its default limits. Only files the analyzers can use are
// kept: JSON documents and the text of logs and commands.
func OpenBundle(p string) (MapSource, error) {
	return OpenBundleLimits(p, bundle.DefaultReadLimits)
}

// OpenBundleLimits is OpenBundle with explicit reader limits.
func OpenBundleLimits(p string, lim bundle.ReadLimits) (MapSource, error) {
	m := MapSource{}
	_, err := bundle.Walk(p, lim, func(e bundle.Entry, r io.Reader) error {
		if _, dup := m[e.Name]; dup {
			return errors.New(e.Name + " appears twice in the bundle")
		}
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, r); err != nil {
			return err
		}
		m[e.Name] = buf.Bytes()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, ok := m["manifest.json"]; !ok {
		return nil, errors.New(p + ": no manifest.json: not a casefile bundle")
	}
	return m, nil
}

// DirSource reads a bundle laid out in a folder (the collection stage, or an unpacked bundle's
// top folder). Paths are bundle paths; anything that leaves the folder is refused.
type DirSource string

// ReadFile reads p under the folder.
func (d DirSource) ReadFile(p string) ([]byte, error) {
	if !fs.ValidPath(p) {
		return nil, &fs.PathError{Op: "read", Path: p, Err: fs.ErrInvalid}
	}
	fi, err := os.Lstat(filepath.Join(string(d), filepath.FromSlash(p)))
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: p, Err: fs.ErrNotExist}
	}
	return os.ReadFile(filepath.Join(string(d), filepath.FromSlash(p)))
}

// Open opens p under the folder for streaming (Opener), with its size.
func (d DirSource) Open(p string) (io.ReadSeekCloser, int64, error) {
	if !fs.ValidPath(p) {
		return nil, 0, &fs.PathError{Op: "open", Path: p, Err: fs.ErrInvalid}
	}
	full := filepath.Join(string(d), filepath.FromSlash(p))
	fi, err := os.Lstat(full)
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	f, err := os.Open(full)
	if err != nil {
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// List walks the folder; links and special files are left out.
func (d DirSource) List() []string {
	var out []string
	filepath.WalkDir(string(d), func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(string(d), p)
		if err == nil {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// readJSON decodes the file p into v. It reports false when the file is absent or not valid
// JSON: an analyzer then has nothing to say.
func readJSON(src Source, p string, v any) bool {
	b, err := src.ReadFile(p)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, v) == nil
}

// under lists the files below dir (a bundle folder, "logs/dmesg").
func under(src Source, dir string) []string {
	var out []string
	prefix := strings.TrimSuffix(dir, "/") + "/"
	for _, p := range src.List() {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	return out
}

// jsonLine returns the 1-based line of the first `"key": value` in data after the line from
// (0: from the start), value JSON-encoded as the collectors write it; 0 when not found.
func jsonLine(data []byte, from int, key string, value any) int {
	v, err := json.Marshal(value)
	if err != nil {
		return 0
	}
	needle := []byte(`"` + key + `": ` + string(v))
	line := 1
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var l []byte
		if i < 0 {
			l, data = data, nil
		} else {
			l, data = data[:i], data[i+1:]
		}
		if line > from && bytes.Contains(l, needle) {
			return line
		}
		line++
	}
	return 0
}

// ev is evidence for a JSON document, pointing at the line holding key: value when found.
func ev(src Source, p, key string, value any) Evidence {
	e := Evidence{Path: p}
	if key != "" {
		if b, err := src.ReadFile(p); err == nil {
			e.Line = jsonLine(b, 0, key, value)
		}
	}
	return e
}
