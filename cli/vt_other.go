//go:build !windows

package cli

import "io"

// enableVT: terminals outside Windows take escape sequences as they are.
func enableVT(io.Writer) bool { return true }
