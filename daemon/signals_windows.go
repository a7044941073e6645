package daemon

import "context"

// reloadOnSignal: Windows has no SIGHUP; restart the service to load a new spec.
func (d *Daemon) reloadOnSignal(context.Context) {}
