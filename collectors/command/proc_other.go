//go:build !unix && !windows

package command

import "os/exec"

// killGroup: without process groups, the context kills the process itself (exec's default), and
// WaitDelay stops waiting for children that hold its output open.
func killGroup(*exec.Cmd) {}
