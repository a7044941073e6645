package collectors

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Where a collector keeps only the newest part of a file or stream, the kept part must start
// where the redactor still sees the context of every secret in it. A raw byte offset can land
// inside "login password=LeakedSecretValue123" (the kept "dSecretValue123" has lost its label) or
// inside a PEM private-key block (the redactor removes a block from its BEGIN line; a body without
// one is bare base64). The helpers here move a cut forward past both.

// CutLookahead bounds how far past a cut the helpers look for the end of a private-key block that
// the cut may have opened: an 8192-bit RSA key in PEM is about 6.5 KiB, with a log prefix on each
// of its lines still well under this.
const CutLookahead = 64 << 10

var (
	pemBeginMark = []byte("-----BEGIN")
	pemEndMark   = []byte("-----END")
	pemKeyTail   = []byte("PRIVATE KEY-----")
)

// TailStart reads r, a stream that starts at a cut, and returns a reader over the part that may
// be kept, with the number of bytes dropped before it. midLine says the cut may be inside a line
// (the byte before it is not a newline): everything through the first newline is dropped. Then,
// within CutLookahead bytes, a private-key END line that comes before any BEGIN line means the cut
// is inside a key: everything through that END line is dropped too. Without an END line, a leading
// run of lines that end in a long base64 word (key body lines, with or without a log prefix) is
// dropped. Memory: one CutLookahead buffer; the returned reader streams the rest of r.
func TailStart(r io.Reader, midLine bool) (io.Reader, int64, error) {
	br := bufio.NewReaderSize(r, CutLookahead)
	var dropped int64
	if midLine {
		for {
			line, err := br.ReadSlice('\n')
			dropped += int64(len(line))
			if err == nil {
				break
			}
			if err == io.EOF {
				return br, dropped, nil
			}
			if err != bufio.ErrBufferFull {
				return br, dropped, err
			}
		}
	}
	win, err := br.Peek(CutLookahead)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return br, dropped, err
	}
	n := pemCut(win, err == io.EOF)
	if _, err := br.Discard(n); err != nil {
		return br, dropped, err
	}
	return br, dropped + int64(n), nil
}

// TailStartAt is TailStart for a seekable source of size bytes cut at off: it returns the offset
// in [off, size] where the kept part starts. A cut at 0 keeps everything.
func TailStartAt(r io.ReaderAt, off, size int64) (int64, error) {
	if off <= 0 {
		return 0, nil
	}
	if off >= size {
		return size, nil
	}
	var prev [1]byte
	if _, err := r.ReadAt(prev[:], off-1); err != nil {
		return off, err
	}
	_, n, err := TailStart(io.NewSectionReader(r, off, size-off), prev[0] != '\n')
	return min(off+n, size), err
}

// SkipToTail discards a stream read from its start up to a cut at off and moves on as TailStart
// does. It returns the reader positioned at the kept part and that part's offset. A cut at 0 keeps
// everything.
func SkipToTail(r io.Reader, off int64) (io.Reader, int64, error) {
	if off <= 0 {
		return r, 0, nil
	}
	n, err := io.CopyN(io.Discard, r, off-1)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = nil
		}
		return r, n, err
	}
	var prev [1]byte
	if _, err := io.ReadFull(r, prev[:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = nil
		}
		return r, n, err
	}
	rest, d, err := TailStart(r, prev[0] != '\n')
	return rest, off + d, err
}

// TailStartBytes is TailStart for a tail already in memory: it returns how many leading bytes of
// b to drop.
func TailStartBytes(b []byte, midLine bool) int {
	n := 0
	if midLine {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return len(b)
		}
		n = i + 1
	}
	win := b[n:]
	atEOF := len(win) <= CutLookahead
	if !atEOF {
		win = win[:CutLookahead]
	}
	return n + pemCut(win, atEOF)
}

// pemCut returns how many leading bytes of win, the start of a kept part that begins on a line
// start, are the rest of a private-key block. atEOF says win holds the whole rest of the stream,
// so its last line counts even without a newline.
func pemCut(win []byte, atEOF bool) int {
	bodyRun := 0 // end of the leading run of key body lines
	inRun := true
	for off := 0; off < len(win); {
		end := len(win)
		if i := bytes.IndexByte(win[off:], '\n'); i >= 0 {
			end = off + i + 1
		} else if !atEOF {
			break // a line cut by the window: unknown
		}
		line := win[off:end]
		if bytes.Contains(line, pemBeginMark) {
			break
		}
		if e := bytes.Index(line, pemEndMark); e >= 0 && bytes.Contains(line[e:], pemKeyTail) {
			return end
		}
		if inRun && keyBodyLine(line) {
			bodyRun = end
		} else {
			inRun = false
		}
		off = end
	}
	return bodyRun
}

