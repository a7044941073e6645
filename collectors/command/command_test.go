//go:build unix

package command

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/collectors/collectorstest"
	"github.com/casefile/casefile/internal/testenv"
	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/spec"
)

func runSpec(t *testing.T, ctx context.Context, c spec.Command, root string) (*collectorstest.Sink, Result, error) {
	t.Helper()
	cs, err := Collectors(collectors.Options{Root: root, Spec: &spec.Spec{Commands: []spec.Command{c}}})
	if err != nil {
		t.Fatal(err)
	}
	if cs[0].Name() != "commands."+c.Name || cs[0].Family() != collectors.FamilyCommands {
		t.Fatalf("collector %s/%s", cs[0].Name(), cs[0].Family())
	}
	sink := &collectorstest.Sink{Family: "commands"}
	err = cs[0].Collect(ctx, sink)
	var res Result
	if _, ok := sink.File("commands/" + c.Name + "/result.json"); ok {
		if jerr := sink.JSON("commands/"+c.Name+"/result.json", &res); jerr != nil {
			t.Fatal(jerr)
		}
	}
	return sink, res, err
}

func file(s *collectorstest.Sink, p string) string {
	b, _ := s.File(p)
	return string(b)
}

func TestArgvCommandRecorded(t *testing.T) {
	sink, res, err := runSpec(t, context.Background(), spec.Command{Name: "hello", Argv: []string{"printf", `a %s\nb\n`, "x y"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := file(sink, "commands/hello/stdout.txt"); got != "a x y\nb\n" {
		t.Errorf("stdout %q: argv must reach the program unsplit and without a shell", got)
	}
	if _, ok := sink.File("commands/hello/stderr.txt"); ok {
		t.Error("empty stderr written")
	}
	if res.ExitCode == nil || *res.ExitCode != 0 || res.TimedOut || res.Stdout.Bytes != 8 || res.Stdout.Truncated ||
		strings.Join(res.Argv, "|") != `printf|a %s\nb\n|x y` || res.Timeout != DefaultTimeout.String() {
		t.Errorf("result %+v", res)
	}
}

func TestNonZeroExitIsData(t *testing.T) {
	sink, res, err := runSpec(t, context.Background(), spec.Command{Name: "fails", Shell: true, Script: `echo out; echo "it broke" >&2; exit 3`}, "")
	if err != nil {
		t.Fatalf("a command that exits non-zero still yields its evidence; got %v", err)
	}
	if res.ExitCode == nil || *res.ExitCode != 3 || res.Error != "" {
		t.Errorf("result %+v, want exit code 3", res)
	}
	if file(sink, "commands/fails/stdout.txt") != "out\n" || file(sink, "commands/fails/stderr.txt") != "it broke\n" {
		t.Errorf("stdout %q stderr %q", file(sink, "commands/fails/stdout.txt"), file(sink, "commands/fails/stderr.txt"))
	}
	if strings.Join(res.Argv, " ") != `/bin/sh -c echo out; echo "it broke" >&2; exit 3` || !res.Shell {
		t.Errorf("argv %q", res.Argv)
	}
}

func TestHangingCommandTimesOut(t *testing.T) {
	for _, c := range []spec.Command{
		{Name: "hang", Argv: []string{"sleep", "29.61"}, Timeout: spec.Duration(300 * time.Millisecond)},
		// The shell's background child holds stdout open: the whole process group must go.
		{Name: "hang-group", Shell: true, Script: "echo started; sleep 29.62 & sleep 29.63", Timeout: spec.Duration(300 * time.Millisecond)},
	} {
		begin := time.Now()
		sink, res, err := runSpec(t, context.Background(), c, "")
		took := time.Since(begin)
		if !collectors.IsPartial(err) || !strings.Contains(err.Error(), "timed out") {
			t.Errorf("%s: got %v, want partial timed out", c.Name, err)
		}
		if !res.TimedOut || res.ExitCode != nil || took > 3*time.Second || res.DurationMS < 300 {
			t.Errorf("%s: result %+v after %s", c.Name, res, took)
		}
		if c.Name == "hang-group" && file(sink, "commands/hang-group/stdout.txt") != "started\n" {
			t.Errorf("output before the timeout lost: %q", file(sink, "commands/hang-group/stdout.txt"))
		}
	}
	out, _ := exec.Command("pgrep", "-f", "sleep 29.6[123]$").Output()
	if len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("processes left behind: %s", out)
	}
}

func TestCollectorDeadlineBoundsCommand(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, res, err := runSpec(t, ctx, spec.Command{Name: "slow", Argv: []string{"sleep", "20"}}, "")
	if !collectors.IsPartial(err) || !res.TimedOut || ctx.Err() != nil {
		t.Fatalf("got %v, %+v: the command must be stopped and recorded before the collector's deadline", err, res)
	}
}

func TestFloodingCommandCapped(t *testing.T) {
	testenv.NeedTool(t, "seq")
	sink, res, err := runSpec(t, context.Background(), spec.Command{Name: "flood", Argv: []string{"seq", "1", "3000000"}, MaxOutput: spec.Size(1 << 20)}, "")
	if err != nil {
		t.Fatal(err)
	}
	got := file(sink, "commands/flood/stdout.txt")
	if len(got) != 1<<20 || !strings.HasPrefix(got, "1\n2\n3\n") {
		t.Errorf("kept %d bytes, want the first 1MiB", len(got))
	}
	const seen = 22888896 // bytes `seq 1 3000000` prints
	if !res.Stdout.Truncated || res.Stdout.Bytes != 1<<20 || res.Stdout.Seen != seen || *res.ExitCode != 0 {
		t.Errorf("result %+v", res.Stdout)
	}
	if kept, s, ok := sink.Truncated("commands/flood/stdout.txt"); !ok || kept != 1<<20 || s != seen {
		t.Errorf("truncation recorded (%d, %d, %v)", kept, s, ok)
	}
	// A flood that never ends is cut by the timeout, with what fits kept.
	sink, res, err = runSpec(t, context.Background(), spec.Command{Name: "yes", Argv: []string{"yes", "casefile"}, MaxOutput: spec.Size(64 << 10), Timeout: spec.Duration(300 * time.Millisecond)}, "")
	if !collectors.IsPartial(err) || !res.TimedOut || res.Stdout.Bytes != 64<<10 || res.Stdout.Seen <= 64<<10 {
		t.Errorf("endless flood: %v %+v", err, res.Stdout)
	}
}

func TestMissingBinarySkipped(t *testing.T) {
	sink, _, err := runSpec(t, context.Background(), spec.Command{Name: "nope", Argv: []string{"casefile-no-such-binary", "x"}}, "")
	if !collectors.IsSkip(err) || !strings.Contains(err.Error(), "casefile-no-such-binary") {
		t.Fatalf("got %v, want skip", err)
	}
	if len(sink.Files()) != 0 {
		t.Errorf("files written for a skipped command: %v", sink.Files())
	}
}

func TestEnvironmentAllowlistAndDir(t *testing.T) {
	t.Setenv("CASEFILE_TEST_PASSED", "visible")
	t.Setenv("CASEFILE_TEST_HIDDEN", "must-not-leak")
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "srv/app"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "srv/app/marker-file"), nil, 0o644)
	sink, res, err := runSpec(t, context.Background(), spec.Command{Name: "env", Shell: true, Script: "env; ls",
		Dir: "/srv/app", Env: []string{"CASEFILE_TEST_PASSED", "FIXED=value"}}, root)
	if err != nil {
		t.Fatal(err)
	}
	out := file(sink, "commands/env/stdout.txt")
	for _, want := range []string{"CASEFILE_TEST_PASSED=visible", "FIXED=value", "PATH=", "LC_ALL=C", "marker-file"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "must-not-leak") || strings.Contains(out, "HOME=") {
		t.Errorf("environment not restricted to the allowlist:\n%s", out)
	}
	if strings.Join(res.Env, ",") != "CASEFILE_TEST_PASSED,FIXED" || res.Dir != filepath.Join(root, "srv/app") {
		t.Errorf("result env %v dir %s (names only, dir under the root)", res.Env, res.Dir)
	}
}

