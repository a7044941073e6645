package redact

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

const (
	// maxWindow bounds how much of one line is held: longer lines are cut at a delimiter into
	// windows of at most this size.
	maxWindow = 256 << 10
	// ctxKeep bytes of a window are carried, read-only, into the next window so that a key and its
	// value split by the cut are still seen together.
	ctxKeep = 1024
	// flushAt bounds the output buffered before it is written to dst.
	flushAt = 64 << 10
)

// stream is one redacted stream: a line assembler feeding the scanner. It is not safe for
// concurrent use; the Engine it belongs to is.
type stream struct {
	e         *Engine
	dst       io.Writer
	file      string
	buf       []byte // the incomplete last line
	ctx       []byte // raw tail of the previous window of the current line
	tmp       []byte
	out       []byte
	sc        scanner
	pem       bool // inside a private key block
	pemPrefix int
	tail      byte // a redacted value runs on into the next window, up to this quote (or ' ': whitespace)
	cont      bool // the current line was started by an earlier window
	counts    map[string]int
	err       error
	closed    bool
	enc       int                   // encUnknown until the first bytes are seen
	head      []byte                // first bytes, kept until the encoding is known; or a partial UTF-16 unit
	u8        []byte                // transcoding scratch
	dec       transform.Transformer // UTF-16 to UTF-8, once the encoding is known
	// yaml: inside a YAML block scalar under a sensitive key; lines indented deeper than
	// yamlIndent are its value. yamlLine: a redacted block line goes on in the next window.
	yaml, yamlLine bool
	yamlIndent     int
	yamlXML        bool // the block is an XML element's text: a line starting with '<' ends it
	// jwkHeld: output offsets (in out) of JWK private members written before any JWK member of
	// their object was seen; flush writes nothing from the first on. A JWK member ("kty") on
	// a later line redacts them; the object's end, jwkLines lines or jwkHoldMax bytes let
	// them go as they are.
	jwkHeld  [][2]int
	jwkLeft  int // lines left to wait
	jwkDepth int // brace depth since the held members' line
}

// jwkHoldMax bounds the output held back for JWK members.
const jwkHoldMax = 64 << 10

const (
	encUnknown = iota
	encUTF8
	encUTF16LE
	encUTF16BE
)

// decode sniffs the encoding from the first bytes and turns UTF-16 (Windows tools: reg export,
// PowerShell Out-File) into UTF-8, so the scanner sees text. UTF-16 input is written out as UTF-8.
// It returns nil while it still needs bytes to decide.
func (w *stream) decode(p []byte, final bool) []byte {
	if w.enc == encUnknown {
		h := p
		if len(w.head) > 0 {
			w.head = append(w.head, p...)
			h = w.head
		}
		if !final && (len(h) < 2 || (len(h) < 16 && (h[0] == 0 || h[1] == 0))) {
			if len(w.head) == 0 {
				w.head = append(w.head, p...)
			}
			return nil // a NUL early on: wait for 16 bytes to tell UTF-16 without a BOM
		}
		switch {
		case len(h) >= 2 && h[0] == 0xFF && h[1] == 0xFE:
			w.enc, h = encUTF16LE, h[2:]
		case len(h) >= 2 && h[0] == 0xFE && h[1] == 0xFF:
			w.enc, h = encUTF16BE, h[2:]
		case len(h) >= 16 && zeroPattern(h[:16], 1):
			w.enc = encUTF16LE
		case len(h) >= 16 && zeroPattern(h[:16], 0):
			w.enc = encUTF16BE
		default:
			w.enc = encUTF8
			w.head = nil
			return h
		}
		w.head = nil
		p = h
	} else if len(w.head) > 0 {
		p = append(w.head, p...)
		w.head = nil
	}
	if w.dec == nil {
		order := unicode.LittleEndian
		if w.enc == encUTF16BE {
			order = unicode.BigEndian
		}
		w.dec = unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder()
	}
	// The decoder keeps nothing between calls: a unit or surrogate pair cut by the write
	// boundary comes back as ErrShortSrc and waits in head for the next write.
	w.u8 = w.u8[:0]
	for {
		if room := 2*len(p) + 16; cap(w.u8)-len(w.u8) < room {
			w.u8 = append(make([]byte, 0, len(w.u8)+room), w.u8...)
		}
		nDst, nSrc, err := w.dec.Transform(w.u8[len(w.u8):cap(w.u8)], p, final)
		w.u8 = w.u8[:len(w.u8)+nDst]
		p = p[nSrc:]
		switch err {
		case transform.ErrShortDst:
			continue
		case transform.ErrShortSrc:
			w.head = append(w.head[:0], p...)
		}
		return w.u8
	}
}

