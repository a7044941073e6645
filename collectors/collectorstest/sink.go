// Package collectorstest provides an in-memory Sink for collector unit tests. End-to-end tests go
// through the real bundle sink (see cli tests); this one lets a collector's own tests read back
// exactly what it wrote.
package collectorstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/casefile/casefile/redact"
)

// Sink records files in memory. With Redactor set, everything written passes through it first, as
// in the bundle stage.
type Sink struct {
	Family   string // when set, paths must start with Family+"/"
	Redactor *redact.Engine
	MaxFile  int64 // per-file cap reported by MaxFileSize (default 10 MiB); writes past it are cut
	mu       sync.Mutex
	files    map[string]*bytes.Buffer
	trunc    map[string][2]int64
}

// Create implements collectors.Sink.
func (s *Sink) Create(path string) (io.WriteCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Family != "" && !strings.HasPrefix(path, s.Family+"/") {
		return nil, fmt.Errorf("path %q outside family folder %q", path, s.Family)
	}
	if s.files == nil {
		s.files = map[string]*bytes.Buffer{}
	}
	if _, ok := s.files[path]; ok {
		return nil, fmt.Errorf("file %q written twice", path)
	}
	b := &bytes.Buffer{}
	s.files[path] = b
	w := &capWriter{s: s, b: b, path: path}
	if s.Redactor != nil {
		return redacted{s.Redactor.NewWriter(w, path), w}, nil
	}
	return w, nil
}

// WriteJSON implements collectors.Sink.
func (s *Sink) WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	w, err := s.Create(path)
	if err != nil {
		return err
	}
	w.Write(append(data, '\n'))
	return w.Close()
}

// SetTruncated implements collectors.Sink.
func (s *Sink) SetTruncated(path string, kept, seen int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.trunc == nil {
		s.trunc = map[string][2]int64{}
	}
	s.trunc[path] = [2]int64{kept, seen}
}

// MaxFileSize implements collectors.Sink.
func (s *Sink) MaxFileSize() int64 {
	if s.MaxFile > 0 {
		return s.MaxFile
	}
	return 10 << 20
}

// Files returns the written paths, sorted.
func (s *Sink) Files() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for p := range s.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// File returns a file's content and whether it exists.
func (s *Sink) File(path string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.files[path]
	if !ok {
		return nil, false
	}
	return b.Bytes(), true
}

// JSON decodes a written JSON file into v.
func (s *Sink) JSON(path string, v any) error {
	b, ok := s.File(path)
	if !ok {
		return fmt.Errorf("no file %q (have %v)", path, s.Files())
	}
	return json.Unmarshal(b, v)
}

// Truncated returns what SetTruncated recorded for path.
func (s *Sink) Truncated(path string) (kept, seen int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trunc[path]
	return t[0], t[1], ok
}

type redacted struct {
	io.WriteCloser
	inner io.WriteCloser
}

func (r redacted) Close() error {
	err := r.WriteCloser.Close()
	if cerr := r.inner.Close(); err == nil {
		err = cerr
	}
	return err
}

type capWriter struct {
	s    *Sink
	b    *bytes.Buffer
	path string
	seen int64
}

func (w *capWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	w.seen += int64(len(p))
	room := w.s.MaxFileSizeLocked() - int64(w.b.Len())
	if room > 0 {
		if int64(len(p)) > room {
			w.b.Write(p[:room])
		} else {
			w.b.Write(p)
		}
	}
	return len(p), nil
}

func (w *capWriter) Close() error { return nil }

// MaxFileSizeLocked is MaxFileSize for callers holding the lock.
func (s *Sink) MaxFileSizeLocked() int64 {
	if s.MaxFile > 0 {
		return s.MaxFile
	}
	return 10 << 20
}
