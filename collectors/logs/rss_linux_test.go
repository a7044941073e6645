package logs

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

const rssLauncherEnv = "CASEFILE_RSS_LAUNCHER"

// Peak RSS from wait4 is inherited across exec from the process that forked: Go starts children
// with vfork semantics, so a child's ru_maxrss starts at the parent's own high-water mark (the
// test process, which may have been large). The launcher is this test binary re-executed small:
// it runs the measured command and reports its ru_maxrss, which is then at most the launcher's
// own few MB plus the command's peak: an upper bound that errs on the safe side.
func rssLaunch(args []string) int {
	out := os.Getenv(rssLauncherEnv)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "launcher:", err)
		return 1
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
	os.WriteFile(out, []byte(strconv.FormatInt(rss, 10)), 0o644)
	return cmd.ProcessState.ExitCode()
}

// measuredCommand wraps cmd so that its peak RSS is written to rssFile.
func measuredCommand(rssFile string, name string, args ...string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, append([]string{name}, args...)...)
	cmd.Env = append(os.Environ(), rssLauncherEnv+"="+rssFile)
	return cmd, nil
}

func readRSS(rssFile string) (int64, error) {
	b, err := os.ReadFile(rssFile)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}
