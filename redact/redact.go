// Package redact is the streaming redaction engine every byte of a bundle passes through.
//
// TEMPORARY minimal implementation: the exported API below is the contract the rest of casefile
// uses; the engine behind it is being built out (issue 3).
package redact

import (
	"bytes"
	"io"
	"regexp"
	"sync"
)

// Rule is a vendor or user regex rule.
type Rule struct {
	ID      string
	Pattern string
	// File and Line locate the rule's declaration for error messages (may be empty).
	File string
	Line int
}

// Config configures an Engine.
type Config struct {
	Literals     []string
	Regexes      []Rule
	Keys         []string // extra sensitive key names
	Disable      []string // rule ids switched off
	Anonymize    bool
	AnonymizeKey []byte   // secret key for pseudonym tokens; random when nil
	Domains      []string // hostnames under these domains are pseudonymized
}

// Report counts what was redacted. It never holds a secret value.
type Report struct {
	Total  int                       `json:"total"`
	Files  int                       `json:"files"`
	ByRule map[string]int            `json:"by_rule"`
	ByFile map[string]map[string]int `json:"by_file"`
	// Dropped lists files left out because they could not be redacted (fail closed).
	Dropped map[string]string `json:"dropped,omitempty"`
}

// Engine redacts streams. It is safe for concurrent use.
type Engine struct {
	mu     sync.Mutex
	report Report
	re     *regexp.Regexp
}

// New builds an engine.
func New(cfg Config) (*Engine, error) {
	return &Engine{
		re:     regexp.MustCompile(`(?i)(password|secret|token)(\s*[=:]\s*)(\S+)`),
		report: Report{ByRule: map[string]int{}, ByFile: map[string]map[string]int{}, Dropped: map[string]string{}},
	}, nil
}

// NewWriter returns a writer that redacts what is written to it and writes the result to dst.
// file names the stream in the report. Close flushes the tail; it does not close dst.
func (e *Engine) NewWriter(dst io.Writer, file string) io.WriteCloser {
	return &writer{e: e, dst: dst, file: file}
}

// NewReader returns a reader of src's content redacted.
func (e *Engine) NewReader(src io.Reader, file string) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := e.NewWriter(pw, file)
		_, err := io.Copy(w, src)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		pw.CloseWithError(err)
	}()
	return pr
}

// Bytes redacts a whole buffer.
func (e *Engine) Bytes(file string, b []byte) ([]byte, error) {
	var out bytes.Buffer
	w := e.NewWriter(&out, file)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// String redacts a short value; on an engine error it returns a marker, never the input.
func (e *Engine) String(file, s string) string {
	b, err := e.Bytes(file, []byte(s))
	if err != nil {
		return "[REDACTED:error]"
	}
	return string(b)
}

// Drop records that a file was left out because it could not be redacted.
func (e *Engine) Drop(file, reason string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.report.Dropped[file] = reason
}

// Report returns a copy of the counts so far.
func (e *Engine) Report() Report {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := Report{Total: e.report.Total, ByRule: map[string]int{}, ByFile: map[string]map[string]int{}, Dropped: map[string]string{}}
	for k, v := range e.report.ByRule {
		r.ByRule[k] = v
	}
	for f, m := range e.report.ByFile {
		mm := map[string]int{}
		for k, v := range m {
			mm[k] = v
		}
		r.ByFile[f] = mm
	}
	for k, v := range e.report.Dropped {
		r.Dropped[k] = v
	}
	r.Files = len(r.ByFile)
	return r
}

// TokenMap returns the pseudonym map (original value to token); it stays on the customer's machine.
func (e *Engine) TokenMap() map[string]string { return map[string]string{} }

func (e *Engine) count(file, rule string, n int) {
	if n == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.report.Total += n
	e.report.ByRule[rule] += n
	if e.report.ByFile[file] == nil {
		e.report.ByFile[file] = map[string]int{}
	}
	e.report.ByFile[file][rule] += n
}

type writer struct {
	e    *Engine
	dst  io.Writer
	file string
	buf  []byte
}

func (w *writer) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	if i := bytes.LastIndexByte(w.buf, '\n'); i >= 0 {
		if err := w.flush(w.buf[:i+1]); err != nil {
			return 0, err
		}
		w.buf = append(w.buf[:0], w.buf[i+1:]...)
	}
	return len(p), nil
}

func (w *writer) flush(b []byte) error {
	n := 0
	out := w.e.re.ReplaceAllFunc(b, func(m []byte) []byte {
		n++
		sm := w.e.re.FindSubmatch(m)
		return append(append(append([]byte{}, sm[1]...), sm[2]...), "[REDACTED:sensitive-key]"...)
	})
	w.e.count(w.file, "sensitive-key", n)
	_, err := w.dst.Write(out)
	return err
}

func (w *writer) Close() error {
	err := w.flush(w.buf)
	w.buf = nil
	return err
}
