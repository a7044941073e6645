//go:build unix

package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// casefile redact on a FIFO ends on Ctrl-C, whether no writer ever opens it or one opens it and
// stalls (issue 14).
func TestRedactFIFOInterruptible(t *testing.T) {
	for _, stalledWriter := range []bool{false, true} {
		dir := t.TempDir()
		fifo := filepath.Join(dir, "pipe")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		if stalledWriter {
			go func() {
				w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				w.WriteString("password=half-a-line")
				time.Sleep(5 * time.Second)
				w.Close()
			}()
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		var out, errb bytes.Buffer
		code := Run(ctx, []string{"redact", fifo}, strings.NewReader(""), &out, &errb)
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("stalled writer %v: took %s after Ctrl-C", stalledWriter, took)
		}
		if code != ExitInterrupted {
			t.Errorf("stalled writer %v: exit %d, want %d (%s)", stalledWriter, code, ExitInterrupted, errb.String())
		}
		if strings.Contains(out.String(), "half-a-line") {
			t.Errorf("printed unredacted input: %q", out.String())
		}
	}
}