// zeroPattern: every byte at parity odd (0 or 1) is NUL and the others are not, as in ASCII
// text encoded as UTF-16.
func zeroPattern(h []byte, odd int) bool {
	for k, c := range h {
		if (k%2 == odd) != (c == 0) {
			return false
		}
	}
	return true
}

func newStream(e *Engine, dst io.Writer, file string) *stream {
	return &stream{e: e, dst: dst, file: file, sc: scanner{e: e, pgpass: pgpassName(file)}}
}

var errClosed = errors.New("redact: write after close")

// Write buffers p up to its last newline and redacts every complete line.
func (w *stream) Write(p []byte) (n int, err error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errClosed
	}
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, w.fail(fmt.Errorf("%w: %v", ErrEngine, r))
		}
	}()
	total := len(p)
	if w.enc != encUTF8 {
		if p = w.decode(p, false); p == nil {
			return total, nil
		}
	}
	for len(p) > 0 && w.err == nil {
		c := p
		if len(c) > maxWindow {
			c = c[:maxWindow]
		}
		w.write1(c)
		p = p[len(c):]
	}
	if w.err == nil {
		w.flush()
	}
	if w.err != nil {
		return 0, w.err
	}
	return total, nil
}

func (w *stream) write1(p []byte) {
	if len(w.buf) > 0 {
		nl := bytes.IndexByte(p, '\n')
		if nl < 0 {
			w.buf = append(w.buf, p...)
			w.windows()
			return
		}
		w.buf = append(w.buf, p[:nl]...)
		w.segment(w.buf, true)
		w.buf = w.buf[:0]
		p = p[nl+1:]
	}
	if last := bytes.LastIndexByte(p, '\n'); last >= 0 {
		block := p[:last+1]
		for len(block) > 0 {
			nl := bytes.IndexByte(block, '\n')
			w.segment(block[:nl], true)
			block = block[nl+1:]
			if len(w.out) >= flushAt {
				w.flush()
				if w.err != nil {
					return
				}
			}
		}
		p = p[last+1:]
	}
	w.buf = append(w.buf, p...)
	w.windows()
}

// windows processes a line longer than maxWindow in pieces cut at delimiters.
func (w *stream) windows() {
	for len(w.buf) >= maxWindow {
		cut := chooseCut(w.buf[:maxWindow])
		w.segment(w.buf[:cut], false)
		rest := copy(w.buf, w.buf[cut:])
		w.buf = w.buf[:rest]
	}
}

func chooseCut(b []byte) int {
	for k := len(b) - 1; k >= len(b)/2; k-- {
		switch b[k] {
		case ' ', '\t', ',', ';', '&', '"', '\'', '<', '>', '{', '}', '[', ']', '(', ')':
			return k + 1
		}
	}
	return len(b)
}

