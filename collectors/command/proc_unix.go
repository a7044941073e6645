//go:build unix

package command

import (
	"os/exec"
	"syscall"
)

// killGroup runs the command in its own process group and kills the whole group when the
// context ends, so a shell's children (or a daemonising helper) do not outlive the timeout.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
}
