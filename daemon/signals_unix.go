//go:build unix

package daemon

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// reloadOnSignal reloads the spec on every SIGHUP until ctx ends.
func (d *Daemon) reloadOnSignal(ctx context.Context) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	defer signal.Stop(ch)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			d.log.Info("SIGHUP: reloading the spec")
			d.Reload(ctx)
		}
	}
}
