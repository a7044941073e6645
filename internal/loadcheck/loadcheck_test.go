package loadcheck

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/casefile/casefile/cli"
)

// The test binary doubles as casefile: with CASEFILE_LOADCHECK_CLI=1 it runs cli.Main on its
// arguments, so the intake server is a separate process running the real `intake serve` code
// and its peak RSS is its own.
func TestMain(m *testing.M) {
	if os.Getenv("CASEFILE_LOADCHECK_CLI") == "1" {
		os.Exit(cli.Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// peakBound (race_on_test.go, race_off_test.go) is the server's peak RSS the small check
// allows. The process is the test binary (the whole CLI, as casefile is); it measured 28-31 MB
// (94 MB under -race). At this size the bound catches gross regressions, not small ones.

// TestLoadSmall: 10 concurrent uploads of 2 MiB bundles, each connection cut twice at random,
// to the intake server in a separate process; every bundle is listed ok with its sha256 and
// stored byte for byte, and the server's peak RSS stays under the bound. Speed is not asserted.
func TestLoadSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := Config{
		Work: t.TempDir(), Uploads: 10, BundleSize: 2 << 20, Format: "tar.gz", Cuts: 2,
		ChunkSize: 512 << 10, Backoff: 20 * time.Millisecond,
		Casefile: func(args ...string) *exec.Cmd {
			c := exec.Command(self, args...)
			c.Env = append(os.Environ(), "CASEFILE_LOADCHECK_CLI=1")
			return c
		},
	}
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Uploads) != 10 || rep.ServerFiled != 10 {
		t.Fatalf("%d uploads, %d filed", len(rep.Uploads), rep.ServerFiled)
	}
	cuts := 0
	for _, u := range rep.Uploads {
		cuts += u.Cuts
		if u.Status != "ok" || u.StoredSHA != u.Plain {
			t.Fatalf("%+v", u)
		}
	}
	if rep.PeakRSSKiB == 0 {
		t.Fatal("could not read the server's VmHWM")
	}
	if rep.PeakRSSKiB*1024 > peakBound {
		t.Fatalf("server peak RSS %d KiB, bound %d", rep.PeakRSSKiB, peakBound>>10)
	}
	t.Logf("10 uploads, %d cuts, wall %s, server peak RSS %.1f MB, load %s", cuts, rep.Wall.Round(time.Millisecond), float64(rep.PeakRSSKiB)*1024/1e6, rep.Load)
}
