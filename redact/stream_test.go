package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

// chunkWrite writes in through a writer in pieces of size sizes[k%len(sizes)].
func chunkWrite(t testing.TB, e *Engine, in string, sizes []int) string {
	t.Helper()
	var out bytes.Buffer
	w := e.NewWriter(&out, "chunked")
	for off, k := 0, 0; off < len(in); k++ {
		end := min(off+sizes[k%len(sizes)], len(in))
		if _, err := w.Write([]byte(in[off:end])); err != nil {
			t.Fatal(err)
		}
		off = end
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestChunkBoundaries plants secrets of several families and forces every chunk boundary: writes
// of 1 to 4 bytes starting at every offset of the planted secret. The output must equal the
// one-shot redaction.
func TestChunkBoundaries(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ before, secret, after string }{
		{"2026-01-01 INFO auth with ", ghp, " ok\n"},
		{`{"level":"info","password":"`, "Tr0ub4dor&3!", `","x":1}` + "\n"},
		{"GET /x?a=1&access_token=", "Xk9Lm2Np4Qr7St1Uv3Wx5", " HTTP/1.1\n"},
		{"conn postgres://app:", "Pa55w0rd!x", "@db:5432/app\n"},
		{"Authorization: Bearer ", jwt, "\r\n"},
		{"mysql -u root -p", "Tr0ub4dor3x", " app\n"},
		{"key_file:\n", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4\n-----END RSA PRIVATE KEY-----", "\nnext\n"},
		{"slack ", slackWH, "\n"},
		{"", azKey, "\n"},
	}
	for _, c := range cases {
		in := c.before + c.secret + c.after
		want := e.String("oneshot", in)
		if strings.Contains(want, c.secret) {
			t.Fatalf("one-shot leaks %q: %s", c.secret, want)
		}
		for size := 1; size <= 4; size++ {
			for start := len(c.before) - 4; start < len(c.before)+len(c.secret)+1; start++ {
				if start < 0 {
					continue
				}
				// first write ends exactly at start; then fixed-size writes
				var out bytes.Buffer
				w := e.NewWriter(&out, "chunked")
				if _, err := w.Write([]byte(in[:start])); err != nil {
					t.Fatal(err)
				}
				for off := start; off < len(in); off += size {
					if _, err := w.Write([]byte(in[off:min(off+size, len(in))])); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				if got := out.String(); got != want {
					t.Fatalf("size %d start %d:\n got %q\nwant %q", size, start, got, want)
				}
			}
		}
	}
}

// TestReaderMatchesWriter: NewReader over a one-byte reader gives the same bytes as the writer.
func TestReaderMatchesWriter(t *testing.T) {
	e, _ := New(Config{})
	var sb strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&sb, "line %d token=%s password: Tr0ub4dor%d!\n", i, ghp, i)
	}
	in := sb.String()
	want := e.String("w", in)
	got, err := io.ReadAll(e.NewReader(iotest.OneByteReader(strings.NewReader(in)), "r"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("reader output differs from writer output")
	}
	got, err = io.ReadAll(iotest.HalfReader(e.NewReader(strings.NewReader(in), "r2")))
	if err != nil || string(got) != want {
		t.Fatalf("half reader differs: %v", err)
	}
}

// TestLongLines: lines far longer than the window, with secrets at and around every window edge,
// never leak, and memory is bounded by the window.
func TestLongLines(t *testing.T) {
	e, _ := New(Config{})
	secrets := []string{ghp, "Tr0ub4dor&3xyz", slackB, "Qx7 Wv9 Zk2"}
	for _, filler := range []string{"lorem ipsum dolor ", `{"k":"v"},`, "abcdefghij"} {
		var sb strings.Builder
		// enough filler to cross several windows; plant secrets around each multiple of the window
		for sb.Len() < 2*maxWindow+5000 {
			sb.WriteString(filler)
		}
		base := sb.String()
		for _, edge := range []int{maxWindow, 2 * maxWindow} {
			for _, delta := range []int{-40, -13, -5, -1, 0, 1, 7} {
				for si, sec := range secrets {
					pos := edge + delta
					var planted string
					switch si {
					case 1:
						planted = " password=" + sec + " "
					case 3:
						planted = ` "password": "` + sec + `" `
					default:
						planted = " " + sec + " "
					}
					in := base[:pos] + planted + base[pos:] + "\n"
					for _, sizes := range [][]int{{len(in)}, {65521, 3}} {
						out := chunkWrite(t, e, in, sizes)
						for _, part := range strings.Fields(sec) {
							if strings.Contains(out, part) {
								t.Fatalf("filler %q edge %d delta %d sizes %v: secret %q leaked", filler, edge, delta, sizes, part)
							}
						}
						if len(out) < len(in)-len(sec)-10 {
							t.Fatalf("output lost content: %d < %d", len(out), len(in))
						}
					}
				}
			}
		}
	}
}

// TestLongLineNoDelimiter: a line with no delimiter at all is cut at the window and still
// streamed (nothing buffered beyond the window).
func TestLongLineNoDelimiter(t *testing.T) {
	e, _ := New(Config{})
	in := strings.Repeat("a", 5*maxWindow+17)
	var out bytes.Buffer
	w := e.NewWriter(&out, "x")
	for i := 0; i < len(in); i += 1000 {
		w.Write([]byte(in[i:min(i+1000, len(in))]))
		if len(w.(*stream).buf) > maxWindow {
			t.Fatalf("buffer grew to %d", len(w.(*stream).buf))
		}
	}
	w.Close()
	if out.String() != in {
		t.Fatal("content changed")
	}
}

func TestPEMEscapedAcrossWindows(t *testing.T) {
	e, _ := New(Config{})
	body := strings.Repeat("MIIEowIBAAKCAQEAx9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8Lm0Np2Qr4\\n", (maxWindow/64)+50)
	in := `{"pad":"` + strings.Repeat("x ", maxWindow/2-100) + `","key":"-----BEGIN PRIVATE KEY-----\n` + body + `-----END PRIVATE KEY-----\n","after":"kept"}` + "\n"
	out := chunkWrite(t, e, in, []int{7777})
	if strings.Contains(out, "MIIEowIBAAKCAQEAx9Lm") {
		t.Fatal("escaped PEM body leaked across windows")
	}
	if !strings.Contains(out, `"after":"kept"`) {
		t.Fatalf("content after the key lost: %q", out[len(out)-100:])
	}
	if !json.Valid([]byte(out)) {
		t.Fatal("JSON broken")
	}
}

func TestPEMUnterminatedStopsAtNonBody(t *testing.T) {
	e, _ := New(Config{})
	in := "-----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEAx9Lm2Np4Qr7St1Uv3Wx5Yz8\nAbCdEf012345\n2026-01-01 INFO service started on port 80\n"
	out := e.String("x", in)
	if strings.Contains(out, "MIIEowIBAAKCAQEAx9Lm2") || strings.Contains(out, "AbCdEf012345") {
		t.Fatalf("key body leaked: %q", out)
	}
	if !strings.Contains(out, "service started on port 80") {
		t.Fatalf("log after a truncated key lost: %q", out)
	}
}

// TestConcurrentWriters: many streams on one engine at once; counts add up.
func TestConcurrentWriters(t *testing.T) {
	e, _ := New(Config{Anonymize: true, Domains: []string{"corp.example"}})
	const n = 16
	var wg sync.WaitGroup
	outs := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var sb strings.Builder
			for k := 0; k < 300; k++ {
				fmt.Fprintf(&sb, "host db%d.corp.example ip 10.0.%d.%d token=%s\n", k%7, k%5, k%250+1, ghp)
			}
			outs[i] = chunkWrite(t, e, sb.String(), []int{1, 3, 4096})
		}(i)
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		if outs[i] != outs[0] {
			t.Fatal("same input gave different output across concurrent streams (pseudonyms not consistent)")
		}
	}
	r := e.Report()
	if r.ByRule["github-token"] != n*300 {
		t.Fatalf("github-token count %d, want %d", r.ByRule["github-token"], n*300)
	}
	if r.Files != 1 || r.Total < n*300 {
		t.Fatalf("report %+v", r)
	}
}

