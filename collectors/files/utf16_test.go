package files

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
	"unicode/utf16"
)

func TestUTF16Reader(t *testing.T) {
	le := func(units ...uint16) []byte {
		var b []byte
		for _, u := range units {
			b = append(b, byte(u), byte(u>>8))
		}
		return b
	}
	be := func(units ...uint16) []byte {
		var b []byte
		for _, u := range units {
			b = append(b, byte(u>>8), byte(u))
		}
		return b
	}
	text := "password=hunter2 ü € 😀\r\n"
	units := utf16.Encode([]rune(text))
	for _, c := range []struct {
		name string
		in   []byte
		enc  string
		want string
	}{
		{"le with BOM", le(append([]uint16{0xfeff}, units...)...), "utf-16le", text},
		{"be with BOM", be(append([]uint16{0xfeff}, units...)...), "utf-16be", text},
		{"lone high surrogate", le(0xfeff, 'a', 0xd83d, 'b'), "utf-16le", "a\uFFFDb"},
		{"lone low surrogate", be(0xfeff, 'a', 0xde00), "utf-16be", "a\uFFFD"},
		{"trailing odd byte", append(le(0xfeff, 'o', 'k'), 'x'), "utf-16le", "ok\uFFFD"},
		{"BOM only", le(0xfeff), "utf-16le", ""},
		{"second BOM is text", le(0xfeff, 0xfeff, 'a'), "utf-16le", "\ufeffa"},
	} {
		for _, one := range []bool{false, true} {
			var r io.Reader = bytes.NewReader(c.in)
			if one {
				r = iotest.OneByteReader(r) // units and surrogate pairs split across reads
			}
			got, err := io.ReadAll(newUTF16Reader(r, c.enc))
			if err != nil || string(got) != c.want {
				t.Errorf("%s (one byte at a time %v): %q, %v; want %q", c.name, one, got, err, c.want)
			}
		}
	}
	if utf16Kind([]byte{0xff, 0xfe, 'a', 0}) != "utf-16le" || utf16Kind([]byte{0xfe, 0xff, 0, 'a'}) != "utf-16be" || utf16Kind([]byte("a\x00b\x00")) != "" {
		t.Error("utf16Kind")
	}
}
