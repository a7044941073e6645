package daemon

// Default paths on Linux.
const (
	DefaultStateDir = "/var/lib/casefile"
	DefaultSocket   = "/run/casefile.sock"
)