type panicWriter struct{}

func (panicWriter) Write(p []byte) (int, error) { panic("boom") }

// TestFailClosed: an internal failure drops the content and records the file; the input is not
// passed through and later writes are refused.
func TestFailClosed(t *testing.T) {
	e, _ := New(Config{})
	w := e.NewWriter(panicWriter{}, "bad.log")
	_, err := w.Write([]byte("password=hunter2hunter2\nmore\n"))
	if !errors.Is(err, ErrEngine) {
		t.Fatalf("want ErrEngine, got %v", err)
	}
	if _, err := w.Write([]byte("x\n")); err == nil {
		t.Fatal("write after failure accepted")
	}
	if err := w.Close(); err == nil {
		t.Fatal("close after failure returned nil")
	}
	if e.Report().Dropped["bad.log"] == "" {
		t.Fatal("dropped file not reported")
	}
	if s := e.String("x", "y"); s != "y" {
		t.Fatalf("engine unusable after one stream failed: %q", s)
	}
}

type errWriter struct{ n int }

func (w *errWriter) Write(p []byte) (int, error) {
	w.n++
	return 0, errors.New("disk full")
}

func TestDstErrorReturned(t *testing.T) {
	e, _ := New(Config{})
	w := e.NewWriter(&errWriter{}, "f")
	_, werr := w.Write([]byte("hello\n"))
	if cerr := w.Close(); werr == nil && cerr == nil {
		t.Fatal("destination error swallowed")
	}
}

func TestBadRegexNamesFileLine(t *testing.T) {
	_, err := New(Config{Regexes: []Rule{{ID: "acme-key", Pattern: "acme_[a-z", File: "spec.yaml", Line: 42}}})
	if err == nil || !strings.Contains(err.Error(), "spec.yaml:42") || !strings.Contains(err.Error(), "acme-key") {
		t.Fatalf("error %v does not name file:line and id", err)
	}
	if _, err := New(Config{Regexes: []Rule{{ID: "empty", Pattern: "x*"}}}); err == nil {
		t.Fatal("regex matching the empty string accepted")
	}
}

