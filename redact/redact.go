// Package redact is the streaming redaction engine every byte of a bundle passes through.
//
// An Engine holds the rules; NewWriter and NewReader wrap one stream each and may be used from
// many goroutines at once. Text is processed line by line (very long lines in bounded windows), so
// memory stays bounded and a secret split across write calls is still found. Secrets are replaced
// by [REDACTED:<rule-id>]; with Anonymize, identifiers are replaced by keyed pseudonyms. See
// docs/redaction.md.
package redact

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
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
	Users        []string // extra user names to pseudonymize (with Anonymize)
	Hosts        []string // host names pseudonymized wherever they stand as a word (this machine's)
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

// ErrEngine marks an internal failure; the stream's content was dropped, never passed through.
var ErrEngine = errors.New("redaction failed; content dropped")

type userRegex struct {
	id     string
	re     *regexp.Regexp
	prefix []byte
}

// Engine redacts streams. It is safe for concurrent use.
type Engine struct {
	disabled  map[string]bool
	extraKeys map[string]bool
	literals  [][]byte
	regexes   []userRegex
	ruleTexts [][]byte // the vendor rules' ids and patterns, never redacted by those rules
	anon      bool
	anonKey   []byte
	domains   []string
	users     [][]byte
	hosts     []string

	mu     sync.Mutex
	report Report

	amu    sync.Mutex
	tokens map[string]string // kind\x00value -> token
	rev    map[string]string // token -> value
}

// New builds an engine. A bad regex is an error naming the rule's file, line and id.
func New(cfg Config) (*Engine, error) {
	e := &Engine{
		disabled:  map[string]bool{},
		report:    Report{ByRule: map[string]int{}, ByFile: map[string]map[string]int{}, Dropped: map[string]string{}},
		anon:      cfg.Anonymize,
		anonKey:   cfg.AnonymizeKey,
		tokens:    map[string]string{},
		rev:       map[string]string{},
		extraKeys: map[string]bool{},
	}
	for _, id := range cfg.Disable {
		e.disabled[strings.TrimSpace(id)] = true
	}
	for _, k := range cfg.Keys {
		if nk := normKey(k); nk != "" {
			e.extraKeys[nk] = true
		}
	}
	for _, l := range cfg.Literals {
		if l != "" {
			e.literals = append(e.literals, []byte(l))
		}
	}
	for i, r := range cfg.Regexes {
		where := ""
		if r.File != "" {
			where = fmt.Sprintf("%s:%d: ", r.File, r.Line)
		} else if r.Line > 0 {
			where = fmt.Sprintf("line %d: ", r.Line)
		}
		id := r.ID
		if id == "" {
			return nil, fmt.Errorf("%sredact regex #%d: missing id", where, i+1)
		}
		if r.Pattern == "" {
			return nil, fmt.Errorf("%sredact regex %q: empty pattern", where, id)
		}
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return nil, fmt.Errorf("%sredact regex %q: %v", where, id, err)
		}
		if re.Match(nil) {
			return nil, fmt.Errorf("%sredact regex %q: matches the empty string", where, id)
		}
		p, _ := re.LiteralPrefix()
		e.regexes = append(e.regexes, userRegex{id: id, re: re, prefix: []byte(p)})
		// The rule's own text (id, pattern, and the pattern as a quoted YAML/JSON string shows
		// it) is no secret: a bundle's spec.yaml must keep its rules readable and runnable.
		q := strconv.Quote(r.Pattern)
		e.ruleTexts = append(e.ruleTexts, []byte(id), []byte(r.Pattern), []byte(q[1:len(q)-1]))
	}
	if e.anon {
		if len(e.anonKey) == 0 {
			e.anonKey = make([]byte, 32)
			if _, err := rand.Read(e.anonKey); err != nil {
				return nil, fmt.Errorf("anonymization key: %w", err)
			}
		}
		for _, d := range cfg.Domains {
			d = strings.Trim(strings.ToLower(strings.TrimSpace(d)), ".")
			if d != "" {
				e.domains = append(e.domains, d)
			}
		}
		for _, u := range cfg.Users {
			if u != "" && u != "root" {
				e.users = append(e.users, []byte(u))
			}
		}
		for _, h := range cfg.Hosts {
			h = strings.Trim(strings.ToLower(strings.TrimSpace(h)), ".")
			if h != "" && h != "localhost" {
				e.hosts = append(e.hosts, h)
			}
		}
	}
	return e, nil
}

// NewWriter returns a writer that redacts what is written to it and writes the result to dst.
// file names the stream in the report. Close flushes the tail; it does not close dst.
func (e *Engine) NewWriter(dst io.Writer, file string) io.WriteCloser {
	return newStream(e, dst, file)
}

// NewReader returns a reader of src's content redacted. It reads src on demand; no goroutine.
func (e *Engine) NewReader(src io.Reader, file string) io.Reader {
	r := &reader{src: src, buf: make([]byte, 32<<10)}
	r.w = newStream(e, &r.pending, file)
	return r
}

type reader struct {
	src     io.Reader
	w       *stream
	pending bytes.Buffer
	buf     []byte
	done    bool
	err     error
}

func (r *reader) Read(p []byte) (int, error) {
	for r.pending.Len() == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		n, err := r.src.Read(r.buf)
		if n > 0 {
			if _, werr := r.w.Write(r.buf[:n]); werr != nil {
				r.err = werr
				return 0, werr
			}
		}
		if err == io.EOF {
			r.done = true
			if cerr := r.w.Close(); cerr != nil {
				r.err = cerr
			}
		} else if err != nil {
			r.err = err
			r.w.abandon()
		}
	}
	return r.pending.Read(p)
}

// Bytes redacts a whole buffer.
func (e *Engine) Bytes(file string, b []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(b) + 64)
	w := newStream(e, &out, file)
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
		return "[REDACTED:" + RuleError + "]"
	}
	return string(b)
}

// Drop records that a file was left out because it could not be redacted.
func (e *Engine) Drop(file, reason string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.report.Dropped[file] = reason
}

// Report returns a copy of the counts so far (streams report their counts when closed).
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

func (e *Engine) addCounts(file string, counts map[string]int) {
	if len(counts) == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for rule, n := range counts {
		e.report.Total += n
		e.report.ByRule[rule] += n
		if e.report.ByFile[file] == nil {
			e.report.ByFile[file] = map[string]int{}
		}
		e.report.ByFile[file][rule] += n
	}
}
