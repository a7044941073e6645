package collectors_test

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	mrand "math/rand"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/redact"
)

// cutAll returns where the kept part starts for a cut at off, by each of the three entry points,
// and fails when they disagree or when a stream does not continue exactly there.
func cutAll(t *testing.T, data []byte, off int) int {
	t.Helper()
	size := int64(len(data))
	at, err := collectors.TailStartAt(bytes.NewReader(data), int64(off), size)
	if err != nil {
		t.Fatalf("TailStartAt(%d): %v", off, err)
	}
	// A one-byte reader forces every read boundary.
	rest, st, err := collectors.SkipToTail(iotest.OneByteReader(bytes.NewReader(data)), int64(off))
	if err != nil {
		t.Fatalf("SkipToTail(%d): %v", off, err)
	}
	got, _ := io.ReadAll(rest)
	if st != at || !bytes.Equal(got, data[min(st, size):]) {
		t.Fatalf("cut at %d: SkipToTail starts at %d with %q..., TailStartAt at %d", off, st, head(got), at)
	}
	mid := off > 0 && data[off-1] != '\n'
	if b := int64(off + collectors.TailStartBytes(data[off:], mid)); b != at {
		t.Fatalf("cut at %d: TailStartBytes at %d, TailStartAt at %d", off, b, at)
	}
	r, n, err := collectors.TailStart(bytes.NewReader(data[off:]), mid)
	if err != nil || int64(off)+n != at {
		t.Fatalf("cut at %d: TailStart dropped %d (%v), TailStartAt starts at %d", off, n, err, at)
	}
	if got, _ := io.ReadAll(r); !bytes.Equal(got, data[at:]) {
		t.Fatalf("cut at %d: TailStart reader continues at the wrong place: %q", off, head(got))
	}
	return int(at)
}

func head(b []byte) []byte { return b[:min(len(b), 40)] }

// nextLineStart is the first line start at or after off.
func nextLineStart(data []byte, off int) int {
	if off == 0 || data[off-1] == '\n' {
		return off
	}
	i := bytes.IndexByte(data[off:], '\n')
	if i < 0 {
		return len(data)
	}
	return off + i + 1
}

