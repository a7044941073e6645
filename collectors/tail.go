package collectors

import (
	"context"
	"fmt"
	"io"
)

// A collector that keeps the newest part of a stream it cannot seek (a command's output) writes it
// through one tail writer. The bundle stage implements it on disk (bundle/tail.go): the stream
// passes through the redactor from its first byte into the staged file, which a Spool cuts to the
// newest room bytes on a line start. Since the redactor sees the whole stream, it sees every
// private key's BEGIN line and replaces the block with one marker before anything is cut; the cut
// then works on redacted bytes, where a key body cannot be exposed, and never splits a marker
// (see spoolHead). Memory: no copy of the tail, only a lookahead buffer while compacting.

// TailOptions describe a tail file.
type TailOptions struct {
	// Room is the most the file keeps (its newest bytes). Room <= 0 keeps nothing.
	Room int64
	// Budget, when set, bounds the memory the tail holds; Ctx bounds waits for it.
	Budget *Budget
	Ctx    context.Context
}

// TailResult is what a tail file kept, valid after Close.
type TailResult struct {
	Kept int64 // bytes in the file
	Seen int64 // bytes the stream had in all, in the same units as Kept (see TailWriter)
	Cut  bool  // the older part was dropped
}

// TailWriter is a file that keeps the newest part of what is written to it. The sink records a
// cut itself (truncated, bytes_kept, bytes_seen of the stored stream): the collector must not call
// SetTruncated for it unless it dropped bytes before writing them.
type TailWriter interface {
	io.WriteCloser
	// Name is the file's path in the bundle (see BundlePath).
	Name() string
	// Result reports what was kept; valid after Close.
	Result() TailResult
	// Abort discards the file unless it was closed.
	Abort()
}

// TailSink is a sink that can keep tails (the bundle stage's sink).
type TailSink interface {
	CreateTail(path string, opt TailOptions) (TailWriter, error)
}

// CreateTail opens a tail file at path that keeps at most room bytes, through the sink's own
// tail support, or else in memory (raw bytes, cut with TailStartBytes's rules, then written
// through the sink, which redacts them). The memory is taken from the budget ctx carries.
func CreateTail(ctx context.Context, s Sink, path string, room int64) (TailWriter, error) {
	opt := TailOptions{Room: room, Budget: BudgetFrom(ctx), Ctx: ctx}
	if ts, ok := s.(TailSink); ok {
		return ts.CreateTail(path, opt)
	}
	return newMemTail(s, path, opt), nil
}

// memTail is the tail of a sink without tail support: a Spool in memory, written out on Close.
type memTail struct {
	sink   Sink
	path   string
	store  *memStore
	spool  *Spool
	res    TailResult
	closed bool
}

func newMemTail(s Sink, path string, opt TailOptions) *memTail {
	room := max(opt.Room, 0)
	slack := max(room/4, CutLookahead)
	st := &memStore{ctx: opt.Ctx, budget: opt.Budget, limit: room + slack}
	if st.ctx == nil {
		st.ctx = context.Background()
	}
	return &memTail{sink: s, path: path, store: st, spool: NewSpool(opt.Ctx, st, room, slack, opt.Budget)}
}

func (t *memTail) Name() string { return t.path }

func (t *memTail) Write(p []byte) (int, error) {
	if t.closed {
		return 0, fmt.Errorf("%s: write after close", t.path)
	}
	return t.spool.Write(p)
}

func (t *memTail) Close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	defer t.store.release()
	err := t.spool.Cut(t.spool.room)
	if err != nil {
		return err
	}
	w, err := t.sink.Create(t.path)
	if err != nil {
		return err
	}
	t.path = BundlePath(w, t.path)
	_, werr := w.Write(t.store.b[:t.spool.Size()])
	if cerr := w.Close(); werr == nil {
		werr = cerr
	}
	t.res = TailResult{Kept: t.spool.Size(), Seen: t.spool.Seen(), Cut: t.spool.Size() < t.spool.Seen()}
	if werr != nil {
		return werr
	}
	if t.res.Cut {
		t.sink.SetTruncated(t.path, t.res.Kept, t.res.Seen)
	}
	return nil
}

func (t *memTail) Result() TailResult { return t.res }

func (t *memTail) Abort() {
	if !t.closed {
		t.closed = true
		t.store.release()
	}
}

// MemTail keeps the newest room bytes of a small stream in memory (a command's stderr, recorded
// as text in an index), cut as a Spool cuts. Not for output the size of a file cap: that goes
// through CreateTail.
type MemTail struct {
	store memStore
	spool *Spool
}

// NewMemTail returns a MemTail of room bytes.
func NewMemTail(room int64) *MemTail {
	m := &MemTail{}
	slack := max(room/4, 4<<10)
	m.store = memStore{ctx: context.Background(), limit: room + slack}
	m.spool = NewSpool(nil, &m.store, room, slack, nil)
	return m
}

// Write implements io.Writer.
func (m *MemTail) Write(p []byte) (int, error) { return m.spool.Write(p) }

// Bytes cuts to the room (the stream has ended) and returns what is kept.
func (m *MemTail) Bytes() []byte {
	if err := m.spool.Cut(m.spool.room); err != nil {
		return nil
	}
	return m.store.b[:m.spool.Size()]
}

// Seen is the bytes written in all.
func (m *MemTail) Seen() int64 { return m.spool.Seen() }
