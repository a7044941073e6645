package logs

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// probeLimit bounds how far one probe reads looking for a timestamped line. A region this long
// with no timestamp (a huge stack trace, a binary blob) counts as inside the window: keeping too
// much is better than losing the lines around a failure.
const probeLimit = 4 << 20

// probeBuf is the read buffer of one probe; lines longer than it are skipped in pieces.
const probeBuf = 64 << 10

// lineReader reads lines from a stream and knows the offset of each. Lines longer than its
// buffer are returned as their first buffer-full (enough for the timestamp) and the rest skipped.
type lineReader struct {
	br  *bufio.Reader
	pos int64 // offset of the next unread byte
}

func newLineReader(r io.Reader, pos int64, size int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, size), pos: pos}
}

// next returns the start offset and the head of the next line. The head is valid until the
// following call.
func (l *lineReader) next() (start int64, head []byte, err error) {
	start = l.pos
	line, err := l.br.ReadSlice('\n')
	l.pos += int64(len(line))
	if err == bufio.ErrBufferFull {
		// Keep the head for the timestamp; copy it, because skipping reuses the buffer.
		head = append([]byte(nil), line[:min(len(line), tsScan)]...)
		if serr := l.skipLine(); serr != nil && serr != io.EOF {
			return start, head, serr
		}
		return start, head, nil
	}
	if err == io.EOF && len(line) > 0 {
		return start, line, nil
	}
	return start, line, err
}

// skipLine discards up to and including the next newline.
func (l *lineReader) skipLine() error {
	for {
		line, err := l.br.ReadSlice('\n')
		l.pos += int64(len(line))
		if err != bufio.ErrBufferFull {
			return err
		}
	}
}

// probeReaders recycles the probes' read buffers: a search makes about 50 probes (order samples
// and two binary searches), and a 64 KiB allocation each would cost more than the reads.
var probeReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, probeBuf) }}

// probe finds the first timestamped line starting at or after off (a line starts at 0 or right
// after a '\n'). It returns that line's start and time. found is false when no timestamp shows
// up: at end of file start is size; after probeLimit bytes start is the first line start at or
// after off.
func probe(r io.ReaderAt, size, off int64, p *tsParser) (start int64, t time.Time, found bool, err error) {
	from := off
	if off > 0 {
		from = off - 1 // the byte before off tells whether off starts a line
	}
	br := probeReaders.Get().(*bufio.Reader)
	defer probeReaders.Put(br)
	br.Reset(io.NewSectionReader(r, from, size-from))
	lr := &lineReader{br: br, pos: from}
	if off > 0 {
		if err := lr.skipLine(); err != nil {
			if err == io.EOF {
				return size, time.Time{}, false, nil
			}
			return 0, time.Time{}, false, err
		}
	}
	first := lr.pos
	for lr.pos-first < probeLimit {
		ls, head, err := lr.next()
		if len(head) > 0 {
			if ts, ok := p.parse(head); ok {
				return ls, ts, true, nil
			}
		}
		if err == io.EOF {
			return size, time.Time{}, false, nil
		}
		if err != nil {
			return 0, time.Time{}, false, err
		}
	}
	return first, time.Time{}, false, nil
}

// window is the time range kept: [since, until]; a zero until leaves it open (up to now).
type window struct{ since, until time.Time }

// in reports whether t is inside the window.
func (w window) in(t time.Time) bool {
	return !t.Before(w.since) && (w.until.IsZero() || !t.After(w.until))
}

// forFormat widens the window to whole days (in p's zone) for a format that gives only days, so
// a line dated today is kept by a window that started this morning.
func (w window) forFormat(p *tsParser) window {
	if p.format == nil || p.format.fam == nil || !p.format.fam.dateOnly {
		return w
	}
	y, m, d := w.since.In(p.loc).Date()
	w.since = time.Date(y, m, d, 0, 0, 0, 0, p.loc)
	if !w.until.IsZero() {
		y, m, d = w.until.In(p.loc).Date()
		w.until = time.Date(y, m, d+1, 0, 0, 0, -1, p.loc)
	}
	return w
}

// span is the part of a file that holds the window: [start, end) in (decompressed) bytes, both on
// line starts. Lines without a timestamp belong to the timestamped line before them, so the span
// starts at a timestamped line (or at 0) and ends where the first entry after the window starts.
type span struct {
	start, end int64
	stamped    bool // the file has timestamps in its format (else the span is the whole file)
	outOfOrder bool // sampled timestamps went backwards: the span was found by a linear scan
}

// orderSamples is how many points of a seekable file are sampled to check it is in time order.
const orderSamples = 16

// orderSlack is how far back a sampled timestamp may go before the file counts as out of order:
// threads of one process write lines slightly out of order, concatenated logs of several nodes go
// back by hours.
const orderSlack = time.Minute