// segment redacts one line (nl: it ended with a newline) or one window of a long line.
func (w *stream) segment(l []byte, nl bool) {
	atStart := !w.cont
	if w.yaml && w.yamlBlock(l, nl, atStart) {
		return
	}
	if w.pem {
		if idx := bytes.Index(l, pemEnd); idx >= 0 {
			endm := idx + len(pemEnd)
			if d := bytes.Index(l[endm:], dashes); d >= 0 && d < 60 {
				endm += d + len(dashes)
			}
			w.pem = false
			rest := l[endm:]
			if bytes.IndexByte(l[:idx], '"') >= 0 {
				// END inside a JSON string: keep the structure around it
				w.tmp = append(append(w.tmp[:0], l[:idx]...), rest...)
				l = w.tmp
			} else if len(bytes.TrimSpace(rest)) == 0 {
				w.endSegment(nil, nl)
				return
			} else {
				l = rest
				atStart = false
			}
			w.ctx = w.ctx[:0]
			w.cont = !atStart
		} else if !atStart || pemBodyLine(l, w.pemPrefix) {
			w.endSegment(nil, nl)
			return
		} else if s, e, ok := pemJSONBody(l, w.pemPrefix); ok {
			w.out = append(w.out, l[:s]...)
			w.out = append(w.out, l[e:]...)
			if nl {
				w.out = append(w.out, '\n')
			}
			w.endSegment(nil, nl)
			return
		} else {
			w.pem = false
		}
	}
	text := l
	ctxLen := 0
	if w.cont && len(w.ctx) > 0 {
		w.tmp = append(append(w.tmp[:0], w.ctx...), l...)
		text = w.tmp
		ctxLen = len(w.ctx)
	}
	w.sc.partial = !nl
	w.sc.scan(text, ctxLen, atStart)
	if w.tail != 0 {
		// the previous window ended inside a redacted value whose key is no longer in the
		// context: the value goes on until its terminator
		e := ctxLen
		for e < len(text) && !(w.tail == ' ' && (isSpace[text[e]] || text[e] == '&' || text[e] == '"') || w.tail != ' ' && text[e] == w.tail) {
			e++
		}
		w.sc.add(ctxLen, e, RuleKeyValue)
		w.tail = 0
	}
	spans := w.sc.resolve()
	lineOut := len(w.out) - ctxLen // out offset of text[0] when nothing is replaced before it
	pos := ctxLen
	for _, sp := range spans {
		if sp.s < pos {
			sp.s = pos
		}
		if sp.e <= sp.s {
			continue
		}
		w.out = append(w.out, text[pos:sp.s]...)
		if sp.repl != "" {
			w.out = append(w.out, sp.repl...)
		} else {
			w.out = append(w.out, "[REDACTED:"...)
			w.out = append(w.out, sp.rule...)
			w.out = append(w.out, ']')
		}
		if w.counts == nil {
			w.counts = map[string]int{}
		}
		w.counts[sp.rule]++
		pos = sp.e
	}
	w.out = append(w.out, text[pos:]...)
	if len(w.jwkHeld) > 0 || len(w.sc.jwkPend) > 0 {
		w.jwkLine(text, spans, lineOut)
	}
	if !nl && len(spans) > 0 {
		// a value redacted up to the cut continues in the next window
		if last := spans[len(spans)-1]; last.e == len(text) && last.repl == "" && last.rule != RulePrivateKey {
			w.tail = ' '
			if last.s > 0 && (text[last.s-1] == '"' || text[last.s-1] == '\'') {
				w.tail = text[last.s-1]
			}
		}
	}
	if w.sc.pemOpen {
		w.pem = true
		w.pemPrefix = w.sc.pemPrefix
	}
	if w.sc.yamlOpen && nl {
		w.yaml = true
		w.yamlIndent = w.sc.yamlIndent
		w.yamlXML = w.sc.xmlOpen
	}
	w.endSegment(text, nl)
}

