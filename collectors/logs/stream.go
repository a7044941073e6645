package logs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/casefile/casefile/collectors"
)

// tailBuffer keeps the last max bytes written to it. It is how a command's log output keeps its
// newest part: a command cannot be seeked, and nothing unredacted may be spooled to disk. The ring
// holds one byte more than max, the byte before the kept part, to tell whether the cut fell on a
// line start.
type tailBuffer struct {
	max  int
	buf  []byte
	w    int // next write position once full
	full bool
	seen int64
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	t.seen += int64(n)
	if t.max <= 0 {
		return n, nil
	}
	size := t.max + 1
	if !t.full && len(t.buf)+len(p) <= size {
		t.buf = append(t.buf, p...)
		return n, nil
	}
	if !t.full {
		// Grow to size once, then wrap.
		nb := make([]byte, size)
		copy(nb, t.buf)
		t.w = len(t.buf)
		t.buf = nb
		t.full = true
	}
	if len(p) >= size {
		copy(t.buf, p[len(p)-size:])
		t.w = 0
		return n, nil
	}
	c := copy(t.buf[t.w:], p)
	if c < len(p) {
		copy(t.buf, p[c:])
	}
	t.w = (t.w + len(p)) % size
	return n, nil
}

// cut reports whether older bytes were dropped.
func (t *tailBuffer) cut() bool { return t.seen > int64(t.max) }

// bytes returns the kept bytes in order. When older bytes were dropped, it starts at the first
// whole line outside a private-key block (see collectors.TailStart), so that no secret loses the
// context the redactor needs.
func (t *tailBuffer) bytes() []byte {
	out := t.buf
	if t.full {
		out = make([]byte, 0, len(t.buf))
		out = append(out, t.buf[t.w:]...)
		out = append(out, t.buf[:t.w]...)
	}
	if !t.cut() {
		return out
	}
	prev := out[len(out)-t.max-1]
	out = out[len(out)-t.max:]
	return out[collectors.TailStartBytes(out, prev != '\n'):]
}

// windowFilter drops lines older than since until the first line inside the window, then passes
// everything (lines without a timestamp stay with the line before).
type windowFilter struct {
	dst   interface{ Write([]byte) (int, error) }
	since time.Time
	p     *tsParser
	in    bool
	part  []byte // the start of an incomplete line while still filtering
}

