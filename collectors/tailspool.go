package collectors

import (
	"bytes"
	"context"
	"errors"
	"io"
)

// SpoolStore is where a Spool keeps its bytes: the staged file itself (an *os.File opened for
// reading and writing) or, for a sink that cannot spool, memory.
type SpoolStore interface {
	io.ReaderAt
	io.WriterAt
	Truncate(size int64) error
}

// Spool keeps the newest part of a stream, at most room bytes once cut, starting on a line start.
// Bytes are appended to the store; when it holds room+slack bytes, the newest room bytes (moved
// forward to a line start and past a cut-open private-key block or run of redaction markers, see
// spoolHead) are copied to the front and the store is truncated. Each byte is copied at most
// about room/slack times, so with slack = room (the staged file) the copying is amortised to
// one extra write per byte. Memory: one CutLookahead buffer during a compaction, taken from the
// budget.
type Spool struct {
	store  SpoolStore
	room   int64
	slack  int64
	size   int64
	seen   int64
	budget *Budget
	ctx    context.Context
	// skipLine: a cut dropped everything up to the store's end in the middle of a line, so what
	// comes next is the rest of that line and is dropped through its newline.
	skipLine bool
}

// NewSpool returns a spool over store (which must be empty) that keeps room bytes and compacts
// when it holds room+slack (slack <= 0: room). ctx bounds waits for the budget.
func NewSpool(ctx context.Context, store SpoolStore, room, slack int64, b *Budget) *Spool {
	if slack <= 0 {
		slack = max(room, CutLookahead)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return &Spool{store: store, room: max(room, 0), slack: slack, budget: b, ctx: ctx}
}

// Size is the bytes in the store now; after Cut, the bytes kept.
func (s *Spool) Size() int64 { return s.size }

// Seen is the bytes written in all.
func (s *Spool) Seen() int64 { return s.seen }

// Write appends p, compacting as it goes.
func (s *Spool) Write(p []byte) (int, error) {
	total := len(p)
	if s.room == 0 {
		s.seen += int64(total)
		return total, nil
	}
	for len(p) > 0 {
		if s.skipLine {
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				s.seen += int64(len(p))
				return total, nil
			}
			s.seen += int64(i + 1)
			p = p[i+1:]
			s.skipLine = false
			continue
		}
		free := s.room + s.slack - s.size
		if free <= 0 {
			if err := s.compact(s.room, false); err != nil {
				return total - len(p), err
			}
			continue
		}
		n := int(min(int64(len(p)), free))
		if _, err := s.store.WriteAt(p[:n], s.size); err != nil {
			return total - len(p), err
		}
		s.size += int64(n)
		s.seen += int64(n)
		p = p[n:]
	}
	return total, nil
}

// Cut makes the store hold at most keep bytes (the stream has ended: its last line counts even
// without a newline).
func (s *Spool) Cut(keep int64) error {
	if s.size <= max(keep, 0) {
		return nil
	}
	return s.compact(max(keep, 0), true)
}

// compact keeps the newest keep bytes, from a safe start.
func (s *Spool) compact(keep int64, final bool) error {
	if err := s.budget.Acquire(s.ctx, CutLookahead); err != nil {
		return err
	}
	defer s.budget.Release(CutLookahead)
	buf := make([]byte, CutLookahead)
	start, err := s.safeStart(s.size-keep, final, buf)
	if err != nil {
		return err
	}
	for src := start; src < s.size; {
		n, err := s.store.ReadAt(buf[:min(int64(len(buf)), s.size-src)], src)
		if n == 0 && err != nil {
			return err
		}
		if _, err := s.store.WriteAt(buf[:n], src-start); err != nil {
			return err
		}
		src += int64(n)
	}
	s.size -= start
	return s.store.Truncate(s.size)
}

// safeStart returns the offset in [cut, size] where the kept part may start.
func (s *Spool) safeStart(cut int64, final bool, buf []byte) (int64, error) {
	if cut <= 0 {
		return 0, nil
	}
	var prev [1]byte
	if _, err := s.store.ReadAt(prev[:], cut-1); err != nil {
		return 0, err
	}
	off := cut
	if prev[0] != '\n' {
		for {
			if off >= s.size {
				s.skipLine = !final
				return s.size, nil
			}
			n, err := s.store.ReadAt(buf[:min(int64(len(buf)), s.size-off)], off)
			if n == 0 && err != nil {
				return 0, err
			}
			if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
				off += int64(i) + 1
				break
			}
			off += int64(n)
		}
	}
	w := min(int64(len(buf)), s.size-off)
	n, err := s.store.ReadAt(buf[:w], off)
	if int64(n) < w && err != nil {
		return 0, err
	}
	return off + int64(spoolHead(buf[:n], final && off+w == s.size)), nil
}

// memStore is a SpoolStore in memory, its growth taken from a budget.
type memStore struct {
	ctx    context.Context
	budget *Budget
	b      []byte
	held   int64
	limit  int64 // the most the spool will hold (room+slack); growth stops there
}

func (m *memStore) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(m.b)) {
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *memStore) WriteAt(p []byte, off int64) (int, error) {
	end := off + int64(len(p))
	if end > int64(cap(m.b)) {
		want := max(end, 2*int64(cap(m.b)), 4<<10)
		if m.held > 0 && want > m.held {
			want = max(end, m.held+m.held/2)
		}
		if m.limit > 0 {
			want = max(end, min(want, m.limit))
		}
		if err := m.budget.Acquire(m.ctx, want-m.held); err != nil {
			return 0, err
		}
		nb := make([]byte, len(m.b), want)
		copy(nb, m.b)
		m.b, m.held = nb, want
	}
	if end > int64(len(m.b)) {
		m.b = m.b[:end]
	}
	return copy(m.b[off:], p), nil
}

func (m *memStore) Truncate(size int64) error {
	if size < 0 || size > int64(len(m.b)) {
		return errors.New("memStore: truncate out of range")
	}
	m.b = m.b[:size]
	return nil
}

func (m *memStore) release() {
	m.budget.Release(m.held)
	m.b, m.held = nil, 0
}
