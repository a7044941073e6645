//go:build unix

package logs

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/bundle"
)

// A command's log through the real bundle stage: the redacted output is spooled into the staged
// file and cut there. At every cut around and inside a key (with and without log prefixes) no key
// material and no password reaches the bundle, the kept part is the newest part of the redacted
// output on a line start, and the manifest and index describe what is kept.
func TestCommandTailThroughStage(t *testing.T) {
	eng := keyEngine(t)
	for _, prefixed := range []bool{false, true} {
		kl := newKeyLog(t, prefixed)
		dir := t.TempDir()
		p := filepath.Join(dir, "out.log")
		writeFile(t, dir, "out.log", kl.data, testNow, false)
		whole, _ := eng.Bytes("x", kl.data)
		size := len(kl.data)
		offs := []int{kl.begin - 1, kl.begin, kl.begin + 1, kl.end - 1, kl.end, kl.end + 1}
		for off := kl.begin - 40; off < kl.end+40; off += 97 {
			offs = append(offs, off)
		}
		for _, off := range offs {
			st, err := bundle.NewStage(dir, eng, bundle.Limits{MaxFileSize: 10 << 20})
			if err != nil {
				t.Fatal(err)
			}
			src := shSource("ring", "cat "+p, int64(size-off), false, testNow.Add(-time.Hour))
			sink := st.Sink(src)
			if err := src.Collect(context.Background(), sink); err != nil {
				t.Fatal(err)
			}
			sink.Finish(true)
			var got []byte
			if f, err := st.Open("logs/ring/ring.log"); err == nil {
				got, _ = io.ReadAll(f)
				f.Close()
			}
			if w := kl.leak(got); w != "" {
				t.Fatalf("prefixed %v, cut at %d: %q leaked:\n%s", prefixed, off, w, got)
			}
			if !strings.HasSuffix(string(whole), string(got)) || (len(got) < len(whole) && whole[len(whole)-len(got)-1] != '\n') {
				t.Fatalf("prefixed %v, cut at %d: not the newest redacted lines:\n%s", prefixed, off, got)
			}
			var idx Index
			f, _ := st.Open("logs/ring.json")
			b, _ := io.ReadAll(f)
			f.Close()
			if err := json.Unmarshal(b, &idx); err != nil {
				t.Fatal(err)
			}
			e := idx.Files[0]
			if e.Kept != int64(len(got)) || e.Seen != int64(size) || e.Truncated != (len(got) < len(whole)) {
				t.Fatalf("prefixed %v, cut at %d: index %+v, kept %d of %d redacted", prefixed, off, e, len(got), len(whole))
			}
			for _, m := range st.Files() {
				if m.Path == "logs/ring/ring.log" && (m.Size != int64(len(got)) || m.Truncated != e.Truncated || (m.Truncated && (m.BytesKept != m.Size || m.BytesSeen != int64(len(whole))))) {
					t.Fatalf("prefixed %v, cut at %d: manifest %+v", prefixed, off, m)
				}
			}
			st.Cleanup()
		}
	}
}
