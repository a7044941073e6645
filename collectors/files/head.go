package files

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/casefile/casefile/collectors"
)

// headWindow is how much of a head's end is held to choose where to cut it: the last delimiter,
// and not inside a private-key block (a PEM key is well under this).
const headWindow = collectors.CutLookahead

var (
	pemBegin   = []byte("-----BEGIN")
	pemEnd     = []byte("-----END")
	privateKey = []byte("PRIVATE KEY")
)

// copyHead copies src from its start into the bundle at bp, keeping at most limit bytes: a file
// whose size is not known (/proc reports 0) or whose newest part holds no whole line. When src is
// longer, the cut moves back to the last line end in the window before it, else to the last
// delimiter in its second half (where the redactor itself cuts a long line), and never stays
// inside a private-key block; the rest of src is counted so the record says what was seen. The
// bundle file is created with its first byte, so nothing is written when nothing fits. It returns
// the bytes kept and seen; kept < seen means the head was cut.
func copyHead(ctx context.Context, sink collectors.Sink, bp string, src io.Reader, limit int64, r *Record) (kept, seen int64, err error) {
	src = collectors.ContextReader(ctx, src)
	w := &lazyFile{sink: sink, path: bp, r: r}
	defer func() {
		if cerr := w.close(); err == nil {
			err = cerr
		}
	}()
	win := min(int64(headWindow), max(limit, 0))
	body := max(limit, 0) - win
	n, err := io.CopyN(w, src, body)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return n, n, w.touch()
		}
		return n, n, err
	}
	b := collectors.BudgetFrom(ctx)
	if err := b.Acquire(ctx, win+1); err != nil {
		return n, n, err
	}
	defer b.Release(win + 1)
	buf := make([]byte, win+1)
	m, err := io.ReadFull(src, buf)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		// All of it fits.
		if _, err := w.Write(buf[:m]); err != nil {
			return n, n, err
		}
		return n + int64(m), n + int64(m), w.touch()
	case err != nil:
		return n, n, err
	}
	k := headEnd(buf[:win])
	if _, err := w.Write(buf[:k]); err != nil {
		return n, n, err
	}
	rest, err := io.Copy(io.Discard, src)
	return n + int64(k), n + win + 1 + rest, err
}

// headEnd returns how many bytes of win, the end of a head about to be cut, to keep.
func headEnd(win []byte) int {
	k := len(win)
	// A private-key block opened and not closed before the cut is left out whole.
	if i := bytes.LastIndex(win, pemBegin); i >= 0 && !bytes.Contains(win[i:], pemEnd) {
		line := win[i:]
		if j := bytes.IndexByte(line, '\n'); j >= 0 {
			line = line[:j]
		}
		if bytes.Contains(line, privateKey) || len(line) < len(pemBegin)+len(privateKey)+8 {
			k = i
		}
	}
	if i := bytes.LastIndexByte(win[:k], '\n'); i >= 0 {
		return i + 1
	}
	for j := k - 1; j >= k/2; j-- {
		switch win[j] {
		case ' ', '\t', ',', ';', '&', '"', '\'', '<', '>', '{', '}', '[', ']', '(', ')':
			return j + 1
		}
	}
	return k
}

// lazyFile creates its bundle file with the first byte written to it (or on touch), so that a
// source of which nothing is kept leaves no empty placeholder in the bundle.
type lazyFile struct {
	sink collectors.Sink
	path string
	r    *Record
	w    io.WriteCloser
	err  error
}

func (l *lazyFile) open() error {
	if l.w == nil && l.err == nil {
		l.w, l.err = l.sink.Create(l.path)
		if l.err == nil {
			l.r.Bundle = collectors.BundlePath(l.w, l.path)
		}
	}
	return l.err
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := l.open(); err != nil {
		return 0, err
	}
	return l.w.Write(p)
}

// touch creates the file when nothing was written: the source was empty, and an empty copy is
// what it holds.
func (l *lazyFile) touch() error { return l.open() }

func (l *lazyFile) close() error {
	if l.w == nil {
		return nil
	}
	return l.w.Close()
}