// jwkLine settles held JWK members after a line (text, written from out[lineOut+ctx] with
// spans replaced) and holds this line's own (w.sc.jwkPend).
func (w *stream) jwkLine(text []byte, spans []span, lineOut int) {
	if len(w.jwkHeld) > 0 {
		w.jwkDepth += bytes.Count(text, []byte("{")) - bytes.Count(text, []byte("}"))
		w.jwkLeft--
		switch {
		case w.sc.jwkMark:
			w.jwkRedactHeld()
		case w.jwkDepth < 0 || w.jwkLeft <= 0 || len(w.out)-w.jwkHeld[0][0] > jwkHoldMax:
			w.jwkHeld = w.jwkHeld[:0] // not a JWK: the members go as they are
		}
	}
	if len(w.sc.jwkPend) == 0 {
		return
	}
	pend := w.sc.jwkPend
	w.sc.jwkPend = w.sc.jwkPend[:0] // taken (a later window of the line adds none)
	for _, pv := range pend {
		off := lineOut + pv[0]
		ok := true
		for _, sp := range spans {
			if sp.e <= pv[0] {
				if sp.repl != "" {
					off += len(sp.repl) - (sp.e - sp.s)
				} else {
					off += len("[REDACTED:]") + len(sp.rule) - (sp.e - sp.s)
				}
			} else if sp.s < pv[1] {
				ok = false // redacted after all
			}
		}
		if ok {
			w.jwkHeld = append(w.jwkHeld, [2]int{off, pv[1] - pv[0]})
		}
	}
	w.jwkLeft, w.jwkDepth = jwkLines, 0
	if w.sc.jwkMark {
		w.jwkRedactHeld() // "k" before "alg" on one line
	}
}

// jwkRedactHeld replaces the held JWK members in out by markers.
func (w *stream) jwkRedactHeld() {
	const marker = "[REDACTED:" + RuleKeyValue + "]"
	for k := len(w.jwkHeld) - 1; k >= 0; k-- {
		h := w.jwkHeld[k]
		tail := append([]byte(marker), w.out[h[0]+h[1]:]...)
		w.out = append(w.out[:h[0]], tail...)
		if w.counts == nil {
			w.counts = map[string]int{}
		}
		w.counts[RuleKeyValue]++
	}
	w.jwkHeld = w.jwkHeld[:0]
}

func (w *stream) endSegment(text []byte, nl bool) {
	if nl {
		if text != nil {
			w.out = append(w.out, '\n')
		}
		w.tail = 0
		w.cont = false
		w.ctx = w.ctx[:0]
		return
	}
	w.cont = true
	keep := text
	if len(keep) > ctxKeep {
		keep = keep[len(keep)-ctxKeep:]
	}
	w.ctx = append(w.ctx[:0], keep...)
}

func (w *stream) flush() {
	if len(w.out) == 0 || w.err != nil {
		return
	}
	upto := len(w.out)
	if len(w.jwkHeld) > 0 {
		upto = w.jwkHeld[0][0] // held JWK members and what follows them wait
		if upto == 0 {
			return
		}
	}
	_, err := w.dst.Write(w.out[:upto])
	rest := copy(w.out, w.out[upto:])
	w.out = w.out[:rest]
	for k := range w.jwkHeld {
		w.jwkHeld[k][0] -= upto
	}
	if err != nil {
		w.err = err
	}
}

// Close redacts and writes the unterminated tail and records the stream's counts. It does not
// close dst.
func (w *stream) Close() (err error) {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	defer func() {
		if r := recover(); r != nil {
			err = w.fail(fmt.Errorf("%w: %v", ErrEngine, r))
		}
	}()
	if w.enc != encUTF8 {
		if p := w.decode(nil, true); len(p) > 0 {
			w.write1(p)
		}
	}
	if len(w.buf) > 0 {
		w.segment(w.buf, false)
		w.buf = nil
	}
	w.jwkHeld = nil // the end of the stream: no JWK member came
	w.flush()
	w.e.addCounts(w.file, w.counts)
	w.counts = nil
	w.ctx, w.tmp = nil, nil
	return w.err
}

// fail drops everything not yet written and records the file as dropped. Nothing of the input is
// passed through after an engine error.
func (w *stream) fail(err error) error {
	w.err = err
	w.out = w.out[:0]
	w.buf = nil
	w.e.Drop(w.file, err.Error())
	w.e.addCounts(w.file, w.counts)
	w.counts = nil
	return err
}

// abandon is called when the source of a reader fails: the partial line is dropped.
func (w *stream) abandon() {
	w.buf = nil
	w.closed = true
	w.e.addCounts(w.file, w.counts)
	w.counts = nil
}
