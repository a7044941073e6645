package history

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The crash test re-runs this test binary as a writer child (CASEFILE_HISTORY_CHILD set): it
// appends numbered results as fast as it can and, after each commit returns, writes the last
// committed number to a side file. The parent kills it with SIGKILL at a random moment.
func TestMain(m *testing.M) {
	if mode := os.Getenv("CASEFILE_HISTORY_CHILD"); mode != "" {
		if err := runChild(mode, os.Getenv("CASEFILE_HISTORY_DB"), os.Getenv("CASEFILE_HISTORY_LOG")); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runChild continues the numbering after the highest number in the store. Mode "prune" keeps
// the store small so that kills also land inside pruning (deletes, incremental vacuum,
// checkpoints); mode "hold" opens the store and waits.
func runChild(mode, db, logPath string) error {
	opt := Options{}
	if mode == "prune" {
		opt.MaxBytes = 256 << 10
	}
	s, err := Open(db, opt)
	if err != nil {
		return err
	}
	if mode == "hold" {
		fmt.Println("ready")
		select {}
	}
	if mode == "prune" {
		s.every = 50
	}
	all, err := s.Window(time.Time{}, time.Time{}, "")
	if err != nil {
		return err
	}
	next := 0
	if len(all) > 0 {
		next = int(all[len(all)-1].Value) + 1
	}
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	fmt.Println("ready")
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 1))
	for {
		n := 1
		if rng.IntN(3) == 0 {
			n = 1 + rng.IntN(20) // a batch: all of it or none
		}
		rs := make([]Result, n)
		for i := range rs {
			v := next + i
			rs[i] = Result{Monitor: fmt.Sprintf("m%d", v%10), Check: "tcp", Target: "127.0.0.1:9",
				Time: t0.Add(time.Duration(v) * time.Millisecond), OK: v%7 != 0, LatencyMS: 1.25,
				Value: float64(v), Error: strings.Repeat("e", v%50)}
		}
		if err := s.AppendBatch(rs); err != nil {
			return err
		}
		next += n
		if _, err := fmt.Fprintf(log, "%d\n", next-1); err != nil {
			return err
		}
	}
}

func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a writer several times; not with -short")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "history.db")
	logPath := filepath.Join(dir, "committed.log")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	const rounds = 8
	lastMin := -1
	for round := 0; round < rounds; round++ {
		mode := "append"
		if round%2 == 1 {
			mode = "prune"
		}
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "CASEFILE_HISTORY_CHILD="+mode, "CASEFILE_HISTORY_DB="+db, "CASEFILE_HISTORY_LOG="+logPath)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: child did not start: %q %v; stderr: %s", round, line, err, stderr.String())
		}
		wait := time.Duration(30+rng.IntN(400)) * time.Millisecond
		time.Sleep(wait)
		if err := cmd.Process.Signal(os.Kill); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || (runtime.GOOS != "windows" && ee.ExitCode() != -1) {
			t.Fatalf("round %d: child ended by itself (%v) before the kill; stderr: %s", round, err, stderr.String())
		}

		committed := lastCommitted(t, logPath)
		s, err := Open(db, Options{})
		if err != nil {
			t.Fatalf("round %d: reopening after kill -9: %v", round, err)
		}
		if err := s.Check(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		all, err := s.Window(time.Time{}, time.Time{}, "")
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if len(all) == 0 {
			if committed >= 0 {
				t.Fatalf("round %d: store empty, child had committed up to %d", round, committed)
			}
			continue
		}
		lo := int(all[0].Value)
		for i, r := range all {
			if int(r.Value) != lo+i {
				t.Fatalf("round %d: gap: row %d holds %v, want %d", round, i, r.Value, lo+i)
			}
			if !r.Time.Equal(t0.Add(time.Duration(lo+i)*time.Millisecond)) || r.Error != strings.Repeat("e", (lo+i)%50) {
				t.Fatalf("round %d: row %d damaged: %+v", round, i, r)
			}
		}
		hi := lo + len(all) - 1
		// Every commit the child saw returned is there; at most the batch that was committing
		// when the kill came (up to 20 rows) is there without being logged.
		if hi < committed || hi > committed+20 {
			t.Fatalf("round %d: store ends at %d, child had logged %d as committed", round, hi, committed)
		}
		if lo < lastMin {
			t.Fatalf("round %d: oldest row %d went back from %d", round, lo, lastMin)
		}
		lastMin = lo
		t.Logf("round %d (%s, killed after %v): rows %d..%d intact, %d logged as committed", round, mode, wait, lo, hi, committed)
	}
}

func lastCommitted(t *testing.T, p string) int {
	b, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return -1
		}
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	// The kill may cut the last line short; the one before it is complete.
	for i := len(lines) - 1; i >= 0; i-- {
		n, err := strconv.Atoi(lines[i])
		if err == nil && (i == len(lines)-1 && strings.HasSuffix(string(b), "\n") || i < len(lines)-1) {
			return n
		}
	}
	return -1
}

// TestLockedByAnotherProcess: a store held by a live process is refused with ErrLocked.
func TestLockedByAnotherProcess(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "history.db")
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "CASEFILE_HISTORY_CHILD=hold", "CASEFILE_HISTORY_DB="+db)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		t.Fatalf("child: %q", line)
	}
	_, err = Open(db, Options{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), db) {
		t.Fatalf("Open of a held store: %v, want ErrLocked naming %s", err, db)
	}
	cmd.Process.Kill()
	cmd.Wait()
	s, err := Open(db, Options{})
	if err != nil {
		t.Fatalf("after the holder died: %v", err)
	}
	s.Close()
}