func TestTailKeepsNewest(t *testing.T) {
	sink := &collectorstest.Sink{Family: "commands"}
	res, err := Run(context.Background(), sink, Cmd{Name: "t", Argv: []string{"seq", "1", "100000"}, Tail: true, MaxOutput: 1000}, "commands/t")
	if err != nil {
		t.Fatal(err)
	}
	got := file(sink, "commands/t/stdout.txt")
	if !strings.HasSuffix(got, "\n99999\n100000\n") || len(got) > 1000 || strings.HasPrefix(got, "\n") || !res.Stdout.Truncated {
		t.Errorf("tail %d bytes %q...", len(got), got[:min(20, len(got))])
	}
	first := strings.SplitN(got, "\n", 2)[0]
	if !strings.HasSuffix("\n"+strings.Repeat("x", 0)+first, "\n"+first) || len(first) != 5 {
		t.Errorf("first kept line %q is cut", first)
	}
}

func TestDefaultsLive(t *testing.T) {
	cs, err := Collectors(collectors.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := cs[len(cs)-1].(*Defaults)
	if d.Name() != "commands.defaults" {
		t.Fatal(d.Name())
	}
	sink := &collectorstest.Sink{Family: "commands"}
	begin := time.Now()
	err = d.Collect(context.Background(), sink)
	if err != nil && !collectors.IsPartial(err) {
		t.Fatal(err)
	}
	var sum Summary
	if err := sink.JSON("commands/defaults.json", &sum); err != nil {
		t.Fatal(err)
	}
	t.Logf("ran %v in %s; absent %v; %v", sum.Ran, time.Since(begin), sum.Absent, err)
	if len(sum.Ran)+len(sum.Absent) != len(d.Cmds) {
		t.Errorf("%d ran + %d absent != %d defaults", len(sum.Ran), len(sum.Absent), len(d.Cmds))
	}
	if _, err := exec.LookPath("ip"); err == nil {
		if out := file(sink, "commands/ip-addr/stdout.txt"); !strings.Contains(out, "lo") {
			t.Errorf("ip addr output %q lacks the loopback interface", out)
		}
	}
	for name, r := range sum.Results {
		if r.TimedOut {
			t.Errorf("%s timed out", name)
		}
	}
	// A fixture root does not run them; a spec command of the same name replaces the default.
	cs, _ = Collectors(collectors.Options{Root: t.TempDir(), Spec: &spec.Spec{Commands: []spec.Command{{Name: "ip-addr", Argv: []string{"true"}}}}})
	d = cs[len(cs)-1].(*Defaults)
	for _, c := range d.Cmds {
		if c.Name == "ip-addr" {
			t.Error("default ip-addr kept beside the spec's")
		}
	}
	if err := d.Collect(context.Background(), &collectorstest.Sink{}); !collectors.IsSkip(err) {
		t.Errorf("with a fixture root: %v, want skip", err)
	}
}

// redactingSink puts the redaction engine in front of the in-memory sink, as the bundle stage does.
type redactingSink struct {
	*collectorstest.Sink
	eng *redact.Engine
}

type redactedFile struct {
	io.WriteCloser
	inner io.WriteCloser
}

func (r redactedFile) Close() error {
	err := r.WriteCloser.Close()
	if cerr := r.inner.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s redactingSink) Create(p string) (io.WriteCloser, error) {
	w, err := s.Sink.Create(p)
	if err != nil {
		return nil, err
	}
	return redactedFile{s.eng.NewWriter(w, p), w}, nil
}

func (s redactingSink) WriteJSON(p string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	w, err := s.Create(p)
	if err != nil {
		return err
	}
	w.Write(append(data, '\n'))
	return w.Close()
}

func TestOutputRedacted(t *testing.T) {
	eng, _ := redact.New(redact.Config{})
	sink := &collectorstest.Sink{Family: "commands", Redactor: eng}
	_, err := Run(context.Background(), sink, Cmd{Name: "leaky", Shell: true, Script: `echo "db password=hunter2-planted"; echo "token: hunter3-planted" >&2`}, "commands/leaky")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sink.Files() {
		if b, _ := sink.File(f); bytes.Contains(b, []byte("planted")) {
			t.Errorf("%s: secret survived: %q", f, b)
		}
	}
	if eng.Report().Total < 2 {
		t.Errorf("redactions %d, want 2", eng.Report().Total)
	}
}

func TestDefaultsBoundedByDeadline(t *testing.T) {
	d := &Defaults{Live: true, Parallel: 2, Cmds: []Cmd{
		{Name: "hang-a", Argv: []string{"sleep", "29.64"}, Timeout: time.Minute},
		{Name: "hang-b", Argv: []string{"sleep", "29.64"}, Timeout: time.Minute},
		{Name: "queued", Argv: []string{"echo", "late"}},
		{Name: "absent", Argv: []string{"casefile-no-such-binary"}},
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sink := &collectorstest.Sink{Family: "commands"}
	begin := time.Now()
	err := d.Collect(ctx, sink)
	if !collectors.IsPartial(err) || !strings.Contains(err.Error(), "timed out: hang-a, hang-b") || ctx.Err() != nil {
		t.Fatalf("got %v after %s (ctx %v), want partial naming the hung commands, before the deadline", err, time.Since(begin), ctx.Err())
	}
	var sum Summary
	if err := sink.JSON("commands/defaults.json", &sum); err != nil {
		t.Fatal(err)
	}
	if strings.Join(sum.Ran, ",") != "hang-a,hang-b,queued" || sum.Absent["absent"] == "" {
		t.Errorf("summary ran %v absent %v", sum.Ran, sum.Absent)
	}
	// The queued command got what time was left: it either ran or was stopped, and is recorded.
	if r := sum.Results["queued"]; r.Name != "queued" {
		t.Errorf("queued command not recorded: %+v", r)
	}
}
