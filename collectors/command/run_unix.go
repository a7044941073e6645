//go:build unix

package command

import (
	"os/exec"
	"syscall"
)

// runProcess runs the command in its own process group (killGroup). The command is done when
// its own process exits (ownPipes): then the whole group is killed, so a background child
// (`sleep 77 &`) neither holds the collector nor outlives it, and its output so far is kept.
// This matches Windows, where the command's Job Object is ended when the command exits.
func runProcess(cmd *exec.Cmd, _ bool) error {
	pipes, err := newOwnPipes(cmd)
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		pipes.abort()
		return err
	}
	pipes.started()
	err = cmd.Wait()
	// The command is done: end what it left in its group (ESRCH when nothing is left; the group
	// id cannot be reused while a member lives).
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	pipes.finish()
	return err
}
