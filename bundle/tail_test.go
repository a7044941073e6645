package bundle

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	mrand "math/rand"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/redact"
)

func tailStage(t *testing.T, limits Limits) (*Stage, *redact.Engine) {
	t.Helper()
	eng, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStage(t.TempDir(), eng, limits)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Cleanup() })
	return st, eng
}

func stagedContent(t *testing.T, st *Stage, p string) ([]byte, FileEntry) {
	t.Helper()
	f, err := st.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	for _, e := range st.Files() {
		if e.Path == p {
			return b, e
		}
	}
	t.Fatalf("%s not in the stage", p)
	return nil, FileEntry{}
}

// writeChunks writes data in random chunk sizes, as a pipe delivers it.
func writeChunks(t *testing.T, w io.Writer, data []byte, r *mrand.Rand) {
	t.Helper()
	for len(data) > 0 {
		n := min(len(data), 1+r.Intn(9000))
		if _, err := w.Write(data[:n]); err != nil {
			t.Fatal(err)
		}
		data = data[n:]
	}
}

func pemKey(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// The kept part is the newest part of the redacted stream, on a line start, within the room;
// size, sha256 and the truncation record describe exactly what is kept.
func TestTailKeepsNewestRedacted(t *testing.T) {
	key := pemKey(t)
	r := mrand.New(mrand.NewSource(3))
	for trial := range 6 {
		st, eng := tailStage(t, Limits{MaxFileSize: 1 << 20})
		var b strings.Builder
		for i := 0; b.Len() < 200<<10; i++ {
			switch r.Intn(40) {
			case 0:
				b.WriteString("[ 1.0] " + strings.ReplaceAll(strings.TrimSuffix(key, "\n"), "\n", "\n[ 1.0] ") + "\n")
			case 1:
				fmt.Fprintf(&b, "%d login password=Secret%dValue%d\n", i, i, r.Int())
			case 2:
				for _, l := range strings.Split(strings.TrimSuffix(key, "\n"), "\n") {
					fmt.Fprintf(&b, "{\"MESSAGE\":%q}\n", l)
				}
			default:
				fmt.Fprintf(&b, "%d line %s\n", i, strings.Repeat("x", r.Intn(120)))
			}
		}
		data := []byte(b.String())
		room := int64(5<<10 + r.Intn(40<<10))
		sk := st.Sink(namedCollector{"commands.t", "commands"})
		tw, err := sk.(collectors.TailSink).CreateTail("commands/t/stdout.txt", collectors.TailOptions{Room: room, Budget: collectors.NewBudget(1 << 20)})
		if err != nil {
			t.Fatal(err)
		}
		writeChunks(t, tw, data, r)
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		if _, problems := sk.Finish(true); len(problems) > 0 {
			t.Fatal(problems)
		}
		got, e := stagedContent(t, st, "commands/t/stdout.txt")
		whole, _ := eng.Bytes("x", data)
		res := tw.Result()
		if !bytes.HasSuffix(whole, got) || int64(len(got)) > room || len(got) < int(room)-8<<10 {
			t.Fatalf("trial %d: kept %d bytes of room %d; suffix of the redacted stream: %v", trial, len(got), room, bytes.HasSuffix(whole, got))
		}
		if cut := len(whole) - len(got); whole[cut-1] != '\n' {
			t.Fatalf("trial %d: kept part does not start on a line start", trial)
		}
		if bytes.Contains(got, []byte("PRIVATE KEY-----")) || bytes.Contains(got, []byte("Secret")) {
			t.Fatalf("trial %d: secret in the kept part", trial)
		}
		for _, l := range strings.Split(key, "\n")[1:] {
			if len(l) > 40 && bytes.Contains(got, []byte(l)) {
				t.Fatalf("trial %d: key body line in the kept part", trial)
			}
		}
		sum := sha256.Sum256(got)
		if e.Size != int64(len(got)) || e.SHA256 != hex.EncodeToString(sum[:]) || !e.Truncated || e.BytesKept != e.Size || e.BytesSeen != int64(len(whole)) {
			t.Fatalf("trial %d: entry %+v; want size %d, its sha256, kept = size, seen %d", trial, e, len(got), len(whole))
		}
		if res.Kept != e.Size || res.Seen != int64(len(whole)) || !res.Cut {
			t.Fatalf("trial %d: result %+v", trial, res)
		}
	}
}

// A cut inside a run of marked lines (a YAML block scalar under a password key: every line a
// marker) moves past the run: the kept part never starts with a marker whose context was cut.
func TestTailKeepsMarkerSpansWhole(t *testing.T) {
	for extra := 0; extra < 400; extra += 37 {
		st, _ := tailStage(t, Limits{})
		var b strings.Builder
		for i := range 100 {
			fmt.Fprintf(&b, "filler line %d\n", i)
		}
		b.WriteString("password: |\n")
		for i := range 20 {
			fmt.Fprintf(&b, "  Zq9%dsecretLine%dWithEnoughEntropy\n", i, i)
		}
		b.WriteString("next: 1\n")
		for i := range 5 {
			fmt.Fprintf(&b, "after %d\n", i)
		}
		sk := st.Sink(namedCollector{"commands.t", "commands"})
		tw, err := sk.(collectors.TailSink).CreateTail("commands/t/stdout.txt", collectors.TailOptions{Room: int64(60 + extra)})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, b.String())
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		sk.Finish(true)
		got, _ := stagedContent(t, st, "commands/t/stdout.txt")
		if strings.Contains(string(got), "secretLine") {
			t.Fatalf("room %d: secret kept: %q", 60+extra, got)
		}
		if first, _, _ := strings.Cut(string(got), "\n"); strings.Contains(first, "[REDACTED:") {
			t.Fatalf("room %d: kept part starts inside a marked span: %q", 60+extra, got)
		}
	}
}

