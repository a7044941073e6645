package command

// windowsEnv is what commands get from this process's environment on Windows besides PATH and
// the spec's env: what programs need to start (SystemRoot, windir, ComSpec, PATHEXT), to find
// the per-user and machine folders (USERPROFILE, APPDATA, LOCALAPPDATA, ProgramData, Program
// Files, HOMEDRIVE/HOMEPATH), for temporary files (TEMP, TMP), and what PowerShell and
// architecture-aware scripts read (PSModulePath, PROCESSOR_ARCHITECTURE). Windows matches the
// names without regard to case. Values are never recorded; result.json lists only the spec's
// env names.
var windowsEnv = []string{
	"SystemRoot", "SystemDrive", "windir", "ComSpec", "PATHEXT",
	"TEMP", "TMP",
	"USERPROFILE", "HOMEDRIVE", "HOMEPATH", "APPDATA", "LOCALAPPDATA",
	"ProgramData", "ALLUSERSPROFILE", "PUBLIC",
	"ProgramFiles", "ProgramFiles(x86)", "ProgramW6432",
	"CommonProgramFiles", "CommonProgramFiles(x86)", "CommonProgramW6432",
	"PSModulePath", "PROCESSOR_ARCHITECTURE", "NUMBER_OF_PROCESSORS",
}