func TestSpecRules(t *testing.T) {
	e, err := New(Config{
		Literals: []string{"CorpSecret-123"},
		Regexes:  []Rule{{ID: "acme-license", Pattern: `ACME-LIC-([0-9A-F]{12})`}, {ID: "acme-whole", Pattern: `acmetok_[a-z0-9]{10}`}},
		Keys:     []string{"license_blob", "X-Acme-Sig"},
		Disable:  []string{"jwt"},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := "lit CorpSecret-123 lic ACME-LIC-0123456789AB tok acmetok_abcdef1234 license_blob=opaque_value x-acme-sig: zzz " + jwt
	out := e.String("f", in)
	for _, s := range []string{"CorpSecret-123", "0123456789AB", "acmetok_abcdef1234", "opaque_value", "zzz"} {
		if strings.Contains(out, s) {
			t.Errorf("%q survived: %s", s, out)
		}
	}
	for _, k := range []string{"ACME-LIC-", "[REDACTED:acme-license]", "[REDACTED:acme-whole]", "[REDACTED:literal]", jwt} {
		if !strings.Contains(out, k) {
			t.Errorf("%q missing: %s", k, out)
		}
	}
}

func TestReportNeverHoldsValues(t *testing.T) {
	e, _ := New(Config{})
	e.String("a.log", "user=bob password=Tr0ub4dor3 "+ghp)
	e.String("b.log", "nothing here")
	r := e.Report()
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), "Tr0ub4dor3") || strings.Contains(string(b), ghp[4:]) {
		t.Fatal("report holds a secret")
	}
	if r.Total != 2 || r.Files != 1 || r.ByFile["a.log"]["github-token"] != 1 {
		t.Fatalf("report %s", b)
	}
}

func utf16le(s string, bom bool) []byte {
	var out []byte
	if bom {
		out = append(out, 0xFF, 0xFE)
	}
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			hi, lo := 0xD800+(r>>10), 0xDC00+(r&0x3FF)
			out = append(out, byte(hi), byte(hi>>8), byte(lo), byte(lo>>8))
			continue
		}
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}

// TestUTF16: Windows tools write UTF-16; secrets in it are found (with or without a BOM, split at
// any byte) and the output is UTF-8.
func TestUTF16(t *testing.T) {
	e, _ := New(Config{})
	text := "Windows Registry Editor Version 5.00\r\n\"Password\"=\"Tr0ub4dor3\"\r\nnote 😀 token " + ghp + "\r\n"
	for _, bom := range []bool{true, false} {
		in := utf16le(text, bom)
		for _, size := range []int{1, 3, 4096} {
			out := chunkWrite(t, e, string(in), []int{size})
			if strings.Contains(out, "Tr0ub4dor3") || strings.Contains(out, ghp[4:]) {
				t.Fatalf("bom %v size %d: secret survived: %q", bom, size, out)
			}
			if !strings.Contains(out, "note 😀 token [REDACTED:") || !strings.Contains(out, "Windows Registry Editor") {
				t.Fatalf("bom %v size %d: text not decoded: %q", bom, size, out)
			}
		}
	}
	// UTF-8 and binary with NULs pass unchanged
	bin := "\x00\x01\x02abc\x00\x00\xff\n"
	if out := chunkWrite(t, e, bin, []int{1}); out != bin {
		t.Fatalf("binary changed: %q", out)
	}
}

// TestLongValueAcrossWindows: a quoted secret far longer than the carried context, cut by the
// window, is redacted to its closing quote.
func TestLongValueAcrossWindows(t *testing.T) {
	e, _ := New(Config{})
	secret := strings.Repeat("Zq8 Wv3 Rt6 ", 400) // 4.8 KB with spaces (cut points inside)
	in := strings.Repeat("lorem ipsum ", (maxWindow-2000)/12) + `"password": "` + secret + `" tail ok` + "\n"
	out := chunkWrite(t, e, in, []int{8192})
	if strings.Contains(out, "Zq8") || strings.Contains(out, "Wv3") {
		t.Fatal("long value leaked after the window cut")
	}
	if !strings.Contains(out, `" tail ok`) {
		t.Fatalf("text after the value lost: %q", out[len(out)-60:])
	}
}

// TestAllocsPerStream: scanning does not allocate per line or per value (the throughput depends
// on it); a stream's allocations are its buffers.
func TestAllocsPerStream(t *testing.T) {
	e, _ := New(Config{})
	data := SparseLog(1<<20, 3)
	allocs := testing.AllocsPerRun(3, func() {
		w := e.NewWriter(io.Discard, "a")
		for off := 0; off < len(data); off += 32 << 10 {
			w.Write(data[off:min(off+32<<10, len(data))])
		}
		w.Close()
	})
	if allocs > 100 {
		t.Fatalf("%v allocations for 1 MiB (want a constant few)", allocs)
	}
}