// The collector and bundle caps apply to what a tail keeps: it keeps the newest part that fits.
func TestTailCaps(t *testing.T) {
	st, _ := tailStage(t, Limits{MaxFileSize: 1 << 20, MaxCollectorSize: 3000})
	sk := st.Sink(namedCollector{"commands.t", "commands"})
	tw, err := sk.(collectors.TailSink).CreateTail("commands/t/stdout.txt", collectors.TailOptions{Room: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		fmt.Fprintf(tw, "line %d\n", i)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	_, problems := sk.Finish(true)
	got, e := stagedContent(t, st, "commands/t/stdout.txt")
	if len(got) > 3000 || !strings.HasSuffix(string(got), "line 1999\n") || !strings.HasPrefix(string(got), "line ") || !e.Truncated || e.Size != int64(len(got)) {
		t.Fatalf("kept %d bytes, entry %+v", len(got), e)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "cut by the collector or bundle size cap") {
		t.Fatalf("problems %v", problems)
	}
}

// A collector that ignores its timeout while writing a tail is abandoned: its sink is finished,
// its writes fail, and its loop (and goroutine) ends instead of lingering.
func TestTailAbandonedWriterEnds(t *testing.T) {
	st, _ := tailStage(t, Limits{})
	ended := make(chan error, 1)
	c := collectors.Func{CName: "commands.stuck", CFamily: "commands", Fn: func(ctx context.Context, s collectors.Sink) error {
		tw, err := collectors.CreateTail(context.Background(), s, "commands/stuck/stdout.txt", 1<<16)
		if err != nil {
			ended <- err
			return err
		}
		line := []byte("a line of output that keeps coming\n")
		for {
			if _, err := tw.Write(line); err != nil {
				ended <- err
				return err
			}
		}
	}}
	r := &collectors.Runner{Sink: st.Sink, Timeout: func(string) time.Duration { return 50 * time.Millisecond }}
	res, err := r.Run(context.Background(), []collectors.Collector{c})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != collectors.StatusTimedOut || len(res[0].Files) != 0 {
		t.Fatalf("result %+v", res[0])
	}
	select {
	case err := <-ended:
		if err == nil {
			t.Fatal("loop ended without an error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the abandoned collector's write loop did not end")
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.Lingering() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if r.Lingering() != 0 {
		t.Fatalf("%d abandoned collectors linger", r.Lingering())
	}
	if fs := st.Files(); len(fs) != 0 {
		t.Fatalf("files of the abandoned collector kept: %+v", fs)
	}
}
