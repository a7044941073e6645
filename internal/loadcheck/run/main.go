// Command run is the upload and intake load check (docs/benchmarks.md, "Upload and intake load
// check"). It starts `casefile intake serve` as a separate process on loopback and uploads real
// bundles to it with upload.Upload through a proxy that cuts connections at random.
//
//	go build -o /tmp/casefile ./cmd/casefile
//	go run ./internal/loadcheck/run -casefile /tmp/casefile -n 50 -size 20MiB -cuts 3
//	go run ./internal/loadcheck/run -casefile /tmp/casefile -n 1 -size 1GiB -cuts 0 [-encrypt]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/casefile/casefile/internal/loadcheck"
)

func main() {
	bin := flag.String("casefile", "", "the casefile binary (built from this repository)")
	n := flag.Int("n", 50, "concurrent uploads")
	size := flag.String("size", "20MiB", "bundle size (about)")
	cuts := flag.Int("cuts", 3, "connections cut per upload")
	format := flag.String("format", "tar.zst", "bundle format")
	encrypt := flag.Bool("encrypt", false, "age-encrypt the uploads (the server stores ciphertext)")
	chunk := flag.String("chunk", "", "bytes per PATCH (default: upload's 16MiB)")
	work := flag.String("work", "", "scratch folder (default: a new temporary one, removed after)")
	keep := flag.Bool("keep", false, "keep the scratch folder")
	reuse := flag.String("bundles", "", "use the bundles under this folder (a kept run's <work>/bundles) instead of making new ones")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "run: -casefile is required")
		os.Exit(2)
	}
	sz, err := parseSize(*size)
	if err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(2)
	}
	var ch int64
	if *chunk != "" {
		if ch, err = parseSize(*chunk); err != nil {
			fmt.Fprintln(os.Stderr, "run:", err)
			os.Exit(2)
		}
	}
	dir := *work
	if dir == "" {
		if dir, err = os.MkdirTemp("", "loadcheck-"); err != nil {
			fmt.Fprintln(os.Stderr, "run:", err)
			os.Exit(1)
		}
		if !*keep {
			defer os.RemoveAll(dir)
		}
	}
	cfg := loadcheck.Config{
		Work: dir, Uploads: *n, BundleSize: sz, Format: *format, Cuts: *cuts, ChunkSize: ch,
		Casefile: func(args ...string) *exec.Cmd { return exec.Command(*bin, args...) },
		Log:      os.Stderr,
	}
	if *reuse != "" {
		for i := range *n {
			m, _ := filepath.Glob(filepath.Join(*reuse, loadcheck.Ticket(i), "*."+*format))
			if len(m) != 1 {
				fmt.Fprintf(os.Stderr, "run: want one %s bundle in %s, found %d\n", *format, filepath.Join(*reuse, loadcheck.Ticket(i)), len(m))
				os.Exit(1)
			}
			cfg.Bundles = append(cfg.Bundles, m[0])
		}
	}
	if *encrypt {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			fmt.Fprintln(os.Stderr, "run:", err)
			os.Exit(1)
		}
		cfg.Recipient = id.Recipient().String()
	}
	rep, err := loadcheck.Run(context.Background(), cfg)
	if rep != nil {
		print(rep, *encrypt)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	fmt.Println("PASS: every bundle listed by the intake with the expected status, sha256 equal, stored file sha256 equal")
}

func print(rep *loadcheck.Report, enc bool) {
	mb := func(n int64) float64 { return float64(n) / 1e6 }
	var cuts, attempts int
	var minT, maxT, sumT time.Duration
	var plainBytes int64
	for i, u := range rep.Uploads {
		cuts += u.Cuts
		attempts += u.Attempts
		sumT += u.Transfer
		if i == 0 || u.Transfer < minT {
			minT = u.Transfer
		}
		maxT = max(maxT, u.Transfer)
		if fi, err := os.Stat(u.Bundle); err == nil {
			plainBytes += fi.Size()
		}
	}
	fmt.Printf("server: %s\n", rep.ServerCommand)
	fmt.Printf("uploads: %d, bundles %.1f MB in all (%.2f MB each on average), sent %.1f MB, encrypted %v\n",
		len(rep.Uploads), mb(plainBytes), mb(plainBytes)/float64(max(1, len(rep.Uploads))), mb(rep.Bytes), enc)
	fmt.Printf("cuts: %d, upload.Upload calls: %d\n", cuts, attempts)
	fmt.Printf("bundles made in %s\n", rep.MakeBundles.Round(time.Millisecond))
	fmt.Printf("wall: uploads %s, until all filed %s (%d filed)\n", rep.UploadWall.Round(time.Millisecond), rep.Wall.Round(time.Millisecond), rep.ServerFiled)
	if len(rep.Uploads) > 0 {
		fmt.Printf("transfer phase per upload: min %s, mean %s, max %s\n", minT.Round(time.Millisecond), (sumT / time.Duration(len(rep.Uploads))).Round(time.Millisecond), maxT.Round(time.Millisecond))
	}
	if len(rep.Uploads) == 1 {
		u := rep.Uploads[0]
		fmt.Printf("phases: %s\n", u.Phases)
		fmt.Printf("throughput: transfer %.1f MB/s (%.1f MB in %s), whole upload.Upload call %.1f MB/s (%s, with hashing%s)\n",
			mb(u.Size)/u.Transfer.Seconds(), mb(u.Size), u.Transfer.Round(time.Millisecond),
			mb(u.Size)/u.Total.Seconds(), u.Total.Round(time.Millisecond), map[bool]string{true: " and encrypting to the spool", false: ""}[enc])
	} else {
		fmt.Printf("aggregate: %.1f MB/s sent over the upload wall time\n", mb(rep.Bytes)/rep.UploadWall.Seconds())
	}
	fmt.Printf("server peak RSS (VmHWM): %.1f MB\n", float64(rep.PeakRSSKiB)*1024/1e6)
	fmt.Printf("load average: %s\n", rep.Load)
}

func parseSize(s string) (int64, error) {
	units := []struct {
		suf string
		n   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	for _, u := range units {
		if v, ok := strings.CutSuffix(s, u.suf); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			return n * u.n, err
		}
	}
	return strconv.ParseInt(s, 10, 64)
}
