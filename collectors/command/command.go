// Package command runs external commands and collects their output: the commands a spec declares
// and a default set per OS that support engineers expect. Commands run as argv (a shell only when
// the spec says shell: true), each with a timeout, an output cap, a working directory and an
// environment allowlist. Output streams through the sink's redactor; what was run, how it ended
// and what was cut is recorded in a result.json beside it.
package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/spec"
)

// Defaults for commands that leave them out.
const (
	DefaultTimeout   = 20 * time.Second
	DefaultMaxOutput = 10 << 20
	// defaultSetTimeout bounds each command of the default set: they answer in well under a
	// second on a healthy machine, and a hung one must not eat the whole collector's time.
	defaultSetTimeout = 10 * time.Second
	// deadlineMargin is kept back from the collector's own deadline so that a command that runs
	// out of time is killed and recorded as timed_out before the runner gives up on the collector.
	deadlineMargin = 750 * time.Millisecond
)

// Collectors returns one collector per spec command and commands.defaults, the OS default set
// (minus any command the spec declares under the same name).
func Collectors(opts collectors.Options) ([]collectors.Collector, error) {
	var out []collectors.Collector
	names := map[string]bool{}
	fileCap := int64(spec.DefaultMaxFileSize)
	if opts.Spec != nil {
		if v := int64(opts.Spec.Collectors.MaxFileSize); v > 0 {
			fileCap = v
		}
		for _, c := range opts.Spec.Commands {
			names[c.Name] = true
			cmd := fromSpec(c, opts.Root, fileCap)
			cmd.Redactor = opts.Redactor
			out = append(out, &specCommand{cmd: cmd})
		}
	}
	var defs []Cmd
	for _, d := range osDefaults() {
		if !names[d.Name] {
			if d.MaxOutput == 0 || d.MaxOutput > fileCap {
				d.MaxOutput = fileCap
			}
			if d.Timeout == 0 {
				d.Timeout = defaultSetTimeout
			}
			d.Redactor = opts.Redactor
			defs = append(defs, d)
		}
	}
	out = append(out, &Defaults{Cmds: defs, Live: liveSystem(opts.Root), Parallel: 4})
	return out, nil
}

