package bundle

import (
	"crypto/sha256"
	"fmt"
	"io"

	"github.com/casefile/casefile/collectors"
)

// A tail file keeps the newest part of a stream (a command's output) on disk, already redacted:
// the collector's bytes pass through the redactor from the first one, and the redacted bytes go
// into a collectors.Spool over the staged file itself, which cuts on line starts when it holds
// twice the room. Because the redactor saw the whole stream, a private key is one marker before
// any cut, so the cut cannot expose a key body whose BEGIN line fell before it; the spool's cut
// rules keep markers and runs of marked lines whole. On Close the file is cut to its room, then to
// what the collector and bundle caps allow, and its size and sha256 are taken from what is kept.
// The manifest records the cut in stored (redacted) bytes: bytes_kept is the file's size,
// bytes_seen what the redacted stream held in all.

// tailSpool is a stagedFile's tail state.
type tailSpool struct {
	spool *collectors.Spool
	room  int64
}

// CreateTail implements collectors.TailSink.
func (k *sink) CreateTail(p string, opt collectors.TailOptions) (collectors.TailWriter, error) {
	w, err := k.Create(p)
	if err != nil {
		return nil, err
	}
	sf, ok := w.(*stagedFile)
	if !ok {
		w.Close()
		return nil, fmt.Errorf("%s: not a staged file", p)
	}
	room := min(max(opt.Room, 0), 2*k.stage.maxFile())
	sf.tail = &tailSpool{room: room, spool: collectors.NewSpool(opt.Ctx, sf.f, room, room, opt.Budget)}
	return tailFile{sf}, nil
}

// write takes redacted bytes in place of capWriter.Write: the caps are applied on Close, to what
// is kept.
func (t *tailSpool) write(c *capWriter, p []byte) (int, error) {
	c.seen += int64(len(p))
	if _, err := t.spool.Write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// finishTail cuts the file to its room and to the caps, and hashes what is kept. The redactor
// has been flushed.
func (sf *stagedFile) finishTail() error {
	t := sf.tail
	if err := t.spool.Cut(t.room); err != nil {
		return err
	}
	s := sf.stage
	size := t.spool.Size()
	s.mu.Lock()
	take := size
	if sf.sink != nil {
		take = min(size, max(0, min(s.bundleRoom(), sf.sink.roomLocked())))
		sf.sink.written += take
	}
	s.total += take
	s.mu.Unlock()
	if take < size {
		// The collector or bundle cap: keep the newest part that fits, cut the same way.
		sf.capped.capped = true
		if err := t.spool.Cut(take); err != nil {
			return err
		}
		back := take - t.spool.Size()
		s.mu.Lock()
		s.total -= back
		if sf.sink != nil {
			sf.sink.written -= back
		}
		s.mu.Unlock()
	}
	sf.capped.kept = t.spool.Size()
	sf.h = sha256.New()
	if _, err := io.CopyBuffer(sf.h, io.NewSectionReader(sf.f, 0, sf.capped.kept), make([]byte, 32<<10)); err != nil {
		return err
	}
	return nil
}

// tailFile is the collector's handle on a tail file.
type tailFile struct{ *stagedFile }

// Result implements collectors.TailWriter.
func (t tailFile) Result() collectors.TailResult {
	c := &t.capped
	return collectors.TailResult{Kept: c.kept, Seen: c.seen, Cut: c.kept < c.seen}
}

// Abort implements collectors.TailWriter: it discards a file not closed yet (a closed one is
// kept).
func (t tailFile) Abort() {
	t.mu.Lock()
	closed := t.closed
	t.mu.Unlock()
	if !closed {
		t.abort()
	}
}
