//go:build !unix && !windows

package command

import "os/exec"

// runProcess runs the command (killGroup has set up how it is killed). The Windows version puts
// it in a Job Object and builds cmd.exe's command line.
func runProcess(cmd *exec.Cmd, _ bool) error { return cmd.Run() }