// findSpan returns the span of a seekable file that belongs to the window. Log files are appended
// in time order, so the span is found by binary searches on line timestamps (about 31 probes of a
// few KiB for 2 GiB). A file not in time order (several nodes' logs concatenated: timestamps
// sampled at orderSamples points go backwards) is scanned line by line instead, and the span runs
// from its first line inside the window to the end of its last one, in file order. A file with no
// timestamps in its format is all span (the caller has already checked its modification time).
func findSpan(r io.ReaderAt, size int64, w window, p *tsParser) (span, error) {
	w = w.forFormat(p)
	_, t0, ok, err := probe(r, size, 0, p)
	if err != nil || !ok {
		return span{start: 0, end: size}, err
	}
	if !t0.Before(w.since) && w.until.IsZero() {
		// The first line is inside an open-ended window: the whole file is, whatever its order.
		return span{start: 0, end: size, stamped: true}, nil
	}
	ordered, err := inOrder(r, size, t0, p)
	if err != nil {
		return span{}, err
	}
	if !ordered {
		sp, _, err := scanSpan(io.NewSectionReader(r, 0, size), w, p, true)
		sp.outOfOrder = true
		return sp, err
	}
	sp := span{start: 0, end: size, stamped: true}
	if !w.until.IsZero() && t0.After(w.until) {
		sp.end = 0
		return sp, nil
	}
	if t0.Before(w.since) {
		sp.start, err = search(r, size, p, func(t time.Time) bool { return !t.Before(w.since) })
		if err != nil {
			return sp, err
		}
	}
	if !w.until.IsZero() {
		sp.end, err = search(r, size, p, func(t time.Time) bool { return t.After(w.until) })
		if err != nil {
			return sp, err
		}
	}
	sp.end = max(sp.end, sp.start)
	return sp, nil
}

// inOrder samples the first timestamped line at orderSamples evenly spaced offsets and reports
// whether their times never go back by more than orderSlack.
func inOrder(r io.ReaderAt, size int64, t0 time.Time, p *tsParser) (bool, error) {
	latest := t0
	for i := int64(1); i < orderSamples; i++ {
		_, t, ok, err := probe(r, size, size*i/orderSamples, p)
		if err != nil {
			return false, err
		}
		if !ok {
			continue
		}
		if t.Before(latest.Add(-orderSlack)) {
			return false, nil
		}
		if t.After(latest) {
			latest = t
		}
	}
	return true, nil
}

// search returns the start of the first timestamped line whose time satisfies in (a predicate that
// is false, then true, along a file in time order), found by binary search; size when none does.
// A probe that finds no timestamp counts as true (the region is kept).
func search(r io.ReaderAt, size int64, p *tsParser, in func(time.Time) bool) (int64, error) {
	lo, hi := int64(0), size
	for lo < hi {
		mid := lo + (hi-lo)/2
		_, t, ok, err := probe(r, size, mid, p)
		if err != nil {
			return 0, err
		}
		if !ok || in(t) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	start, _, _, err := probe(r, size, lo, p)
	return start, err
}

// windowStart returns the offset where the window [since, ...) starts in a seekable file and
// whether the file has timestamps.
func windowStart(r io.ReaderAt, size int64, since time.Time, p *tsParser) (start int64, stamped bool, err error) {
	sp, err := findSpan(r, size, window{since: since}, p)
	return sp.start, sp.stamped, err
}

// scanSpan reads a stream line by line (a compressed file's first pass, or a plain file not in
// time order) and returns the window's span and the stream's size, holding nothing but a read
// buffer. The span starts at the first line inside the window in file order (at 0 when that is
// the first timestamped line) and ends where the first entry after the last one inside the window
// starts. With an open-ended window and whole false, the rest of the stream after the start is
// only counted, not parsed.
func scanSpan(r io.Reader, w window, p *tsParser, whole bool) (sp span, total int64, err error) {
	w = w.forFormat(p)
	lr := newLineReader(r, 0, 256<<10)
	found, inEntry := false, false
	var latest time.Time
	sp.end = -1
	for {
		ls, head, err := lr.next()
		if len(head) > 0 {
			if ts, ok := p.parse(head); ok {
				if sp.stamped && ts.Before(latest.Add(-orderSlack)) {
					sp.outOfOrder = true
				}
				if !sp.stamped || ts.After(latest) {
					latest = ts
				}
				in := w.in(ts)
				switch {
				case in && !found:
					found = true
					if sp.stamped {
						sp.start = ls
					}
				case !in && inEntry:
					sp.end = ls
				}
				inEntry = in
				sp.stamped = true
				if found && w.until.IsZero() && !whole {
					break
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return sp, 0, err
		}
	}
	if found && w.until.IsZero() && !whole {
		n, err := io.Copy(io.Discard, lr.br)
		if err != nil {
			return sp, 0, err
		}
		lr.pos += n
		inEntry = true
	}
	total = lr.pos
	switch {
	case !sp.stamped:
		sp.start, sp.end = 0, total
	case !found:
		sp.start, sp.end = total, total
	case inEntry || sp.end < 0:
		sp.end = total
	}
	return sp, total, nil
}

// gzWindow is the first pass over a compressed file: it finds the decompressed offset where the
// window starts and the decompressed size.
func gzWindow(r io.Reader, since time.Time, p *tsParser) (start, total int64, stamped bool, err error) {
	sp, total, err := scanSpan(r, window{since: since}, p, false)
	return sp.start, total, sp.stamped, err
}
