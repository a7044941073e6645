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

// headCut passes a command's log output on to the bundle file, first dropping the rest of a
// private-key block at its start: the output starts at the window's start, which can fall inside a
// key logged line by line, and the redactor removes a block only from its BEGIN line (see
// collectors.TailStart). It holds the first CutLookahead+1 bytes until it can tell; the file (a
// collectors.TailWriter, which keeps the newest part) is created when it has something to pass,
// so that output that turns out empty writes no file.
type headCut struct {
	open    func() (collectors.TailWriter, error)
	win     []byte
	decided bool
	dropped int64 // bytes dropped at the start
	seen    int64 // bytes written
	tw      collectors.TailWriter
	err     error
}

func (h *headCut) Write(p []byte) (int, error) {
	n := len(p)
	h.seen += int64(n)
	if h.err != nil {
		return n, nil // keep draining, so the command is not stopped by a full pipe
	}
	if h.decided {
		h.pass(p)
		return n, nil
	}
	h.win = append(h.win, p...)
	if len(h.win) > collectors.CutLookahead {
		d := collectors.TailStartBytes(h.win, false)
		h.dropped, h.decided = int64(d), true
		h.pass(h.win[d:])
		h.win = nil
	}
	return n, nil
}

func (h *headCut) pass(p []byte) {
	if len(p) == 0 || h.err != nil {
		return
	}
	if h.tw == nil {
		if h.tw, h.err = h.open(); h.err != nil {
			return
		}
	}
	if _, err := h.tw.Write(p); err != nil {
		h.err = err
	}
}

// short returns the whole output when it was too short to be passed on yet (nil otherwise), past
// a cut-open key block.
func (h *headCut) short() []byte {
	if h.decided {
		return nil
	}
	d := collectors.TailStartBytes(h.win, false)
	h.dropped = int64(d)
	return h.win[d:]
}

// windowFilter drops lines older than since until the first line inside the window, then passes
// everything (lines without a timestamp stay with the line before).
type windowFilter struct {
	dst   interface{ Write([]byte) (int, error) }
	since time.Time
	until time.Time // zero: open; the first line stamped after it ends the output
	p     *tsParser
	in    bool
	done  bool   // past until: everything else is dropped
	part  []byte // the start of an incomplete line while still filtering
	line  []byte // with until: the start of the current line past the window start
}

func (f *windowFilter) Write(b []byte) (int, error) {
	n := len(b)
	if f.done {
		return n, nil
	}
	if !f.until.IsZero() && f.in {
		return n, f.writeUntil(b)
	}
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
			if !f.until.IsZero() && t.After(f.until) {
				f.done, f.part = true, nil // the window ends before this output's first line in it
				return n, nil
			}
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
		if !f.until.IsZero() {
			return n, f.writeUntil(b)
		}
		if _, err := f.dst.Write(b); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// flush passes on a held last line that never got its newline (with until set).
func (f *windowFilter) flush() error {
	if f.done || len(f.line) == 0 {
		return nil
	}
	line := f.line
	f.line = nil
	if t, ok := f.p.parse(line[:min(len(line), tsScan)]); ok && t.After(f.until) {
		return nil
	}
	_, err := f.dst.Write(line)
	return err
}

// writeUntil passes lines until the first one stamped after until (lines without a stamp stay
// with the line before); the rest is dropped. An incomplete line is held (up to maxHeldLine)
// until its end shows whether it is past the window.
func (f *windowFilter) writeUntil(b []byte) error {
	for len(b) > 0 && !f.done {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(f.line)+len(b) > maxHeldLine {
				// A line this long is passed on as it is; its stamp was already seen or absent.
				if _, err := f.dst.Write(append(f.line, b...)); err != nil {
					return err
				}
				f.line = f.line[:0]
				return nil
			}
			f.line = append(f.line, b...)
			return nil
		}
		line := b[:i+1]
		if len(f.line) > 0 {
			f.line = append(f.line, line...)
			line = f.line
		}
		if t, ok := f.p.parse(line[:min(len(line), tsScan)]); ok && t.After(f.until) {
			f.done = true
			f.line = nil
			return nil
		}
		if _, err := f.dst.Write(line); err != nil {
			return err
		}
		f.line = f.line[:0]
		b = b[i+1:]
	}
	return nil
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
	until   time.Time       // window end (--until): lines after it are left out; zero: open
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
	path := "logs/" + s.name + "/" + s.file
	// headCut holds the output's first CutLookahead bytes (plus one pipe read): budgeted.
	const headHold = 2 * collectors.CutLookahead
	budget := collectors.BudgetFrom(ctx)
	if err := budget.Acquire(ctx, headHold); err != nil {
		return err
	}
	defer budget.Release(headHold)
	head := &headCut{open: func() (collectors.TailWriter, error) { return collectors.CreateTail(ctx, sink, path, limit) }}
	defer func() {
		if head.tw != nil {
			head.tw.Abort() // a file not closed (an error on the way) is discarded
		}
	}()
	var out interface{ Write([]byte) (int, error) } = head
	if s.filter || !s.until.IsZero() {
		// The window's start is the command's job unless filter is set; its end is applied here
		// whatever the command supports.
		since := s.since
		if !s.filter {
			since = time.Time{}
		}
		out = &windowFilter{dst: head, since: since, until: s.until, p: &tsParser{ref: time.Now(), loc: time.Local}}
	}
	stderr := collectors.NewMemTail(16 << 10)
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
	if wf, ok := out.(*windowFilter); ok {
		if err := wf.flush(); err != nil {
			return err
		}
	}
	if cctx.Err() != nil {
		runErr = fmt.Errorf("stopped before the collector's deadline; the output so far is kept")
	}
	idx := Index{Source: s.name, Command: argv, Since: s.since.UTC(), MaxFileSize: limit, Files: []FileEntry{}}
	if cmd.ProcessState != nil {
		code := cmd.ProcessState.ExitCode()
		idx.ExitCode = &code
	}
	errText := strings.TrimSpace(string(stderr.Bytes()))
	// Output that was too short to be passed on yet is all here: it may mean "no entries".
	data := head.short()
	if head.tw == nil && runErr != nil && len(bytes.TrimSpace(data)) == 0 {
		if s.skipErr != nil {
			if err := s.skipErr(runErr, []byte(errText)); err != nil {
				return err
			}
		}
		return fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), runErr, firstLine(errText))
	}
	idx.Stderr = errText
	e := FileEntry{Source: strings.Join(argv, " "), Seen: head.seen, ModTime: time.Now().UTC(), Timestamps: s.filter}
	if head.tw == nil && (len(bytes.TrimSpace(data)) == 0 || (s.empty != nil && s.empty(data))) {
		e.Status, e.Reason = "outside_window", "no entries inside the window"
		idx.Files = append(idx.Files, e)
		return sink.WriteJSON("logs/"+s.name+".json", idx)
	}
	head.pass(data)
	if head.err != nil {
		return head.err
	}
	if err := head.tw.Close(); err != nil {
		return err
	}
	// The kept part is the newest part of the stored (redacted) stream: the sink recorded its cut.
	// A key block dropped at the start was dropped before redaction: count it too.
	r := head.tw.Result()
	e.Path = head.tw.Name() // the sink redacts a path that holds a secret
	e.Status, e.Kept, e.Size = "collected", r.Kept, head.seen
	if r.Cut || head.dropped > 0 {
		e.Truncated = true
		e.Offset = head.dropped + r.Seen - r.Kept
		if head.dropped > 0 {
			sink.SetTruncated(e.Path, r.Kept, r.Seen+head.dropped)
		}
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
