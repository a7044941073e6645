package system

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkArea measures each area once per iteration on this machine (the sampling areas cpu
// and processes include their 200 ms sample).
func BenchmarkArea(b *testing.B) {
	s, err := newSource("/")
	if err != nil {
		b.Fatal(err)
	}
	for _, a := range areas {
		b.Run(a.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := runArea(a, s)(context.Background(), newSink()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEnvironment measures the environment.json facts.
func BenchmarkEnvironment(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Environment(context.Background(), EnvOptions{Root: "/", Environ: os.Environ()}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcessesManyPIDs runs the processes area over a synthetic /proc with 5000
// processes, to show how the two passes scale (memory stays per-process numbers, details are
// read for the top lists only).
func BenchmarkProcessesManyPIDs(b *testing.B) {
	root := b.TempDir()
	write := func(p, c string) {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	write("proc/meminfo", "MemTotal: 16000000 kB\nMemFree: 8000000 kB\nMemAvailable: 9000000 kB\n")
	write("proc/stat", "cpu  1 1 1 1 1 1 1 1 0 0\nbtime 1700000000\n")
	for pid := 1; pid <= 5000; pid++ {
		d := "proc/" + strconv.Itoa(pid) + "/"
		write(d+"stat", fmt.Sprintf("%d (worker-%d) S 1 %d %d 0 -1 0 0 0 0 0 %d %d 0 0 20 0 1 0 %d 100000000 %d 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
			pid, pid, pid, pid, pid*7%1000, pid%13, pid, pid*31%100000))
		write(d+"cmdline", "/usr/bin/worker\x00--id\x00"+strconv.Itoa(pid)+"\x00")
		write(d+"status", "Name:\tworker\nUid:\t1000\t1000\t1000\t1000\n")
	}
	s, err := newSource(root)
	if err != nil {
		b.Fatal(err)
	}
	a := areas[6]
	if a.name != "processes" {
		b.Fatal("areas order changed")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := runArea(a, s)(context.Background(), newSink()); err != nil {
			b.Fatal(err)
		}
	}
}
