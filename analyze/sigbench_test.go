package analyze

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func BenchmarkSignatures10MiB(b *testing.B) {
	var sb strings.Builder
	t := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	for i := 0; sb.Len() < 10<<20; i++ {
		lvl := "INFO"
		if i%3 == 0 {
			lvl = "ERROR"
		}
		fmt.Fprintf(&sb, "%s %s [worker-%d] request %d for user \"u%d\" from 10.0.%d.%d took %dms id=%x\n", t.Add(time.Duration(i)*time.Second).Format(time.RFC3339), lvl, i%8, i, i%50, i%200, i%250, i%900, i*7919)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		fileSignatures("logs/x/a.log", bytes.NewReader(data), t)
	}
}
