package files

import (
	"bytes"
	"io"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
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

// newUTF16Reader transcodes UTF-16 to UTF-8 as it streams, so that the redactor sees
// "password=" as the bytes it looks for. BOMOverride follows the byte-order mark and drops it;
// enc (what utf16Kind saw) is the fallback. Unpaired surrogates and a trailing odd byte become
// U+FFFD.
func newUTF16Reader(r io.Reader, enc string) io.Reader {
	order := unicode.LittleEndian
	if enc == "utf-16be" {
		order = unicode.BigEndian
	}
	return transform.NewReader(r, unicode.BOMOverride(unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder()))
}
