package daemon

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// readClock asks the kernel (adjtimex with no modes only reads), as the system collector's
// system/time.json does.
func readClock() (clockState, error) {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return clockState{}, fmt.Errorf("adjtimex: %w", err)
	}
	off := float64(tx.Offset) / 1000 // microseconds
	if tx.Status&unix.STA_NANO != 0 {
		off = float64(tx.Offset) / 1e6 // nanoseconds
	}
	return clockState{
		OffsetMS:       off,
		Unsynchronized: tx.Status&unix.STA_UNSYNC != 0 || state == unix.TIME_ERROR,
		MaxErrorMS:     float64(tx.Maxerror) / 1000,
		EstErrorMS:     float64(tx.Esterror) / 1000,
	}, nil
}
