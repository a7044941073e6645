package daemon

import (
	"context"
	"time"
)

// Reload reads the spec again. A spec that does not load or parse is refused with its error
// (file:line) logged, and the running one stays; a good one replaces it and the monitors are
// restarted with their counts kept. Changes to the daemon: section's history bounds and socket
// group take effect at the next start.
func (d *Daemon) Reload(ctx context.Context) error {
	l, err := d.load(ctx)
	d.mu.Lock()
	d.lastLoad = d.cfg.Now()
	if err != nil {
		d.reloadErr = d.cur.eng.String("daemon.log", err.Error())
		d.mu.Unlock()
		d.log.Error("reload refused; the running spec stays", "error", d.reloadErr)
		return err
	}
	d.reloadErr = ""
	old := d.cur.spec
	d.mu.Unlock()

	d.stopMonitors()
	d.mu.Lock()
	d.cur = l
	if d.runCtx != nil && d.runCtx.Err() == nil {
		d.startMonitorsLocked(l.spec)
	}
	d.mu.Unlock()
	if old.Daemon != l.spec.Daemon {
		d.log.Warn("the daemon: section changed; history bounds and the socket group take effect at the next start")
	}
	d.log.Info("spec reloaded", "spec", l.spec.Metadata.Name, "spec_source", l.src.Name, "monitors", len(l.spec.Monitors))
	return nil
}

// reloadInfo is the last (re)load for /v1/status.
type reloadInfo struct {
	At    time.Time `json:"at"`
	Error string    `json:"error,omitempty"`
}
