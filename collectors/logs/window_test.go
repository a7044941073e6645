package logs

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

// linearWindowStart is the obvious, slow definition windowStart must agree with.
func linearWindowStart(data []byte, since time.Time, p *tsParser) int64 {
	off := int64(0)
	first := true
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		line := data
		if i >= 0 {
			line = data[:i+1]
		}
		if ts, ok := p.parse(line); ok {
			if !ts.Before(since) {
				if first {
					return 0
				}
				return off
			}
			first = false
		}
		off += int64(len(line))
		data = data[len(line):]
	}
	if first {
		return 0 // no timestamps at all
	}
	return off
}

// randomLog writes lines one second apart with random lengths, some continuation lines without
// a timestamp, and now and then a line longer than the probe buffer.
func randomLog(r *rand.Rand, start time.Time, n int) []byte {
	var b bytes.Buffer
	ts := start
	for i := 0; i < n; i++ {
		ts = ts.Add(time.Duration(r.Intn(3)) * time.Second)
		fmt.Fprintf(&b, "%s line %d %s\n", ts.Format(time.RFC3339), i, strings.Repeat("x", r.Intn(200)))
		switch r.Intn(20) {
		case 0:
			b.WriteString("\tat com.acme.Foo.bar(Foo.java:42)\n\tat com.acme.Main.main(Main.java:7)\n")
		case 1:
			if r.Intn(10) == 0 {
				b.WriteString(strings.Repeat("y", probeBuf+r.Intn(3*probeBuf)) + "\n")
			}
		}
	}
	return b.Bytes()
}

func TestWindowStartMatchesLinearScan(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	start := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	p := &tsParser{ref: start.Add(48 * time.Hour), loc: time.UTC}
	for trial := 0; trial < 15; trial++ {
		data := randomLog(r, start, 1+r.Intn(3000))
		for _, since := range []time.Time{
			start.Add(-time.Hour),
			start.Add(time.Duration(r.Intn(3000)) * time.Second),
			start.Add(time.Duration(r.Intn(6000)) * time.Second),
			start.Add(48 * time.Hour),
		} {
			want := linearWindowStart(data, since, p)
			got, stamped, err := windowStart(bytes.NewReader(data), int64(len(data)), since, p)
			if err != nil || !stamped {
				t.Fatalf("trial %d: err %v stamped %v", trial, err, stamped)
			}
			if got != want {
				t.Fatalf("trial %d since %s: windowStart %d, linear scan %d (size %d)", trial, since, got, want, len(data))
			}
			gzStart, total := gzRoundTrip(t, data, since, p)
			if gzStart != want || total != int64(len(data)) {
				t.Fatalf("trial %d: gzWindow (%d, %d), want (%d, %d)", trial, gzStart, total, want, len(data))
			}
		}
	}
}

func gzRoundTrip(t *testing.T, data []byte, since time.Time, p *tsParser) (int64, int64) {
	t.Helper()
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	zr, err := gzip.NewReader(&z)
	if err != nil {
		t.Fatal(err)
	}
	s, total, _, err := gzWindow(zr, since, p)
	if err != nil {
		t.Fatal(err)
	}
	return s, total
}

func TestWindowStartWithoutTimestamps(t *testing.T) {
	data := []byte("no time here\nnor here\n")
	got, stamped, err := windowStart(bytes.NewReader(data), int64(len(data)), time.Now(), &tsParser{loc: time.UTC})
	if err != nil || stamped || got != 0 {
		t.Fatalf("got %d %v %v, want 0 unstamped", got, stamped, err)
	}
}

func TestWindowFilterAnyWriteSizes(t *testing.T) {
	since := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	input := "2026-11-27T09:00:00Z old\n\tcontinuation of old\n2026-11-27T09:59:59Z old too\n" +
		"2026-11-27T10:00:00Z first in window " + strings.Repeat("z", 300) + "\n\tcontinuation stays\n" +
		"2026-11-27T09:30:00Z out of order, kept\n2026-11-27T11:00:00Z last"
	want := input[strings.Index(input, "2026-11-27T10:00:00Z"):]
	for _, size := range []int{1, 2, 3, 7, 64, 1 << 20} {
		var out bytes.Buffer
		f := &windowFilter{dst: &out, since: since, p: &tsParser{loc: time.UTC}}
		for b := []byte(input); len(b) > 0; {
			n := min(size, len(b))
			f.Write(b[:n])
			b = b[n:]
		}
		if out.String() != want {
			t.Errorf("writes of %d: got %q, want %q", size, out.String(), want)
		}
	}
}
