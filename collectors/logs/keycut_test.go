//go:build unix

package logs

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
	"github.com/casefile/casefile/redact"
)

// keyLog is a log with a password line and an RSA key dumped into it, one log line per PEM line
// when prefixed. The key's first half is stamped before keySplit, its second half at keySplit, so
// that a window starting at keySplit starts inside the key.
type keyLog struct {
	data       []byte
	begin, end int // the key's lines
	words      []string
}

var keySplit = testNow.Add(-time.Hour)

func newKeyLog(t *testing.T, prefixed bool) keyLog {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	block := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	lines := strings.SplitAfter(strings.TrimSuffix(string(block), "\n"), "\n")
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	var b bytes.Buffer
	b.WriteString(ts(keySplit.Add(-3*time.Second)) + " app: starting\n")
	b.WriteString(ts(keySplit.Add(-2*time.Second)) + " app: login password=LeakedSecretValue123\n")
	b.WriteString(ts(keySplit.Add(-time.Second)) + " app: loading key\n")
	var kl keyLog
	kl.begin = b.Len()
	for i, l := range lines {
		if prefixed {
			at := keySplit.Add(-time.Second)
			if i >= len(lines)/2 {
				at = keySplit
			}
			b.WriteString(ts(at) + " app: ")
		}
		b.WriteString(l)
		if i == len(lines)-1 {
			b.WriteString("\n")
		}
		if len(l) > 20 && !strings.HasPrefix(l, "-----") {
			kl.words = append(kl.words, strings.TrimSpace(l))
		}
	}
	kl.end = b.Len()
	b.WriteString(ts(keySplit.Add(time.Second)) + " app: key loaded\n")
	b.WriteString(ts(keySplit.Add(2*time.Second)) + " app: serving\n")
	kl.data = b.Bytes()
	return kl
}

// start is where a kept part must begin for a raw cut at off.
func (k keyLog) start(off int) int {
	if off > k.begin && off < k.end {
		return k.end
	}
	if off <= 0 || k.data[off-1] == '\n' {
		return max(off, 0)
	}
	return off + bytes.IndexByte(k.data[off:], '\n') + 1
}

func (k keyLog) leak(out []byte) string {
	for _, w := range k.words {
		if bytes.Contains(out, []byte(w[len(w)/2:])) {
			return w
		}
	}
	for i := 0; i+4 <= len("LeakedSecretValue123"); i++ {
		if s := "LeakedSecretValue123"[i:]; bytes.Contains(out, []byte(s)) {
			return s
		}
	}
	return ""
}

