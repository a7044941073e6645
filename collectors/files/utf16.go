package files

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Kind names the UTF-16 form a byte-order mark at the start of head shows, "" for none.
// Without a BOM, UTF-16 text is full of NULs and is left out as binary.
func utf16Kind(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		return "utf-16le"
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return "utf-16be"
	}
	return ""
}

// utf16Reader transcodes UTF-16 (with its BOM) to UTF-8 as it streams, so that the redactor sees
// "password=" as the bytes it looks for. Unpaired surrogates and a trailing odd byte become U+FFFD.
type utf16Reader struct {
	r      *bufio.Reader
	be     bool
	bomOff bool
	out    []byte
	buf    []byte
	err    error
}

func newUTF16Reader(r io.Reader, enc string) io.Reader {
	return &utf16Reader{r: bufio.NewReaderSize(r, 32<<10), be: enc == "utf-16be", buf: make([]byte, 0, 16<<10)}
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		u.fill()
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

func (u *utf16Reader) unit(b []byte) rune {
	if u.be {
		return rune(b[0])<<8 | rune(b[1])
	}
	return rune(b[1])<<8 | rune(b[0])
}

// fill decodes what the buffered reader holds (at least one unit) into u.out.
func (u *utf16Reader) fill() {
	if !u.bomOff {
		u.bomOff = true
		if b, _ := u.r.Peek(2); len(b) == 2 && u.unit(b) == 0xfeff {
			u.r.Discard(2)
		}
	}
	out := u.buf[:0]
	for len(out) < cap(u.buf)-2*utf8.UTFMax {
		b, err := u.r.Peek(4)
		if len(b) < 2 {
			if len(b) == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
				u.r.Discard(1)
			}
			if err == nil {
				err = io.EOF
			}
			u.err = err
			break
		}
		c := u.unit(b)
		n := 2
		if utf16.IsSurrogate(c) {
			c = utf8.RuneError
			if len(b) == 4 {
				if r := utf16.DecodeRune(u.unit(b), u.unit(b[2:])); r != utf8.RuneError {
					c, n = r, 4
				}
			}
		}
		out = utf8.AppendRune(out, c)
		u.r.Discard(n)
		if u.r.Buffered() < 4 && len(out) > 0 {
			break // return what is decoded before blocking on more input
		}
	}
	u.out = out
}
