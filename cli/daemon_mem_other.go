//go:build !linux

package cli

// releaseExecutablePages: only on Linux (see daemon_mem_linux.go).
func releaseExecutablePages() int64 { return 0 }
