//go:build !windows

package command

// osEnv is passed through to commands besides PATH: nothing on Unix, where commands also get
// LC_ALL=C and LANG=C.
var osEnv []string