func (f *windowFilter) Write(b []byte) (int, error) {
	n := len(b)
	for !f.in && len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			// Hold an incomplete line (up to a bound) until its end shows whether it is in.
			if len(f.part) < maxHeldLine {
				f.part = append(f.part, b[:min(len(b), maxHeldLine-len(f.part))]...)
			}
			return n, nil
		}
		line := b[:i+1]
		head := line
		if len(f.part) > 0 {
			f.part = append(f.part, line[:min(len(line), tsScan)]...)
			head = f.part
		}
		if t, ok := f.p.parse(head); ok && !t.Before(f.since) {
			f.in = true
			if len(f.part) > 0 {
				if _, err := f.dst.Write(f.part[:len(f.part)-min(len(line), tsScan)]); err != nil {
					return 0, err
				}
			}
			f.part = nil
			if _, err := f.dst.Write(line); err != nil {
				return 0, err
			}
		} else {
			f.part = f.part[:0]
		}
		b = b[i+1:]
	}
	if f.in && len(b) > 0 {
		if _, err := f.dst.Write(b); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// maxHeldLine bounds the start of a line the window filter holds while waiting for its end.
const maxHeldLine = 1 << 20

// cmdDeadlineMargin is how long before the collector's deadline a log command is stopped.
const cmdDeadlineMargin = time.Second

// cmdSource is a log read from a command's output.
type cmdSource struct {
	name    string
	file    string          // bundle file under logs/<name>/
	argv    func() []string // built at collect time (the window depends on now)
	since   time.Time       // for filter
	filter  bool            // apply the window to line timestamps (the command cannot)
	maxFile int64
	empty   func(out []byte) bool // output that means "no entries"
	skipErr func(err error, stderr []byte) error
}

func (s *cmdSource) Name() string   { return "logs." + s.name }
func (s *cmdSource) Family() string { return collectors.FamilyLogs }

func (s *cmdSource) Collect(ctx context.Context, sink collectors.Sink) error {
	argv := s.argv()
	bin, err := exec.LookPath(argv[0])
	if err != nil {
		return collectors.Skip("%s not found", argv[0])
	}
	limit := s.maxFile
	if sc := sink.MaxFileSize(); sc > 0 && limit >= sc {
		limit = headroom(sc)
	}
	tail := &tailBuffer{max: int(limit)}
	var out interface{ Write([]byte) (int, error) } = tail
	if s.filter {
		out = &windowFilter{dst: tail, since: s.since, p: &tsParser{ref: time.Now(), loc: time.Local}}
	}
	stderr := &tailBuffer{max: 16 << 10}
	// Stop the command a little before the collector's deadline, so that what it printed so far
	// is still written (log show over a busy day can take minutes).
	cctx := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		cctx, cancel = context.WithDeadline(ctx, dl.Add(-cmdDeadlineMargin))
		defer cancel()
	}
	cmd := exec.CommandContext(cctx, bin, argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, stderr
	cmd.Env = append(cmd.Environ(), "LC_ALL=C", "SYSTEMD_PAGER=", "PAGER=cat")
	cmd.WaitDelay = time.Second
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if cctx.Err() != nil {
		runErr = fmt.Errorf("stopped before the collector's deadline; the output so far is kept")
	}
	data := tail.bytes()
	if !tail.cut() {
		// The output starts at the window's start, which can fall inside a key logged line by line.
		data = data[collectors.TailStartBytes(data, false):]
	}
	idx := Index{Source: s.name, Command: argv, Since: s.since.UTC(), MaxFileSize: limit, Files: []FileEntry{}}
	if cmd.ProcessState != nil {
		code := cmd.ProcessState.ExitCode()
		idx.ExitCode = &code
	}
	errText := strings.TrimSpace(string(stderr.bytes()))
	if runErr != nil && len(bytes.TrimSpace(data)) == 0 {
		if s.skipErr != nil {
			if err := s.skipErr(runErr, []byte(errText)); err != nil {
				return err
			}
		}
		return fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), runErr, firstLine(errText))
	}
	idx.Stderr = errText
	e := FileEntry{Source: strings.Join(argv, " "), Seen: tail.seen, ModTime: time.Now().UTC(), Timestamps: s.filter}
	if len(bytes.TrimSpace(data)) == 0 || (s.empty != nil && s.empty(data)) {
		e.Status, e.Reason = "outside_window", "no entries inside the window"
		idx.Files = append(idx.Files, e)
		return sink.WriteJSON("logs/"+s.name+".json", idx)
	}
	e.Path = "logs/" + s.name + "/" + s.file
	w, err := sink.Create(e.Path)
	if err != nil {
		return err
	}
	e.Path = collectors.BundlePath(w, e.Path) // the sink redacts a path that holds a secret
	_, werr := w.Write(data)
	if cerr := w.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return werr
	}
	e.Status, e.Kept, e.Size = "collected", int64(len(data)), tail.seen
	if e.Kept < tail.seen {
		e.Truncated = true
		e.Offset = tail.seen - e.Kept
		sink.SetTruncated(e.Path, e.Kept, tail.seen)
	}
	idx.Files = append(idx.Files, e)
	if err := sink.WriteJSON("logs/"+s.name+".json", idx); err != nil {
		return err
	}
	if runErr != nil {
		return collectors.Partial(fmt.Errorf("%s: %w: %s", argv[0], runErr, firstLine(errText)))
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// skipOnDenied turns "not permitted" failures (dmesg in a container, journalctl without a journal)
// into skips: the source is not available to this user or here at all.
func skipOnDenied(what string) func(error, []byte) error {
	return func(err error, stderr []byte) error {
		s := strings.ToLower(string(stderr))
		for _, m := range []string{"not permitted", "permission denied", "no journal files", "access is denied", "not found"} {
			if strings.Contains(s, m) {
				return collectors.Skip("%s: %s", what, firstLine(strings.TrimSpace(string(stderr))))
			}
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(stderr) == 0 {
			return collectors.Skip("%s exited with %d and no output", what, ee.ExitCode())
		}
		return nil
	}
}
