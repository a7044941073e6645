package bundle

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonStream reads one JSON document from a stream without holding it: the caller walks the
// members it wants (object, array, stringValue, intValue) and skips the rest (skip), which
// validates what it passes over but keeps nothing of it. Strings are kept only up to a bound.
// A metadata file of any size is read with memory bounded by what the caller keeps (bundle
// metadata of 64 MiB of "{}," took 3.6 GiB of heap through json.Unmarshal).
//
// Errors: errJSONSyntax for a document that is not JSON; a member of the wrong type is not an
// error but sets mismatch (encoding/json goes on too and reports it at the end); errors from
// the reader and the caller's callbacks are returned as they are.
type jsonStream struct {
	r        *bufio.Reader
	mismatch bool
	stack    []byte // open containers while skipping
	scratch  []byte // the string being read
}

var errJSONSyntax = errors.New("not valid JSON")

// maxJSONDepth bounds nesting, as encoding/json does (10,000).
const maxJSONDepth = 10000

func newJSONStream(r io.Reader) *jsonStream {
	return &jsonStream{r: bufio.NewReaderSize(r, 32<<10)}
}

func (s *jsonStream) readErr(err error) error {
	if err == io.EOF {
		return errJSONSyntax
	}
	return err
}

// peek returns the next byte that is not white space, without taking it.
func (s *jsonStream) peek() (byte, error) {
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		s.r.UnreadByte()
		return c, nil
	}
}

func (s *jsonStream) next() (byte, error) {
	c, err := s.peek()
	if err != nil {
		return 0, s.readErr(err)
	}
	s.r.ReadByte()
	return c, nil
}

// end checks that nothing but white space follows the document.
func (s *jsonStream) end() error {
	_, err := s.peek()
	switch {
	case err == io.EOF:
		return nil
	case err != nil:
		return err
	}
	return errJSONSyntax
}

// isNull takes a null if one comes next.
func (s *jsonStream) isNull() (bool, error) {
	c, err := s.peek()
	if err != nil {
		return false, s.readErr(err)
	}
	if c != 'n' {
		return false, nil
	}
	return true, s.skip()
}

// object walks an object; fn must consume the member's value. null walks nothing. Anything
// else is skipped as a mismatch. Keys longer than 256 bytes are cut (they match no field).
func (s *jsonStream) object(fn func(key string) error) error {
	c, err := s.peek()
	if err != nil {
		return s.readErr(err)
	}
	if c != '{' {
		if c != 'n' {
			s.mismatch = true
		}
		return s.skip()
	}
	s.r.ReadByte()
	if c, err = s.peek(); err != nil {
		return s.readErr(err)
	}
	if c == '}' {
		s.r.ReadByte()
		return nil
	}
	for {
		if c, err = s.next(); err != nil {
			return err
		}
		if c != '"' {
			return errJSONSyntax
		}
		key, err := s.str(256)
		if err != nil {
			return err
		}
		if c, err = s.next(); err != nil {
			return err
		}
		if c != ':' {
			return errJSONSyntax
		}
		if err := fn(key); err != nil {
			return err
		}
		if c, err = s.next(); err != nil {
			return err
		}
		switch c {
		case ',':
		case '}':
			return nil
		default:
			return errJSONSyntax
		}
	}
}

// array walks an array; fn must consume each element. null walks nothing; anything else is
// skipped as a mismatch.
func (s *jsonStream) array(fn func() error) error {
	c, err := s.peek()
	if err != nil {
		return s.readErr(err)
	}
	if c != '[' {
		if c != 'n' {
			s.mismatch = true
		}
		return s.skip()
	}
	s.r.ReadByte()
	if c, err = s.peek(); err != nil {
		return s.readErr(err)
	}
	if c == ']' {
		s.r.ReadByte()
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		if c, err = s.next(); err != nil {
			return err
		}
		switch c {
		case ',':
		case ']':
			return nil
		default:
			return errJSONSyntax
		}
	}
}

// stringValue reads a string, keeping at most max bytes of it (cut on a rune boundary, "…"
// added). null is "". Anything else is skipped as a mismatch.
func (s *jsonStream) stringValue(max int) (string, error) {
	c, err := s.peek()
	if err != nil {
		return "", s.readErr(err)
	}
	if c != '"' {
		if c != 'n' {
			s.mismatch = true
		}
		return "", s.skip()
	}
	s.r.ReadByte()
	return s.str(max)
}

