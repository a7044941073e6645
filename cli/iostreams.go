package cli

import (
	"context"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/redact"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// iostreams are one run's standard streams. Everything casefile prints (data, errors, summaries,
// --json, progress) passes through a redaction engine once, here at the output, so a command
// cannot forget to redact what it prints: an argument, a spec URL or an error text holding a
// password reaches the terminal as a marker.
type iostreams struct {
	in       io.Reader
	out, err *redactingWriter
	// argLiterals are secrets found in the command line (a URL's password, a sensitive query
	// value, a --redact-literal value): whatever a command echoes of its arguments, in whatever
	// form an error quotes them, they are redacted as literals.
	argLiterals []string
}

func newIOStreams(in io.Reader, out, errw io.Writer, args []string) (*iostreams, error) {
	probe, err := redact.New(redact.Config{})
	if err != nil {
		return nil, err
	}
	lits := argSecrets(probe, args)
	eng, err := redact.New(redact.Config{Literals: lits})
	if err != nil {
		return nil, err
	}
	return &iostreams{in: in, out: newRedactingWriter(out, eng, "stdout"), err: newRedactingWriter(errw, eng, "stderr"), argLiterals: lits}, nil
}

// use switches both streams to a command's engine (its spec rules and literals, plus the
// command line's secrets) from here on; what was written before is flushed first.
func (s *iostreams) use(o collect.RedactOptions) error {
	o.Literals = append(append([]string{}, o.Literals...), s.argLiterals...)
	o.Anonymize, o.AnonymizeMap = false, "" // a printed path must stay usable
	eng, err := collect.NewEngine(o)
	if err != nil {
		return err
	}
	s.out.use(eng)
	s.err.use(eng)
	return nil
}

// argSecrets finds secrets in command-line arguments: the password of user:password@host (with
// or without a scheme), the values of sensitive query parameters and key=value arguments, and
// the values given to --redact-literal.
func argSecrets(probe *redact.Engine, args []string) []string {
	var out []string
	add := func(v string) {
		if len(v) >= collect.MinLiteral {
			out = append(out, v)
			if u, err := url.QueryUnescape(v); err == nil && u != v && len(u) >= collect.MinLiteral {
				out = append(out, u)
			}
		}
	}
	for i, a := range args {
		if i > 0 && args[i-1] == "--redact-literal" {
			add(a)
		}
		if v, ok := strings.CutPrefix(a, "--redact-literal="); ok {
			add(v)
		}
		rest := a
		if _, after, ok := strings.Cut(rest, "://"); ok {
			rest = after
		}
		// user:password@host — the userinfo ends at the last @ before the first / ? or #.
		hostEnd := strings.IndexAny(rest, "/?#")
		if hostEnd < 0 {
			hostEnd = len(rest)
		}
		if at := strings.LastIndexByte(rest[:hostEnd], '@'); at > 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				add(pw)
			}
		}
		// key=value pairs: a query string, or the argument itself.
		q := a
		if _, after, ok := strings.Cut(a, "?"); ok {
			q = after
		}
		for _, pair := range strings.FieldsFunc(q, func(r rune) bool { return r == '&' || r == ';' }) {
			k, v, ok := strings.Cut(pair, "=")
			if !ok || v == "" {
				continue
			}
			k = strings.TrimLeft(k, "-")
			if probe.String("arg", k+"="+v) != k+"="+v {
				add(v)
			}
		}
	}
	return out
}

// close flushes both streams.
func (s *iostreams) close() {
	s.out.Close()
	s.err.Close()
}

type iosKey struct{}

// streams returns the run's streams (commands reach them through their context).
func streams(c *cobra.Command) *iostreams {
	if s, ok := c.Context().Value(iosKey{}).(*iostreams); ok {
		return s
	}
	// A command run outside Run (not done in casefile): redact with the default engine anyway.
	s, err := newIOStreams(c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr(), nil)
	if err != nil {
		panic(err)
	}
	return s
}

func withStreams(ctx context.Context, s *iostreams) context.Context {
	return context.WithValue(ctx, iosKey{}, s)
}

// redactingWriter redacts a stream line by line (the engine's stream writer keeps a partial line
// until it ends, so a secret split over two writes is still found). It is safe for concurrent
// use: the progress display writes from its own goroutine.
type redactingWriter struct {
	mu   sync.Mutex
	dst  io.Writer
	name string
	w    io.WriteCloser
	tty  bool
	fd   uintptr
	n    int64 // bytes written to it (before redaction)
}

func newRedactingWriter(dst io.Writer, eng *redact.Engine, name string) *redactingWriter {
	r := &redactingWriter{dst: dst, name: name, w: eng.NewWriter(dst, name)}
	if f, ok := dst.(*os.File); ok {
		r.fd = f.Fd()
		r.tty = term.IsTerminal(int(r.fd))
	}
	return r
}

func (r *redactingWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n += int64(len(p))
	return r.w.Write(p)
}

func (r *redactingWriter) use(eng *redact.Engine) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.w.Close()
	r.w = eng.NewWriter(r.dst, r.name)
}

// written reports whether anything was written.
func (r *redactingWriter) written() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n > 0
}

// Close flushes what the redactor holds (a last line without a newline).
func (r *redactingWriter) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.w.Close()
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	switch f := w.(type) {
	case *redactingWriter:
		return f.tty
	case *os.File:
		return term.IsTerminal(int(f.Fd()))
	}
	return false
}

// terminalFd returns w's file descriptor when w is a terminal.
func terminalFd(w io.Writer) (uintptr, bool) {
	switch f := w.(type) {
	case *redactingWriter:
		return f.fd, f.tty
	case *os.File:
		return f.Fd(), term.IsTerminal(int(f.Fd()))
	}
	return 0, false
}
