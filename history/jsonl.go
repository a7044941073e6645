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
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range rs {
		r := rs[i]
		r.Time = r.Time.UTC()
		if err := enc.Encode(&r); err != nil {
			return fmt.Errorf("history: result %d (monitor %q): %w", i+1, r.Monitor, err)
		}
	}
	return bw.Flush()
}

// ReadJSONL reads what WriteJSONL wrote. It is strict: a line that is not one JSON object, or a
// result without monitor, check or time, is an error naming its 1-based line. Unknown members are
// ignored (a newer casefile may add some); a trailing "\r" is accepted; an empty line is not,
// except at the very end.
func ReadJSONL(r io.Reader) ([]Result, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	out := []Result{}
	for line := 1; ; line++ {
		b, err := readLine(br)
		if err == io.EOF && b == nil {
			return out, nil
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("history.jsonl line %d: %w", line, err)
		}
		b = bytes.TrimSuffix(b, []byte("\r"))
		if len(bytes.TrimSpace(b)) == 0 {
			if err == io.EOF {
				return out, nil
			}
			if rest, _ := br.Peek(1); len(rest) == 0 {
				return out, nil // blank last line
			}
			return nil, fmt.Errorf("history.jsonl line %d: empty line", line)
		}
		var res Result
		if jerr := json.Unmarshal(b, &res); jerr != nil {
			return nil, fmt.Errorf("history.jsonl line %d: %w", line, jerr)
		}
		if verr := validate(&res); verr != nil {
			return nil, fmt.Errorf("history.jsonl line %d: %w", line, verr)
		}
		res.Time = res.Time.UTC()
		out = append(out, res)
		if err == io.EOF {
			return out, nil
		}
	}
}

var errLongLine = fmt.Errorf("longer than %d bytes", MaxLineBytes)

// readLine returns the next line without its "\n"; io.EOF with the last line when it has no
// newline, io.EOF with nil at the end.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
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
