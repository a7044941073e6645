package command

import (
	"runtime"
	"strings"
	"testing"
)

func TestWindowsEnv(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range windowsEnv {
		k := strings.ToUpper(n) // Windows names are case-insensitive
		if seen[k] {
			t.Errorf("windowsEnv lists %s twice", n)
		}
		seen[k] = true
		if k == "PATH" {
			t.Errorf("windowsEnv lists PATH, which every OS passes already")
		}
	}
	for _, n := range []string{"USERPROFILE", "APPDATA", "LOCALAPPDATA", "ProgramData", "ProgramFiles",
		"SystemRoot", "windir", "ComSpec", "PATHEXT", "TEMP", "TMP", "SystemDrive"} {
		if !seen[strings.ToUpper(n)] {
			t.Errorf("windowsEnv lacks %s", n)
		}
	}
}

func TestEnvironmentPerOS(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("checks the Unix list")
	}
	t.Setenv("USERPROFILE", `C:\Users\x`)
	t.Setenv("APPDATA", `C:\Users\x\AppData\Roaming`)
	t.Setenv("PATH", "/usr/bin:/bin")
	env := environment(nil)
	for _, e := range env {
		if strings.HasPrefix(e, "USERPROFILE=") || strings.HasPrefix(e, "APPDATA=") {
			t.Errorf("Unix commands got the Windows variable %s", e)
		}
	}
	if want := "PATH=/usr/bin:/bin"; len(env) == 0 || env[0] != want {
		t.Errorf("environment = %q, want %s first", env, want)
	}
}