// minKeyWord is the shortest last word of a line taken for a key body line: PEM bodies are 64
// characters a line, OpenSSH 70; a block's last line can be shorter, but it precedes the END
// line, which the lookahead finds.
const minKeyWord = 60

// keyBodyLine reports whether a line ends in a long base64 word (optionally padded) that mixes
// upper case, lower case and digits as encoded random bytes do, after an optional prefix such as a
// log timestamp. Hex digests and words of one letter class do not qualify.
func keyBodyLine(line []byte) bool {
	t := bytes.TrimRight(line, " \t\r\n")
	w := t
	if sp := bytes.LastIndexAny(t, " \t"); sp >= 0 {
		w = t[sp+1:]
	}
	w = bytes.Trim(w, `"',`)
	w = bytes.TrimRight(w, "=")
	if len(w) < minKeyWord {
		return false
	}
	var upper, lower, digit bool
	for _, c := range w {
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		case c == '+' || c == '/':
		default:
			return false
		}
	}
	return upper && lower && digit
}

// CompressedExt are the file name suffixes of the compressions Compression recognises.
var CompressedExt = []string{".gz", ".xz", ".bz2", ".zst"}

// Compression names the compression a file's first bytes show ("gzip", "zstd", "bzip2", "xz"),
// or "" for none.
func Compression(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return "gzip"
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return "xz"
	case bytes.HasPrefix(head, []byte("BZh")) && len(head) > 3 && head[3] >= '1' && head[3] <= '9':
		return "bzip2"
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "zstd"
	}
	return ""
}

// Decompress returns a decompressing reader over r for a kind Compression named: gzip, zstd,
// bzip2 and xz (github.com/ulikunitz/xz; note it allocates the dictionary the file declares, 8 MiB
// by default and 64 MiB for xz -9).
func Decompress(kind string, r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	switch kind {
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		return zr, nil
	case "zstd":
		// A bounded window keeps memory bounded whatever the file claims.
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(64<<20))
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	case "bzip2":
		return io.NopCloser(bzip2.NewReader(br)), nil
	case "xz":
		zr, err := xz.NewReader(br)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(zr), nil
	}
	return nil, fmt.Errorf("%s-compressed files are not read", kind)
}

// IsBinary reports whether a sample looks like binary data rather than text: more than one byte
// in ten is a control character other than whitespace, backspace or the escape of colour codes.
func IsBinary(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	ctrl := 0
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != '\b' && c != 0x1b) || c == 0x7f {
			ctrl++
		}
	}
	return ctrl*10 > len(b)
}

// redactionMark starts every marker the redactor puts in place of a secret ("[REDACTED:rule]").
var redactionMark = []byte("[REDACTED:")

// spoolHead returns how many leading bytes of win, the start of a spool's kept part (on a line
// start), to drop: the rest of a private-key block cut open (pemCut; in a spool of redacted
// bytes a key is already one marker, but a sink that cannot spool redacted bytes keeps raw ones),
// then a leading run of lines that hold redaction markers, when a line without one ends it within
// win. A marker never holds a newline, so a cut on a line start never splits one; the run rule
// keeps a span of marked lines (a YAML block scalar under a password key: one marker a line) whole
// or not at all, so the kept part does not start with markers whose key was cut away. (A key split
// over JSON lines leaves one marked line and then lines whose value was emptied; a cut among those
// keeps empty values, never key material.)
func spoolHead(win []byte, atEOF bool) int {
	n := pemCut(win, atEOF)
	for off := n; off < len(win); {
		end := len(win)
		if i := bytes.IndexByte(win[off:], '\n'); i >= 0 {
			end = off + i + 1
		} else if !atEOF {
			return n // a line cut by the window: the run's end is unknown
		}
		if !bytes.Contains(win[off:end], redactionMark) {
			return off
		}
		off = end
	}
	return n // the window is all marked lines: keep them rather than drop it all
}
