package logs

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/casefile/casefile/redact"
)

// discardSink counts what collectors write; with a redactor and a compressor it is the logs path
// of a real run (read, redact, compress) without the staging disk.
type discardSink struct {
	eng  *redact.Engine
	gz   bool
	mu   sync.Mutex
	n    int64
	trun int
}

type countWriter struct {
	s *discardSink
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

type pipeline struct {
	red io.WriteCloser
	gz  *gzip.Writer
	cw  *countWriter
}

func (p *pipeline) Write(b []byte) (int, error) {
	if p.red != nil {
		return p.red.Write(b)
	}
	if p.gz != nil {
		return p.gz.Write(b)
	}
	return p.cw.Write(b)
}

func (p *pipeline) Close() error {
	if p.red != nil {
		p.red.Close()
	}
	if p.gz != nil {
		p.gz.Close()
	}
	p.cw.s.mu.Lock()
	p.cw.s.n += p.cw.n
	p.cw.s.mu.Unlock()
	return nil
}

func (s *discardSink) Create(path string) (io.WriteCloser, error) {
	p := &pipeline{cw: &countWriter{s: s}}
	var dst io.Writer = p.cw
	if s.gz {
		p.gz, _ = gzip.NewWriterLevel(p.cw, gzip.DefaultCompression)
		dst = p.gz
	}
	if s.eng != nil {
		p.red = s.eng.NewWriter(dst, path)
	}
	return p, nil
}

func (s *discardSink) WriteJSON(string, any) error       { return nil }
func (s *discardSink) SetTruncated(string, int64, int64) { s.trun++ }
func (s *discardSink) MaxFileSize() int64                { return 1 << 40 }

// BenchmarkLogsPath reads a 64 MiB log inside the window through the file collector, alone,
// with the redactor, and with the redactor and gzip.
//
//	go test ./collectors/logs -run '^$' -bench LogsPath -benchtime 3x
func BenchmarkLogsPath(b *testing.B) {
	dir := b.TempDir()
	now := time.Now()
	var sb strings.Builder
	i := 0
	for sb.Len() < 64<<20 {
		ts := now.Add(-time.Duration(64<<20-sb.Len()) * time.Millisecond).UTC().Format(time.RFC3339)
		if i%5000 == 7 {
			fmt.Fprintf(&sb, "%s host acme[42]: db connect password=Hunter2planted%d\n", ts, i)
		} else {
			fmt.Fprintf(&sb, "%s host acme[42]: req=%d user=u%d path=/api/v1/items/%d status=200 dur=12ms ua=\"curl/8.5\" %s\n", ts, i, i%1000, i, strings.Repeat("p", 80))
		}
		i++
	}
	if err := os.WriteFile(filepath.Join(dir, "app.log"), []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	size := int64(sb.Len())
	for _, mode := range []string{"read", "read+redact", "read+redact+gzip"} {
		b.Run(mode, func(b *testing.B) {
			b.SetBytes(size)
			for n := 0; n < b.N; n++ {
				s := &discardSink{}
				if mode != "read" {
					s.eng, _ = redact.New(redact.Config{})
				}
				s.gz = mode == "read+redact+gzip"
				src := &fileSource{name: "app", globs: []string{"/app.log"}, root: dir, now: now, since: 100 * time.Hour, maxFile: 1 << 30, maxTotal: 1 << 30}
				if err := src.Collect(context.Background(), s); err != nil {
					b.Fatal(err)
				}
				if mode == "read" && s.n != size {
					b.Fatalf("read %d of %d", s.n, size)
				}
			}
		})
	}
}
