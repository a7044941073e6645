package collectors

import (
	"bytes"
	"context"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// expectTail is the reference cut: the last room bytes, moved to the next line start when the cut
// falls inside a line.
func expectTail(all []byte, room int) []byte {
	if len(all) <= room {
		return all
	}
	want := all[len(all)-room:]
	if all[len(all)-room-1] != '\n' {
		if i := bytes.IndexByte(want, '\n'); i >= 0 {
			return want[i+1:]
		}
		return nil
	}
	return want
}

func randomChunks(r *rand.Rand) [][]byte {
	var out [][]byte
	for i := r.Intn(40); i > 0; i-- {
		chunk := make([]byte, r.Intn(90))
		for j := range chunk {
			chunk[j] = byte('a' + r.Intn(26))
			if r.Intn(8) == 0 {
				chunk[j] = '\n'
			}
		}
		out = append(out, chunk)
	}
	return out
}

// The spool agrees with a one-shot cut of the whole stream, whatever the write sizes and
// however many compactions happened on the way, in memory and on disk.
func TestSpoolMatchesOneShotCut(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	dir := t.TempDir()
	for trial := range 400 {
		room := 1 + r.Intn(100)
		chunks := randomChunks(r)
		var all []byte
		mt := NewMemTail(int64(room))
		f, err := os.OpenFile(filepath.Join(dir, "spool"), os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		ds := NewSpool(context.Background(), f, int64(room), int64(1+r.Intn(room)), nil)
		for _, c := range chunks {
			all = append(all, c...)
			mt.Write(c)
			if _, err := ds.Write(c); err != nil {
				t.Fatal(err)
			}
		}
		want := expectTail(all, room)
		if got := mt.Bytes(); !bytes.Equal(got, want) {
			t.Fatalf("trial %d (room %d, wrote %d): memory got %q want %q", trial, room, len(all), got, want)
		}
		if err := ds.Cut(int64(room)); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, ds.Size())
		f.ReadAt(got, 0)
		if fi, _ := f.Stat(); !bytes.Equal(got, want) || fi.Size() != ds.Size() {
			t.Fatalf("trial %d (room %d, wrote %d): disk got %q want %q (file %d bytes)", trial, room, len(all), got, want, fi.Size())
		}
		if mt.Seen() != int64(len(all)) || ds.Seen() != int64(len(all)) {
			t.Fatalf("seen %d/%d, wrote %d", mt.Seen(), ds.Seen(), len(all))
		}
		f.Close()
	}
}

// A spool's store never holds more than room+slack bytes.
func TestSpoolBoundedStore(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "spool")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := NewSpool(nil, f, 1000, 500, nil)
	line := []byte("0123456789012345678\n")
	for range 5000 {
		s.Write(line)
		if s.Size() > 1500 {
			t.Fatalf("store holds %d bytes", s.Size())
		}
	}
	if _, err := s.Write(bytes.Repeat(line, 1000)); err != nil || s.Size() > 1500 {
		t.Fatalf("one large write: %v, %d bytes held", err, s.Size())
	}
}

func TestBudget(t *testing.T) {
	b := NewBudget(100)
	ctx := context.Background()
	if err := b.Acquire(ctx, 60); err != nil || !b.TryAcquire(40) || b.TryAcquire(1) {
		t.Fatalf("in use %d", b.InUse())
	}
	got := make(chan error, 1)
	go func() { got <- b.Acquire(ctx, 50) }()
	select {
	case <-got:
		t.Fatal("Acquire did not wait for room")
	case <-time.After(20 * time.Millisecond):
	}
	b.Release(60)
	if err := <-got; err != nil || b.InUse() != 90 {
		t.Fatalf("after release: %v, in use %d", err, b.InUse())
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := b.Acquire(cctx, 20); err == nil {
		t.Fatal("Acquire past the budget returned without waiting for the context")
	}
	b.Release(90)
	// A request larger than the whole budget is granted when nothing else is held.
	if err := b.Acquire(ctx, 500); err != nil || b.InUse() != 500 {
		t.Fatalf("oversize: %v %d", err, b.InUse())
	}
	b.Release(500)
	var nilb *Budget
	if !nilb.TryAcquire(1 << 40) {
		t.Fatal("a nil budget is unbounded")
	}
}

// The in-memory tail takes its buffer from the budget and gives it back.
func TestMemTailUsesBudget(t *testing.T) {
	b := NewBudget(1 << 20)
	ctx := WithBudget(context.Background(), b)
	s := &fakeSink{}
	tw, err := CreateTail(ctx, s, "logs/x.log", 300<<10)
	if err != nil {
		t.Fatal(err)
	}
	line := []byte("some line of log output\n")
	for range 100000 {
		tw.Write(line)
		if b.InUse() > 1<<20 {
			t.Fatalf("budget overrun: %d", b.InUse())
		}
	}
	if b.InUse() == 0 {
		t.Fatal("the memory tail took nothing from the budget")
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if b.InUse() != 0 {
		t.Fatalf("budget holds %d after Close", b.InUse())
	}
	if r := tw.Result(); !r.Cut || r.Kept > 300<<10 || s.trunc != [2]int64{r.Kept, r.Seen} || int64(s.buf.Len()) != r.Kept {
		t.Fatalf("result %+v, sink %v, %d bytes", r, s.trunc, s.buf.Len())
	}
}

type fakeSink struct {
	buf   bytes.Buffer
	trunc [2]int64
}

type nopCloser struct{ *bytes.Buffer }

func (nopCloser) Close() error { return nil }

func (s *fakeSink) Create(string) (io.WriteCloser, error)   { return nopCloser{&s.buf}, nil }
func (s *fakeSink) WriteJSON(string, any) error             { return nil }
func (s *fakeSink) SetTruncated(_ string, kept, seen int64) { s.trunc = [2]int64{kept, seen} }
func (s *fakeSink) MaxFileSize() int64                      { return 10 << 20 }
