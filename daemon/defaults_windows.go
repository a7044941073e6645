package daemon

// Default paths on Windows: the state under ProgramData, the API on a named pipe.
const (
	DefaultStateDir = `C:\ProgramData\casefile`
	DefaultSocket   = `\\.\pipe\casefile`
)
