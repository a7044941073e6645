package logs

import (
	"bufio"
	"io"
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

// probe finds the first timestamped line starting at or after off (a line starts at 0 or right
// after a '\n'). It returns that line's start and time. found is false when no timestamp shows
// up: at end of file start is size; after probeLimit bytes start is the first line start at or
// after off.
func probe(r io.ReaderAt, size, off int64, p *tsParser) (start int64, t time.Time, found bool, err error) {
	from := off
	if off > 0 {
		from = off - 1 // the byte before off tells whether off starts a line
	}
	lr := newLineReader(io.NewSectionReader(r, from, size-from), from, probeBuf)
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

// windowStart returns the offset of the first line of a seekable file that belongs to the window
// [since, ...), found by binary search on line timestamps (log files are appended in time order;
// where they are not, the search still lands on a line boundary and the cut is approximate).
// Untimestamped lines belong to the timestamped line before them. stamped reports whether the
// file has timestamps at all; when it has none, the whole file is in the window (the caller has
// already checked its modification time).
func windowStart(r io.ReaderAt, size int64, since time.Time, p *tsParser) (start int64, stamped bool, err error) {
	_, t0, ok, err := probe(r, size, 0, p)
	if err != nil || !ok {
		return 0, false, err
	}
	if !t0.Before(since) {
		return 0, true, nil
	}
	lo, hi := int64(0), size
	for lo < hi {
		mid := lo + (hi-lo)/2
		_, t, ok, err := probe(r, size, mid, p)
		if err != nil {
			return 0, true, err
		}
		if !ok || !t.Before(since) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	start, _, _, err = probe(r, size, lo, p)
	return start, true, err
}

// gzWindow is the first pass over a compressed file: it finds the decompressed offset where the
// window starts and the decompressed size, holding nothing but a read buffer.
func gzWindow(r io.Reader, since time.Time, p *tsParser) (start, total int64, stamped bool, err error) {
	lr := newLineReader(r, 0, 256<<10)
	found := false
	for !found {
		ls, head, err := lr.next()
		if len(head) > 0 {
			if ts, ok := p.parse(head); ok {
				stamped = true
				if !ts.Before(since) {
					start, found = ls, true
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, 0, stamped, err
		}
	}
	if found {
		n, err := io.Copy(io.Discard, lr.br)
		if err != nil {
			return 0, 0, stamped, err
		}
		lr.pos += n
	}
	total = lr.pos
	switch {
	case !stamped:
		start = 0
	case !found:
		start = total
	}
	return start, total, stamped, nil
}
