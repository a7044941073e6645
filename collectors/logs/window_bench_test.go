package logs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkWindowCut measures the collector alone (no redaction) where the window search does
// work: a 64 MiB log whose window starts two thirds in, and 200 small logs (per-file costs:
// format detection, order sampling).
//
//	go test ./collectors/logs -run '^$' -bench WindowCut -benchtime 20x
func BenchmarkWindowCut(b *testing.B) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	line := func(sb *strings.Builder, ts time.Time, i int) {
		fmt.Fprintf(sb, "%s host acme[42]: req=%d user=u%d path=/api/v1/items/%d status=200 dur=12ms %s\n", ts.Format(time.RFC3339), i, i%1000, i, strings.Repeat("p", 60))
	}
	big := b.TempDir()
	var sb strings.Builder
	for i := 0; sb.Len() < 64<<20; i++ {
		line(&sb, now.Add(-72*time.Hour).Add(time.Duration(i)*400*time.Millisecond), i)
	}
	if err := os.WriteFile(filepath.Join(big, "app.log"), []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	n := sb.Len()
	last := now.Add(-72 * time.Hour).Add(time.Duration(n/150) * 400 * time.Millisecond)
	small := b.TempDir()
	for f := 0; f < 200; f++ {
		var s strings.Builder
		for i := 0; s.Len() < 16<<10; i++ {
			line(&s, now.Add(-2*time.Hour).Add(time.Duration(i)*10*time.Second), i)
		}
		if err := os.WriteFile(filepath.Join(small, fmt.Sprintf("svc%03d.log", f)), []byte(s.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("64MiB-window-at-2/3", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s := &discardSink{}
			src := &fileSource{name: "app", globs: []string{"/app.log"}, root: big, now: last, since: 24 * time.Hour, maxFile: 1 << 30, maxTotal: 1 << 30}
			if err := src.Collect(context.Background(), s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("200x16KiB-window-at-1/2", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s := &discardSink{}
			src := &fileSource{name: "app", globs: []string{"/*.log"}, root: small, now: now, since: time.Hour, maxFile: 1 << 30, maxTotal: 1 << 30}
			if err := src.Collect(context.Background(), s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
