package daemon

// Default paths on macOS.
const (
	DefaultStateDir = "/Library/Application Support/casefile"
	DefaultSocket   = "/var/run/casefile.sock"
)
