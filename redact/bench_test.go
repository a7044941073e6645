package redact

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// SparseLog generates a realistic service log of about size bytes with one planted secret per
// ~1,000 lines (rotating through several families). Deterministic for a given seed.
func SparseLog(size int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	hexs := func(n int) string {
		const h = "0123456789abcdef"
		b := make([]byte, n)
		for i := range b {
			b[i] = h[r.IntN(16)]
		}
		return string(b)
	}
	secrets := []func() string{
		func() string { return "auth token=" + ghp },
		func() string { return `{"password":"Tr0ub4dor` + strconv.Itoa(r.IntN(1000)) + `!"}` },
		func() string { return "Authorization: Bearer " + jwt },
		func() string {
			return "connecting to postgres://app:S3cret" + strconv.Itoa(r.IntN(1000)) + "@db.internal:5432/app"
		},
		func() string { return "using key " + awsID },
	}
	var buf bytes.Buffer
	buf.Grow(size + 512)
	line := 0
	for buf.Len() < size {
		line++
		ts := fmt.Sprintf("2026-11-%02dT%02d:%02d:%02d.%03dZ", 1+r.IntN(27), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000))
		if line%1000 == 0 {
			fmt.Fprintf(&buf, "%s WARN worker-%d %s\n", ts, r.IntN(32), secrets[r.IntN(len(secrets))]())
			continue
		}
		switch r.IntN(8) {
		case 0:
			fmt.Fprintf(&buf, "%s INFO http request method=GET path=/api/v1/items/%d status=200 duration_ms=%d request_id=%s-%s-%s\n", ts, r.IntN(100000), r.IntN(900), hexs(8), hexs(4), hexs(12))
		case 1:
			fmt.Fprintf(&buf, "%s DEBUG cache hit key=user:%d ttl=%ds size=%d\n", ts, r.IntN(1e6), r.IntN(3600), r.IntN(1<<16))
		case 2:
			fmt.Fprintf(&buf, "%s INFO containerd: started container %s image=registry.example.com/app:%d.%d.%d\n", ts, hexs(64), r.IntN(9), r.IntN(40), r.IntN(200))
		case 3:
			fmt.Fprintf(&buf, "%s WARN upstream 10.%d.%d.%d:8080 slow response after %dms, retrying (attempt %d/5)\n", ts, r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(5000), 1+r.IntN(5))
		case 4:
			fmt.Fprintf(&buf, "%s INFO deploy: checked out commit %s on branch main\n", ts, hexs(40))
		case 5:
			fmt.Fprintf(&buf, `{"ts":"%s","level":"info","msg":"job finished","job":"sync-%d","rows":%d,"trace_id":"%s"}`+"\n", ts, r.IntN(100), r.IntN(1e6), hexs(32))
		case 6:
			fmt.Fprintf(&buf, "%s ERROR database connection lost: read tcp 10.0.%d.%d:%d->10.0.0.5:5432: i/o timeout\n", ts, r.IntN(256), r.IntN(256), 30000+r.IntN(30000))
		default:
			fmt.Fprintf(&buf, "%s INFO gc pause %dus heap=%dMiB goroutines=%d version=1.%d.%d\n", ts, r.IntN(2000), r.IntN(4096), r.IntN(5000), r.IntN(30), r.IntN(10))
		}
	}
	return buf.Bytes()
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