func engine(t *testing.T) *redact.Engine {
	t.Helper()
	eng, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func TestCutsOnLineStarts(t *testing.T) {
	long := strings.Repeat("c", 3*collectors.CutLookahead)
	data := []byte("aaa\nbbbb\n" + long + "\nd\n")
	for _, c := range []struct{ off, want int }{
		{0, 0}, {1, 4}, {4, 4}, {5, 9}, {9, 9}, {10, 10 + len(long)}, {len(data) - 1, len(data)}, {len(data), len(data)},
	} {
		if got := cutAll(t, data, c.off); got != c.want {
			t.Errorf("cut at %d kept from %d, want %d", c.off, got, c.want)
		}
	}
}

func TestCutAroundPasswordLine(t *testing.T) {
	eng := engine(t)
	const secret = "LeakedSecretValue123"
	data := []byte("2026-11-27T10:00:00Z app: starting\n" +
		"login password=" + secret + "\n" +
		"2026-11-27T10:00:02Z app: connected\n" +
		"2026-11-27T10:00:03Z app: done\n")
	for off := 0; off <= len(data); off++ {
		start := cutAll(t, data, off)
		if want := nextLineStart(data, off); start != want {
			t.Fatalf("cut at %d kept from %d, want the next line start %d", off, start, want)
		}
		out := eng.String("app.log", string(data[start:]))
		for k := 0; k < len(secret)-2; k++ {
			if strings.Contains(out, secret[k:]) {
				t.Fatalf("cut at %d: %q of the password shipped in %q", off, secret[k:], out)
			}
		}
		// The newest lines are always there.
		if !strings.HasSuffix(out, "2026-11-27T10:00:03Z app: done\n") && start < len(data) {
			t.Fatalf("cut at %d lost the newest line: %q", off, out)
		}
	}
}

type keyCase struct {
	name  string
	block []byte // PEM, BEGIN to END with its newline
}

func keyCases(t *testing.T) []keyCase {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	pk8, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	rnd := mrand.New(mrand.NewSource(1))
	random := func(n int) []byte {
		b := make([]byte, n)
		rnd.Read(b)
		return b
	}
	enc := func(typ string, der []byte, hdr map[string]string) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der, Headers: hdr})
	}
	// OpenSSH keys are 70 characters a line.
	openssh := "-----BEGIN OPENSSH PRIVATE KEY-----\n"
	b64 := base64.StdEncoding.EncodeToString(append([]byte("openssh-key-v1\x00"), random(1200)...))
	for len(b64) > 70 {
		openssh += b64[:70] + "\n"
		b64 = b64[70:]
	}
	openssh += b64 + "\n-----END OPENSSH PRIVATE KEY-----\n"
	return []keyCase{
		{"rsa", enc("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey), nil)},
		{"ec", enc("EC PRIVATE KEY", ecDER, nil)},
		{"pkcs8", enc("PRIVATE KEY", pk8, nil)},
		{"dsa", enc("DSA PRIVATE KEY", random(440), nil)},
		{"encrypted-pkcs8", enc("ENCRYPTED PRIVATE KEY", random(1300), nil)},
		{"encrypted-legacy", enc("RSA PRIVATE KEY", random(1200), map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,5E7C1B3A9F2D4C6E8A0B1C2D3E4F5061"})},
		{"openssh", []byte(openssh)},
	}
}

// bodyWords are the base64 lines of a block, the material that must not ship.
func bodyWords(block []byte) []string {
	var out []string
	for _, l := range strings.Split(string(block), "\n") {
		if len(l) >= 16 && !strings.Contains(l, "-----") && !strings.Contains(l, ":") {
			out = append(out, l)
		}
	}
	return out
}

func prefixLines(block []byte, prefix string) []byte {
	var b bytes.Buffer
	for _, l := range strings.SplitAfter(string(block), "\n") {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.Bytes()
}

func TestCutInsidePrivateKey(t *testing.T) {
	eng := engine(t)
	before := "2026-11-27T09:59:58Z app: loading key\n2026-11-27T09:59:59Z app: dump follows\n"
	after := "2026-11-27T10:00:01Z app: key loaded\n2026-11-27T10:00:02Z app: serving\n"
	for _, kc := range keyCases(t) {
		for _, prefix := range []string{"", "2026-11-27T10:00:00Z app: "} {
			block := prefixLines(kc.block, prefix)
			data := []byte(before + string(block) + after)
			begin := len(before)      // start of the BEGIN line
			end := begin + len(block) // just after the END line
			words := bodyWords(kc.block)
			name := kc.name
			if prefix != "" {
				name += "/prefixed"
			}
			t.Run(name, func(t *testing.T) {
				// Cuts that keep the BEGIN line leave the block to the redactor; see that it
				// handles the uncut block before holding the cut to it.
				whole := eng.String("app.log", string(data))
				redactorOK := true
				for _, w := range words {
					if strings.Contains(whole, w[len(w)/2:]) {
						redactorOK = false
						t.Logf("the redactor ships material of this block even uncut; only cuts inside it are checked")
						break
					}
				}
				for off := begin - 10; off <= end+5; off++ {
					start := cutAll(t, data, off)
					want := nextLineStart(data, off)
					if off > begin && off < end {
						want = end // inside the block: everything through the END line goes
					}
					if start != want {
						t.Fatalf("cut at %d (block %d..%d) kept from %d, want %d", off, begin, end, start, want)
					}
					out := eng.String("app.log", string(data[start:]))
					for _, w := range words {
						if strings.Contains(out, w[len(w)/2:]) && (redactorOK || off > begin) {
							t.Fatalf("cut at %d: key material %q shipped:\n%s", off, w, out)
						}
					}
					if off <= end && !strings.HasSuffix(out, after) {
						t.Fatalf("cut at %d lost the lines after the key:\n%s", off, out)
					}
				}
			})
		}
	}
}

func TestCutKeyWithoutEnd(t *testing.T) {
	eng := engine(t)
	// A key whose END is past the lookahead (or never written): the leading run of body lines
	// goes, the first other line stays.
	var body bytes.Buffer
	for i := 0; i < 3; i++ {
		body.WriteString("2026-11-27T10:00:00Z app: MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7h7M+S0Ero" + string(rune('a'+i)) + "\n")
	}
	// A hex digest or a run of one letter is not key material.
	tail := "2026-11-27T10:00:05Z app: pulled sha256 " + strings.Repeat("0f3a9c", 11) + "\n" + strings.Repeat("c", 80) + "\nplain line\n"
	data := []byte("2026-11-27T10:00:00Z app: MIIEvQ" + body.String() + tail)
	start := cutAll(t, data, 10)
	if got := string(data[start:]); got != tail {
		t.Fatalf("kept %q, want %q", got, tail)
	}
	if out := eng.String("app.log", string(data[start:])); strings.Contains(out, "MIIE") {
		t.Fatalf("key body shipped: %q", out)
	}
	// Ordinary lines ending in short words are not taken for a key.
	plain := []byte("x\nGET /index.html 200\nuser=alice id=42\n")
	if s := cutAll(t, plain, 1); s != 2 {
		t.Fatalf("plain lines: kept from %d, want 2", s)
	}
}

func TestCutBeforeKeyKeepsIt(t *testing.T) {
	// A BEGIN line ahead of the first END means the block is whole in the kept part: nothing more
	// is dropped, and the redactor removes the block.
	data := []byte("abc\nline\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----\nz\n")
	if s := cutAll(t, data, 1); s != 4 {
		t.Fatalf("kept from %d, want 4", s)
	}
}

func TestTailStartLongPartialLineStreams(t *testing.T) {
	// A partial line far longer than the lookahead is skipped in pieces.
	data := append(bytes.Repeat([]byte("y"), 5*collectors.CutLookahead), "\nkept\n"...)
	r, n, err := collectors.TailStart(bufio.NewReaderSize(bytes.NewReader(data), 16), true)
	if err != nil || n != int64(5*collectors.CutLookahead+1) {
		t.Fatalf("dropped %d, %v", n, err)
	}
	if got, _ := io.ReadAll(r); string(got) != "kept\n" {
		t.Fatalf("kept %q", got)
	}
	// No newline at all: nothing is kept.
	r, n, err = collectors.TailStart(bytes.NewReader([]byte("no newline")), true)
	if got, _ := io.ReadAll(r); err != nil || n != 10 || len(got) != 0 {
		t.Fatalf("dropped %d kept %q, %v", n, got, err)
	}
}

func TestIsBinary(t *testing.T) {
	if collectors.IsBinary([]byte("plain text\twith tabs\r\n\x1b[31mred\x1b[0m\n")) {
		t.Error("text with colour codes reported binary")
	}
	bin := make([]byte, 4096)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	if !collectors.IsBinary(bin) {
		t.Error("binary sample reported text")
	}
	if !collectors.IsBinary(append([]byte("ELF"), make([]byte, 100)...)) {
		t.Error("NUL-filled sample reported text")
	}
}

func TestCompression(t *testing.T) {
	for head, want := range map[string]string{
		"\x1f\x8b\x08":     "gzip",
		"\xfd7zXZ\x00":     "xz",
		"BZh9":             "bzip2",
		"BZhx":             "",
		"\x28\xb5\x2f\xfd": "zstd",
		"plain":            "",
	} {
		if got := collectors.Compression([]byte(head)); got != want {
			t.Errorf("Compression(%q) = %q, want %q", head, got, want)
		}
	}
}
