//go:build !linux && !darwin && !windows

package daemon

// Default paths on other Unix systems.
const (
	DefaultStateDir = "/var/lib/casefile"
	DefaultSocket   = "/var/run/casefile.sock"
)
