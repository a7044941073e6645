package history

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// benchResult is the size of a typical http monitor result with its detail.
func benchResult(i int) Result {
	return Result{Monitor: fmt.Sprintf("m%d", i%10), Check: "http", Target: "https://api.acme.example/health",
		Time: t0.Add(time.Duration(i) * 500 * time.Millisecond), OK: i%13 != 0, LatencyMS: 12.5 + float64(i%9),
		Detail: json.RawMessage(`{"name":"api","url":"https://api.acme.example/health","status":200,"ok":true,"timings_ms":{"dns":0.4,"connect":0.3,"tls":4.1,"ttfb":11.9,"total":12.5}}`)}
}

// BenchmarkAppend: one result per transaction (one fsync each), as a daemon that appends every
// result when its check ends does. SetBytes is the JSONL size of the result.
func BenchmarkAppend(b *testing.B) {
	s := openT(b, filepath.Join(b.TempDir(), "h.db"), Options{Now: func() time.Time { return t0 }})
	line, _ := json.Marshal(benchResult(0))
	b.SetBytes(int64(len(line) + 1))
	b.ReportAllocs()
	i := 0
	cpu := cpuTime()
	for b.Loop() {
		if err := s.Append(benchResult(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportCPU(b, cpu, i)
}

// reportCPU adds the process CPU time (user+system) per operation: the wall time of an append
// is mostly waiting for fsync, its cost to the machine is this.
func reportCPU(b *testing.B, start int64, n int) {
	if c := cpuTime(); c > 0 && n > 0 {
		b.ReportMetric(float64(c-start)/float64(n)/1e3, "cpu-µs/op")
	}
}

// BenchmarkAppendBatch10: ten results (ten monitors due at the same tick) in one transaction.
func BenchmarkAppendBatch10(b *testing.B) {
	s := openT(b, filepath.Join(b.TempDir(), "h.db"), Options{Now: func() time.Time { return t0 }})
	line, _ := json.Marshal(benchResult(0))
	b.SetBytes(10 * int64(len(line)+1))
	b.ReportAllocs()
	i := 0
	rs := make([]Result, 10)
	cpu := cpuTime()
	n := 0
	for b.Loop() {
		for k := range rs {
			rs[k] = benchResult(i)
			i++
		}
		if err := s.AppendBatch(rs); err != nil {
			b.Fatal(err)
		}
		n++
	}
	reportCPU(b, cpu, n)
}

// BenchmarkWindowHour reads an hour of ten monitors at 5 s (7,200 results), as a bundle does.
func BenchmarkWindowHour(b *testing.B) {
	s := openT(b, filepath.Join(b.TempDir(), "h.db"), Options{Now: func() time.Time { return t0 }})
	var rs []Result
	for i := 0; i < 7200; i++ {
		rs = append(rs, benchResult(i))
	}
	s.every = 1 << 30
	if err := s.AppendBatch(rs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		w, err := s.Window(time.Time{}, time.Time{}, "")
		if err != nil || len(w) != 7200 {
			b.Fatal(len(w), err)
		}
	}
}
