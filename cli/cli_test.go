package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/casefile/casefile/internal/testenv"
)

func TestMain(m *testing.M) {
	// Tests that need a real process with real signals re-run this binary as casefile.
	if os.Getenv("CASEFILE_TEST_SELF") == "1" {
		os.Exit(Main(os.Args[1:]))
	}
	testscript.Main(m, map[string]func(){
		"casefile": func() { os.Exit(Main(os.Args[1:])) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: the real command, in-process.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// samebundle DIR1 DIR2: each folder holds exactly one bundle and they are byte-identical.
			"samebundle": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: samebundle DIR1 DIR2")
				}
				a, b := onlyBundle(ts, args[0]), onlyBundle(ts, args[1])
				same := bytes.Equal(a, b)
				if same == neg {
					ts.Fatalf("bundles identical: %v", same)
				}
			},
			// samehosttoken DIR1 DIR2: the bundles in both folders carry the same host pseudonym.
			"samehosttoken": func(ts *testscript.TestScript, neg bool, args []string) {
				tok := func(dir string) string {
					m, _ := filepath.Glob(filepath.Join(ts.MkAbs(dir), "casefile-*"))
					if len(m) != 1 {
						ts.Fatalf("%s holds %d bundles", dir, len(m))
					}
					parts := strings.SplitN(filepath.Base(m[0]), "-", 4)
					return parts[1] + "-" + parts[2]
				}
				if a, b := tok(args[0]), tok(args[1]); (a == b) == neg {
					ts.Fatalf("host tokens %s and %s", a, b)
				}
			},
			// countfiles DIR N: DIR holds exactly N entries (nothing left behind).
			"countfiles": func(ts *testscript.TestScript, neg bool, args []string) {
				entries, err := os.ReadDir(ts.MkAbs(args[0]))
				ts.Check(err)
				if fmt.Sprint(len(entries)) != args[1] {
					var names []string
					for _, e := range entries {
						names = append(names, e.Name())
					}
					ts.Fatalf("%s holds %d entries %v, want %s", args[0], len(entries), names, args[1])
				}
			},
			// bundlefile DIR NAME: export $NAME as the path of the only bundle in DIR.
			"bundlefile": func(ts *testscript.TestScript, neg bool, args []string) {
				m, _ := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), "casefile-*"))
				if len(m) != 1 {
					ts.Fatalf("%s holds %d bundles", args[0], len(m))
				}
				ts.Setenv(args[1], m[0])
			},
		},
	})
}

func onlyBundle(ts *testscript.TestScript, dir string) []byte {
	m, _ := filepath.Glob(filepath.Join(ts.MkAbs(dir), "*"))
	if len(m) != 1 {
		ts.Fatalf("%s holds %d bundles", dir, len(m))
	}
	data, err := os.ReadFile(m[0])
	ts.Check(err)
	return data
}

func TestExitCodeMapping(t *testing.T) {
	cases := map[error]int{
		nil:                                   0,
		fmt.Errorf("x"):                       1,
		usageError("bad"):                     2,
		withCode(ExitPartial, nil):            3,
		context.Canceled:                      130,
		fmt.Errorf("w: %w", context.Canceled): 130,
	}
	for err, want := range cases {
		if got := exitCode(err); got != want {
			t.Errorf("exitCode(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestSIGTERMLeavesNothing(t *testing.T) {
	testenv.NeedTool(t, "sleep")
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	specPath := filepath.Join(dir, "slow.yaml")
	os.WriteFile(specPath, []byte("apiVersion: casefile/v1\nkind: Spec\nmetadata: {name: slow}\n"+
		"commands:\n  - {name: slow, argv: [sleep, \"30\"], timeout: 60s}\nfiles:\n  - {name: f, paths: [\""+specPath+"\"]}\n"), 0o644)
	cmd := exec.Command(os.Args[0], "collect", "--spec", specPath, "--out", out, "--only", "commands.slow,files")
	cmd.Env = append(os.Environ(), "CASEFILE_TEST_SELF=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until staging has begun (the files collector has written into the stage).
	deadline := time.Now().Add(10 * time.Second)
	for {
		entries, _ := os.ReadDir(out)
		if len(entries) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitInterrupted {
		t.Fatalf("exit: %v, want %d\n%s", err, ExitInterrupted, stderr.String())
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v to stop after SIGTERM", el)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 0 {
		t.Errorf("left behind in the output folder: %v", entries)
	}
}
