package logs

import (
	"bytes"
	"testing"
	"time"
)

// The window's end is applied to command output line by line, whatever the write boundaries:
// lines stamped after until, and everything after the first of them, are left out; lines
// without a stamp stay with the line before.
func TestWindowFilterUntil(t *testing.T) {
	in := "2026-11-30T07:00:00Z before the window\n" +
		"2026-11-30T08:30:00Z inside one\n" +
		"  continuation of inside one\n" +
		"2026-11-30T09:00:00Z inside two\n" +
		"2026-11-30T09:30:01Z after the window\n" +
		"2026-11-30T09:40:00Z after again\n" +
		"2026-11-30T09:50:00Z no newline at the end"
	want := "2026-11-30T08:30:00Z inside one\n  continuation of inside one\n2026-11-30T09:00:00Z inside two\n"
	since := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	until := time.Date(2026, 11, 30, 9, 30, 0, 0, time.UTC)
	for _, step := range []int{1, 2, 3, 7, 64, len(in)} {
		for _, withSince := range []bool{true, false} {
			var out bytes.Buffer
			f := &windowFilter{dst: &out, until: until, p: &tsParser{ref: until, loc: time.UTC}}
			w := want
			if withSince {
				f.since = since
			} else {
				w = "2026-11-30T07:00:00Z before the window\n" + want
			}
			for b := []byte(in); len(b) > 0; {
				n := min(step, len(b))
				f.Write(b[:n])
				b = b[n:]
			}
			f.flush()
			if out.String() != w {
				t.Errorf("step %d since %v:\n%q\nwant\n%q", step, withSince, out.String(), w)
			}
		}
	}
	// A window that ends before the first line inside it keeps nothing.
	var none bytes.Buffer
	f0 := &windowFilter{dst: &none, since: since, until: since.Add(10 * time.Minute), p: &tsParser{ref: until, loc: time.UTC}}
	f0.Write([]byte(in))
	f0.flush()
	if none.Len() != 0 {
		t.Errorf("window before the output: %q", none.String())
	}
	// An open end passes everything after the start, the last line without a newline too.
	var out bytes.Buffer
	f := &windowFilter{dst: &out, until: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), p: &tsParser{ref: until, loc: time.UTC}}
	f.Write([]byte(in))
	f.flush()
	if out.String() != in {
		t.Errorf("open end: %q", out.String())
	}
}