// stringBytes is stringValue without the copy (valid until the next string is read).
func (s *jsonStream) stringBytes(max int) ([]byte, error) {
	c, err := s.peek()
	if err != nil {
		return nil, s.readErr(err)
	}
	if c != '"' {
		if c != 'n' {
			s.mismatch = true
		}
		return nil, s.skip()
	}
	s.r.ReadByte()
	return s.strBytes(max)
}

// intValue reads an integer as encoding/json reads one into an int: a fraction, an exponent or
// an overflow is a mismatch. null is 0.
func (s *jsonStream) intValue() (int, error) {
	c, err := s.peek()
	if err != nil {
		return 0, s.readErr(err)
	}
	if c != '-' && (c < '0' || c > '9') {
		if c != 'n' {
			s.mismatch = true
		}
		return 0, s.skip()
	}
	num, err := s.number(32)
	if err != nil {
		return 0, err
	}
	n, perr := strconv.Atoi(num)
	if perr != nil {
		s.mismatch = true
	}
	return n, nil
}

// skip consumes one value of any kind and depth, keeping nothing.
func (s *jsonStream) skip() error {
	s.stack = s.stack[:0]
	for {
		c, err := s.next()
		if err != nil {
			return err
		}
		switch c {
		case '{', '[':
			if len(s.stack) >= maxJSONDepth {
				return errJSONSyntax
			}
			s.stack = append(s.stack, c)
			c2, err := s.peek()
			if err != nil {
				return s.readErr(err)
			}
			if (c == '{' && c2 == '}') || (c == '[' && c2 == ']') {
				s.r.ReadByte()
				s.stack = s.stack[:len(s.stack)-1]
				break
			}
			if c == '{' {
				if err := s.key(); err != nil {
					return err
				}
			}
			continue
		case '"':
			if _, err := s.str(0); err != nil {
				return err
			}
		case 't':
			if err := s.literal("rue"); err != nil {
				return err
			}
		case 'f':
			if err := s.literal("alse"); err != nil {
				return err
			}
		case 'n':
			if err := s.literal("ull"); err != nil {
				return err
			}
		default:
			if c != '-' && (c < '0' || c > '9') {
				return errJSONSyntax
			}
			s.r.UnreadByte()
			if _, err := s.number(0); err != nil {
				return err
			}
		}
		// A value ended: close containers, or go on to the next member.
		for {
			if len(s.stack) == 0 {
				return nil
			}
			c, err := s.next()
			if err != nil {
				return err
			}
			top := s.stack[len(s.stack)-1]
			if c == ',' {
				if top == '{' {
					if err := s.key(); err != nil {
						return err
					}
				}
				break
			}
			if (top == '{' && c == '}') || (top == '[' && c == ']') {
				s.stack = s.stack[:len(s.stack)-1]
				continue
			}
			return errJSONSyntax
		}
	}
}

// key consumes `"name":` inside a skipped object.
func (s *jsonStream) key() error {
	c, err := s.next()
	if err != nil {
		return err
	}
	if c != '"' {
		return errJSONSyntax
	}
	if _, err := s.str(0); err != nil {
		return err
	}
	if c, err = s.next(); err != nil {
		return err
	}
	if c != ':' {
		return errJSONSyntax
	}
	return nil
}

func (s *jsonStream) literal(rest string) error {
	for i := 0; i < len(rest); i++ {
		c, err := s.r.ReadByte()
		if err != nil {
			return s.readErr(err)
		}
		if c != rest[i] {
			return errJSONSyntax
		}
	}
	return nil
}

