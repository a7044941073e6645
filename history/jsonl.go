package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// BundlePath is where a bundle holds the history window.
const BundlePath = "daemon/history.jsonl"

// MaxLineBytes bounds one line of history.jsonl (a result with its detail).
const MaxLineBytes = 1 << 20

// WriteJSONL writes one JSON object per result, each on its own line, in the order given.
func WriteJSONL(w io.Writer, rs []Result) error {
	jw := NewJSONLWriter(w)
	for i := range rs {
		if err := jw.Write(rs[i]); err != nil {
			return fmt.Errorf("history: result %d (monitor %q): %w", i+1, rs[i].Monitor, err)
		}
	}
	return jw.Flush()
}

// JSONLWriter writes results as history.jsonl lines, buffered; Flush at the end.
type JSONLWriter struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

// NewJSONLWriter writes to w.
func NewJSONLWriter(w io.Writer) *JSONLWriter {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &JSONLWriter{bw: bw, enc: enc}
}

// Write writes one result as one line (its time in UTC).
func (j *JSONLWriter) Write(r Result) error {
	r.Time = r.Time.UTC()
	return j.enc.Encode(&r)
}

// Flush writes what is buffered.
func (j *JSONLWriter) Flush() error { return j.bw.Flush() }

// ReadJSONL reads what WriteJSONL wrote. It is strict: a line that is not one JSON object, or a
// result without monitor, check or time, is an error naming its 1-based line. Unknown members are
// ignored (a newer casefile may add some); a trailing "\r" is accepted; an empty line is not,
// except at the very end.
func ReadJSONL(r io.Reader) ([]Result, error) {
	out := []Result{}
	err := ReadJSONLFunc(r, func(_ int, res Result) error {
		out = append(out, res)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadJSONLFunc reads as ReadJSONL does and calls fn with each result and its line, one at a
// time (a reader that does not need the details can drop them). An error from fn stops it.
func ReadJSONLFunc(r io.Reader, fn func(line int, res Result) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, err := readLine(br)
		if err == io.EOF && b == nil {
			return nil
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("history.jsonl line %d: %w", line, err)
		}
		b = bytes.TrimSuffix(b, []byte("\r"))
		if len(bytes.TrimSpace(b)) == 0 {
			if err == io.EOF {
				return nil
			}
			if rest, _ := br.Peek(1); len(rest) == 0 {
				return nil // blank last line
			}
			return fmt.Errorf("history.jsonl line %d: empty line", line)
		}
		var res Result
		if jerr := json.Unmarshal(b, &res); jerr != nil {
			return fmt.Errorf("history.jsonl line %d: %w", line, jerr)
		}
		if verr := validate(&res); verr != nil {
			return fmt.Errorf("history.jsonl line %d: %w", line, verr)
		}
		res.Time = res.Time.UTC()
		if ferr := fn(line, res); ferr != nil {
			return ferr
		}
		if err == io.EOF {
			return nil
		}
	}
}

var errLongLine = fmt.Errorf("longer than %d bytes", MaxLineBytes)

// readLine returns the next line without its "\n"; io.EOF with the last line when it has no
// newline, io.EOF with nil at the end. A line that fits the reader's buffer is returned without
// a copy: it is valid until the next read.
func readLine(br *bufio.Reader) ([]byte, error) {
	chunk, err := br.ReadSlice('\n')
	if err == nil {
		if len(chunk) > MaxLineBytes+1 {
			return nil, errLongLine
		}
		return chunk[:len(chunk)-1], nil
	}
	buf := append([]byte(nil), chunk...)
	if err == io.EOF {
		if len(buf) == 0 {
			return nil, io.EOF
		}
		return buf, io.EOF
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLineBytes+1 {
			return nil, errLongLine
		}
		buf = append(buf, chunk...)
		switch {
		case err == nil:
			return buf[:len(buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			if len(buf) == 0 {
				return nil, io.EOF
			}
			return buf, io.EOF
		default:
			return nil, err
		}
	}
}
