package redact

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/casefile/casefile/redact/redacttest"
)

// SparseLog is redacttest.SparseLog without the planted cores.
func SparseLog(size int, seed uint64) []byte {
	b, _ := redacttest.SparseLog(size, seed)
	return b
}

func benchInput(b *testing.B, data []byte) {
	e, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := e.NewWriter(io.Discard, "bench")
		for off := 0; off < len(data); off += 32 << 10 {
			w.Write(data[off:min(off+32<<10, len(data))])
		}
		w.Close()
	}
}

// BenchmarkSparseLog: a generated log with one secret per ~1,000 lines. Size from
// REDACT_BENCH_MB (default 32; the documented figure uses 256).
func BenchmarkSparseLog(b *testing.B) {
	mb := 32
	if v, err := strconv.Atoi(os.Getenv("REDACT_BENCH_MB")); err == nil && v > 0 {
		mb = v
	}
	benchInput(b, SparseLog(mb<<20, 1))
}

// BenchmarkDenseCorpus: the files of the dev corpus, concatenated.
func BenchmarkDenseCorpus(b *testing.B) {
	dir := corpusDir(b, "redaction-dev")
	files, _ := filepath.Glob(filepath.Join(dir, "files", "*"))
	var data []byte
	for _, f := range files {
		d, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		data = append(data, d...)
	}
	benchInput(b, data)
}