func keyEngine(t *testing.T) *redact.Engine {
	eng, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func TestCapCutInsideKey(t *testing.T) {
	eng := keyEngine(t)
	for _, prefixed := range []bool{false, true} {
		for _, gz := range []bool{false, true} {
			kl := newKeyLog(t, prefixed)
			root := t.TempDir()
			name := "app.log"
			if gz {
				name += ".1.gz"
			}
			writeFile(t, root, "var/log/"+name, kl.data, testNow, gz)
			size := len(kl.data)
			for off := 1; off < size; off++ {
				src := &fileSource{name: "app", globs: []string{"/var/log/" + name}, root: root, now: testNow, since: 24 * time.Hour, maxFile: int64(size - off), maxTotal: 1 << 30, loc: time.UTC}
				sink := &collectorstest.Sink{Family: "logs", Redactor: eng}
				idx, err := collect(t, src, sink)
				want := kl.start(off)
				got, _ := sink.File("logs/app/var/log/app.log" + map[bool]string{true: ".1"}[gz])
				if want == size && !gz {
					// The cap holds no whole line: the newest bytes of the last line are kept
					// from a delimiter, and the collector says so.
					if !collectors.IsPartial(err) || len(got) == 0 || len(got) > size-off {
						t.Fatalf("cut at %d inside the last line: err %v, kept %q", off, err, got)
					}
					if l := kl.leak(got); l != "" {
						t.Fatalf("prefixed %v, cut at %d: %q shipped", prefixed, off, l)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if exp := eng.String("x", string(kl.data[want:])); string(got) != exp {
					t.Fatalf("prefixed %v gz %v, cut at %d: got\n%s\nwant (from %d)\n%s", prefixed, gz, off, got, want, exp)
				}
				if l := kl.leak(got); l != "" {
					t.Fatalf("prefixed %v gz %v, cut at %d: %q shipped", prefixed, gz, off, l)
				}
				e := idx.Files[0]
				if want < size && (e.Offset != int64(want) || e.Kept != int64(size-want) || e.Seen != int64(size) || !e.Truncated) {
					t.Fatalf("prefixed %v gz %v, cut at %d: entry %+v, want offset %d", prefixed, gz, off, e, want)
				}
				if !gz && off > kl.end+40 {
					off += 7 // past the key: sample the rest
				}
			}
		}
	}
}

func TestWindowStartsInsideKey(t *testing.T) {
	eng := keyEngine(t)
	kl := newKeyLog(t, true)
	for _, gz := range []bool{false, true} {
		root := t.TempDir()
		name := map[bool]string{false: "app.log", true: "app.log.1.gz"}[gz]
		writeFile(t, root, "var/log/"+name, kl.data, testNow, gz)
		src := &fileSource{name: "app", globs: []string{"/var/log/" + name}, root: root, now: testNow, since: time.Hour, maxFile: 1 << 20, maxTotal: 1 << 30, loc: time.UTC}
		sink := &collectorstest.Sink{Family: "logs", Redactor: eng}
		idx, err := collect(t, src, sink)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := sink.File("logs/app/var/log/app.log" + map[bool]string{true: ".1"}[gz])
		want := string(kl.data[kl.end:])
		if string(got) != want {
			t.Fatalf("gz %v: got\n%s\nwant\n%s", gz, got, want)
		}
		if e := idx.Files[0]; e.Offset != int64(kl.end) || e.Kept != int64(len(want)) {
			t.Fatalf("gz %v: entry %+v", gz, e)
		}
	}
}

func TestCommandRingCutInsideKey(t *testing.T) {
	eng := keyEngine(t)
	kl := newKeyLog(t, true)
	dir := t.TempDir()
	p := filepath.Join(dir, "out.log")
	writeFile(t, dir, "out.log", kl.data, testNow, false)
	size := len(kl.data)
	offs := []int{kl.begin - 1, kl.begin, kl.begin + 1, kl.end - 1, kl.end, kl.end + 1}
	for off := kl.begin - 20; off < kl.end+20; off += 5 {
		offs = append(offs, off)
	}
	for _, off := range offs {
		src := shSource("ring", "cat "+p, int64(size-off), false, testNow.Add(-time.Hour))
		sink := &collectorstest.Sink{Family: "logs", Redactor: eng}
		if err := src.Collect(context.Background(), sink); err != nil {
			t.Fatal(err)
		}
		got, _ := sink.File("logs/ring/ring.log")
		want := kl.start(off)
		if exp := eng.String("x", string(kl.data[want:])); string(got) != exp {
			t.Fatalf("cut at %d: got\n%s\nwant (from %d)\n%s", off, got, want, exp)
		}
		if kept, seen, ok := sink.Truncated("logs/ring/ring.log"); !ok || kept != int64(size-want) || seen != int64(size) {
			t.Fatalf("cut at %d: truncation %d/%d %v", off, kept, seen, ok)
		}
	}
	// A command whose window filter starts inside the key.
	src := shSource("win", "cat "+p, 1<<20, true, keySplit)
	sink := &collectorstest.Sink{Family: "logs", Redactor: eng}
	if err := src.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if got, _ := sink.File("logs/win/win.log"); string(got) != string(kl.data[kl.end:]) {
		t.Fatalf("window filter: got\n%s", got)
	}
}
