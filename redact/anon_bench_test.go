package redact

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// Throughput with --anonymize (issue 9): the same inputs as BenchmarkSparseLog and
// BenchmarkDenseCorpus, through an engine that pseudonymizes, with this machine's host name set.
func benchAnon(b *testing.B, data []byte) {
	e, err := New(Config{Anonymize: true, Hosts: []string{"vm"}, Domains: []string{"corp.example"}})
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

func BenchmarkAnonSparseLog(b *testing.B) { benchAnon(b, SparseLog(32<<20, 1)) }

func BenchmarkAnonDenseCorpus(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(corpusDir(b, "redaction-dev"), "files", "*"))
	var data []byte
	for _, f := range files {
		d, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		data = append(data, d...)
	}
	benchAnon(b, data)
}

// BenchmarkAnonLogLines: generated lines of real-world log syntaxes (anonshape_test.go), dense in
// addresses, host and user names.
func BenchmarkAnonLogLines(b *testing.B) {
	lines, _, _, _ := anonLogLines(40000, 3)
	var data []byte
	for _, l := range lines {
		data = append(data, l.text...)
		data = append(data, '\n')
	}
	benchAnon(b, data)
}