func liveSystem(root string) bool { return root == "" || root == "/" || root == `\` }

// Cmd is one command to run.
type Cmd struct {
	Name string
	Argv []string
	// Redactor, when set, redacts the argv recorded in result.json (a flag and its secret value
	// are two list elements there, out of the stream redactor's sight).
	Redactor  collectors.ArgvRedactor
	Shell     bool
	Script    string
	Timeout   time.Duration
	MaxOutput int64
	Dir       string
	// Env lists environment variables the command gets: "NAME" passes this process's value
	// through, "NAME=value" sets one. Only PATH (and on Windows the few variables programs
	// need to start) are passed otherwise.
	Env []string
	// Tail keeps the newest part of stdout instead of the first (dmesg).
	Tail bool
}

func fromSpec(c spec.Command, root string, fileCap int64) Cmd {
	out := Cmd{Name: c.Name, Argv: c.Argv, Shell: c.Shell, Script: c.Script, Timeout: time.Duration(c.Timeout),
		MaxOutput: int64(c.MaxOutput), Dir: c.Dir, Env: c.Env}
	if out.MaxOutput <= 0 || out.MaxOutput > fileCap {
		out.MaxOutput = fileCap
	}
	if out.Dir != "" && !liveSystem(root) {
		out.Dir = filepath.Join(root, filepath.FromSlash(out.Dir))
	}
	return out
}

// Output records one captured stream.
type Output struct {
	Path      string `json:"path,omitempty"`
	Bytes     int64  `json:"bytes"` // kept
	Seen      int64  `json:"bytes_seen"`
	Truncated bool   `json:"truncated"`
}

// Result is what result.json records about one command.
type Result struct {
	Name       string   `json:"name"`
	Argv       []string `json:"argv"`
	Shell      bool     `json:"shell,omitempty"`
	Dir        string   `json:"dir,omitempty"`
	Env        []string `json:"env,omitempty"` // names only, never values
	ExitCode   *int     `json:"exit_code"`     // null when the command did not exit by itself
	DurationMS int64    `json:"duration_ms"`
	TimedOut   bool     `json:"timed_out"`
	Timeout    string   `json:"timeout"`
	Error      string   `json:"error,omitempty"`
	Stdout     Output   `json:"stdout"`
	Stderr     Output   `json:"stderr"`
}

// specCommand is the collector for one spec-declared command.
type specCommand struct{ cmd Cmd }

func (s *specCommand) Name() string   { return "commands." + s.cmd.Name }
func (s *specCommand) Family() string { return collectors.FamilyCommands }

func (s *specCommand) Collect(ctx context.Context, sink collectors.Sink) error {
	res, err := Run(ctx, sink, s.cmd, "commands/"+s.cmd.Name)
	if err != nil {
		return err
	}
	if res.TimedOut {
		return collectors.Partial(fmt.Errorf("%s timed out after %s", s.cmd.Name, res.Timeout))
	}
	if res.Error != "" {
		return errors.New(res.Error)
	}
	return nil
}

// ErrNotFound wraps the reason a command's program is absent.
var ErrNotFound = errors.New("program not found")

// argv returns what is executed: the argv, or the platform shell running the script.
func (c Cmd) argv() []string {
	if !c.Shell {
		return c.Argv
	}
	script := c.Script
	if script == "" {
		script = strings.Join(c.Argv, " ")
	}
	if runtime.GOOS == "windows" {
		return []string{"cmd.exe", "/d", "/s", "/c", script} // command line: cmdExeLine
	}
	return []string{"/bin/sh", "-c", script}
}

// Run runs one command, streaming stdout and stderr into dir/stdout.txt and dir/stderr.txt and
// writing dir/result.json. An absent program is a collectors.Skip (and nothing is written). The
// error is non-nil only when nothing could be recorded; how the command ended is in the Result.
func Run(ctx context.Context, sink collectors.Sink, c Cmd, dir string) (Result, error) {
	argv := c.argv()
	res := Result{Name: c.Name, Argv: argv, Shell: c.Shell, Dir: c.Dir}
	if c.Redactor != nil {
		res.Argv = c.Redactor.Argv(dir+"/result.json", argv)
	}
	for _, e := range c.Env {
		name, _, _ := strings.Cut(e, "=")
		res.Env = append(res.Env, name)
	}
	if len(argv) == 0 {
		return res, fmt.Errorf("%s: empty argv", c.Name)
	}
	bin, err := lookPath(argv[0], c.Dir)
	if err != nil {
		return res, collectors.Skip("%s: %s not found", c.Name, argv[0])
	}
	if c.Dir != "" {
		if fi, err := os.Stat(c.Dir); err != nil || !fi.IsDir() {
			return res, collectors.Skip("%s: working directory %s does not exist", c.Name, c.Dir)
		}
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl) - deadlineMargin; left < timeout {
			timeout = max(left, 10*time.Millisecond)
		}
	}
	res.Timeout = timeout.Round(time.Millisecond).String()
	limit := c.MaxOutput
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	if sc := sink.MaxFileSize(); sc > 0 && limit >= sc {
		limit = sc - sc/32 // room for redaction markers under the sink's own cap
	}
	stdout := &capture{ctx: ctx, sink: sink, path: dir + "/stdout.txt", max: limit, tail: c.Tail}
	stderr := &capture{ctx: ctx, sink: sink, path: dir + "/stderr.txt", max: min(limit, 1<<20)}

	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, bin, argv[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = environment(c.Env)
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// Children that keep the pipes open must not hold the collector past the kill.
	cmd.WaitDelay = time.Second
	killGroup(cmd)
	begin := time.Now()
	runErr := runProcess(cmd, c.Shell)
	res.DurationMS = time.Since(begin).Milliseconds()
	res.TimedOut = errors.Is(cctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	if cmd.ProcessState != nil && cmd.ProcessState.Exited() {
		code := cmd.ProcessState.ExitCode()
		res.ExitCode = &code
	}
	switch {
	case res.TimedOut:
		res.Error = fmt.Sprintf("killed after the %s timeout", res.Timeout)
	case ctx.Err() != nil:
		res.Error = "interrupted"
	case runErr != nil && res.ExitCode == nil:
		res.Error = runErr.Error()
	case runErr != nil && !isExit(runErr):
		res.Error = runErr.Error() // e.g. output still open after the process exited
	}
	var errs []error
	res.Stdout, err = stdout.finish()
	errs = append(errs, err)
	res.Stderr, err = stderr.finish()
	errs = append(errs, err)
	errs = append(errs, sink.WriteJSON(dir+"/result.json", res))
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, errors.Join(errs...)
}

func isExit(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee)
}

// lookPath resolves the program; a relative path with a separator is taken from the working
// directory the command will run in.
func lookPath(name, dir string) (string, error) {
	if dir != "" && !filepath.IsAbs(name) && strings.ContainsAny(name, `/\`) {
		name = filepath.Join(dir, name)
	}
	return exec.LookPath(name)
}

// environment builds the allowlisted environment.
func environment(allow []string) []string {
	base := append([]string{"PATH"}, osEnv...)
	var env []string
	for _, name := range base {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	if runtime.GOOS != "windows" {
		// Stable, untranslated output that support engineers and parsers can read.
		env = append(env, "LC_ALL=C", "LANG=C")
	}
	for _, e := range allow {
		if strings.Contains(e, "=") {
			env = append(env, e)
		} else if v, ok := os.LookupEnv(e); ok {
			env = append(env, e+"="+v)
		}
	}
	return env
}

// capture streams one output of a command into a bundle file, created on the first byte, up to
// max bytes: the first ones, or with tail the newest ones. A tail goes through
// collectors.CreateTail, which spools the redacted stream into the staged file and cuts it there
// (the redactor sees the output from its first byte, so a private key whose BEGIN line falls
// before the cut is already one marker), holding no copy of it in memory.
type capture struct {
	ctx  context.Context
	sink collectors.Sink
	path string
	max  int64
	tail bool

	mu   sync.Mutex
	w    io.WriteCloser
	tw   collectors.TailWriter
	kept int64
	seen int64
	err  error
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen += int64(len(p))
	if c.err != nil {
		return len(p), nil // keep draining, so the command is not stopped by a full pipe
	}
	if c.tail {
		if c.tw == nil {
			if c.tw, c.err = collectors.CreateTail(c.ctx, c.sink, c.path, c.max); c.err != nil {
				return len(p), nil
			}
		}
		if _, err := c.tw.Write(p); err != nil {
			c.err = err
		}
		return len(p), nil
	}
	if c.kept >= c.max {
		return len(p), nil
	}
	if c.w == nil {
		if c.w, c.err = c.sink.Create(c.path); c.err != nil {
			return len(p), nil
		}
	}
	take := min(int64(len(p)), c.max-c.kept)
	n, err := c.w.Write(p[:take])
	c.kept += int64(n)
	if err != nil {
		c.err = err
	}
	return len(p), nil
}

func (c *capture) finish() (Output, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tw != nil {
		// The sink records the cut (in stored bytes); bytes_seen here stays the command's output.
		if err := c.tw.Close(); c.err == nil {
			c.err = err
		}
		r := c.tw.Result()
		c.kept = r.Kept
		c.w, c.path = nil, c.tw.Name()
		out := Output{Seen: c.seen, Bytes: c.kept, Truncated: r.Cut}
		if c.err != nil {
			out.Bytes, out.Truncated = 0, false
			return out, fmt.Errorf("%s: %w", c.path, c.err)
		}
		out.Path = c.path
		return out, nil
	}
	out := Output{Seen: c.seen, Bytes: c.kept}
	if c.w != nil {
		if err := c.w.Close(); c.err == nil {
			c.err = err
		}
		if c.err == nil {
			out.Path = c.path
		}
	}
	if c.err != nil {
		out.Bytes = 0
		return out, fmt.Errorf("%s: %w", c.path, c.err)
	}
	if c.kept < c.seen {
		out.Truncated = true
		c.sink.SetTruncated(c.path, c.kept, c.seen)
	}
	return out, nil
}
