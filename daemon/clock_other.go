//go:build !linux

package daemon

import (
	"fmt"
	"runtime"
)

// readClock: the kernel's clock discipline is read on Linux only (as system/time.json does).
func readClock() (clockState, error) {
	return clockState{}, fmt.Errorf("the clock offset is not readable on %s yet", runtime.GOOS)
}