// number consumes a number, returning at most max bytes of it (a longer one comes back
// empty, which no caller accepts as an int).
func (s *jsonStream) number(max int) (string, error) {
	var b []byte
	take := func() (byte, bool, error) {
		c, err := s.r.ReadByte()
		if err == io.EOF {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		return c, true, nil
	}
	keep := func(c byte) {
		if max > 0 && len(b) <= max {
			b = append(b, c)
		}
	}
	digits := func(c byte, ok bool, err error) (byte, bool, int, error) {
		n := 0
		for ok && err == nil && c >= '0' && c <= '9' {
			keep(c)
			n++
			c, ok, err = take()
		}
		return c, ok, n, err
	}
	c, ok, err := take()
	if ok && c == '-' {
		keep(c)
		c, ok, err = take()
	}
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errJSONSyntax
	}
	var n int
	if c == '0' {
		keep(c)
		c, ok, err = take()
	} else if c, ok, n, err = digits(c, ok, err); n == 0 {
		return "", errJSONSyntax
	}
	if ok && c == '.' {
		keep(c)
		c, ok, err = take()
		if c, ok, n, err = digits(c, ok, err); n == 0 {
			return "", errJSONSyntax
		}
	}
	if ok && (c == 'e' || c == 'E') {
		keep(c)
		c, ok, err = take()
		if ok && (c == '+' || c == '-') {
			keep(c)
			c, ok, err = take()
		}
		if c, ok, n, err = digits(c, ok, err); n == 0 {
			return "", errJSONSyntax
		}
	}
	if err != nil {
		return "", err
	}
	if ok {
		s.r.UnreadByte()
	}
	if len(b) > max {
		return "", nil
	}
	return string(b), nil
}

// str reads the rest of a string whose opening quote was taken, keeping at most max bytes of
// its decoded text. Invalid UTF-8 and lone surrogates become U+FFFD, as in encoding/json.
func (s *jsonStream) str(max int) (string, error) {
	b, err := s.strBytes(max)
	if len(b) == 0 {
		return "", err
	}
	return string(b), err
}

// strBytes is str without the copy: the bytes are valid until the next string is read.
func (s *jsonStream) strBytes(max int) ([]byte, error) {
	b := s.scratch[:0]
	defer func() { s.scratch = b[:0] }()
	cut := false
	add := func(p []byte) {
		if cut {
			return
		}
		if len(b)+len(p) > max {
			cut = true
			return
		}
		b = append(b, p...)
	}
	var rb [4]byte
	addRune := func(r rune) { add(rb[:utf8.EncodeRune(rb[:], r)]) }
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return nil, s.readErr(err)
		}
		switch {
		case c == '"':
			if cut && max > 0 {
				b = append(b, "…"...)
			}
			return b, nil
		case c < 0x20:
			return nil, errJSONSyntax
		case c == '\\':
			e, err := s.r.ReadByte()
			if err != nil {
				return nil, s.readErr(err)
			}
			switch e {
			case '"', '\\', '/':
				add([]byte{e})
			case 'b':
				add([]byte{'\b'})
			case 'f':
				add([]byte{'\f'})
			case 'n':
				add([]byte{'\n'})
			case 'r':
				add([]byte{'\r'})
			case 't':
				add([]byte{'\t'})
			case 'u':
				r, err := s.hex4()
				if err != nil {
					return nil, err
				}
				if utf16.IsSurrogate(r) {
					r = s.lowSurrogate(r)
				}
				addRune(r)
			default:
				return nil, errJSONSyntax
			}
		case c < utf8.RuneSelf:
			add([]byte{c})
		default:
			s.r.UnreadByte()
			r, size, err := s.r.ReadRune()
			if err != nil {
				return nil, s.readErr(err)
			}
			if r == utf8.RuneError && size == 1 {
				addRune(utf8.RuneError)
			} else {
				addRune(r)
			}
		}
	}
}

func (s *jsonStream) hex4() (rune, error) {
	var r rune
	for i := 0; i < 4; i++ {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, s.readErr(err)
		}
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, errJSONSyntax
		}
		r = r<<4 | rune(c)
	}
	return r, nil
}

// lowSurrogate completes a surrogate pair when `\uDC00`-`\uDFFF` follows a high surrogate;
// otherwise the lone surrogate is U+FFFD and what follows is left to be read.
func (s *jsonStream) lowSurrogate(hi rune) rune {
	if p, err := s.r.Peek(6); err == nil && p[0] == '\\' && p[1] == 'u' {
		var lo rune
		for _, c := range p[2:] {
			switch {
			case c >= '0' && c <= '9':
				c -= '0'
			case c >= 'a' && c <= 'f':
				c = c - 'a' + 10
			case c >= 'A' && c <= 'F':
				c = c - 'A' + 10
			default:
				return utf8.RuneError
			}
			lo = lo<<4 | rune(c)
		}
		if r := utf16.DecodeRune(hi, lo); r != utf8.RuneError {
			s.r.Discard(6)
			return r
		}
	}
	return utf8.RuneError
}
